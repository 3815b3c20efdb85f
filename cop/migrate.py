"""`flask db ...`: a small click group over Alembic's commands, configured from the app."""

from __future__ import annotations

from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from flask import current_app
from flask.cli import with_appcontext

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str | None = None) -> Config:
    """An Alembic configuration pointing at migrations/ and at the app's (or the given) database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    url = database_url or current_app.config["DATABASE_URL"]
    config.attributes["database_url"] = url
    return config


@click.group("db")
def db_group() -> None:
    """Migrate the database (Alembic)."""


@db_group.command()
@click.argument("revision", default="head")
@with_appcontext
def upgrade(revision: str) -> None:
    """Upgrade the database to REVISION (default: head)."""
    command.upgrade(alembic_config(), revision)


@db_group.command()
@click.argument("revision", default="-1")
@with_appcontext
def downgrade(revision: str) -> None:
    """Downgrade the database to REVISION (default: one step back; 'base' empties it)."""
    command.downgrade(alembic_config(), revision)


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
