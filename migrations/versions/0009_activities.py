"""Activities, support requests, follows, notifications, digests and unsubscriptions

Revision ID: 0009_activities
Revises: 0008_search_indexes
Create Date: 2026-11-26

People gain two settings: consent to be suggested as a contact (off) and how often their
digest comes (daily); existing accounts get those defaults.
"""

from alembic import op
import sqlalchemy as sa

revision = "0009_activities"
down_revision = "0008_search_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('mail_opt_outs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_opt_outs')),
    sa.UniqueConstraint('address', 'kind', name=op.f('uq_mail_opt_outs_address_kind'))
    )
    op.create_table('activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('peer_review', 'study_visit', 'workshop', 'expert_mission', 'webinar_series', name='activity_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('host_region_code', sa.String(length=8), nullable=True),
    sa.Column('status', sa.Enum('planned', 'running', 'completed', 'cancelled', name='activity_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('evaluation_learnt', sa.Text(), nullable=False),
    sa.Column('evaluation_changes', sa.Text(), nullable=False),
    sa.Column('cancel_reason', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status <> 'completed' OR (evaluation_learnt <> '' AND evaluation_changes <> '')", name=op.f('ck_activities_completed_has_evaluation')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_activities_created_by_id_users')),
    sa.ForeignKeyConstraint(['group_id'], ['working_groups.id'], name=op.f('fk_activities_group_id_working_groups')),
    sa.ForeignKeyConstraint(['host_region_code'], ['regions.code'], name=op.f('fk_activities_host_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activities'))
    )
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.create_index('ix_activities_group_status', ['group_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_activities_host_region_code'), ['host_region_code'], unique=False)

    op.create_table('digests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.Enum('daily', 'weekly', 'never', name='digest_period', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('period_key', sa.String(length=12), nullable=False),
    sa.Column('outbox_message_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['outbox_message_id'], ['outbox_messages.id'], name=op.f('fk_digests_outbox_message_id_outbox_messages')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_digests_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digests')),
    sa.UniqueConstraint('user_id', 'period_key', name=op.f('uq_digests_user_id_period_key'))
    )
    with op.batch_alter_table('digests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_digests_user_id'), ['user_id'], unique=False)

    op.create_table('follows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('target', sa.String(length=30), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_follows_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follows')),
    sa.UniqueConstraint('user_id', 'target', 'target_id', name=op.f('uq_follows_user_id_target_target_id'))
    )
    with op.batch_alter_table('follows', schema=None) as batch_op:
        batch_op.create_index('ix_follows_target', ['target', 'target_id'], unique=False)

    op.create_table('activity_experts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_activity_experts_activity_id_activities')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_activity_experts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_experts')),
    sa.UniqueConstraint('activity_id', 'user_id', name=op.f('uq_activity_experts_activity_id_user_id'))
    )
    with op.batch_alter_table('activity_experts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_experts_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_activity_experts_user_id'), ['user_id'], unique=False)

    op.create_table('activity_meetings',
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_activity_meetings_activity_id_activities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_activity_meetings_meeting_id_meetings')),
    sa.PrimaryKeyConstraint('activity_id', 'meeting_id', name=op.f('pk_activity_meetings'))
    )
    with op.batch_alter_table('activity_meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_meetings_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('activity_outputs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('practice', 'document', name='activity_output_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(kind = 'practice') = (practice_id IS NOT NULL)", name=op.f('ck_activity_outputs_practice_output_has_practice')),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_activity_outputs_activity_id_activities')),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_activity_outputs_added_by_id_users')),
    sa.ForeignKeyConstraint(['practice_id'], ['good_practices.id'], name=op.f('fk_activity_outputs_practice_id_good_practices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_outputs'))
    )
    with op.batch_alter_table('activity_outputs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_outputs_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_activity_outputs_practice_id'), ['practice_id'], unique=False)

    op.create_table('activity_regions',
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_activity_regions_activity_id_activities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_activity_regions_region_code_regions')),
    sa.PrimaryKeyConstraint('activity_id', 'region_code', name=op.f('pk_activity_regions'))
    )
    with op.batch_alter_table('activity_regions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_regions_region_code'), ['region_code'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('target', sa.String(length=30), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=60), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('path', sa.String(length=300), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('digest_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_notifications_actor_id_users')),
    sa.ForeignKeyConstraint(['digest_id'], ['digests.id'], name=op.f('fk_notifications_digest_id_digests')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_digest_id'), ['digest_id'], unique=False)
        batch_op.create_index('ix_notifications_pending', ['user_id', 'handled_at'], unique=False)
        batch_op.create_index('ix_notifications_target', ['target', 'target_id'], unique=False)

    op.create_table('activity_challenges',
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_activity_challenges_activity_id_activities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenges.id'], name=op.f('fk_activity_challenges_challenge_id_challenges')),
    sa.PrimaryKeyConstraint('activity_id', 'challenge_id', name=op.f('pk_activity_challenges'))
    )
    with op.batch_alter_table('activity_challenges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_challenges_challenge_id'), ['challenge_id'], unique=False)

    op.create_table('support_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=8), nullable=False),
    sa.Column('requester_id', sa.Integer(), nullable=False),
    sa.Column('need', sa.Text(), nullable=False),
    sa.Column('wanted_by', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('open', 'new_activity', 'linked', 'declined', name='support_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=True),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(status IN ('new_activity', 'linked')) = (activity_id IS NOT NULL)", name=op.f('ck_support_requests_answer_has_activity')),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_support_requests_activity_id_activities')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_support_requests_answered_by_id_users')),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenges.id'], name=op.f('fk_support_requests_challenge_id_challenges')),
    sa.ForeignKeyConstraint(['group_id'], ['working_groups.id'], name=op.f('fk_support_requests_group_id_working_groups')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_support_requests_region_code_regions')),
    sa.ForeignKeyConstraint(['requester_id'], ['users.id'], name=op.f('fk_support_requests_requester_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_requests'))
    )
    with op.batch_alter_table('support_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_support_requests_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_requests_challenge_id'), ['challenge_id'], unique=False)
        batch_op.create_index('ix_support_requests_group_status', ['group_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_requests_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_requests_requester_id'), ['requester_id'], unique=False)

    # Plain ADD COLUMN with a default: no table rebuild of users, which every table refers to.
    op.add_column('users', sa.Column('contactable', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('users', sa.Column('digest_period', sa.String(length=6), sa.CheckConstraint("digest_period IN ('daily', 'weekly', 'never')", name=op.f('ck_users_digest_period')), nullable=False, server_default='daily'))



def downgrade() -> None:
    # Each column's check constraint is its own, so it goes with the column.
    op.drop_column('users', 'digest_period')
    op.drop_column('users', 'contactable')

    with op.batch_alter_table('support_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_support_requests_requester_id'))
        batch_op.drop_index(batch_op.f('ix_support_requests_region_code'))
        batch_op.drop_index('ix_support_requests_group_status')
        batch_op.drop_index(batch_op.f('ix_support_requests_challenge_id'))
        batch_op.drop_index(batch_op.f('ix_support_requests_activity_id'))

    op.drop_table('support_requests')
    with op.batch_alter_table('activity_challenges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_challenges_challenge_id'))

    op.drop_table('activity_challenges')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_target')
        batch_op.drop_index('ix_notifications_pending')
        batch_op.drop_index(batch_op.f('ix_notifications_digest_id'))

    op.drop_table('notifications')
    with op.batch_alter_table('activity_regions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_regions_region_code'))

    op.drop_table('activity_regions')
    with op.batch_alter_table('activity_outputs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_outputs_practice_id'))
        batch_op.drop_index(batch_op.f('ix_activity_outputs_activity_id'))

    op.drop_table('activity_outputs')
    with op.batch_alter_table('activity_meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_meetings_meeting_id'))

    op.drop_table('activity_meetings')
    with op.batch_alter_table('activity_experts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_experts_user_id'))
        batch_op.drop_index(batch_op.f('ix_activity_experts_activity_id'))

    op.drop_table('activity_experts')
    with op.batch_alter_table('follows', schema=None) as batch_op:
        batch_op.drop_index('ix_follows_target')

    op.drop_table('follows')
    with op.batch_alter_table('digests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_digests_user_id'))

    op.drop_table('digests')
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activities_host_region_code'))
        batch_op.drop_index('ix_activities_group_status')

    op.drop_table('activities')
    op.drop_table('mail_opt_outs')
