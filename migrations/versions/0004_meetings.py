"""Meetings: every gathering of a group, its agenda and materials, registrations and reminders

Revision ID: 0004_meetings
Revises: 0003_outbox_kind
Create Date: 2026-11-25
"""

from alembic import op
import sqlalchemy as sa

revision = "0004_meetings"
down_revision = "0003_outbox_kind"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('plenary', 'webinar', 'workshop', 'study_visit', 'peer_review_visit', name='meeting_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('cycle_slot', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('format', sa.Enum('in_person', 'online', 'hybrid', name='meeting_format', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('venue', sa.String(length=200), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('online_url', sa.String(length=500), nullable=False),
    sa.Column('capacity_in_person', sa.Integer(), nullable=True),
    sa.Column('capacity_online', sa.Integer(), nullable=True),
    sa.Column('registration_opens_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('registration_closes_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('audience', sa.Enum('members', 'open', name='meeting_audience', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', 'cancelled', name='meeting_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('reminder_days', sa.String(length=40), nullable=False),
    sa.Column('agenda_visibility', sa.Enum('public', 'members', name='agenda_visibility', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=False),
    sa.Column('minutes_visibility', sa.Enum('public', 'members', name='minutes_visibility', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('postponed_from', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(kind = 'plenary') = (cycle_slot IS NOT NULL)", name=op.f('ck_meetings_slot_only_for_plenaries')),
    sa.CheckConstraint('capacity_in_person IS NULL OR capacity_in_person > 0', name=op.f('ck_meetings_capacity_in_person_positive')),
    sa.CheckConstraint('capacity_online IS NULL OR capacity_online > 0', name=op.f('ck_meetings_capacity_online_positive')),
    sa.CheckConstraint('cycle_slot IS NULL OR cycle_slot BETWEEN 1 AND 120', name=op.f('ck_meetings_slot_range')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_meetings_ends_after_start')),
    sa.CheckConstraint('sequence >= 0', name=op.f('ck_meetings_sequence_not_negative')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_meetings_created_by_id_users')),
    sa.ForeignKeyConstraint(['group_id'], ['working_groups.id'], name=op.f('fk_meetings_group_id_working_groups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meetings'))
    )
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.create_index('ix_meetings_group_starts', ['group_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_meetings_starts_at', ['starts_at'], unique=False)
        batch_op.create_index('uq_meetings_plenary_slot', ['group_id', 'cycle_slot'], unique=True, sqlite_where=sa.text("cycle_slot IS NOT NULL AND status <> 'cancelled'"), postgresql_where=sa.text("cycle_slot IS NOT NULL AND status <> 'cancelled'"))

    op.create_table('agenda_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('speakers', sa.String(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_agenda_items_meeting_id_meetings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_items'))
    )
    with op.batch_alter_table('agenda_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agenda_items_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('meeting_materials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('file', 'link', 'recording', name='material_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('storage_key', sa.String(length=64), nullable=True),
    sa.Column('visibility', sa.Enum('public', 'members', name='material_visibility', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(kind = 'file') = (storage_key IS NOT NULL)", name=op.f('ck_meeting_materials_file_has_storage')),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_meeting_materials_added_by_id_users')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_materials_meeting_id_meetings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_materials'))
    )
    with op.batch_alter_table('meeting_materials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_materials_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('organisation_name', sa.String(length=200), nullable=False),
    sa.Column('region_code', sa.String(length=8), nullable=True),
    sa.Column('listed', sa.Boolean(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('mode', sa.Enum('in_person', 'online', name='attendance_mode', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('status', sa.Enum('pending', 'confirmed', 'waitlisted', 'cancelled', name='registration_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('needs', sa.Text(), nullable=False),
    sa.Column('queued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("user_id IS NOT NULL OR email <> ''", name=op.f('ck_registrations_someone_registered')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_registrations_meeting_id_meetings')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_registrations_region_code_regions')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_registrations_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registrations'))
    )
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.create_index('ix_registrations_meeting_status', ['meeting_id', 'status', 'mode', 'queued_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_registrations_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_registrations_meeting_email', ['meeting_id', 'email'], unique=True, sqlite_where=sa.text('user_id IS NULL'), postgresql_where=sa.text('user_id IS NULL'))
        batch_op.create_index('uq_registrations_meeting_user', ['meeting_id', 'user_id'], unique=True, sqlite_where=sa.text('user_id IS NOT NULL'), postgresql_where=sa.text('user_id IS NOT NULL'))

    op.create_table('meeting_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('days_before', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_meeting_reminders_registration_id_registrations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_reminders')),
    sa.UniqueConstraint('registration_id', 'days_before', name=op.f('uq_meeting_reminders_registration_id_days_before'))
    )


def downgrade() -> None:
    op.drop_table('meeting_reminders')
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index('uq_registrations_meeting_user', sqlite_where=sa.text('user_id IS NOT NULL'), postgresql_where=sa.text('user_id IS NOT NULL'))
        batch_op.drop_index('uq_registrations_meeting_email', sqlite_where=sa.text('user_id IS NULL'), postgresql_where=sa.text('user_id IS NULL'))
        batch_op.drop_index(batch_op.f('ix_registrations_user_id'))
        batch_op.drop_index('ix_registrations_meeting_status')

    op.drop_table('registrations')
    with op.batch_alter_table('meeting_materials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_materials_meeting_id'))

    op.drop_table('meeting_materials')
    with op.batch_alter_table('agenda_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agenda_items_meeting_id'))

    op.drop_table('agenda_items')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index('uq_meetings_plenary_slot', sqlite_where=sa.text("cycle_slot IS NOT NULL AND status <> 'cancelled'"), postgresql_where=sa.text("cycle_slot IS NOT NULL AND status <> 'cancelled'"))
        batch_op.drop_index('ix_meetings_starts_at')
        batch_op.drop_index('ix_meetings_group_starts')

    op.drop_table('meetings')
