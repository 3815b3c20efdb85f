"""Throw-away PostgreSQL databases for the bench: created fresh, dropped at the end."""

from __future__ import annotations

import os

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

# The server's maintenance database, reached as a user allowed to create databases.
DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def admin_url() -> str:
    return os.environ.get("BENCH_POSTGRES_URL") or DEFAULT_ADMIN_URL


def _connect(url: str) -> psycopg.Connection:
    parsed = make_url(url)
    return psycopg.connect(
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password,
        dbname=parsed.database or "postgres",
        autocommit=True,
    )


def create_database(name: str, url: str | None = None) -> str:
    """Create the database `name` afresh (dropping any left by an interrupted run); its URL."""
    url = url or admin_url()
    with _connect(url) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def drop_database(name: str, url: str | None = None) -> None:
    with _connect(url or admin_url()) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def vacuum_analyze(url: str) -> None:
    """What autovacuum does within a minute of a bulk load, done before measuring: the planner's
    statistics, and the visibility map that lets PostgreSQL answer from an index alone."""
    with _connect(url) as connection:
        connection.execute("VACUUM (ANALYZE)")
