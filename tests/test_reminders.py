"""Reminders before meetings: each confirmed person once per reminder, however often it runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from cop import clock
from cop.mail.models import OutboxMessage
from cop.meetings.models import (
    AttendanceMode,
    MeetingFormat,
    MeetingStatus,
    Registration,
    RegistrationStatus,
    ReminderSent,
)
from cop.meetings.reminders import parse_reminder_days, send_reminders
from cop.members.models import Role
from tests.factories import make_group, make_meeting, make_membership, make_registration, make_user

STARTS = datetime(2030, 3, 12, 9, 0, tzinfo=UTC)  # 10:00 in Brussels
BOOKED = STARTS - timedelta(days=30)


def booked(session, meeting, person=None, at: datetime = BOOKED, **values) -> Registration:
    """A registration made at `at` (confirmed then, unless its status says otherwise)."""
    registration = make_registration(session, meeting, person, queued_at=at, **values)
    registration.created_at = at
    if registration.status is RegistrationStatus.CONFIRMED:
        registration.confirmed_at = at
    session.flush()
    return registration


def reminders(session) -> list[OutboxMessage]:
    session.expire_all()
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == "meeting_reminder")
            .order_by(OutboxMessage.id)
        )
    )


def recorded(session) -> set[tuple[int, int]]:
    return set(session.execute(select(ReminderSent.registration_id, ReminderSent.days_before)))


@pytest.fixture
def world(session):
    group = make_group(session)
    meeting = make_meeting(
        session, group, title="Plenary in Vienna", starts_at=STARTS, hours=7,
        online_url="https://meet.example.org/vienna",
    )  # fmt: skip
    people = {name: make_user(session, name=name.title()) for name in ("ana", "bo", "cy", "di")}
    for person in people.values():
        make_membership(session, person, group)

    def register(person, **values):
        return booked(session, meeting, person, **values)

    registrations = {
        "ana": register(people["ana"]),
        "guest": register(None, name="Gus Guest", email="gus@example.org",
                          mode=AttendanceMode.ONLINE),
        "waiting": register(people["bo"], status=RegistrationStatus.WAITLISTED),
        "cancelled": register(people["cy"], status=RegistrationStatus.CANCELLED),
    }  # fmt: skip
    session.commit()
    return {"meeting": meeting, "people": people, "group": group, **registrations}


def run(app, session, at: datetime) -> int:
    with clock.fixed_at(at), app.test_request_context():
        return send_reminders(session)


def test_each_confirmed_person_is_reminded_once_per_reminder(app, session, world):
    assert run(app, session, STARTS - timedelta(days=8)) == 0
    assert reminders(session) == []

    assert run(app, session, STARTS - timedelta(days=7)) == 2
    assert run(app, session, STARTS - timedelta(days=6)) == 0  # running again sends nothing
    week = reminders(session)
    assert sorted(message.recipient for message in week) == sorted(
        [world["people"]["ana"].email, "gus@example.org"]
    )
    assert recorded(session) == {(world["ana"].id, 7), (world["guest"].id, 7)}

    assert run(app, session, STARTS - timedelta(hours=20)) == 2
    assert run(app, session, STARTS - timedelta(hours=19)) == 0
    assert len(reminders(session)) == 4
    assert recorded(session) == {
        (world["ana"].id, 7),
        (world["guest"].id, 7),
        (world["ana"].id, 1),
        (world["guest"].id, 1),
    }


def test_waiting_and_cancelled_people_are_not_reminded(app, session, world):
    run(app, session, STARTS - timedelta(days=1))

    recipients = {message.recipient for message in reminders(session)}
    assert world["people"]["bo"].email not in recipients  # waiting
    assert world["people"]["cy"].email not in recipients  # cancelled
    assert len(recipients) == 2


def test_the_reminder_names_the_meeting_its_time_in_its_zone_place_link_and_cancel_link(
    app, session, world
):
    run(app, session, STARTS - timedelta(days=7))

    sent = {message.recipient: message for message in reminders(session)}
    ana, guest = sent[world["people"]["ana"].email], sent["gus@example.org"]
    assert ana.subject.startswith("Reminder: Plenary in Vienna")
    assert "Tuesday 12 March 2030, 10:00–17:00 (Europe/Brussels)" in ana.subject
    assert "Tuesday 12 March 2030, 10:00–17:00 (Europe/Brussels)" in ana.body_text
    assert "Committee of the Regions" in ana.body_text
    assert "https://meet.example.org/vienna" in ana.body_text  # they are confirmed
    meeting_url = f"http://cop.test/meetings/{world['meeting'].id}"
    assert meeting_url in ana.body_text
    # A person without an account cancels through a link of their own.
    assert "http://cop.test/meetings/cancel/" in guest.body_text
    assert "Hello Gus Guest," in guest.body_text


def test_reminders_due_together_go_in_one_email(app, session, world):
    # The command did not run in the last week: both reminders are due at once.
    assert run(app, session, STARTS - timedelta(hours=12)) == 2

    assert len(reminders(session)) == 2
    assert recorded(session) == {
        (world["ana"].id, 7),
        (world["guest"].id, 7),
        (world["ana"].id, 1),
        (world["guest"].id, 1),
    }
    assert run(app, session, STARTS - timedelta(hours=11)) == 0


def test_no_reminder_for_a_point_that_passed_before_registering(app, session, world):
    late = make_user(session, name="Lou Late")
    make_membership(session, late, world["group"])
    registration = booked(session, world["meeting"], late, at=STARTS - timedelta(days=3))
    session.commit()

    run(app, session, STARTS - timedelta(days=2))
    assert (registration.id, 7) not in recorded(session)
    assert late.email not in {message.recipient for message in reminders(session)}

    run(app, session, STARTS - timedelta(hours=20))
    assert (registration.id, 1) in recorded(session)
    assert [m.recipient for m in reminders(session)].count(late.email) == 1


@pytest.mark.parametrize(
    "change",
    ["cancelled", "draft", "started"],
)
def test_no_reminder_for_cancelled_draft_or_started_meetings(app, session, world, change):
    meeting = world["meeting"]
    at = STARTS - timedelta(days=1)
    if change == "cancelled":
        meeting.status = MeetingStatus.CANCELLED
    elif change == "draft":
        meeting.status = MeetingStatus.DRAFT
    else:
        at = STARTS + timedelta(minutes=5)
    session.commit()

    assert run(app, session, at) == 0
    assert reminders(session) == []
    assert recorded(session) == set()


def test_each_meeting_has_its_own_reminder_days(app, session, world):
    world["meeting"].reminder_days = "3"
    online = make_meeting(
        session, world["group"], format=MeetingFormat.ONLINE, starts_at=STARTS,
        reminder_days="14, 2",
    )  # fmt: skip
    booked(session, online, world["people"]["di"])
    session.commit()

    assert run(app, session, STARTS - timedelta(days=7)) == 1  # the online meeting's 14 days
    assert run(app, session, STARTS - timedelta(days=3)) == 2  # the first meeting's 3 days
    assert run(app, session, STARTS - timedelta(days=1)) == 1  # the online meeting's 2 days
    assert run(app, session, STARTS - timedelta(hours=1)) == 0


def test_reminder_days_are_read_leniently(app):
    with app.app_context():
        assert parse_reminder_days("7,1") == [7, 1]
        assert parse_reminder_days(" 1 , 14,1") == [14, 1]
        assert parse_reminder_days("2,soon,-1,61") == [2]
        assert parse_reminder_days("") == []  # reminders turned off


def test_the_command_run_twice_sends_each_reminder_once_and_purges_past_needs(
    app, runner, session, world
):
    past = make_meeting(session, world["group"], starts_at=STARTS - timedelta(days=40))
    with_needs = make_registration(session, past, world["people"]["di"], needs="Vegetarian")
    session.commit()

    with clock.fixed_at(STARTS - timedelta(hours=12)):
        first = runner.invoke(args=["cop", "send-reminders"])
        second = runner.invoke(args=["cop", "send-reminders"])

    assert first.exit_code == 0, first.output
    assert "Reminders: 2 queued." in first.output
    assert "Needs purged from 1 past registrations." in first.output
    assert "Reminders: 0 queued." in second.output
    assert "Needs purged from 0 past registrations." in second.output
    assert len(reminders(session)) == 2
    assert session.get(Registration, with_needs.id).needs == ""


def test_a_postponed_meeting_reminds_again_before_its_new_date(app, session, world):
    from cop.meetings.services import postpone_meeting

    coordinator = make_user(session, name="Cora Coordinator")
    make_membership(session, coordinator, world["group"], role=Role.COORDINATOR)
    session.commit()
    assert run(app, session, STARTS - timedelta(days=7)) == 2

    new_start = datetime(2030, 4, 14, 10, 0)  # wall-clock time in Brussels
    with clock.fixed_at(STARTS - timedelta(days=6)), app.test_request_context():
        postpone_meeting(
            session, coordinator, world["meeting"].id, new_start, new_start + timedelta(hours=7)
        )
    session.commit()
    assert recorded(session) == set()

    moved = datetime(2030, 4, 14, 8, 0, tzinfo=UTC)
    assert run(app, session, STARTS - timedelta(days=1)) == 0  # the old date means nothing now
    assert run(app, session, moved - timedelta(days=7)) == 2
    assert "14 April 2030" in reminders(session)[-1].body_text
