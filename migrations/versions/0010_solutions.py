"""Solutions, their milestones, indicators, measurements, progress updates and reminders

Revision ID: 0010_solutions
Revises: 0009_activities
Create Date: 2026-11-26

Working groups gain how often their solutions' owners post a progress update (every four
weeks unless the coordinators choose otherwise); existing groups get that default.
"""

from alembic import op
import sqlalchemy as sa



revision = "0010_solutions"
down_revision = '0009_activities'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('solutions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('internal_notes', sa.Text(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.Enum('co_development', 'support', 'deployment', 'monitoring', 'completed', 'discontinued', name='solution_stage', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('discontinue_reason', sa.Text(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('planned_end_on', sa.Date(), nullable=True),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('on_track', 'at_risk', 'off_track', name='update_status', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('last_update_on', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('discontinued_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("stage <> 'discontinued' OR discontinue_reason <> ''", name=op.f('ck_solutions_discontinued_has_reason')),
    sa.CheckConstraint('planned_end_on IS NULL OR starts_on IS NULL OR planned_end_on >= starts_on', name=op.f('ck_solutions_ends_after_start')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_solutions_created_by_id_users')),
    sa.ForeignKeyConstraint(['group_id'], ['working_groups.id'], name=op.f('fk_solutions_group_id_working_groups')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_solutions_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_solutions'))
    )
    with op.batch_alter_table('solutions', schema=None) as batch_op:
        batch_op.create_index('ix_solutions_group_stage', ['group_id', 'stage'], unique=False)
        batch_op.create_index(batch_op.f('ix_solutions_owner_id'), ['owner_id'], unique=False)

    op.create_table('indicators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('solution_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.String(length=40), nullable=False),
    sa.Column('direction', sa.Enum('higher', 'lower', name='indicator_direction', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('baseline_value', sa.Float(), nullable=False),
    sa.Column('baseline_on', sa.Date(), nullable=False),
    sa.Column('target_value', sa.Float(), nullable=False),
    sa.Column('target_on', sa.Date(), nullable=False),
    sa.Column('region_code', sa.String(length=8), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('target_on > baseline_on', name=op.f('ck_indicators_target_after_baseline')),
    sa.CheckConstraint('target_value <> baseline_value', name=op.f('ck_indicators_target_differs_from_baseline')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_indicators_region_code_regions')),
    sa.ForeignKeyConstraint(['solution_id'], ['solutions.id'], name=op.f('fk_indicators_solution_id_solutions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicators'))
    )
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicators_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_indicators_solution_id'), ['solution_id'], unique=False)

    op.create_table('milestones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('solution_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['solution_id'], ['solutions.id'], name=op.f('fk_milestones_solution_id_solutions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_milestones'))
    )
    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_milestones_solution_id'), ['solution_id'], unique=False)

    op.create_table('progress_updates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('solution_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('reported_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('on_track', 'at_risk', 'off_track', name='update_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('narrative', sa.Text(), nullable=False),
    sa.Column('help_needed', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_progress_updates_author_id_users')),
    sa.ForeignKeyConstraint(['solution_id'], ['solutions.id'], name=op.f('fk_progress_updates_solution_id_solutions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_progress_updates'))
    )
    with op.batch_alter_table('progress_updates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_progress_updates_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_progress_updates_solution_on', ['solution_id', 'reported_on'], unique=False)

    op.create_table('solution_co_owners',
    sa.Column('solution_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['solution_id'], ['solutions.id'], name=op.f('fk_solution_co_owners_solution_id_solutions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_solution_co_owners_user_id_users')),
    sa.PrimaryKeyConstraint('solution_id', 'user_id', name=op.f('pk_solution_co_owners'))
    )
    with op.batch_alter_table('solution_co_owners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_solution_co_owners_user_id'), ['user_id'], unique=False)

    op.create_table('solution_regions',
    sa.Column('solution_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_solution_regions_region_code_regions')),
    sa.ForeignKeyConstraint(['solution_id'], ['solutions.id'], name=op.f('fk_solution_regions_solution_id_solutions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('solution_id', 'region_code', name=op.f('pk_solution_regions'))
    )
    with op.batch_alter_table('solution_regions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_solution_regions_region_code'), ['region_code'], unique=False)

    op.create_table('update_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('solution_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['solution_id'], ['solutions.id'], name=op.f('fk_update_reminders_solution_id_solutions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_update_reminders')),
    sa.UniqueConstraint('solution_id', 'due_on', name=op.f('uq_update_reminders_solution_id_due_on'))
    )
    op.create_table('measurements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=8), nullable=True),
    sa.Column('measured_on', sa.Date(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('source', sa.String(length=500), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicators.id'], name=op.f('fk_measurements_indicator_id_indicators')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_measurements_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_measurements_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_measurements'))
    )
    with op.batch_alter_table('measurements', schema=None) as batch_op:
        batch_op.create_index('ix_measurements_indicator_on', ['indicator_id', 'measured_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_measurements_region_code'), ['region_code'], unique=False)

    op.create_table('solution_challenges',
    sa.Column('solution_id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenges.id'], name=op.f('fk_solution_challenges_challenge_id_challenges')),
    sa.ForeignKeyConstraint(['solution_id'], ['solutions.id'], name=op.f('fk_solution_challenges_solution_id_solutions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('solution_id', 'challenge_id', name=op.f('pk_solution_challenges'))
    )
    with op.batch_alter_table('solution_challenges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_solution_challenges_challenge_id'), ['challenge_id'], unique=False)

    with op.batch_alter_table('working_groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('update_every_weeks', sa.Integer(), nullable=False, server_default='4'))
        batch_op.create_check_constraint(op.f('ck_working_groups_update_every_weeks_range'), 'update_every_weeks BETWEEN 1 AND 26')



def downgrade() -> None:
    with op.batch_alter_table('working_groups', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_working_groups_update_every_weeks_range'), type_='check')
        batch_op.drop_column('update_every_weeks')

    with op.batch_alter_table('solution_challenges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_solution_challenges_challenge_id'))

    op.drop_table('solution_challenges')
    with op.batch_alter_table('measurements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_measurements_region_code'))
        batch_op.drop_index('ix_measurements_indicator_on')

    op.drop_table('measurements')
    op.drop_table('update_reminders')
    with op.batch_alter_table('solution_regions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_solution_regions_region_code'))

    op.drop_table('solution_regions')
    with op.batch_alter_table('solution_co_owners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_solution_co_owners_user_id'))

    op.drop_table('solution_co_owners')
    with op.batch_alter_table('progress_updates', schema=None) as batch_op:
        batch_op.drop_index('ix_progress_updates_solution_on')
        batch_op.drop_index(batch_op.f('ix_progress_updates_author_id'))

    op.drop_table('progress_updates')
    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_milestones_solution_id'))

    op.drop_table('milestones')
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicators_solution_id'))
        batch_op.drop_index(batch_op.f('ix_indicators_region_code'))

    op.drop_table('indicators')
    with op.batch_alter_table('solutions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_solutions_owner_id'))
        batch_op.drop_index('ix_solutions_group_stage')

    op.drop_table('solutions')
