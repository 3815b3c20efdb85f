"""The database layer: UTC instants, enums as checked strings, SQLite's settings, locking, names."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import (
    Column,
    Enum,
    Integer,
    MetaData,
    String,
    Table,
    event,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, StatementError

from cop.db import make_engine
from cop.mail.models import OutboxMessage, OutboxStatus
from cop.migrate import is_search_table
from tests.conftest import is_postgres

ON_POSTGRES = is_postgres(os.environ.get("TEST_DATABASE_URL") or "sqlite://")
sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="SQLite's settings")
postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (TEST_DATABASE_URL)")

BRUSSELS = ZoneInfo("Europe/Brussels")


def add_message(session, **fields) -> OutboxMessage:
    message = OutboxMessage(
        message_id=f"<{uuid.uuid4()}@cop.test>",
        recipient="someone@example.org",
        subject="Hello",
        body_text="Hello.",
        **fields,
    )
    session.add(message)
    session.flush()
    return message


# --- UTCDateTime ---------------------------------------------------------------------------


def test_aware_datetimes_are_stored_in_utc_and_come_back_in_utc(session):
    brussels_ten = datetime(2024, 5, 23, 10, 0, tzinfo=BRUSSELS)  # summer time, UTC+2
    message = add_message(session, created_at=brussels_ten, next_attempt_at=brussels_ten)
    if session.bind.dialect.name == "postgresql":
        # The driver hands back timestamptz in the session's zone; make that zone not UTC.
        session.execute(text("SET LOCAL TIME ZONE 'America/New_York'"))

    stored = session.scalar(select(OutboxMessage.created_at).where(OutboxMessage.id == message.id))

    assert stored == datetime(2024, 5, 23, 8, 0, tzinfo=UTC)
    assert (stored.hour, stored.minute) == (8, 0)
    assert stored.tzinfo is UTC
    # An aware value in a comparison is converted the same way.
    found = session.scalar(select(OutboxMessage.id).where(OutboxMessage.created_at == brussels_ten))
    assert found == message.id

    raw = session.execute(
        text("SELECT created_at FROM outbox_messages WHERE id = :id"), {"id": message.id}
    ).scalar_one()
    if session.bind.dialect.name == "sqlite":
        assert raw == "2024-05-23 08:00:00.000000"  # SQLite keeps no offset: UTC by convention
    else:
        assert raw.utcoffset() == timedelta(hours=-4)  # what UTCDateTime normalised
        assert raw == stored


def test_none_stays_none(session):
    message = add_message(session, last_attempt_at=None)

    row = session.execute(
        select(OutboxMessage.last_attempt_at, OutboxMessage.sent_at).where(
            OutboxMessage.id == message.id
        )
    ).one()

    assert tuple(row) == (None, None)


def test_naive_datetimes_are_refused(session):
    with pytest.raises(StatementError, match="naive datetime") as refused:
        add_message(session, created_at=datetime(2024, 5, 23, 10, 0))
    assert isinstance(refused.value.orig, ValueError)
    session.rollback()

    with pytest.raises(StatementError, match="naive datetime"):
        session.execute(
            select(OutboxMessage.id).where(OutboxMessage.created_at < datetime(2024, 5, 23))
        )


# --- Enums -----------------------------------------------------------------------------------


def insert_raw_message(session, message_id: str, status: str) -> None:
    session.execute(
        text(
            "INSERT INTO outbox_messages (message_id, recipient, subject, body_text, headers,"
            " status, attempts, created_at, next_attempt_at) VALUES (:message_id,"
            " 'someone@example.org', 'Hello', 'Hello.', '{}', :status, 0,"
            " '2024-05-23 08:00:00.000000', '2024-05-23 08:00:00.000000')"
        ),
        {"message_id": message_id, "status": status},
    )


def test_enums_are_stored_as_their_string_values(session):
    message = add_message(session, status=OutboxStatus.SENDING)

    raw = session.execute(
        text("SELECT status FROM outbox_messages WHERE id = :id"), {"id": message.id}
    ).scalar_one()
    assert raw == "sending"

    column = {c["name"]: c for c in inspect(session.connection()).get_columns("outbox_messages")}
    status_type = column["status"]["type"]
    assert isinstance(status_type, String) and not isinstance(status_type, Enum)
    assert status_type.length == len("pending")
    if session.bind.dialect.name == "postgresql":
        native = session.scalar(
            text("SELECT count(*) FROM pg_type WHERE typname = 'outbox_status'")
        )
        assert native == 0


def test_an_invalid_enum_value_is_refused_by_the_check_constraint(session):
    insert_raw_message(session, "<valid@cop.test>", "pending")

    refused = pytest.raises(IntegrityError, match="ck_outbox_messages_outbox_status")
    with refused, session.begin_nested():
        insert_raw_message(session, "<invalid@cop.test>", "lost")

    # The savepoint took the failure; the test's transaction goes on.
    ids = session.scalars(
        select(OutboxMessage.message_id).where(
            OutboxMessage.message_id.in_(["<valid@cop.test>", "<invalid@cop.test>"])
        )
    ).all()
    assert ids == ["<valid@cop.test>"]


def test_the_orm_refuses_an_unknown_enum_string_before_sql(session):
    with pytest.raises(StatementError, match="lost"):
        add_message(session, status="lost")
    session.rollback()


# --- Foreign keys and SQLite's settings --------------------------------------------------------


def test_foreign_keys_are_enforced(session):
    refused = pytest.raises(IntegrityError, match="(?i)foreign key constraint")
    with refused, session.begin_nested():
        session.execute(
            text(
                "INSERT INTO group_links (group_id, position, title, url)"
                " VALUES (424242, 0, 'Nowhere', 'https://example.org')"
            )
        )
    assert session.scalar(text("SELECT count(*) FROM group_links WHERE group_id = 424242")) == 0


@sqlite_only
def test_sqlite_connections_have_foreign_keys_wal_and_a_busy_timeout(connection):
    assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000


@pytest.fixture
def sqlite_counter(tmp_path) -> Iterator[Engine]:
    """A SQLite file of its own with one counter row, and its engine."""
    engine = make_engine(f"sqlite:///{tmp_path / 'locking.sqlite3'}")
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE counters (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)"
        )
        connection.exec_driver_sql("INSERT INTO counters VALUES (1, 0)")
    yield engine
    engine.dispose()


@sqlite_only
def test_sqlite_transactions_begin_immediate(sqlite_counter):
    statements = []
    event.listen(
        sqlite_counter, "before_cursor_execute", lambda _c, _cur, sql, *_: statements.append(sql)
    )
    with sqlite_counter.connect() as first, sqlite_counter.connect() as second:
        second.exec_driver_sql("PRAGMA busy_timeout=100")
        second.commit()

        first.begin()
        assert first.exec_driver_sql("SELECT value FROM counters").scalar() == 0  # only reads
        assert statements[-2:] == ["BEGIN IMMEDIATE", "SELECT value FROM counters"]

        # The reader already holds the write lock: another transaction cannot begin.
        started = time.monotonic()
        with pytest.raises(OperationalError, match="database is locked"):
            second.begin()
        assert time.monotonic() - started >= 0.09  # it waited for the busy timeout first

        first.rollback()
        with second.begin():
            assert second.exec_driver_sql("SELECT value FROM counters").scalar() == 0


@sqlite_only
def test_sqlite_second_writer_waits_until_the_first_commits(sqlite_counter):
    began = threading.Event()

    def second_writer() -> int:
        with sqlite_counter.connect() as connection, connection.begin():
            began.set()
            return connection.exec_driver_sql("SELECT value FROM counters").scalar()

    with sqlite_counter.connect() as first, ThreadPoolExecutor(1) as pool:
        first.begin()
        first.exec_driver_sql("UPDATE counters SET value = 7")
        waiting = pool.submit(second_writer)
        assert not began.wait(0.2)  # blocked on BEGIN IMMEDIATE
        first.commit()
        assert waiting.result(timeout=10) == 7  # it began after the commit and sees it


def increment_concurrently(engine: Engine, table: Table, *, for_update: bool) -> None:
    """Two threads, each reading the counter then writing counter+1, 50 times."""
    barrier = threading.Barrier(2)

    def work() -> None:
        with engine.connect() as connection:
            barrier.wait()
            for _ in range(50):
                with connection.begin():
                    query = select(table.c.value).where(table.c.id == 1)
                    if for_update:
                        query = query.with_for_update()
                    value = connection.execute(query).scalar_one()
                    time.sleep(0.0005)  # widen the window between read and write
                    connection.execute(update(table).where(table.c.id == 1).values(value=value + 1))

    with ThreadPoolExecutor(2) as pool:
        for future in [pool.submit(work), pool.submit(work)]:
            future.result(timeout=60)


@sqlite_only
def test_sqlite_read_then_write_loses_no_update(sqlite_counter):
    counters = Table(
        "counters", MetaData(), Column("id", Integer, primary_key=True), Column("value", Integer)
    )

    increment_concurrently(sqlite_counter, counters, for_update=False)

    with sqlite_counter.connect() as connection:
        assert connection.execute(select(counters.c.value)).scalar_one() == 100


# --- PostgreSQL: row locks ---------------------------------------------------------------------


@pytest.fixture
def postgres_counter(database_url) -> Iterator[tuple[Engine, Table]]:
    """A counter in a schema of its own on the test database, dropped afterwards."""
    engine = make_engine(database_url)
    schema = f"locking_{uuid.uuid4().hex[:12]}"
    counters = Table(
        "counters",
        MetaData(schema=schema),
        Column("id", Integer, primary_key=True),
        Column("value", Integer, nullable=False),
    )
    try:
        with engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
            counters.create(connection)
            connection.execute(counters.insert().values(id=1, value=0))
        yield engine, counters
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


@postgres_only
def test_postgres_select_for_update_blocks_a_second_locker(postgres_counter):
    engine, counters = postgres_counter
    query = select(counters.c.value).where(counters.c.id == 1).with_for_update()
    with engine.connect() as first, engine.connect() as second:
        first.begin()
        assert first.execute(query).scalar_one() == 0

        second.begin()
        second.execute(text("SET LOCAL lock_timeout = '100ms'"))
        with pytest.raises(OperationalError, match="lock timeout"):
            second.execute(query)
        second.rollback()

        first.rollback()
        with second.begin():
            assert second.execute(query).scalar_one() == 0


@postgres_only
def test_postgres_read_for_update_then_write_loses_no_update(postgres_counter):
    engine, counters = postgres_counter

    increment_concurrently(engine, counters, for_update=True)

    with engine.connect() as connection:
        assert connection.execute(select(counters.c.value)).scalar_one() == 100


# --- Constraint names ------------------------------------------------------------------------


def test_constraints_are_named_by_the_convention(engine):
    inspector = inspect(engine)

    assert inspector.get_pk_constraint("users")["name"] == "pk_users"
    assert "uq_working_groups_slug" in {
        u["name"] for u in inspector.get_unique_constraints("working_groups")
    }
    assert "ck_outbox_messages_outbox_status" in {
        c["name"] for c in inspector.get_check_constraints("outbox_messages")
    }
    assert "fk_group_links_group_id_working_groups" in {
        f["name"] for f in inspector.get_foreign_keys("group_links")
    }
    assert "ix_audit_entries_actor_id" in {
        i["name"] for i in inspector.get_indexes("audit_entries")
    }

    for table in inspector.get_table_names():
        # The search's FTS5 tables (SQLite) are SQLite's own kind of table, named by migration 0007.
        if table == "alembic_version" or is_search_table(table):
            continue
        assert inspector.get_pk_constraint(table)["name"] == f"pk_{table}"
        for kind, found in (
            ("uq", inspector.get_unique_constraints(table)),
            ("ck", inspector.get_check_constraints(table)),
            ("fk", inspector.get_foreign_keys(table)),
        ):
            for constraint in found:
                assert (constraint["name"] or "").startswith(f"{kind}_{table}_"), constraint
        for index in inspector.get_indexes(table):
            if index.get("duplicates_constraint"):  # PostgreSQL lists unique constraints too
                continue
            # Partial unique indexes (a rule that holds only for some rows) are named uq_.
            prefix = "uq" if index["unique"] else "ix"
            assert index["name"].startswith(f"{prefix}_{table}_"), index


@postgres_only
def test_postgres_connections_do_not_jit_compile(database_url):
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SHOW jit")).scalar_one() == "off"
    finally:
        engine.dispose()
