"""Registering for meetings as people do it: members, people without an account, the waiting
list, cancelling, coordinators' decisions, the registration box, and every bad input."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from itsdangerous.timed import TimestampSigner
from sqlalchemy import func, select

from cop import clock
from cop.audit.models import AuditEntry
from cop.errors import Invalid
from cop.mail.models import OutboxMessage
from cop.meetings.labels import meeting_when
from cop.meetings.models import (
    AttendanceMode,
    Audience,
    MeetingFormat,
    MeetingKind,
    MeetingStatus,
    Registration,
    RegistrationStatus,
)
from cop.meetings.registration import purge_past_needs
from cop.meetings.registration_mail import CANCEL_PURPOSE, CONFIRM_PURPOSE, guest_token
from cop.meetings.seats import change_capacity, lock_meeting
from cop.members.models import Helix, Role
from tests.factories import (
    make_group,
    make_meeting,
    make_membership,
    make_organisation,
    make_registration,
    make_user,
)

# A Tuesday in the future, 08:00 UTC: 10:00 in Athens (EET, UTC+2).
STARTS = datetime(2031, 3, 4, 8, 0, tzinfo=UTC)


def page_of(response) -> str:
    return response.get_data(as_text=True)


def outbox(session, to: str | None = None, kind: str | None = None) -> list[OutboxMessage]:
    session.expire_all()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if to is not None:
        query = query.where(OutboxMessage.recipient == to)
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind)
    return list(session.scalars(query))


def written(session) -> tuple[int, int, int, list[tuple]]:
    """What a refused request must leave untouched: counts of rows and every registration."""
    session.expire_all()
    count = lambda model: session.scalar(select(func.count()).select_from(model))  # noqa: E731
    registrations = [
        (r.id, r.status, r.mode, r.needs, r.queued_at, r.cancelled_at, r.attended_at)
        for r in session.scalars(select(Registration).order_by(Registration.id))
    ]
    return count(Registration), count(OutboxMessage), count(AuditEntry), registrations


def registration_of(session, meeting, user=None, email=None) -> Registration | None:
    session.expire_all()
    query = select(Registration).where(Registration.meeting_id == meeting.id)
    if user is not None:
        query = query.where(Registration.user_id == user.id)
    else:
        query = query.where(Registration.email == email)
    return session.scalar(query)


@pytest.fixture
def world(session):
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    other = make_group(session, slug="industrial-transition", name="Industrial Transition")
    agency = make_organisation(
        session, name="Innovation Agency of Attica", helix=Helix.PUBLIC_AUTHORITY,
        region_code="EL30",
    )  # fmt: skip
    coordinator = make_user(session, name="Cora Coordinator", email="cora@example.org")
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    member = make_user(
        session, name="Maria Papadopoulou", email="maria@example.org", organisation=agency
    )
    make_membership(session, member, group)
    second = make_user(session, name="Sven Second", email="sven@example.org")
    make_membership(session, second, group)
    outsider = make_user(session, name="Otto Outsider", email="otto@example.org")
    make_membership(session, outsider, other)
    meeting = make_meeting(
        session,
        group,
        title="Second plenary of Innovation Diffusion",
        starts_at=STARTS,
        timezone="Europe/Athens",
        venue="Technopolis",
        address="Pireos 100, 118 54 Athens",
        capacity_in_person=2,
        capacity_online=None,
    )
    webinar = make_meeting(
        session,
        group,
        kind=MeetingKind.WEBINAR,
        title="Bottlenecks to innovation diffusion",
        starts_at=STARTS + timedelta(days=7),
        hours=2,
        timezone="Europe/Brussels",
        format=MeetingFormat.ONLINE,
        audience=Audience.OPEN,
        capacity_in_person=None,
        capacity_online=1,
        online_url="https://meet.example.org/bottlenecks",
    )
    session.commit()
    return {
        "group": group,
        "other": other,
        "coordinator": coordinator,
        "member": member,
        "second": second,
        "outsider": outsider,
        "meeting": meeting,
        "webinar": webinar,
    }


def register(browser, meeting, **data):
    return browser.post(
        f"/meetings/{meeting.id}/register", data, page=f"/meetings/{meeting.id}/register"
    )


def expected_when(app, meeting) -> str:
    with app.test_request_context():
        return meeting_when(meeting)


# --- Members ----------------------------------------------------------------------------------


def test_a_member_registers_gets_a_seat_and_an_email_with_date_place_and_link(
    app, browser, session, world
):
    meeting, member = world["meeting"], world["member"]
    browser.login(member)
    form = page_of(browser.client.get(f"/meetings/{meeting.id}/register"))
    assert "How will you attend?" in form
    assert "In person — 2 seats left" in form
    assert 'value="online"' in form and 'value="in_person"' in form
    assert "deleted once the meeting is over" in form

    response = register(browser, meeting, mode="in_person", needs="Vegetarian, step-free access")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/meetings/{meeting.id}"
    registration = registration_of(session, meeting, member)
    assert registration.status is RegistrationStatus.CONFIRMED
    assert registration.mode is AttendanceMode.IN_PERSON
    assert registration.needs == "Vegetarian, step-free access"
    [mail] = outbox(session, to="maria@example.org")
    assert mail.kind == "meeting_registered"
    assert "Second plenary of Innovation Diffusion" in mail.subject
    when = expected_when(app, meeting)
    assert "10:00" in when and "(Europe/Athens)" in when  # the meeting's zone, not UTC
    assert when in mail.body_text
    assert "Technopolis, Pireos 100, 118 54 Athens" in mail.body_text
    assert "https://meet.example.org/s3-workshop" in mail.body_text  # confirmed: the link
    assert f"http://cop.test/meetings/{meeting.id}" in mail.body_text
    assert "http://cop.test/account/meetings" in mail.body_text  # where to cancel
    assert (
        session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "registration.created")
        )
        == 1
    )
    page = page_of(browser.client.get(f"/meetings/{meeting.id}"))
    assert "You are registered." in page
    assert "Cancel my registration" in page


def test_when_the_mode_is_full_a_member_joins_the_waiting_list_and_is_told_their_place(
    app, browser, session, world
):
    meeting = world["meeting"]
    make_registration(session, meeting, world["coordinator"])
    make_registration(session, meeting, world["second"])
    session.commit()
    browser.login(world["member"])
    form = page_of(browser.client.get(f"/meetings/{meeting.id}/register"))
    assert "In person — full: you will join the waiting list" in form

    response = register(browser, meeting, mode="in_person")

    assert response.status_code == 302
    registration = registration_of(session, meeting, world["member"])
    assert registration.status is RegistrationStatus.WAITLISTED
    [mail] = outbox(session, to="maria@example.org")
    assert mail.kind == "meeting_waitlisted"
    assert "You are number 1 on the waiting list" in mail.body_text
    assert expected_when(app, meeting) in mail.body_text
    assert "Technopolis" in mail.body_text
    assert "meet.example.org" not in mail.body_text  # no online link while waiting
    page = page_of(browser.client.get(f"/meetings/{meeting.id}"))
    assert "You are number 1 on the waiting list (In person)" in page
    assert "Leave the waiting list" in page
    assert "meet.example.org" not in page.split('class="registration-box"')[1]


def test_the_online_mode_without_a_limit_confirms_everyone(browser, session, world):
    meeting = world["meeting"]
    for person in (world["coordinator"], world["second"]):
        make_registration(session, meeting, person)
    session.commit()
    browser.login(world["member"])

    register(browser, meeting, mode="online")

    assert registration_of(session, meeting, world["member"]).status is (
        RegistrationStatus.CONFIRMED
    )


def test_cancelling_a_confirmed_seat_promotes_the_first_waiting_person_once_and_emails_them(
    app, browser, session, world
):
    meeting, member = world["meeting"], world["member"]
    seat = make_registration(session, meeting, member)
    make_registration(session, meeting, world["coordinator"])
    first = make_registration(
        session, meeting, world["second"], status=RegistrationStatus.WAITLISTED,
        queued_at=datetime(2030, 1, 1, 9, tzinfo=UTC),
    )  # fmt: skip
    later = make_registration(
        session, meeting, status=RegistrationStatus.WAITLISTED,
        queued_at=datetime(2030, 1, 1, 10, tzinfo=UTC), email="later@example.org",
    )  # fmt: skip
    session.commit()
    browser.login(member)

    response = browser.post(f"/registrations/{seat.id}/cancel", page=f"/meetings/{meeting.id}")

    assert response.status_code == 302
    session.expire_all()
    assert session.get(Registration, seat.id).status is RegistrationStatus.CANCELLED
    assert session.get(Registration, first.id).status is RegistrationStatus.CONFIRMED
    assert session.get(Registration, later.id).status is RegistrationStatus.WAITLISTED
    [promoted] = outbox(session, kind="meeting_promoted")
    assert promoted.recipient == "sven@example.org"
    assert "A seat is yours" in promoted.subject
    assert expected_when(app, meeting) in promoted.body_text
    assert "Technopolis" in promoted.body_text
    assert "https://meet.example.org/s3-workshop" in promoted.body_text
    assert outbox(session, to="later@example.org") == []

    before = written(session)
    again = browser.post(f"/registrations/{seat.id}/cancel", page=f"/meetings/{meeting.id}")
    assert again.status_code == 400
    assert "This registration is already cancelled." in page_of(again)
    assert written(session) == before  # nobody else promoted


def test_leaving_the_waiting_list_moves_the_others_up_and_promotes_nobody(browser, session, world):
    meeting = world["meeting"]
    make_registration(session, meeting, world["coordinator"])
    make_registration(session, meeting)
    waiting = make_registration(
        session, meeting, world["member"], status=RegistrationStatus.WAITLISTED,
        queued_at=datetime(2030, 1, 1, 9, tzinfo=UTC),
    )  # fmt: skip
    behind = make_registration(
        session, meeting, world["second"], status=RegistrationStatus.WAITLISTED,
        queued_at=datetime(2030, 1, 1, 10, tzinfo=UTC),
    )  # fmt: skip
    session.commit()
    browser.login(world["member"])

    browser.post(f"/registrations/{waiting.id}/cancel", page="/account/meetings")

    assert outbox(session, kind="meeting_promoted") == []
    session.expire_all()
    assert session.get(Registration, behind.id).status is RegistrationStatus.WAITLISTED
    browser.logout()
    browser.login(world["second"])
    assert "Number 1 on the waiting list" in page_of(browser.client.get("/account/meetings"))


def test_registering_again_after_cancelling_reuses_the_record_at_the_end_of_the_list(
    browser, session, world
):
    meeting = world["meeting"]
    old = make_registration(
        session, meeting, world["member"], status=RegistrationStatus.CANCELLED,
        cancelled_at=datetime(2030, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    make_registration(session, meeting, world["coordinator"])
    make_registration(session, meeting)
    make_registration(session, meeting, world["second"], status=RegistrationStatus.WAITLISTED)
    session.commit()
    browser.login(world["member"])

    response = register(browser, meeting, mode="in_person")

    assert response.status_code == 302
    registration = registration_of(session, meeting, world["member"])
    assert registration.id == old.id
    assert registration.status is RegistrationStatus.WAITLISTED
    assert registration.cancelled_at is None
    [mail] = outbox(session, to="maria@example.org")
    assert "You are number 2 on the waiting list" in mail.body_text


def test_a_free_seat_goes_to_the_people_waiting_before_a_newcomer(browser, session, world):
    meeting = world["meeting"]
    make_registration(session, meeting, world["coordinator"])
    # A seat is free while someone waits (as after a coordinator's change made by hand).
    waiting = make_registration(
        session, meeting, world["second"], status=RegistrationStatus.WAITLISTED
    )
    make_registration(session, meeting, status=RegistrationStatus.CANCELLED)
    session.commit()
    browser.login(world["member"])

    register(browser, meeting, mode="in_person")

    session.expire_all()
    assert session.get(Registration, waiting.id).status is RegistrationStatus.CONFIRMED
    assert registration_of(session, meeting, world["member"]).status is (
        RegistrationStatus.WAITLISTED
    )


# --- Coordinators' decisions -------------------------------------------------------------------


def test_a_coordinator_confirms_a_waiting_person_by_hand_beyond_the_capacity(
    browser, session, world
):
    meeting = world["meeting"]
    make_registration(session, meeting, world["coordinator"])
    make_registration(session, meeting, world["second"])
    waiting = make_registration(
        session, meeting, world["member"], status=RegistrationStatus.WAITLISTED
    )
    session.commit()
    browser.login(world["coordinator"])

    response = browser.post(
        f"/registrations/{waiting.id}/confirm", page=f"/meetings/{meeting.id}/participants"
    )

    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/meetings/{meeting.id}/participants")
    # The coordinator is told the room is now over capacity: nothing happens silently.
    shown = browser.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "In person: 3 people are now confirmed for 2 seats." in shown
    session.expire_all()
    assert session.get(Registration, waiting.id).status is RegistrationStatus.CONFIRMED
    [mail] = outbox(session, to="maria@example.org")
    assert mail.kind == "meeting_promoted"
    assert (
        session.scalar(
            select(AuditEntry.actor_id).where(AuditEntry.action == "registration.confirmed_by_hand")
        )
        == world["coordinator"].id
    )


def test_only_coordinators_confirm_by_hand_and_only_people_who_wait(browser, session, world):
    meeting = world["meeting"]
    seat = make_registration(session, meeting, world["second"])
    waiting = make_registration(
        session, meeting, world["member"], status=RegistrationStatus.WAITLISTED
    )
    session.commit()
    before = written(session)

    browser.login(world["member"])
    response = browser.post(f"/registrations/{waiting.id}/confirm", page="/")
    assert response.status_code == 403
    assert "Only coordinators of Innovation Diffusion may do this." in page_of(response)
    browser.logout()
    browser.login(world["coordinator"])
    response = browser.post(f"/registrations/{seat.id}/confirm", page="/")
    assert response.status_code == 400
    assert "Only people on the waiting list can be confirmed by hand." in page_of(response)

    assert written(session) == before


def test_a_coordinator_cancels_a_participant_who_is_told_and_the_seat_goes_on(
    browser, session, world
):
    meeting = world["meeting"]
    seat = make_registration(session, meeting, world["member"])
    make_registration(session, meeting, world["coordinator"])
    waiting = make_registration(
        session, meeting, world["second"], status=RegistrationStatus.WAITLISTED
    )
    session.commit()
    browser.login(world["coordinator"])

    response = browser.post(
        f"/registrations/{seat.id}/cancel",
        {"next": f"/meetings/{meeting.id}/participants"},
        page="/",
    )

    assert response.headers["Location"] == f"/meetings/{meeting.id}/participants"
    [told] = outbox(session, to="maria@example.org")
    assert told.kind == "meeting_registration_cancelled"
    assert "Second plenary of Innovation Diffusion" in told.subject
    session.expire_all()
    assert session.get(Registration, waiting.id).status is RegistrationStatus.CONFIRMED


# --- People without an account ------------------------------------------------------------------


def confirm_link(mail: OutboxMessage) -> str:
    return re.search(r"http://cop\.test(/meetings/confirm/\S+)", mail.body_text).group(1)


def cancel_link(mail: OutboxMessage) -> str:
    return re.search(r"http://cop\.test(/meetings/cancel/\S+)", mail.body_text).group(1)


GUEST = {
    "name": "Ines Guest",
    "email": "Ines@Example.org",
    "organisation_name": "University of Porto",
    "region_code": "PT11",
    "mode": "online",
    "needs": "Live captions",
    "listed": "y",
}


def test_anyone_registers_for_an_open_meeting_with_an_emailed_link(app, browser, session, world):
    webinar = world["webinar"]
    form = page_of(browser.client.get(f"/meetings/{webinar.id}/register"))
    assert 'name="email"' in form and 'name="region_code"' in form
    assert '<optgroup label="Portugal">' in form
    assert "List my name among the meeting" in form

    response = register(browser, webinar, **GUEST)

    assert response.status_code == 302
    sent = page_of(browser.client.get(response.headers["Location"]))
    assert "Check your email" in sent
    registration = registration_of(session, webinar, email="ines@example.org")
    assert registration.status is RegistrationStatus.PENDING
    assert (registration.name, registration.organisation_name, registration.region_code) == (
        "Ines Guest",
        "University of Porto",
        "PT11",
    )
    assert registration.listed and registration.needs == "Live captions"
    [mail] = outbox(session, to="ines@example.org")
    assert mail.kind == "meeting_confirm_registration"
    assert "Bottlenecks to innovation diffusion" in mail.subject
    assert expected_when(app, webinar) in mail.body_text
    assert "meet.example.org" not in mail.body_text  # not confirmed yet
    link = confirm_link(mail)

    # Following the link (as a mail scanner would) changes nothing; the button does.
    shown = browser.client.get(link)
    assert shown.status_code == 200
    assert "Confirm my registration" in page_of(shown)
    assert registration_of(session, webinar, email="ines@example.org").status is (
        RegistrationStatus.PENDING
    )
    done = browser.post(link, page=link)
    assert done.status_code == 200
    assert "You are registered" in page_of(done)
    assert registration_of(session, webinar, email="ines@example.org").status is (
        RegistrationStatus.CONFIRMED
    )
    registered = outbox(session, to="ines@example.org", kind="meeting_registered")[0]
    assert "https://meet.example.org/bottlenecks" in registered.body_text
    assert expected_when(app, webinar) in registered.body_text

    # The cancel link of the confirmation: a page, then the button.
    cancel = cancel_link(registered)
    assert "Cancel my registration" in page_of(browser.client.get(cancel))
    assert registration_of(session, webinar, email="ines@example.org").status is (
        RegistrationStatus.CONFIRMED
    )
    cancelled = browser.post(cancel, page=cancel)
    assert cancelled.status_code == 200
    assert "Registration cancelled" in page_of(cancelled)
    assert registration_of(session, webinar, email="ines@example.org").status is (
        RegistrationStatus.CANCELLED
    )
    used = browser.client.get(cancel)
    assert used.status_code == 400
    assert "This registration is already cancelled." in page_of(used)


def test_a_guest_confirming_a_full_meeting_joins_the_waiting_list(browser, session, world):
    webinar = world["webinar"]
    make_registration(session, webinar, world["member"], mode=AttendanceMode.ONLINE)
    session.commit()
    register(browser, webinar, **GUEST)
    link = confirm_link(outbox(session, to="ines@example.org")[0])

    done = browser.post(link, page=link)

    assert "You are on the waiting list" in page_of(done)
    assert "You are number 1 on the waiting list" in page_of(done)
    [mail] = outbox(session, to="ines@example.org", kind="meeting_waitlisted")
    assert "meet.example.org" not in mail.body_text


def test_asking_again_soon_sends_no_second_email_and_the_first_link_still_works(
    browser, session, world
):
    webinar = world["webinar"]
    register(browser, webinar, **GUEST)
    register(browser, webinar, **{**GUEST, "name": "Inês Guest"})

    [mail] = outbox(session, to="ines@example.org")
    assert registration_of(session, webinar, email="ines@example.org").name == "Inês Guest"
    link = confirm_link(mail)
    assert "You are registered" in page_of(browser.post(link, page=link))


def test_a_reused_confirmation_link_is_refused_and_changes_nothing(browser, session, world):
    webinar = world["webinar"]
    register(browser, webinar, **GUEST)
    link = confirm_link(outbox(session, to="ines@example.org")[0])
    browser.post(link, page=link)
    before = written(session)

    for response in (browser.client.get(link), browser.post(link, page="/")):
        assert response.status_code == 400
        assert "You have already confirmed this registration" in page_of(response)
    assert written(session) == before


def token_made(app, registration, purpose: str, age: timedelta, monkeypatch) -> str:
    with app.test_request_context():
        issued = int(time.time() - age.total_seconds())
        with monkeypatch.context() as patch:
            patch.setattr(TimestampSigner, "get_timestamp", lambda self: issued)
            return guest_token(purpose, registration)


def test_forged_and_expired_guest_links_are_refused_and_change_nothing(
    app, browser, session, world, monkeypatch
):
    webinar = world["webinar"]
    pending = make_registration(
        session, webinar, mode=AttendanceMode.ONLINE, status=RegistrationStatus.PENDING,
        email="pending@example.org",
    )  # fmt: skip
    confirmed = make_registration(
        session, webinar, mode=AttendanceMode.ONLINE, email="held@example.org"
    )
    member_seat = make_registration(session, webinar, world["member"], mode=AttendanceMode.ONLINE)
    session.commit()
    good = token_made(app, pending, CONFIRM_PURPOSE, timedelta(0), monkeypatch)
    cases = {
        f"/meetings/confirm/{good[:-3]}xyz": "This link is not valid.",
        "/meetings/confirm/not-a-real-token": "This link is not valid.",
        # A cancel link is no confirmation link, and the other way round.
        "/meetings/confirm/"
        + token_made(app, confirmed, CANCEL_PURPOSE, timedelta(0), monkeypatch): (
            "This link is not valid."
        ),
        "/meetings/cancel/" + good: "This link is not valid.",
        # Links are for registrations without an account only.
        "/meetings/cancel/"
        + token_made(app, member_seat, CANCEL_PURPOSE, timedelta(0), monkeypatch): (
            "This link is not valid."
        ),
        "/meetings/confirm/"
        + token_made(app, pending, CONFIRM_PURPOSE, timedelta(days=4), monkeypatch): (
            "This link has expired."
        ),
        "/meetings/cancel/"
        + token_made(app, confirmed, CANCEL_PURPOSE, timedelta(days=401), monkeypatch): (
            "This link has expired."
        ),
    }
    before = written(session)

    for path, message in cases.items():
        for response in (browser.client.get(path), browser.post(path, page="/")):
            assert response.status_code == 400, path
            assert message in page_of(response), path
            assert "This link cannot be used" in page_of(response)

    assert written(session) == before


def test_a_newer_request_replaces_the_older_confirmation_link(
    app, browser, session, world, monkeypatch
):
    webinar = world["webinar"]
    pending = make_registration(
        session, webinar, mode=AttendanceMode.ONLINE, status=RegistrationStatus.PENDING,
        email="pending@example.org", queued_at=datetime(2030, 1, 1, 9, tzinfo=UTC),
    )  # fmt: skip
    session.commit()
    old = token_made(app, pending, CONFIRM_PURPOSE, timedelta(0), monkeypatch)
    pending.queued_at = datetime(2030, 1, 1, 10, tzinfo=UTC)  # asked again
    session.commit()
    before = written(session)

    response = browser.post(f"/meetings/confirm/{old}", page="/")

    assert response.status_code == 400
    assert "This link was replaced by a newer one" in page_of(response)
    assert written(session) == before


# --- Bad input ----------------------------------------------------------------------------------


def test_registering_twice_is_refused_and_writes_nothing(browser, session, world):
    meeting = world["meeting"]
    browser.login(world["member"])
    register(browser, meeting, mode="in_person")
    before = written(session)

    response = register(browser, meeting, mode="online")

    assert response.status_code == 400
    assert "You are already registered for this meeting" in page_of(response)
    assert written(session) == before


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"status": MeetingStatus.DRAFT}, 400, "This meeting is not published yet"),
        ({"status": MeetingStatus.CANCELLED}, 400, "This meeting has been cancelled."),
        ({"starts_at": None}, 400, "This meeting is over: registration is closed."),
    ],
    ids=["draft", "cancelled", "past"],
)
def test_registering_for_a_draft_cancelled_or_past_meeting_is_refused(
    browser, session, world, change, status, message
):
    meeting = make_meeting(session, world["group"], **{k: v for k, v in change.items() if v})
    if "starts_at" in change:
        meeting.starts_at = datetime(2020, 5, 1, 8, tzinfo=UTC)
        meeting.ends_at = datetime(2020, 5, 1, 16, tzinfo=UTC)
    session.commit()
    # The coordinator sees drafts; the form's page says why, and so does the service.
    browser.login(world["coordinator"])
    form = page_of(browser.client.get(f"/meetings/{meeting.id}/register"))
    assert message in form
    before = written(session)

    response = register(browser, meeting, mode="in_person")

    assert response.status_code == status
    assert message in page_of(response)
    assert written(session) == before


def test_a_draft_does_not_exist_for_members(browser, session, world):
    draft = make_meeting(session, world["group"], status=MeetingStatus.DRAFT)
    session.commit()
    browser.login(world["member"])
    before = written(session)

    assert browser.client.get(f"/meetings/{draft.id}/register").status_code == 404
    assert register(browser, draft, mode="in_person").status_code == 404
    assert written(session) == before


def test_registering_outside_the_window_is_refused_with_the_window_shown(browser, session, world):
    meeting = world["meeting"]
    meeting.registration_opens_at = datetime(2031, 2, 1, 7, 0, tzinfo=UTC)  # 09:00 in Athens
    meeting.registration_closes_at = datetime(2031, 3, 1, 20, 0, tzinfo=UTC)  # 22:00
    session.commit()
    browser.login(world["member"])
    window = "1 February 2031, 09:00 (Europe/Athens) and closes on 1 March 2031, 22:00"
    before = written(session)

    with clock.fixed_at(datetime(2031, 1, 15, tzinfo=UTC)):
        early = register(browser, meeting, mode="in_person")
        box = page_of(browser.client.get(f"/meetings/{meeting.id}"))
    with clock.fixed_at(datetime(2031, 3, 2, tzinfo=UTC)):
        late = register(browser, meeting, mode="in_person")

    assert early.status_code == 400
    assert f"Registration opens on {window}" in page_of(early)
    assert f"Registration opens on {window}" in box
    assert late.status_code == 400
    assert (
        "Registration was open from 1 February 2031, 09:00 (Europe/Athens) to 1 March 2031,"
        " 22:00 (Europe/Athens): it is closed now." in page_of(late)
    )
    assert written(session) == before


def test_an_email_with_an_account_is_asked_to_log_in(browser, session, world):
    webinar = world["webinar"]
    before = written(session)

    response = register(browser, webinar, **{**GUEST, "email": "MARIA@example.org"})

    assert response.status_code == 400
    assert "This email address belongs to an account: please log in to register." in page_of(
        response
    )
    assert written(session) == before


def test_a_guest_email_registered_already_is_refused(browser, session, world):
    webinar = world["webinar"]
    make_registration(session, webinar, mode=AttendanceMode.ONLINE, email="ines@example.org")
    session.commit()
    before = written(session)

    response = register(browser, webinar, **GUEST)

    assert response.status_code == 400
    assert "This email address is already registered for this meeting." in page_of(response)
    assert written(session) == before


def test_a_member_whose_address_registered_without_an_account_is_told(browser, session, world):
    webinar = world["webinar"]
    make_registration(session, webinar, mode=AttendanceMode.ONLINE, email="maria@example.org")
    session.commit()
    browser.login(world["member"])
    before = written(session)

    response = register(browser, webinar, mode="online")

    assert response.status_code == 400
    assert "already registered for this meeting without an account" in page_of(response)
    assert written(session) == before


def test_another_groups_members_only_meeting_is_refused(browser, session, world):
    meeting = world["meeting"]
    browser.login(world["outsider"])
    before = written(session)

    shown = browser.client.get(f"/meetings/{meeting.id}/register")
    response = register(browser, meeting, mode="in_person")

    assert shown.status_code == 403
    assert "Only members of Innovation Diffusion may register for this meeting." in page_of(shown)
    assert response.status_code == 403
    assert "Only members of Innovation Diffusion may register" in page_of(response)
    assert written(session) == before


def test_anonymous_people_are_sent_to_log_in_for_a_members_only_meeting(browser, session, world):
    meeting = world["meeting"]
    before = written(session)

    shown = browser.client.get(f"/meetings/{meeting.id}/register")
    posted = register(browser, meeting, mode="in_person", **{"name": "X", "email": "x@e.org"})

    for response in (shown, posted):
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/account/login")
        location = urlsplit(response.headers["Location"])
        assert parse_qs(location.query)["next"][0].endswith(f"/meetings/{meeting.id}/register")
    box = page_of(browser.client.get(f"/meetings/{meeting.id}"))
    assert "Log in to register" in box
    assert written(session) == before


def test_cancelling_someone_elses_registration_is_a_404_and_changes_nothing(
    browser, session, world
):
    seat = make_registration(session, world["meeting"], world["second"])
    session.commit()
    browser.login(world["member"])
    before = written(session)

    response = browser.post(f"/registrations/{seat.id}/cancel", page="/")

    assert response.status_code == 404
    assert "There is no such registration." in page_of(response)
    assert written(session) == before


@pytest.mark.parametrize("path", ["cancel", "confirm", "attendance"])
def test_a_forged_registration_id_is_a_404(browser, session, world, path):
    browser.login(world["coordinator"])
    before = written(session)

    for forged in (999_999_999, 2**31, 10**30):
        response = browser.post(f"/registrations/{forged}/{path}", {"attended": "yes"}, page="/")
        assert response.status_code == 404, forged
    assert written(session) == before


@pytest.mark.parametrize(
    ("data", "field_message"),
    [
        ({"mode": "teleport"}, "Choose how you will attend."),
        ({"mode": ""}, "Choose how you will attend."),
        ({"mode": "in_person", "needs": "x" * 1001}, "Use at most 1000 characters."),
        ({"mode": "in_person", "needs": "gluten\x00free"}, "Remove the control characters"),
    ],
    ids=["unknown mode", "no mode", "needs too long", "control characters"],
)
def test_bad_mode_and_needs_are_refused_next_to_the_field(
    browser, session, world, data, field_message
):
    browser.login(world["member"])
    before = written(session)

    response = register(browser, world["meeting"], **data)

    assert response.status_code == 400
    page = page_of(response)
    assert field_message in page
    assert 'class="error"' in page
    assert written(session) == before


def test_a_mode_the_format_does_not_offer_is_refused(browser, session, world):
    browser.login(world["member"])
    before = written(session)

    response = register(browser, world["webinar"], mode="in_person")

    assert response.status_code == 400
    assert "Choose how you will attend." in page_of(response)
    assert written(session) == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": ""}, "Please fill in this field."),
        ({"email": "not-an-address"}, "Enter a valid email address, such as name@example.org."),
        ({"region_code": "XX99"}, "Choose a region from the list."),
        ({"name": "y" * 201}, "Use at most 200 characters."),
    ],
    ids=["no name", "bad email", "unknown region", "long name"],
)
def test_bad_guest_details_are_refused(browser, session, world, change, message):
    before = written(session)

    response = register(browser, world["webinar"], **{**GUEST, **change})

    assert response.status_code == 400
    assert message in page_of(response)
    assert written(session) == before


def test_a_guest_form_wrong_in_several_places_says_so_in_each(browser, session, world):
    before = written(session)

    response = register(
        browser,
        world["webinar"],
        **{**GUEST, "name": "", "email": "not-an-address", "region_code": "XX99",
           "needs": "x" * 1001},
    )  # fmt: skip

    assert response.status_code == 400
    errors = dict(re.findall(r'id="([a-z_]+)-error">([^<]+)<', page_of(response)))
    assert errors == {
        "name": "Please fill in this field.",
        "email": "Enter a valid email address, such as name@example.org.",
        "region_code": "Choose a region from the list.",
        "needs": "Use at most 1000 characters.",
    }
    assert written(session) == before


# --- The registration box on the meeting's page -----------------------------------------------


def box(browser, meeting) -> str:
    page = page_of(browser.client.get(f"/meetings/{meeting.id}"))
    return page.split('<section class="registration-box"')[1].split("</section>")[0]


def test_the_box_shows_seats_left_and_the_window_to_members(browser, session, world):
    meeting = world["meeting"]
    make_registration(session, meeting, world["second"])
    session.commit()
    browser.login(world["member"])

    shown = box(browser, meeting)

    assert "In person: 1 seat left" in shown
    assert "Online: places available" in shown
    assert "Registration is open until 4 March 2031, 10:00 (Europe/Athens)." in shown
    assert f'href="/meetings/{meeting.id}/register"' in shown


def test_the_box_says_full_and_shows_the_link_only_to_the_confirmed(browser, session, world):
    webinar = world["webinar"]
    make_registration(session, webinar, world["second"], mode=AttendanceMode.ONLINE)
    session.commit()

    anonymous = box(browser, webinar)
    assert "Online: full — you will join the waiting list" in anonymous
    assert "meet.example.org" not in anonymous
    browser.login(world["second"])
    confirmed = box(browser, webinar)
    assert "You are registered." in confirmed
    assert "The online link is in the practical details." in confirmed
    page = browser.client.get(f"/meetings/{webinar.id}").get_data(as_text=True)
    assert 'href="https://meet.example.org/bottlenecks"' in page


def test_the_box_tells_outsiders_why_they_cannot_register(browser, session, world):
    browser.login(world["outsider"])

    shown = box(browser, world["meeting"])

    assert "Only members of Innovation Diffusion may register for this meeting." in shown
    assert "/groups/innovation-diffusion/join" in shown


# --- Purging needs ------------------------------------------------------------------------------


def test_needs_are_purged_once_the_meeting_is_over(app, session, world):
    meeting, webinar = world["meeting"], world["webinar"]
    over = make_registration(session, meeting, world["member"], needs="Wheelchair access")
    coming = make_registration(
        session, webinar, world["member"], mode=AttendanceMode.ONLINE, needs="Captions"
    )
    make_registration(session, meeting, world["second"], needs="")
    session.commit()

    with app.test_request_context():
        purged = purge_past_needs(session, meeting.ends_at + timedelta(minutes=1))
    session.commit()

    assert purged == 1
    session.expire_all()
    assert session.get(Registration, over.id).needs == ""
    assert session.get(Registration, coming.id).needs == "Captions"
    [entry] = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "registration.needs_purged")
    )
    assert entry.record_id == str(meeting.id)
    assert "Wheelchair" not in str(entry.after)
    with app.test_request_context():
        assert purge_past_needs(session, meeting.ends_at + timedelta(days=1)) == 0


# --- Capacity ---------------------------------------------------------------------------------


def test_raising_the_capacity_promotes_waiting_people_in_order_and_lowering_it_is_refused(
    app, session, world
):
    meeting = world["meeting"]
    make_registration(session, meeting, world["coordinator"])
    make_registration(session, meeting, world["second"])
    first = make_registration(
        session, meeting, world["member"], status=RegistrationStatus.WAITLISTED,
        queued_at=datetime(2030, 1, 1, 9, tzinfo=UTC),
    )  # fmt: skip
    behind = make_registration(
        session, meeting, status=RegistrationStatus.WAITLISTED, email="behind@example.org",
        queued_at=datetime(2030, 1, 1, 10, tzinfo=UTC),
    )  # fmt: skip
    session.commit()

    with app.test_request_context():
        locked = lock_meeting(session, meeting.id)
        with pytest.raises(Invalid) as refused:
            change_capacity(session, locked, AttendanceMode.IN_PERSON, 1)
        assert refused.value.message == (
            "2 people are already confirmed for this mode: the capacity cannot go below 2."
            " Cancel registrations first if seats must go."
        )
        assert refused.value.field == "capacity_in_person"
        promoted = change_capacity(session, locked, AttendanceMode.IN_PERSON, 3)
    session.commit()

    assert [registration.id for registration in promoted] == [first.id]
    session.expire_all()
    assert session.get(Registration, first.id).status is RegistrationStatus.CONFIRMED
    assert session.get(Registration, behind.id).status is RegistrationStatus.WAITLISTED
    assert [mail.recipient for mail in outbox(session, kind="meeting_promoted")] == [
        "maria@example.org"
    ]
