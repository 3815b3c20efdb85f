"""The migrations build the models' schema, undo it revision by revision, and run from `flask db`.

Every test here works on a separate, empty database (never the suite's): a temp file on SQLite,
`<suite database>_migrations` on PostgreSQL (created here and dropped at the end).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Enum, Integer, MetaData, String, Table, create_engine, inspect, text
from sqlalchemy.engine import make_url

from cop import create_app
from cop.db import NAMING_CONVENTION, Base, get_db, make_engine
from cop.migrate import (
    MIGRATIONS,
    alembic_config,
    empty_database,
    include_name,
    is_search_table,
)
from tests.conftest import is_postgres

HEAD = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
MODEL_TABLES = set(Base.metadata.tables)


@pytest.fixture(scope="module")
def postgres_scratch(database_url: str) -> Iterator[str | None]:
    """On PostgreSQL, a database of its own for this module, created fresh and dropped at the end."""
    if not is_postgres(database_url):
        yield None
        return
    suite = make_url(database_url)
    url = suite.set(database=f"{suite.database}_migrations")
    server = create_engine(suite.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = server.dialect.identifier_preparer.quote(url.database)
    try:
        with server.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            connection.execute(text(f"CREATE DATABASE {name}"))
        yield url.render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        server.dispose()


@pytest.fixture
def scratch_url(postgres_scratch: str | None, database_url: str, tmp_path: Path) -> str:
    """An empty database, not the suite's."""
    if postgres_scratch is None:
        url = f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
    else:
        url = postgres_scratch
        empty_database(url)
    assert make_url(url).database != make_url(database_url).database
    return url


def table_names(url: str) -> set[str]:
    """The tables, but for the search's FTS5 tables (SQLite), which the models cannot declare."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {
                name for name in inspect(connection).get_table_names() if not is_search_table(name)
            }
    finally:
        engine.dispose()


def current_revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def schema(url: str) -> dict[str, dict]:
    """What a revision can change: tables, columns, keys, constraints and indexes, by name.

    Alembic's own alembic_version table is left out (it stays after `downgrade base`).
    """
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            inspector = inspect(connection)
            return {
                table: {
                    "columns": [
                        (column["name"], str(column["type"]), column["nullable"])
                        for column in inspector.get_columns(table)
                    ],
                    "primary_key": inspector.get_pk_constraint(table)["name"],
                    "unique": sorted(u["name"] for u in inspector.get_unique_constraints(table)),
                    "foreign_keys": sorted(f["name"] for f in inspector.get_foreign_keys(table)),
                    "checks": sorted(c["name"] for c in inspector.get_check_constraints(table)),
                    "indexes": sorted(i["name"] for i in inspector.get_indexes(table)),
                }
                for table in inspector.get_table_names()
                if table != "alembic_version"
            }
    finally:
        engine.dispose()


def differences(url: str, metadata: MetaData) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            # include_name: the full-text search objects are not in the models (cop.migrate).
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_name": include_name}
            )
            return compare_metadata(context, metadata)
    finally:
        engine.dispose()


def flatten(diffs: list) -> list[tuple]:
    """compare_metadata's answer as (operation, table, column) triples; modify_* come in lists."""
    flat = []
    for diff in diffs:
        for op in diff if isinstance(diff, list) else [diff]:
            kind = op[0]
            if kind in ("add_table", "remove_table"):
                flat.append((kind, op[1].name, None))
            elif kind in ("add_column", "remove_column"):
                flat.append((kind, op[2], op[3].name))
            elif kind.startswith("modify_"):
                flat.append((kind, op[2], op[3]))
            else:
                flat.append((kind, None, None))
    return flat


def test_upgrade_downgrade_upgrade_leaves_the_models_tables(scratch_url):
    config = alembic_config(scratch_url)
    assert table_names(scratch_url) == set()

    command.upgrade(config, "head")
    assert table_names(scratch_url) == MODEL_TABLES | {"alembic_version"}
    assert current_revision(scratch_url) == HEAD
    first = schema(scratch_url)

    command.downgrade(config, "base")
    assert table_names(scratch_url) == {"alembic_version"}
    assert current_revision(scratch_url) is None

    command.upgrade(config, "head")
    assert table_names(scratch_url) == MODEL_TABLES | {"alembic_version"}
    assert current_revision(scratch_url) == HEAD
    assert schema(scratch_url) == first


