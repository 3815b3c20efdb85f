"""`make bench`: page throughput and latency at scale, and outbox sending speed.

Builds a throw-away database (SQLite in a temp folder, or BENCH_DATABASE_URL for
PostgreSQL; that database is emptied first), fills it with many groups and audit
entries, then measures in-process requests (no network) and a send-mail run
against a local aiosmtpd sink. Figures are printed; nothing is asserted.
"""

from __future__ import annotations

import os
import socket
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from alembic import command
from sqlalchemy import event, select

from cop import create_app
from cop.audit.services import record_change
from cop.db import get_db, get_session
from cop.demo import load_demo
from cop.mail.services import SMTPSettings, SMTPTransport, queue_email, send_pending
from cop.members.models import Membership, MembershipStatus, Organisation, User
from cop.members.services import GroupDetails, create_group, find_group
from cop.migrate import alembic_config, empty_database

GROUPS = 300
MEMBERS = 1_000  # active members of the group "bench-0", half of them listed publicly
AUDIT_ENTRIES = 20_000
REQUESTS = 100
MESSAGES = 1_000


def fill(app) -> User:
    with app.app_context():
        session = get_session()
        load_demo(session)
        for number in range(GROUPS):
            create_group(
                session,
                None,
                GroupDetails(
                    slug=f"bench-{number}", name=f"Bench group {number}", kickoff=date(2024, 1, 1)
                ),
            )
        admin = User(
            email="bench-admin@example.org", name="Bench Admin", is_admin=True, active=True
        )
        session.add(admin)
        session.flush()
        big_group = find_group(session, "bench-0")
        organisations = list(session.scalars(select(Organisation)))
        for number in range(MEMBERS):
            person = User(
                email=f"bench-member-{number}@example.org",
                name=f"Bench Member {number}",
                organisation=organisations[number % len(organisations)],
                expertise="innovation diffusion" if number % 3 else "digitalisation",
                listed=number % 2 == 0,
                active=True,
            )
            session.add(person)
            session.add(Membership(user=person, group=big_group, status=MembershipStatus.ACTIVE))
        session.flush()
        for number in range(AUDIT_ENTRIES):
            record_change(
                session, actor=admin, action="bench.touched", record=admin, summary=str(number)
            )
            if number % 2000 == 0:
                session.flush()
        session.commit()
        return admin.id


def measure_pages(app, admin_id: int) -> None:
    statements = 0

    def count(*_args) -> None:
        nonlocal statements
        statements += 1

    event.listen(get_db(app).engine, "before_cursor_execute", count)
    client = app.test_client()
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = f"{admin_id}:1"
        flask_session["_fresh"] = True
    print(f"{'page':<46}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}")
    pages = (
        "/",
        "/groups/innovation-diffusion/",
        f"/groups/bench-0/ ({MEMBERS} members)",
        f"/groups/bench-0/members/ ({MEMBERS} members)",
        "/groups/bench-0/members/?expertise=digital",
        "/admin/audit",
        "/admin/audit?page=200",
        "/healthz",
    )
    for label in pages:
        path = label.split(" ")[0]
        client.get(path)  # warm up templates and caches
        timings = []
        statements = 0
        for _ in range(REQUESTS):
            start = time.perf_counter()
            response = client.get(path)
            timings.append(time.perf_counter() - start)
            assert response.status_code == 200, (path, response.status_code)
        timings.sort()
        p50 = statistics.median(timings) * 1000
        p95 = timings[int(len(timings) * 0.95)] * 1000
        rate = len(timings) / sum(timings)
        print(f"{label:<46}{rate:>8.0f}{p50:>9.2f}{p95:>9.2f}{statements / REQUESTS:>9.1f}")
    event.remove(get_db(app).engine, "before_cursor_execute", count)


def measure_mail(app) -> None:
    from aiosmtpd.controller import Controller

    class Sink:
        received = 0

        async def handle_DATA(self, server, session, envelope):
            Sink.received += 1
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with app.app_context():
            session = get_session()
            start = time.perf_counter()
            for number in range(MESSAGES):
                queue_email(
                    session, to=f"member{number}@example.org", subject="Bench", text="Hello " * 50
                )
            session.commit()
            queued = time.perf_counter() - start
            transport = SMTPTransport(
                SMTPSettings(host="127.0.0.1", port=port, sender="cop <no-reply@example.org>")
            )
            start = time.perf_counter()
            report = send_pending(session, transport, limit=MESSAGES)
            sent = time.perf_counter() - start
    finally:
        controller.stop()
    print(
        f"outbox: queued {MESSAGES} in {queued:.2f}s ({MESSAGES / queued:.0f}/s); "
        f"sent {report.sent} in {sent:.2f}s ({report.sent / sent:.0f}/s); sink received {Sink.received}"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        empty_database(url)
        command.upgrade(alembic_config(url), "head")
        app = create_app(
            {"DATABASE_URL": url, "SECRET_KEY": "bench-secret-key-long-enough-0123456789"}
        )
        backend = get_db(app).engine.dialect.name
        start = time.perf_counter()
        admin_id = fill(app)
        print(
            f"cop bench on {backend}: {GROUPS + 3} groups, {AUDIT_ENTRIES} audit entries "
            f"(filled in {time.perf_counter() - start:.1f}s); {REQUESTS} requests per page, in process"
        )
        measure_pages(app, admin_id)
        measure_mail(app)
        get_db(app).engine.dispose()


if __name__ == "__main__":
    main()
