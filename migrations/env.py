"""Alembic's environment: runs migrations on the app's database, batch mode on SQLite."""

from __future__ import annotations

from alembic import context

from cop import models  # noqa: F401  (every table is known to the metadata)
from cop.db import Base, UTCDateTime, make_engine
from cop.migrate import include_name

config = context.config
target_metadata = Base.metadata


def render_item(type_: str, obj, autogen_context):
    """Render cop's column types as plain SQLAlchemy ones, so revisions never import cop."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_offline() -> None:
    context.configure(
        url=config.attributes["database_url"],
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        compare_type=True,
        render_item=render_item,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.attributes["database_url"])
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                # Batch operations rebuild a table (copy, DROP, rename). With foreign keys on,
                # that DROP deletes the rows of every table referencing it (ON DELETE CASCADE).
                # SQLite's own recipe for schema changes: foreign keys off, outside a
                # transaction (the pragma is ignored inside one), then foreign_key_check.
                # This connection is discarded with the engine below.
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
            _run(connection)
    finally:
        engine.dispose()


def _check_foreign_keys(*, ctx, step, heads, run_args) -> None:
    """On SQLite, refuse a revision that leaves rows pointing nowhere (its transaction is rolled back)."""
    rows = ctx.connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if rows:
        direction = "upgrade to" if step.is_upgrade else "downgrade from"
        revision = ", ".join(step.up_revision_ids)
        raise RuntimeError(
            f"{direction} {revision} leaves rows whose foreign keys point nowhere: {rows[:10]}"
        )


def _run(connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=sqlite,
        compare_type=True,
        render_item=render_item,
        # The full-text search objects are made by hand in 0007 and are no model's.
        include_name=include_name,
        # Runs inside each revision's transaction, before it is committed.
        on_version_apply=_check_foreign_keys if sqlite else None,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
