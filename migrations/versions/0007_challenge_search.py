"""Full-text search over challenges and good practices

Revision ID: 0007_challenge_search
Revises: 0006_challenges
Create Date: 2026-11-26

SQLite: an FTS5 table per searched table, "external content" (it indexes the rows of
`challenges` / `good_practices` without keeping a copy of their text), kept up to date by
triggers, with the unicode61 tokenizer removing diacritics ("region" finds "région").

PostgreSQL: a STORED generated tsvector column with a GIN index on each table. They use the
text search configuration `cop_search`: a copy of 'simple' (no stemming, no stop words: the
texts are in several languages) that also removes accents when the `unaccent` extension can be
installed (PostgreSQL's contrib; trusted since 13, so a database owner may install it).

Neither is in the models: cop.migrate.include_name keeps Alembic's model comparison off them.
Beware: a later SQLite "batch" revision that rebuilds `challenges` or `good_practices` drops
their triggers with the old table; it must create them again (TRIGGERS below).
"""

from alembic import op
import sqlalchemy as sa

revision = "0007_challenge_search"
down_revision = "0006_challenges"
branch_labels = None
depends_on = None

# Table -> the text columns searched, most telling first (PostgreSQL weighs them A, B, C...).
SEARCHED = {
    "challenges": ("title", "description"),
    "good_practices": (
        "title",
        "problem",
        "what_was_done",
        "transferability",
        "evidence",
        "resources",
        "difficulties",
    ),
}
WEIGHTS = ("A", "B", "C", "D", "D", "D", "D")


def _sqlite_triggers(table: str, columns: tuple[str, ...]) -> list[str]:
    fts = f"{table}_fts"
    names = ", ".join(columns)
    new = ", ".join(f"new.{column}" for column in columns)
    old = ", ".join(f"old.{column}" for column in columns)
    insert = f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new});"
    delete = f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old});"
    return [
        f"CREATE TRIGGER {fts}_after_insert AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER {fts}_after_delete AFTER DELETE ON {table} BEGIN {delete} END",
        # Only when a searched column changes (a status change leaves the index alone).
        f"CREATE TRIGGER {fts}_after_update AFTER UPDATE OF {names} ON {table}"
        f" BEGIN {delete} {insert} END",
    ]


TRIGGERS = {table: _sqlite_triggers(table, columns) for table, columns in SEARCHED.items()}


def _sqlite_upgrade() -> None:
    for table, columns in SEARCHED.items():
        fts = f"{table}_fts"
        op.execute(
            f"CREATE VIRTUAL TABLE {fts} USING fts5({', '.join(columns)},"
            f" content='{table}', content_rowid='id',"
            " tokenize='unicode61 remove_diacritics 2', prefix='2 3')"
        )
        for trigger in TRIGGERS[table]:
            op.execute(trigger)
        # Index the rows already there.
        op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


def _sqlite_downgrade() -> None:
    for table in SEARCHED:
        fts = f"{table}_fts"
        for event in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS {fts}_after_{event}")
        op.execute(f"DROP TABLE IF EXISTS {fts}")


def _postgresql_upgrade() -> None:
    bind = op.get_bind()
    unaccent = False
    if bind.scalar(sa.text("SELECT count(*) FROM pg_available_extensions WHERE name = 'unaccent'")):
        try:
            with bind.begin_nested():  # a refusal (no privilege) must not abort the revision
                bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS unaccent"))
            unaccent = True
        except sa.exc.DBAPIError:
            unaccent = False
    op.execute("CREATE TEXT SEARCH CONFIGURATION cop_search (COPY = simple)")
    if unaccent:
        op.execute(
            "ALTER TEXT SEARCH CONFIGURATION cop_search ALTER MAPPING FOR"
            " word, hword, hword_part, numword, numhword, hword_numpart WITH unaccent, simple"
        )
    for table, columns in SEARCHED.items():
        # to_tsvector(regconfig, text) is immutable, as a generated column requires.
        vector = " || ".join(
            f"setweight(to_tsvector('cop_search'::regconfig, coalesce({column}, '')), '{weight}')"
            for column, weight in zip(columns, WEIGHTS, strict=False)
        )
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN search_vector tsvector"
            f" GENERATED ALWAYS AS ({vector}) STORED"
        )
        op.execute(f"CREATE INDEX ix_{table}_search_vector ON {table} USING gin (search_vector)")


def _postgresql_downgrade() -> None:
    for table in SEARCHED:
        op.execute(f"DROP INDEX IF EXISTS ix_{table}_search_vector")
        op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector")
    op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS cop_search")
    # The unaccent extension is left installed: something else may use it.


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_upgrade()
    else:
        _sqlite_upgrade()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_downgrade()
    else:
        _sqlite_downgrade()
