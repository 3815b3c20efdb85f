"""Browser tests: cop served on a free local port, driven by Debian's Chromium through Playwright.

The live server uses its own SQLite database (migrated, with the demo loaded),
since it runs in another thread than the test. Without Chromium these tests
are skipped on a developer's machine and fail in CI (CI=true), where
`make test` must have installed it.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator

import pytest
from alembic import command
from flask import Flask
from werkzeug.serving import make_server

from cop import create_app
from cop.db import get_session
from cop.demo import load_demo
from cop.migrate import alembic_config

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class LiveServer(str):
    """The server's base URL, which also knows its app (to read the outbox, say)."""

    app: Flask


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("live")
    url = f"sqlite:///{folder / 'live.sqlite3'}"
    command.upgrade(alembic_config(url), "head")
    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "browser-test-secret-key-long-enough-1234"}
    )
    with app.app_context():
        load_demo(get_session())
        get_session().commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    live = LiveServer(f"http://127.0.0.1:{server.server_port}")
    # Links in emails and calendar addresses are built on BASE_URL: this server's.
    app.config["BASE_URL"] = str(live)
    live.app = app
    yield live
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def chromium():
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: `make test` installs it with apt-get")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    yield page
    context.close()
