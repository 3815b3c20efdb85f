"""Meetings and people's accounts: closing an account frees its seats; the data export lists
its registrations."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from cop.mail.models import OutboxMessage
from cop.meetings.models import RegistrationStatus
from cop.members.people import close_account
from tests.factories import (
    make_group,
    make_meeting,
    make_membership,
    make_registration,
    make_user,
)

PASSWORD = "correct horse battery staple"


def _full_meeting_with_a_waiting_person(session):
    group = make_group(session)
    leaver = make_user(session, name="Lena Leaver", email="lena@example.org")
    waiting = make_user(session, name="Walt Waiting", email="walt@example.org")
    for person in (leaver, waiting):
        make_membership(session, person, group)
    meeting = make_meeting(session, group, capacity_in_person=1)
    seat = make_registration(session, meeting, leaver, needs="Vegetarian")
    queued = make_registration(session, meeting, waiting, status=RegistrationStatus.WAITLISTED)
    past = make_meeting(session, group, starts_in=timedelta(days=-40))
    attended = make_registration(session, past, leaver, needs="Step-free access")
    return leaver, seat, queued, attended


def test_closing_an_account_frees_its_seat_for_the_next_person_waiting(app, session):
    leaver, seat, queued, attended = _full_meeting_with_a_waiting_person(session)
    session.commit()

    with app.test_request_context():
        close_account(session, leaver, leaver, PASSWORD)
    session.commit()

    assert seat.status is RegistrationStatus.CANCELLED
    assert seat.needs == "" and attended.needs == ""
    # The past meeting keeps its attendance record.
    assert attended.status is RegistrationStatus.CONFIRMED
    assert queued.status is RegistrationStatus.CONFIRMED
    promoted = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.recipient == "walt@example.org", OutboxMessage.kind == "meeting_promoted"
        )
    ).all()
    assert len(promoted) == 1
    # Nothing more is written to the closed account's address.
    assert not session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient == "lena@example.org")
    ).all()


def test_the_data_page_and_download_list_the_persons_registrations(browser, session):
    leaver, seat, _queued, _attended = _full_meeting_with_a_waiting_person(session)
    session.commit()
    browser.login(leaver)

    page = browser.client.get("/account/data").get_data(as_text=True)
    assert "Meeting registrations" in page
    assert seat.meeting.title in page and "Vegetarian" in page

    data = json.loads(browser.client.get("/account/data.json").get_data(as_text=True))
    rows = data["meeting_registrations"]
    assert {row["meeting_id"] for row in rows} == {seat.meeting_id, _attended.meeting_id}
    assert {row["needs"] for row in rows} == {"Vegetarian", "Step-free access"}
    assert all(row["status"] == "confirmed" for row in rows)
