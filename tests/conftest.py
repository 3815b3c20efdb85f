"""Fixtures: the app on a migrated database, a transaction rolled back after each test, users per role.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.orm import Session

from cop import create_app
from cop.db import get_db, make_engine
from cop.members.regions import load_regions
from cop.migrate import alembic_config, empty_database
from tests.factories import make_user

PASSWORD = "correct horse battery staple"
TRANSLATIONS = Path(__file__).resolve().parent.parent / "cop" / "translations"


@pytest.fixture(scope="session", autouse=True)
def compiled_translations() -> None:
    """Compile any catalogue whose .po is newer than its .mo (as `make compile-translations` does)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalogue = read_po(po_file)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalogue)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    """A database of this run's own: a SQLite file, or on PostgreSQL a new database next to
    TEST_DATABASE_URL's, dropped at the end, so that runs side by side never meet."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        return
    server_url = make_url(url)
    own_name = f"{server_url.database}_run{os.getpid()}"
    server = make_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{own_name}"')
            connection.exec_driver_sql(f'CREATE DATABASE "{own_name}"')
        yield server_url.set(database=own_name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{own_name}" WITH (FORCE)')
        server.dispose()


@pytest.fixture(scope="session")
def migrated(database_url: str) -> str:
    """The test database, migrated to head once per run (the suite's schema comes from migrations)."""
    empty_database(database_url)
    command.upgrade(alembic_config(database_url), "head")
    # Reference data every test may use: the NUTS-2 regions.
    engine = make_engine(database_url)
    with Session(engine) as session:
        load_regions(session)
        session.commit()
    engine.dispose()
    return database_url


@pytest.fixture(scope="session")
def engine(migrated: str) -> Iterator[Engine]:
    engine = make_engine(migrated)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """One connection whose outer transaction is rolled back after the test."""
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


@pytest.fixture
def app(migrated: str, connection: Connection, tmp_path):
    app = create_app(
        {
            "DATABASE_URL": migrated,
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-that-is-long-enough-for-tests",
            "BASE_URL": "http://cop.test",
            "MAIL_SENDER": "cop <no-reply@example.org>",
            # Tests change records and look at once: every page reads its version anew.
            "PUBLIC_VERSION_SECONDS": 0,
        }
    )
    # Every session the app opens joins the test's transaction through a savepoint,
    # so views may commit and the test still leaves nothing behind.
    get_db(app).sessionmaker.configure(bind=connection, join_transaction_mode="create_savepoint")
    yield app
    get_db(app).engine.dispose()


@pytest.fixture
def session(app) -> Iterator[Session]:
    """A session on the test's transaction, for arranging data and checking results.

    No app context is held open here: requests made by the test get their own,
    as they would in production (Flask reuses an app context that is already pushed).
    """
    session = get_db(app).sessionmaker()
    yield session
    session.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CSRF_FIELD = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


class Browser:
    """Small helpers to act as a person would: read a form's token, post it, log in."""

    def __init__(self, client) -> None:
        self.client = client

    def token(self, page: str = "/account/login") -> str:
        """The CSRF token of this session, read from a form on `page` (or any page that has one)."""
        for candidate in (page, "/", "/account/login"):
            match = CSRF_FIELD.search(self.client.get(candidate).get_data(as_text=True))
            if match:
                return match.group(1)
        raise AssertionError("no page offers a form with a CSRF token")

    def post(self, url: str, data: dict | None = None, page: str = "/account/login", **kwargs):
        payload = {"csrf_token": self.token(page), **(data or {})}
        return self.client.post(url, data=payload, **kwargs)

    def login(self, user, password: str = PASSWORD):
        response = self.post("/account/login", {"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    def logout(self):
        return self.post("/account/logout", page="/")


@pytest.fixture
def browser(client) -> Browser:
    return Browser(client)


@pytest.fixture
def admin(session):
    user = make_user(session, name="Ada Admin", email="ada@example.org", admin=True)
    session.commit()
    return user


@pytest.fixture
def user(session):
    user = make_user(session, name="Uma User", email="uma@example.org")
    session.commit()
    return user


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(connection: Connection):
    """Count the SQL statements run inside the block (savepoint bookkeeping excluded)."""

    @contextmanager
    def counting() -> Iterator[QueryCounter]:
        counter = QueryCounter()

        def before(conn, cursor, statement, parameters, context, executemany):
            if not re.match(r"\s*(SAVEPOINT|RELEASE|ROLLBACK)", statement, re.I):
                counter.statements.append(statement)

        event.listen(connection, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(connection, "before_cursor_execute", before)

    return counting


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


@pytest.fixture
def sink(app):
    """A local SMTP server (aiosmtpd) the app sends to; it keeps what it receives."""
    from tests.test_mail import SMTPSink

    sink = SMTPSink()
    sink.start()
    app.config.update(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=sink.port,
        SMTP_TIMEOUT=2,
        SMTP_USERNAME=None,
        SMTP_PASSWORD=None,
        SMTP_STARTTLS=False,
        SMTP_SSL=False,
        MAIL_MAX_ATTEMPTS=10,
    )
    yield sink
    if sink.running:
        sink.stop()
