"""Challenges: themes, implementation challenges and endorsements, good practices and reviews

Revision ID: 0006_challenges
Revises: 0005_calendar_feed_tokens
Create Date: 2026-11-25
"""

from alembic import op
import sqlalchemy as sa

revision = "0006_challenges"
down_revision = "0005_calendar_feed_tokens"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('themes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['working_groups.id'], name=op.f('fk_themes_group_id_working_groups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_themes')),
    sa.UniqueConstraint('group_id', 'name', name=op.f('uq_themes_group_id_name'))
    )
    with op.batch_alter_table('themes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_themes_group_id'), ['group_id'], unique=False)

    op.create_table('good_practices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('region_code', sa.String(length=8), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('problem', sa.Text(), nullable=False),
    sa.Column('what_was_done', sa.Text(), nullable=False),
    sa.Column('resources', sa.Text(), nullable=False),
    sa.Column('timescale', sa.String(length=200), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('difficulties', sa.Text(), nullable=False),
    sa.Column('transferability', sa.Text(), nullable=False),
    sa.Column('contact_name', sa.String(length=200), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', 'returned', 'published', 'withdrawn', name='practice_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('validated_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_good_practices_author_id_users')),
    sa.ForeignKeyConstraint(['group_id'], ['working_groups.id'], name=op.f('fk_good_practices_group_id_working_groups')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_good_practices_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_good_practices_region_code_regions')),
    sa.ForeignKeyConstraint(['validated_by_id'], ['users.id'], name=op.f('fk_good_practices_validated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_good_practices'))
    )
    with op.batch_alter_table('good_practices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_good_practices_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_good_practices_group_status', ['group_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_good_practices_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_good_practices_region_code'), ['region_code'], unique=False)

    op.create_table('challenges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('proposed', 'accepted', 'being_addressed', 'addressed', 'merged', 'closed', name='challenge_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=True),
    sa.Column('raised_by_id', sa.Integer(), nullable=True),
    sa.Column('raised_at_meeting_id', sa.Integer(), nullable=True),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(status = 'merged') = (merged_into_id IS NOT NULL)", name=op.f('ck_challenges_merged_has_target')),
    sa.CheckConstraint('merged_into_id IS NULL OR merged_into_id <> id', name=op.f('ck_challenges_not_into_itself')),
    sa.CheckConstraint('priority IS NULL OR priority > 0', name=op.f('ck_challenges_priority_positive')),
    sa.ForeignKeyConstraint(['group_id'], ['working_groups.id'], name=op.f('fk_challenges_group_id_working_groups')),
    sa.ForeignKeyConstraint(['merged_into_id'], ['challenges.id'], name=op.f('fk_challenges_merged_into_id_challenges')),
    sa.ForeignKeyConstraint(['raised_at_meeting_id'], ['meetings.id'], name=op.f('fk_challenges_raised_at_meeting_id_meetings')),
    sa.ForeignKeyConstraint(['raised_by_id'], ['users.id'], name=op.f('fk_challenges_raised_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_challenges'))
    )
    with op.batch_alter_table('challenges', schema=None) as batch_op:
        batch_op.create_index('ix_challenges_group_status', ['group_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_challenges_merged_into_id'), ['merged_into_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_challenges_raised_at_meeting_id'), ['raised_at_meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_challenges_raised_by_id'), ['raised_by_id'], unique=False)
        batch_op.create_index('uq_challenges_group_priority', ['group_id', 'priority'], unique=True, sqlite_where=sa.text('priority IS NOT NULL'), postgresql_where=sa.text('priority IS NOT NULL'))

    op.create_table('practice_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('storage_key', sa.String(length=64), nullable=True),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(url <> '') <> (storage_key IS NOT NULL)", name=op.f('ck_practice_links_link_or_file')),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_practice_links_added_by_id_users')),
    sa.ForeignKeyConstraint(['practice_id'], ['good_practices.id'], name=op.f('fk_practice_links_practice_id_good_practices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_links'))
    )
    with op.batch_alter_table('practice_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_links_practice_id'), ['practice_id'], unique=False)

    op.create_table('practice_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('decision', sa.Enum('published', 'returned', 'comment', name='review_decision', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('comments', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['practice_id'], ['good_practices.id'], name=op.f('fk_practice_reviews_practice_id_good_practices')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_practice_reviews_reviewer_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_reviews'))
    )
    with op.batch_alter_table('practice_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_reviews_practice_id'), ['practice_id'], unique=False)

    op.create_table('practice_themes',
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['practice_id'], ['good_practices.id'], name=op.f('fk_practice_themes_practice_id_good_practices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['themes.id'], name=op.f('fk_practice_themes_theme_id_themes')),
    sa.PrimaryKeyConstraint('practice_id', 'theme_id', name=op.f('pk_practice_themes'))
    )
    with op.batch_alter_table('practice_themes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_themes_theme_id'), ['theme_id'], unique=False)

    op.create_table('challenge_regions',
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenges.id'], name=op.f('fk_challenge_regions_challenge_id_challenges'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_challenge_regions_region_code_regions')),
    sa.PrimaryKeyConstraint('challenge_id', 'region_code', name=op.f('pk_challenge_regions'))
    )
    with op.batch_alter_table('challenge_regions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_challenge_regions_region_code'), ['region_code'], unique=False)

    op.create_table('challenge_themes',
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenges.id'], name=op.f('fk_challenge_themes_challenge_id_challenges'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['themes.id'], name=op.f('fk_challenge_themes_theme_id_themes')),
    sa.PrimaryKeyConstraint('challenge_id', 'theme_id', name=op.f('pk_challenge_themes'))
    )
    with op.batch_alter_table('challenge_themes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_challenge_themes_theme_id'), ['theme_id'], unique=False)

    op.create_table('endorsements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=8), nullable=True),
    sa.Column('given_on_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenges.id'], name=op.f('fk_endorsements_challenge_id_challenges')),
    sa.ForeignKeyConstraint(['given_on_id'], ['challenges.id'], name=op.f('fk_endorsements_given_on_id_challenges')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_endorsements_region_code_regions')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_endorsements_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_endorsements')),
    sa.UniqueConstraint('challenge_id', 'user_id', name=op.f('uq_endorsements_challenge_id_user_id'))
    )
    with op.batch_alter_table('endorsements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_endorsements_challenge_id'), ['challenge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_endorsements_user_id'), ['user_id'], unique=False)

    op.create_table('practice_challenges',
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenges.id'], name=op.f('fk_practice_challenges_challenge_id_challenges')),
    sa.ForeignKeyConstraint(['practice_id'], ['good_practices.id'], name=op.f('fk_practice_challenges_practice_id_good_practices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('practice_id', 'challenge_id', name=op.f('pk_practice_challenges'))
    )
    with op.batch_alter_table('practice_challenges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_challenges_challenge_id'), ['challenge_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('practice_challenges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practice_challenges_challenge_id'))

    op.drop_table('practice_challenges')
    with op.batch_alter_table('endorsements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_endorsements_user_id'))
        batch_op.drop_index(batch_op.f('ix_endorsements_challenge_id'))

    op.drop_table('endorsements')
    with op.batch_alter_table('challenge_themes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_challenge_themes_theme_id'))

    op.drop_table('challenge_themes')
    with op.batch_alter_table('challenge_regions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_challenge_regions_region_code'))

    op.drop_table('challenge_regions')
    with op.batch_alter_table('practice_themes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practice_themes_theme_id'))

    op.drop_table('practice_themes')
    with op.batch_alter_table('practice_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practice_reviews_practice_id'))

    op.drop_table('practice_reviews')
    with op.batch_alter_table('practice_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practice_links_practice_id'))

    op.drop_table('practice_links')
    with op.batch_alter_table('challenges', schema=None) as batch_op:
        batch_op.drop_index('uq_challenges_group_priority', sqlite_where=sa.text('priority IS NOT NULL'), postgresql_where=sa.text('priority IS NOT NULL'))
        batch_op.drop_index(batch_op.f('ix_challenges_raised_by_id'))
        batch_op.drop_index(batch_op.f('ix_challenges_raised_at_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_challenges_merged_into_id'))
        batch_op.drop_index('ix_challenges_group_status')

    op.drop_table('challenges')
    with op.batch_alter_table('good_practices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_good_practices_region_code'))
        batch_op.drop_index(batch_op.f('ix_good_practices_organisation_id'))
        batch_op.drop_index('ix_good_practices_group_status')
        batch_op.drop_index(batch_op.f('ix_good_practices_author_id'))

    op.drop_table('good_practices')
    with op.batch_alter_table('themes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_themes_group_id'))

    op.drop_table('themes')
