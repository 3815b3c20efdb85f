"""Reminders of overdue progress updates: each owner once per period, however often the
command runs; none for a solution with a recent update or closed; the group's setting."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import func, select
from sqlalchemy.pool import NullPool

from cop import clock, create_app
from cop.db import get_db, get_session, make_engine
from cop.errors import Invalid
from cop.mail.models import OutboxMessage
from cop.members.models import Membership, MembershipStatus, Role, WorkingGroup
from cop.members.services import GroupDetails, create_group
from cop.solutions import updates
from cop.solutions.models import SolutionStage, UpdateReminder, UpdateStatus
from cop.solutions.reminders import send_update_reminders
from tests.conftest import is_postgres
from tests.factories import make_group, make_membership, make_solution, make_update, make_user
from tests.test_registration_concurrency import high_water_marks, remove_rows_above

LAST_UPDATE = date(2026, 10, 15)  # every 4 weeks: due 12 November 2026
DUE = date(2026, 11, 12)


def at(day: date) -> datetime:
    """9:00 UTC on `day` (10:00 in Brussels)."""
    return datetime.combine(day, time(9), UTC)


def reminders(session) -> list[OutboxMessage]:
    session.expire_all()
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == "solution_update_due")
            .order_by(OutboxMessage.id)
        )
    )


def run(app, session, day: date) -> int:
    with clock.fixed_at(at(day)), app.test_request_context():
        return send_update_reminders(session)


@pytest.fixture
def world(app, session):
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    owner = make_user(session, name="Olivia Owner", email="olivia@example.org")
    co_owner = make_user(session, name="Carl Co-owner", email="carl@example.org")
    coordinator = make_user(session, name="Cora Coordinator")
    for person in (owner, co_owner):
        make_membership(session, person, group)
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    solution = make_solution(
        session, group, owner, co_owners=(co_owner,), stage=SolutionStage.DEPLOYMENT,
        title="Digital vouchers",
    )  # fmt: skip
    make_update(session, solution, owner, reported_on=LAST_UPDATE)
    session.commit()
    return {
        "group": group,
        "owner": owner,
        "co_owner": co_owner,
        "coordinator": coordinator,
        "solution": solution,
    }


def test_each_owner_is_reminded_once_per_period(app, session, world):
    assert run(app, session, DUE) == 0  # due that day, not overdue yet
    assert run(app, session, date(2026, 11, 13)) == 2
    assert run(app, session, date(2026, 11, 13)) == 0  # running again sends nothing
    assert run(app, session, date(2026, 12, 9)) == 0  # still the same period
    assert sorted(message.recipient for message in reminders(session)) == [
        "carl@example.org",
        "olivia@example.org",
    ]
    assert list(session.scalars(select(UpdateReminder.due_on))) == [DUE]

    # Four weeks after the due date, the next period: reminded again, once.
    assert run(app, session, date(2026, 12, 10)) == 2
    assert run(app, session, date(2026, 12, 11)) == 0
    assert len(reminders(session)) == 4
    assert sorted(session.scalars(select(UpdateReminder.due_on))) == [DUE, date(2026, 12, 10)]


def test_the_reminder_names_the_solution_its_due_date_and_its_page(app, session, world):
    run(app, session, date(2026, 11, 20))

    message = next(m for m in reminders(session) if m.recipient == "olivia@example.org")
    assert message.subject == "Progress update due: Digital vouchers"
    assert "Hello Olivia Owner," in message.body_text
    assert "was due on 12 November 2026" in message.body_text
    assert "asks the owners of each solution for one every 4 weeks" in message.body_text
    assert f"http://cop.test/solutions/{world['solution'].id}" in message.body_text
    # Owners may turn these reminders off, as a kind of email of their own.
    assert "List-Unsubscribe" in message.headers


def test_the_reminder_reads_well_for_a_weekly_update_in_the_owner_s_language(app, session, world):
    world["group"].update_every_weeks = 1  # the last update of 15 October: due 22 October
    world["owner"].language = "fr"
    world["co_owner"].language = "de"
    session.commit()
    run(app, session, date(2026, 11, 20))

    by_person = {message.recipient: message for message in reminders(session)}
    french, german = by_person["olivia@example.org"], by_person["carl@example.org"]
    assert french.subject == "Point d'avancement attendu : Digital vouchers"
    assert (
        "Le groupe Innovation Diffusion demande aux responsables de chaque solution un point"
        " chaque semaine" in " ".join(french.body_text.split())
    )
    assert german.subject == "Fortschrittsbericht fällig: Digital vouchers"
    assert "bittet die Verantwortlichen jeder Lösung jede Woche um einen Bericht" in " ".join(
        german.body_text.split()
    )
    for message in (french, german):
        assert "1 semaines" not in message.body_text and "1 Wochen" not in message.body_text


def test_a_recent_update_stops_the_reminders(app, session, world):
    with clock.fixed_at(at(date(2026, 11, 20))), app.test_request_context():
        updates.post_update(
            session, world["co_owner"], world["solution"].id,
            status=UpdateStatus.ON_TRACK, narrative="Back on track.",
        )  # fmt: skip
    session.commit()

    assert run(app, session, date(2026, 11, 21)) == 0
    assert run(app, session, date(2026, 12, 18)) == 0  # due that day (20 Nov + 4 weeks)
    assert run(app, session, date(2026, 12, 19)) == 2


@pytest.mark.parametrize("stage", [SolutionStage.COMPLETED, SolutionStage.DISCONTINUED])
def test_closed_solutions_send_no_reminder(app, session, world, stage):
    world["solution"].stage = stage
    world["solution"].discontinue_reason = "The regions found a better instrument."
    session.commit()
    assert run(app, session, date(2026, 12, 1)) == 0
    assert reminders(session) == []


def test_a_solution_being_co_developed_owes_its_updates_too(app, session, world):
    world["solution"].stage = SolutionStage.CO_DEVELOPMENT
    session.commit()
    assert run(app, session, date(2026, 12, 1)) == 2


def test_owners_who_left_the_group_are_not_reminded_nor_archived_groups(app, session, world):
    membership = session.scalar(
        select(Membership).where(Membership.user_id == world["co_owner"].id)
    )
    membership.status = MembershipStatus.LEFT
    session.commit()
    assert run(app, session, date(2026, 11, 20)) == 1
    assert [m.recipient for m in reminders(session)] == ["olivia@example.org"]

    world["group"].archived = True
    session.commit()
    assert run(app, session, date(2026, 12, 20)) == 0


def test_the_group_sets_how_often(app, session, world):
    world["group"].update_every_weeks = 2  # due 29 October, then 12 and 26 November
    session.commit()
    assert run(app, session, date(2026, 11, 1)) == 2
    assert list(session.scalars(select(UpdateReminder.due_on))) == [date(2026, 10, 29)]
    assert run(app, session, date(2026, 11, 13)) == 2
    assert sorted(session.scalars(select(UpdateReminder.due_on)))[-1] == DUE


def test_the_command_reminds_and_says_how_many(app, runner, session, world):
    with clock.fixed_at(at(date(2026, 11, 20))):
        first = runner.invoke(args=["cop", "send-reminders"])
        second = runner.invoke(args=["cop", "send-reminders"])

    assert first.exit_code == 0, first.output
    assert "Reminders: 0 queued." in first.output  # the meetings' line is kept
    assert "Progress update reminders: 2 queued." in first.output
    assert "Progress update reminders: 0 queued." in second.output
    assert len(reminders(session)) == 2


# --- The group's setting ----------------------------------------------------------------------


@pytest.mark.parametrize("weeks", [0, 27, -1])
def test_a_group_asks_for_updates_every_1_to_26_weeks(app, session, weeks):
    before = session.scalar(select(func.count()).select_from(WorkingGroup))
    with app.test_request_context(), pytest.raises(Invalid) as refused:
        create_group(
            session,
            None,
            GroupDetails(slug="g", name="G", kickoff=date(2026, 1, 1), update_every_weeks=weeks),
        )
    assert refused.value.field == "update_every_weeks"
    assert refused.value.message == "Ask for a progress update every 1 to 26 weeks."
    assert session.scalar(select(func.count()).select_from(WorkingGroup)) == before


def test_an_admin_sets_it_when_creating_a_group(browser, session, admin):
    browser.login(admin)
    page = browser.client.get("/admin/groups").get_data(as_text=True)
    assert 'name="update_every_weeks"' in page
    assert "Progress update of each solution every (weeks)" in page

    form = {"slug": "new-group", "name": "New group", "kickoff": "2026-01-01",
            "duration_months": "36", "meetings_per_year": "2", "timezone": "Europe/Brussels"}  # fmt: skip
    assert browser.post("/admin/groups", {**form, "update_every_weeks": "6"}).status_code == 302
    group = session.scalar(select(WorkingGroup).where(WorkingGroup.slug == "new-group"))
    assert group.update_every_weeks == 6

    refused = browser.post("/admin/groups", {**form, "slug": "other", "update_every_weeks": "30"})
    assert refused.status_code == 400
    assert session.scalar(select(WorkingGroup).where(WorkingGroup.slug == "other")) is None

    # Left empty, the usual four weeks.
    browser.post("/admin/groups", {**form, "slug": "third", "update_every_weeks": ""})
    third = session.scalar(select(WorkingGroup).where(WorkingGroup.slug == "third"))
    assert third.update_every_weeks == 4


# --- Two runs at the same time (PostgreSQL) ---------------------------------------------------


@pytest.fixture
def shared_app(migrated):
    if not is_postgres(migrated):
        pytest.skip("SQLite runs one writer at a time; concurrent runs are tested on PostgreSQL")
    app = create_app(
        {
            "DATABASE_URL": migrated,
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-that-is-long-enough-for-tests",
            "BASE_URL": "http://cop.test",
            "MAIL_SENDER": "cop <no-reply@example.org>",
        }
    )
    engine = make_engine(migrated, poolclass=NullPool)
    get_db(app).sessionmaker.configure(bind=engine)
    marks = high_water_marks(engine)
    try:
        yield app
    finally:
        remove_rows_above(engine, marks)
        get_db(app).engine.dispose()
        engine.dispose()


def test_two_runs_at_once_remind_each_owner_once(shared_app):
    with shared_app.test_request_context():
        session = get_session()
        group = make_group(session)
        owners = []
        for _ in range(5):
            owner = make_user(session)
            make_membership(session, owner, group)
            solution = make_solution(session, group, owner, stage=SolutionStage.SUPPORT)
            make_update(session, solution, owner, reported_on=LAST_UPDATE)
            owners.append(owner.email)
        session.commit()

    barrier = threading.Barrier(2, timeout=60)
    counts = []

    def job():
        # `today` given: the clock is one for the whole process, not to be fixed per thread.
        with shared_app.test_request_context():
            barrier.wait()
            counts.append(send_update_reminders(get_session(), today=date(2026, 11, 20)))

    threads = [threading.Thread(target=job) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sum(counts) == 5, counts
    with shared_app.test_request_context():
        sent = dict(
            get_session()
            .execute(
                select(OutboxMessage.recipient, func.count())
                .where(OutboxMessage.kind == "solution_update_due")
                .group_by(OutboxMessage.recipient)
            )
            .all()
        )
    assert sent == dict.fromkeys(owners, 1)


def test_changing_how_often_does_not_remind_twice_within_a_period(app, session, world):
    assert run(app, session, date(2026, 11, 13)) == 2  # due 12 November, every 4 weeks
    world["group"].update_every_weeks = 3  # now due 5 November, then 26 November, 17 December
    session.commit()
    assert run(app, session, date(2026, 11, 13)) == 0
    assert run(app, session, date(2026, 11, 26)) == 0  # reminded two weeks ago
    assert run(app, session, date(2026, 12, 17)) == 2
    assert len(reminders(session)) == 4
