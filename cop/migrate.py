"""`flask db ...`: a small click group over Alembic's commands, configured from the app."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import text

from cop.db import make_engine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

# Full-text search lives outside the models (migration 0007_challenge_search): on SQLite, FTS5
# tables (and the shadow tables FTS5 keeps for each); on PostgreSQL, a generated tsvector column
# and its GIN index on each searched table. The models cannot declare them, so a comparison of
# the models with the database (autogenerate, tests) must not see them: `include_name`.
SEARCH_TABLES = ("challenges_fts", "good_practices_fts")
SEARCH_COLUMN = "search_vector"


def is_search_table(name: str) -> bool:
    """An FTS5 table of the search, or one of its shadow tables (challenges_fts_data...)."""
    return any(name == table or name.startswith(f"{table}_") for table in SEARCH_TABLES)


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic's include_name hook: leave the search objects out of model comparisons."""
    if type_ == "table":
        return not is_search_table(name or "")
    if type_ == "column":
        return name != SEARCH_COLUMN
    if type_ == "index":
        return not (name or "").endswith(f"_{SEARCH_COLUMN}")
    return True


def alembic_config(database_url: str | None = None) -> Config:
    """An Alembic configuration pointing at migrations/ and at the app's (or the given) database."""
    # Alembic's default stdout is bound when alembic is imported; pass the current one so that
    # `db current` / `db history` write where the command's output goes (click's runner included).
    config = Config(stdout=sys.stdout)
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    url = database_url or current_app.config["DATABASE_URL"]
    config.attributes["database_url"] = url
    return config


def empty_database(url: str) -> None:
    """Drop every table (alembic_version included) so that migrations start from nothing.

    For throw-away databases only: the test suite's and the benchmark's.
    """
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
                return
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            # Virtual (FTS5) tables first: dropping one drops its shadow tables too.
            names = connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
                " ORDER BY sql NOT LIKE 'CREATE VIRTUAL TABLE%'"
            ).scalars()
            for name in list(names):
                connection.exec_driver_sql(f'DROP TABLE IF EXISTS "{name}"')
    finally:
        engine.dispose()


@click.group("db")
def db_group() -> None:
    """Migrate the database (Alembic)."""


@db_group.command()
@click.argument("revision", default="head")
@with_appcontext
def upgrade(revision: str) -> None:
    """Upgrade the database to REVISION (default: head)."""
    config = alembic_config()
    command.upgrade(config, revision)
    click.echo("Database migrated; now at:")
    command.current(config)


@db_group.command()
@click.argument("revision", default="-1")
@with_appcontext
def downgrade(revision: str) -> None:
    """Downgrade the database to REVISION (default: one step back; 'base' empties it)."""
    config = alembic_config()
    command.downgrade(config, revision)
    click.echo("Database downgraded; now at:")
    command.current(config)


@db_group.command()
@with_appcontext
def current() -> None:
    """Show the database's current revision."""
    command.current(alembic_config(), verbose=False)


@db_group.command()
@click.option("-m", "--message", required=True, help="What the change is for.")
@click.option("--autogenerate/--empty", default=True, help="Compare the models with the database.")
@with_appcontext
def revision(message: str, autogenerate: bool) -> None:
    """Create a new revision; read and edit it by hand before committing."""
    command.revision(alembic_config(), message=message, autogenerate=autogenerate)


@db_group.command()
@with_appcontext
def history() -> None:
    """List the revisions."""
    command.history(alembic_config())