def test_migrations_build_exactly_the_models(scratch_url):
    command.upgrade(alembic_config(scratch_url), "head")

    assert differences(scratch_url, Base.metadata) == []


def enum_values_in_checks(url: str) -> dict[tuple[str, str], str]:
    """The SQL text of each named check constraint, by (table, constraint name)."""
    engine = make_engine(url)
    try:
        inspector = inspect(engine)
        return {
            (table, check["name"]): check["sqltext"]
            for table in inspector.get_table_names()
            for check in inspector.get_check_constraints(table)
        }
    finally:
        engine.dispose()


def test_enum_check_constraints_allow_exactly_the_models_values(scratch_url):
    """compare_metadata ignores check constraints, so an enum's values are compared here."""
    command.upgrade(alembic_config(scratch_url), "head")
    checks = enum_values_in_checks(scratch_url)

    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, Enum):
                continue
            name = f"ck_{table.name}_{column.type.name}"
            sql = checks.get((table.name, name))
            assert sql is not None, f"{name} is missing from the migrated database"
            assert sorted(re.findall(r"'([^']*)'", sql)) == sorted(column.type.enums), name


def test_the_models_check_reports_a_drift(scratch_url):
    command.upgrade(alembic_config(scratch_url), "head")
    drifted = MetaData(naming_convention=NAMING_CONVENTION)
    for table in Base.metadata.sorted_tables:
        table.to_metadata(drifted)
    Table("extra_notes", drifted, Column("id", Integer, primary_key=True))
    drifted.tables["working_groups"].append_column(Column("colour", String(20)))
    drifted.tables["users"].c.name.type = String(300)
    drifted.remove(drifted.tables["audit_entries"])

    found = flatten(differences(scratch_url, drifted))

    assert ("add_table", "extra_notes", None) in found
    assert ("add_column", "working_groups", "colour") in found
    assert ("modify_type", "users", "name") in found
    assert ("remove_table", "audit_entries", None) in found


def test_flask_db_commands(scratch_url):
    app = create_app({"DATABASE_URL": scratch_url, "TESTING": True, "SECRET_KEY": "x" * 40})
    runner = app.test_cli_runner()
    try:
        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert result.output.splitlines() == ["Database migrated; now at:", f"{HEAD} (head)"]
        assert table_names(scratch_url) == MODEL_TABLES | {"alembic_version"}

        result = runner.invoke(args=["db", "current"])
        assert result.exit_code == 0, result.output
        assert result.output.strip() == f"{HEAD} (head)"

        result = runner.invoke(args=["db", "downgrade", "base"])
        assert result.exit_code == 0, result.output
        assert table_names(scratch_url) == {"alembic_version"}
        assert runner.invoke(args=["db", "current"]).output.strip() == ""

        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert current_revision(scratch_url) == HEAD

        result = runner.invoke(args=["db", "history"])
        assert result.exit_code == 0, result.output
        assert HEAD in result.output
    finally:
        get_db(app).engine.dispose()


def test_every_revision_downgrades_to_the_schema_before_it(scratch_url):
    config = alembic_config(scratch_url)
    script = ScriptDirectory.from_config(config)
    revisions = list(script.walk_revisions())  # head first
    files = {path.name for path in (MIGRATIONS / "versions").glob("*.py")}
    assert {Path(revision.path).name for revision in revisions} == files
    assert script.get_heads() == [revisions[0].revision] == [HEAD]
    for revision in revisions:
        assert not isinstance(revision.down_revision, tuple | list), "history must be linear"

    # Up one step at a time, noting the schema each revision leaves.
    after = {None: schema(scratch_url)}
    for revision in reversed(revisions):
        command.upgrade(config, "+1")
        assert current_revision(scratch_url) == revision.revision
        after[revision.revision] = schema(scratch_url)

    # Down one step at a time: each downgrade gives back the schema of the revision before.
    for revision in revisions:
        command.downgrade(config, "-1")
        assert current_revision(scratch_url) == revision.down_revision
        assert schema(scratch_url) == after[revision.down_revision]
    assert table_names(scratch_url) == {"alembic_version"}

    # And up again.
    for revision in reversed(revisions):
        command.upgrade(config, "+1")
        assert schema(scratch_url) == after[revision.revision]
    assert current_revision(scratch_url) == HEAD


