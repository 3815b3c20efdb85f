"""Indexes the search's filters read alone

Revision ID: 0008_search_indexes
Revises: 0007_challenge_search
Create Date: 2026-11-27

The challenge and practice lists filter by theme, region, country and helix with
`id IN (SELECT ... WHERE <filter column> = ...)` (cop.challenges.search). Each index below holds
the filter's column and then the id it gives, so that the subquery is read from the index alone
(an index-only scan on PostgreSQL, a covering index on SQLite) instead of visiting a table row
for every match. Each replaces the single-column index on its first column, which it serves as
well (the foreign keys' look-ups included).

Indexes only: no table is rebuilt, so 0007's SQLite triggers are left alone.
"""

from alembic import op

revision = "0008_search_indexes"
down_revision = "0007_challenge_search"
branch_labels = None
depends_on = None

# table -> (the single-column index replaced, the new index, its columns)
INDEXES = {
    "challenge_themes": (
        "ix_challenge_themes_theme_id",
        "ix_challenge_themes_theme_id_challenge_id",
        ["theme_id", "challenge_id"],
    ),
    "challenge_regions": (
        "ix_challenge_regions_region_code",
        "ix_challenge_regions_region_code_challenge_id",
        ["region_code", "challenge_id"],
    ),
    "practice_themes": (
        "ix_practice_themes_theme_id",
        "ix_practice_themes_theme_id_practice_id",
        ["theme_id", "practice_id"],
    ),
    "endorsements": (
        "ix_endorsements_user_id",
        "ix_endorsements_user_id_challenge_id",
        ["user_id", "challenge_id"],
    ),
}


def upgrade() -> None:
    for table, (old, new, columns) in INDEXES.items():
        op.create_index(new, table, columns, unique=False)
        op.drop_index(old, table_name=table)


def downgrade() -> None:
    for table, (old, new, columns) in INDEXES.items():
        op.create_index(old, table, [columns[0]], unique=False)
        op.drop_index(new, table_name=table)