REBUILD = '''"""Rebuild working_groups (a batch "move and copy", as SQLite needs for most changes)

Revision ID: 9001_rebuild
Revises: {down}
"""

from alembic import op
import sqlalchemy as sa

revision = "9001_rebuild"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("working_groups", recreate="always") as batch_op:
        batch_op.alter_column("name", existing_type=sa.String(200), type_=sa.String(250))


def downgrade() -> None:
    with op.batch_alter_table("working_groups", recreate="always") as batch_op:
        batch_op.alter_column("name", existing_type=sa.String(250), type_=sa.String(200))
'''

ORPHAN = '''"""Leave a link to a group that does not exist

Revision ID: 9002_orphan
Revises: 9001_rebuild
"""

from alembic import op

revision = "9002_orphan"
down_revision = "9001_rebuild"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "INSERT INTO group_links (group_id, position, title, url) VALUES (424242, 0, 'x', 'y')"
    )


def downgrade() -> None:
    pass
'''


def test_sqlite_table_rebuild_keeps_referencing_rows_and_checks_foreign_keys(scratch_url, tmp_path):
    if is_postgres(scratch_url):
        pytest.skip("batch 'move and copy' is the SQLite way to alter a table")
    # The real env.py and revisions, plus two revisions of our own.
    scripts = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "9001_rebuild.py").write_text(REBUILD.format(down=HEAD))
    (scripts / "versions" / "9002_orphan.py").write_text(ORPHAN)
    config = alembic_config(scratch_url)
    config.set_main_option("script_location", str(scripts))

    command.upgrade(config, HEAD)
    engine = make_engine(scratch_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO working_groups (id, slug, name, summary, kickoff, duration_months,"
                    " meetings_per_year, timezone, archived, created_at, updated_at)"
                    " VALUES (1, 'g', 'G', '', '2024-01-01', 36, 2, 'Europe/Brussels', 0,"
                    " '2024-01-01 00:00:00.000000', '2024-01-01 00:00:00.000000')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO group_links (group_id, position, title, url)"
                    " VALUES (1, 0, 'Page', 'https://example.org')"
                )
            )

        # Dropping the old working_groups must not cascade to its links.
        command.upgrade(config, "9001_rebuild")
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT count(*) FROM group_links")) == 1
            assert connection.scalar(text("PRAGMA foreign_keys")) == 1  # back on for the app
            checks = inspect(connection).get_check_constraints("working_groups")
            assert {check["name"] for check in checks} == {
                "ck_working_groups_duration_months_range",
                "ck_working_groups_meetings_per_year_range",
                "ck_working_groups_slug_not_empty",
                "ck_working_groups_update_every_weeks_range",
            }

        # A revision leaving a dangling foreign key is refused and rolled back.
        with pytest.raises(RuntimeError, match="foreign keys point nowhere"):
            command.upgrade(config, "9002_orphan")
        assert current_revision(scratch_url) == "9001_rebuild"
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT count(*) FROM group_links")) == 1

        command.downgrade(config, "base")
        assert table_names(scratch_url) == {"alembic_version"}
    finally:
        engine.dispose()


def test_people_migration_keeps_existing_accounts_usable(scratch_url):
    config = alembic_config(scratch_url)
    command.upgrade(config, "0001_platform")
    engine = make_engine(scratch_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (email, name, password_hash, is_admin, active, created_at, updated_at)"
                    " VALUES ('chair@example.org', 'Chair', 'x', :yes, :yes, :now, :now)"
                ),
                {"yes": True, "now": "2026-01-01 10:00:00+00:00"},
            )
        command.upgrade(config, "0002_people")
        with engine.connect() as connection:
            row = connection.execute(
                text("SELECT listed, session_version, timezone, email_confirmed_at FROM users")
            ).one()
    finally:
        engine.dispose()

    assert not row.listed and row.session_version == 1 and row.timezone == "Europe/Brussels"
    assert row.email_confirmed_at is not None
