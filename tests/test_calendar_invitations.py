"""Calendar invitations by email: a seat brings the meeting into the person's calendar
(METHOD:REQUEST), a change updates it (same UID, higher SEQUENCE), a cancellation takes it out
(METHOD:CANCEL); people without a seat get no invitation and never the online link."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy

import pytest
from icalendar import Calendar
from sqlalchemy import select

from cop import clock
from cop.mail.models import OutboxMessage
from cop.mail.services import SMTPSettings, SMTPTransport, build_email, send_pending
from cop.meetings import services
from cop.meetings.details import details_of
from cop.meetings.ical import meeting_uid
from cop.meetings.models import (
    AttendanceMode,
    Audience,
    Meeting,
    MeetingFormat,
    MeetingKind,
    Registration,
    RegistrationStatus,
)
from cop.meetings.registration import register_member
from cop.members.models import Role
from tests.calendar_readers import read_calendar_with_icaljs, read_with_vobject
from tests.factories import make_group, make_meeting, make_membership, make_registration, make_user

NEXT_YEAR = date.today().year + 1
# A Tuesday in July: 08:00 UTC is 10:00 in Brussels (CEST, UTC+2).
STARTS = datetime(NEXT_YEAR, 7, 8, 8, 0, tzinfo=UTC)
STARTS_LOCAL = datetime(NEXT_YEAR, 7, 8, 10, 0)
ONLINE_URL = "https://meet.example.org/s3-workshop"
WEBINAR_URL = "https://meet.example.org/bottlenecks"
NO_REPLY = "no-reply@example.org"  # MAIL_SENDER in the test app (tests/conftest.py)


# --- Reading the outbox and its invitations ---------------------------------------------------


def outbox(session, to: str | None = None, kind: str | None = None) -> list[OutboxMessage]:
    session.expire_all()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if to is not None:
        query = query.where(OutboxMessage.recipient == to)
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind)
    return list(session.scalars(query))


def the_mail(session, to: str, kind: str) -> OutboxMessage:
    """The one email of this kind to this person (the last one, if there were several)."""
    mails = outbox(session, to=to, kind=kind)
    assert mails, f"no {kind} email to {to}"
    return mails[-1]


def invitation(mail: OutboxMessage, method: str = "REQUEST") -> Calendar:
    """The one calendar attachment of an email, checked as an iTIP message of `method`."""
    assert len(mail.attachments) == 1, [a.filename for a in mail.attachments]
    [attachment] = mail.attachments
    assert attachment.filename == ("cancel.ics" if method == "CANCEL" else "invite.ics")
    content_type = attachment.content_type.replace(" ", "").lower()
    assert content_type.startswith("text/calendar;")
    assert f"method={method.lower()}" in content_type.split(";")
    calendar = Calendar.from_ical(attachment.data)
    assert str(calendar["METHOD"]) == method
    return calendar


def event_of(calendar: Calendar):
    [event] = calendar.walk("VEVENT")
    return event


def attendees(event) -> list:
    value = event.get("ATTENDEE")
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def reg_of(session, meeting, user=None, email=None) -> Registration:
    session.expire_all()
    query = select(Registration).where(Registration.meeting_id == meeting.id)
    if user is not None:
        query = query.where(Registration.user_id == user.id)
    else:
        query = query.where(Registration.email == email)
    return session.scalar(query)


def reload(session, meeting) -> Meeting:
    session.expire_all()
    return session.get(Meeting, meeting.id)


def no_online_link(mail: OutboxMessage, *urls: str) -> None:
    """Neither the email nor anything it carries gives the online link."""
    for url in urls or (ONLINE_URL, WEBINAR_URL):
        assert url not in mail.body_text
        assert url not in (mail.body_html or "")
        for attachment in mail.attachments:
            assert url.encode() not in attachment.data
            # Long lines are folded (CRLF + space): unfold before looking.
            assert url.encode() not in attachment.data.replace(b"\r\n ", b"")


# --- People and meetings ------------------------------------------------------------------------


@pytest.fixture
def world(session):
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    coordinator = make_user(session, name="Cora Coordinator", email="cora@example.org")
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    maria = make_user(session, name="Papadopoulou, María", email="maria@example.org")
    make_membership(session, maria, group)
    sven = make_user(session, name="Sven Second", email="sven@example.org")
    make_membership(session, sven, group)
    francoise = make_user(session, name="Françoise Lefèvre", email="francoise@example.org")
    francoise.language = "fr"
    make_membership(session, francoise, group)
    meeting = make_meeting(
        session,
        group,
        title="Second plenary of Innovation Diffusion",
        starts_at=STARTS,
        hours=6,
        timezone="Europe/Brussels",
        format=MeetingFormat.HYBRID,
        venue="Committee of the Regions",
        address="Rue Belliard 99-101, 1040 Brussels",
        online_url=ONLINE_URL,
        capacity_in_person=1,
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
        venue="",
        address="",
        capacity_in_person=None,
        capacity_online=1,
        online_url=WEBINAR_URL,
    )
    session.commit()
    return {
        "group": group,
        "coordinator": coordinator,
        "maria": maria,
        "sven": sven,
        "francoise": francoise,
        "meeting": meeting,
        "webinar": webinar,
    }


def register(browser, meeting, mode: str = "in_person", **data):
    response = browser.post(
        f"/meetings/{meeting.id}/register",
        {"mode": mode, **data},
        page=f"/meetings/{meeting.id}/register",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def cancel(browser, registration, **data):
    response = browser.post(f"/registrations/{registration.id}/cancel", data, page="/")
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def moved(meeting, by: timedelta):
    """The meeting's details as the edit form has them, its times moved by `by`."""
    details = details_of(meeting)
    details.starts_at += by
    details.ends_at += by
    return details


def uid_of(app, meeting) -> str:
    with app.app_context():
        return meeting_uid(meeting)


# --- 1. A seat: REQUEST -------------------------------------------------------------------------


def test_a_seat_brings_a_request_with_the_group_as_organizer_and_the_member_as_attendee(
    app, browser, session, world
):
    meeting, maria = world["meeting"], world["maria"]
    browser.login(maria)

    register(browser, meeting)

    assert reg_of(session, meeting, maria).status is RegistrationStatus.CONFIRMED
    mail = the_mail(session, "maria@example.org", "meeting_registered")
    calendar = invitation(mail, "REQUEST")
    [attachment] = mail.attachments
    assert attachment.content_type == "text/calendar; charset=utf-8; method=REQUEST"
    assert str(calendar["VERSION"]) == "2.0"
    assert calendar.get("PRODID")
    event = event_of(calendar)

    assert str(event["UID"]) == uid_of(app, meeting) == f"meeting-{meeting.id}@cop.test"
    assert event["SEQUENCE"] == meeting.sequence == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["SUMMARY"]) == "Second plenary of Innovation Diffusion"

    organizer = event["ORGANIZER"]
    assert str(organizer).lower() == f"mailto:{NO_REPLY}"
    assert str(organizer.params["CN"]) == "Innovation Diffusion"
    [attendee] = attendees(event)
    assert str(attendee).lower() == "mailto:maria@example.org"
    # A name with a comma and accents survives the parameter quoting.
    assert str(attendee.params["CN"]) == "Papadopoulou, María"
    assert attendee.params["PARTSTAT"] == "ACCEPTED"
    assert attendee.params["RSVP"] == "FALSE"

    start = event["DTSTART"]
    assert start.params["TZID"] == "Europe/Brussels"
    assert start.dt.replace(tzinfo=None) == STARTS_LOCAL  # 10:00 on the wall clock
    assert start.dt.astimezone(UTC) == STARTS
    assert event["DTEND"].dt.astimezone(UTC) == STARTS + timedelta(hours=6)
    raw = attachment.data.replace(b"\r\n ", b"")
    assert f"DTSTART;TZID=Europe/Brussels:{STARTS_LOCAL:%Y%m%dT%H%M%S}\r\n".encode() in raw
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Brussels"
    stamp = event["DTSTAMP"].dt
    assert stamp.utcoffset() == timedelta(0)

    # Confirmed: the online link is in the invitation, and the meeting's page.
    description = str(event["DESCRIPTION"])
    assert f"Online link: {ONLINE_URL}" in description
    assert f"Meeting page: http://cop.test/meetings/{meeting.id}" in description
    assert "Committee of the Regions" in str(event["LOCATION"])


def test_the_service_registers_with_the_same_invitation(app, session, world):
    meeting, sven = world["meeting"], world["sven"]

    with app.test_request_context():
        register_member(session, sven, meeting.id, mode=AttendanceMode.ONLINE)
    session.commit()

    event = event_of(invitation(the_mail(session, "sven@example.org", "meeting_registered")))
    assert str(event["UID"]) == uid_of(app, meeting)
    [attendee] = attendees(event)
    assert str(attendee).lower() == "mailto:sven@example.org"
    assert ONLINE_URL in str(event["DESCRIPTION"])


def test_other_calendar_programs_read_the_invitation_at_the_right_time(
    app, browser, session, world
):
    """ical.js (Thunderbird's parser) and vobject place the event where it belongs."""
    meeting = world["meeting"]
    browser.login(world["maria"])
    register(browser, meeting)
    data = the_mail(session, "maria@example.org", "meeting_registered").attachments[0].data

    read = read_calendar_with_icaljs(data)
    assert read.method == "REQUEST"
    [event] = read.events
    assert (event.start, event.end) == (STARTS, STARTS + timedelta(hours=6))
    assert event.uid == uid_of(app, meeting) and event.sequence == 0
    [event] = read_with_vobject(data)
    assert (event.start, event.end) == (STARTS, STARTS + timedelta(hours=6))


# --- 2. The waiting list ------------------------------------------------------------------------


def test_the_waiting_list_brings_no_invitation_and_a_seat_later_brings_the_request(
    app, browser, session, world
):
    meeting = world["meeting"]  # one seat in the room
    browser.login(world["maria"])
    register(browser, meeting)
    browser.logout()
    browser.login(world["sven"])
    register(browser, meeting)

    waitlisted = the_mail(session, "sven@example.org", "meeting_waitlisted")
    assert reg_of(session, meeting, world["sven"]).status is RegistrationStatus.WAITLISTED
    assert waitlisted.attachments == []
    no_online_link(waitlisted)

    # Maria leaves: Sven gets her seat, and the meeting in his calendar.
    browser.logout()
    browser.login(world["maria"])
    cancel(browser, reg_of(session, meeting, world["maria"]))

    assert reg_of(session, meeting, world["sven"]).status is RegistrationStatus.CONFIRMED
    promoted = the_mail(session, "sven@example.org", "meeting_promoted")
    event = event_of(invitation(promoted, "REQUEST"))
    assert str(event["UID"]) == uid_of(app, meeting)
    assert event["SEQUENCE"] == 0
    [attendee] = attendees(event)
    assert str(attendee).lower() == "mailto:sven@example.org"
    assert attendee.params["PARTSTAT"] == "ACCEPTED"
    assert ONLINE_URL in str(event["DESCRIPTION"])


def test_a_coordinator_confirming_by_hand_sends_the_request(app, browser, session, world):
    meeting = world["meeting"]
    make_registration(session, meeting, world["maria"])
    waiting = make_registration(
        session, meeting, world["sven"], status=RegistrationStatus.WAITLISTED
    )
    session.commit()
    browser.login(world["coordinator"])

    response = browser.post(f"/registrations/{waiting.id}/confirm", page="/")

    assert response.status_code == 302
    event = event_of(invitation(the_mail(session, "sven@example.org", "meeting_promoted")))
    assert str(event["UID"]) == uid_of(app, meeting)
    assert ONLINE_URL in str(event["DESCRIPTION"])


def test_raising_the_capacity_sends_the_request_to_the_people_promoted(app, session, world):
    meeting = world["meeting"]
    make_registration(session, meeting, world["maria"])
    make_registration(session, meeting, world["sven"], status=RegistrationStatus.WAITLISTED)
    session.commit()
    details = details_of(meeting)
    details.capacity_in_person = 2

    with app.test_request_context():
        services.update_meeting(session, world["coordinator"], meeting.id, details)
    session.commit()

    event = event_of(invitation(the_mail(session, "sven@example.org", "meeting_promoted")))
    assert str(event["UID"]) == uid_of(app, meeting)
    assert event["SEQUENCE"] == reload(session, meeting).sequence


# --- 3. Changes ---------------------------------------------------------------------------------


@pytest.fixture
def seat_and_queue(browser, session, world):
    """Maria holds the one seat in the room (with her first invitation), Sven waits."""
    meeting = world["meeting"]
    browser.login(world["maria"])
    register(browser, meeting)
    browser.logout()
    browser.login(world["sven"])
    register(browser, meeting)
    browser.logout()
    first = event_of(invitation(the_mail(session, "maria@example.org", "meeting_registered")))
    assert reg_of(session, meeting, world["sven"]).status is RegistrationStatus.WAITLISTED
    return first


def test_a_meeting_moved_by_an_hour_updates_the_invitation_of_confirmed_people_only(
    app, session, world, seat_and_queue
):
    meeting = world["meeting"]
    first = seat_and_queue

    with app.test_request_context():
        services.update_meeting(
            session, world["coordinator"], meeting.id, moved(meeting, timedelta(hours=1))
        )
    session.commit()

    meeting = reload(session, meeting)
    changed = the_mail(session, "maria@example.org", "meeting_changed")
    event = event_of(invitation(changed, "REQUEST"))
    assert str(event["UID"]) == str(first["UID"]) == uid_of(app, meeting)
    assert event["SEQUENCE"] > first["SEQUENCE"]
    assert event["SEQUENCE"] == meeting.sequence
    assert event["DTSTART"].params["TZID"] == "Europe/Brussels"
    assert event["DTSTART"].dt.replace(tzinfo=None) == STARTS_LOCAL + timedelta(hours=1)
    assert event["DTSTART"].dt.astimezone(UTC) == STARTS + timedelta(hours=1)
    assert event["DTEND"].dt.astimezone(UTC) == STARTS + timedelta(hours=7)
    [attendee] = attendees(event)
    assert str(attendee).lower() == "mailto:maria@example.org"
    assert ONLINE_URL in str(event["DESCRIPTION"])

    waiting = the_mail(session, "sven@example.org", "meeting_changed")
    assert waiting.attachments == []
    no_online_link(waiting)


def test_a_postponed_meeting_updates_the_invitation_of_confirmed_people_only(
    app, session, world, seat_and_queue
):
    meeting = world["meeting"]
    first = seat_and_queue
    new_start = STARTS_LOCAL + timedelta(days=7, hours=-1)  # 09:00 a week later

    with app.test_request_context():
        services.postpone_meeting(
            session, world["coordinator"], meeting.id, new_start, new_start + timedelta(hours=3)
        )
    session.commit()

    meeting = reload(session, meeting)
    event = event_of(invitation(the_mail(session, "maria@example.org", "meeting_changed")))
    assert str(event["UID"]) == str(first["UID"])
    assert event["SEQUENCE"] > first["SEQUENCE"]
    assert event["SEQUENCE"] == meeting.sequence
    assert event["DTSTART"].dt.replace(tzinfo=None) == new_start
    assert event["DTSTART"].dt.astimezone(UTC) == STARTS + timedelta(days=7, hours=-1)
    assert event["DTEND"].dt.astimezone(UTC) == STARTS + timedelta(days=7, hours=2)
    waiting = the_mail(session, "sven@example.org", "meeting_changed")
    assert waiting.attachments == []
    no_online_link(waiting)


def test_every_change_raises_the_sequence_of_the_next_invitation(
    app, session, world, seat_and_queue
):
    meeting = world["meeting"]
    sequences = [seat_and_queue["SEQUENCE"]]

    with app.test_request_context():
        services.update_meeting(
            session, world["coordinator"], meeting.id, moved(meeting, timedelta(hours=1))
        )
        session.commit()
        meeting = reload(session, meeting)
        sequences.append(
            event_of(invitation(the_mail(session, "maria@example.org", "meeting_changed")))[
                "SEQUENCE"
            ]
        )
        start = details_of(meeting).starts_at + timedelta(days=1)
        services.postpone_meeting(
            session, world["coordinator"], meeting.id, start, start + timedelta(hours=2)
        )
        session.commit()
    sequences.append(
        event_of(invitation(the_mail(session, "maria@example.org", "meeting_changed")))["SEQUENCE"]
    )

    assert sequences == sorted(set(sequences))  # strictly rising
    assert len(outbox(session, to="maria@example.org", kind="meeting_changed")) == 2


# --- 4. A cancelled meeting ---------------------------------------------------------------------


def test_a_cancelled_meeting_is_taken_out_of_confirmed_peoples_calendars(
    app, session, world, seat_and_queue
):
    meeting = world["meeting"]
    with app.test_request_context():
        services.update_meeting(
            session, world["coordinator"], meeting.id, moved(meeting, timedelta(hours=1))
        )
    session.commit()
    last_request = event_of(invitation(the_mail(session, "maria@example.org", "meeting_changed")))

    with app.test_request_context():
        services.cancel_meeting(session, world["coordinator"], meeting.id, "The venue closed.")
    session.commit()

    mail = the_mail(session, "maria@example.org", "meeting_cancelled")
    calendar = invitation(mail, "CANCEL")
    assert mail.attachments[0].content_type == "text/calendar; charset=utf-8; method=CANCEL"
    event = event_of(calendar)
    assert str(event["UID"]) == str(last_request["UID"]) == uid_of(app, meeting)
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] >= last_request["SEQUENCE"]
    assert event["SEQUENCE"] == reload(session, meeting).sequence
    [attendee] = attendees(event)
    assert str(attendee).lower() == "mailto:maria@example.org"
    assert str(event["ORGANIZER"]).lower() == f"mailto:{NO_REPLY}"
    assert event["DTSTART"].dt.astimezone(UTC) == STARTS + timedelta(hours=1)
    assert "The venue closed." in str(event["DESCRIPTION"])
    no_online_link(mail)

    waiting = the_mail(session, "sven@example.org", "meeting_cancelled")
    assert waiting.attachments == []
    no_online_link(waiting)


def test_ical_js_reads_the_cancellation_as_one(app, session, world, seat_and_queue):
    meeting = world["meeting"]
    with app.test_request_context():
        services.cancel_meeting(session, world["coordinator"], meeting.id, "Strike")
    session.commit()

    data = the_mail(session, "maria@example.org", "meeting_cancelled").attachments[0].data
    read = read_calendar_with_icaljs(data)
    assert read.method == "CANCEL"
    [event] = read.events
    assert (event.uid, event.status) == (uid_of(app, meeting), "CANCELLED")
    assert event.start == STARTS


# --- 5. Cancelling a registration ---------------------------------------------------------------


def test_cancelling_ones_own_seat_takes_the_meeting_out_of_ones_calendar(
    app, browser, session, world
):
    meeting = world["meeting"]
    browser.login(world["maria"])
    register(browser, meeting)
    first = event_of(invitation(the_mail(session, "maria@example.org", "meeting_registered")))

    cancel(browser, reg_of(session, meeting, world["maria"]))

    mail = the_mail(session, "maria@example.org", "meeting_registration_cancelled")
    assert "As you asked" in mail.body_text
    event = event_of(invitation(mail, "CANCEL"))
    assert str(event["UID"]) == str(first["UID"])
    assert event["SEQUENCE"] >= first["SEQUENCE"]
    # Only this person is taken off: no STATUS, which would cancel the meeting (RFC 5546).
    assert "STATUS" not in event
    [attendee] = attendees(event)
    assert str(attendee).lower() == "mailto:maria@example.org"
    no_online_link(mail)


def test_leaving_the_waiting_list_is_confirmed_without_an_invitation(browser, session, world):
    meeting = world["meeting"]
    make_registration(session, meeting, world["maria"])
    waiting = make_registration(
        session, meeting, world["sven"], status=RegistrationStatus.WAITLISTED
    )
    session.commit()
    browser.login(world["sven"])

    cancel(browser, waiting)

    mail = the_mail(session, "sven@example.org", "meeting_registration_cancelled")
    assert "As you asked" in mail.body_text
    assert mail.attachments == []
    no_online_link(mail)
    # Maria keeps her seat and hears nothing.
    assert outbox(session, to="maria@example.org") == []


def test_a_coordinator_cancelling_a_seat_takes_it_out_of_the_persons_calendar(
    app, browser, session, world
):
    meeting = world["meeting"]
    seat = make_registration(session, meeting, world["maria"])
    make_registration(session, meeting, world["sven"], status=RegistrationStatus.WAITLISTED)
    session.commit()
    browser.login(world["coordinator"])

    cancel(browser, seat)

    mail = the_mail(session, "maria@example.org", "meeting_registration_cancelled")
    assert "A coordinator of the meeting has cancelled your registration" in mail.body_text
    event = event_of(invitation(mail, "CANCEL"))
    assert str(event["UID"]) == uid_of(app, meeting)
    [attendee] = attendees(event)
    assert str(attendee).lower() == "mailto:maria@example.org"
    no_online_link(mail)
    # The seat went on to Sven, with the meeting for his calendar.
    promoted = event_of(invitation(the_mail(session, "sven@example.org", "meeting_promoted")))
    assert str(promoted["UID"]) == uid_of(app, meeting)

    # And cancelling someone waiting sends no invitation either way.
    make_registration(session, meeting, world["francoise"], status=RegistrationStatus.WAITLISTED)
    session.commit()
    cancel(browser, reg_of(session, meeting, world["francoise"]))
    told = the_mail(session, "francoise@example.org", "meeting_registration_cancelled")
    assert told.attachments == []
    no_online_link(told)
    assert reg_of(session, meeting, world["sven"]).status is RegistrationStatus.CONFIRMED


def test_registering_again_after_cancelling_sends_a_request_that_wins_over_the_cancel(
    app, browser, session, world
):
    """Same UID and SEQUENCE: a calendar program orders the messages by DTSTAMP (RFC 5546,
    2.1.5), so the new REQUEST must be stamped after the CANCEL it follows."""
    meeting = world["meeting"]
    browser.login(world["maria"])
    with clock.fixed_at(datetime(NEXT_YEAR - 1, 5, 1, 9, 0, tzinfo=UTC)):
        register(browser, meeting)
    with clock.fixed_at(datetime(NEXT_YEAR - 1, 5, 2, 9, 0, tzinfo=UTC)):
        cancel(browser, reg_of(session, meeting, world["maria"]))
    with clock.fixed_at(datetime(NEXT_YEAR - 1, 5, 3, 9, 0, tzinfo=UTC)):
        register(browser, meeting)

    first, again = outbox(session, to="maria@example.org", kind="meeting_registered")
    cancelled = event_of(
        invitation(
            the_mail(session, "maria@example.org", "meeting_registration_cancelled"), "CANCEL"
        )
    )
    request = event_of(invitation(again))
    assert str(request["UID"]) == str(cancelled["UID"])
    assert (request["SEQUENCE"], request["DTSTAMP"].dt) > (
        cancelled["SEQUENCE"],
        cancelled["DTSTAMP"].dt,
    )
    assert request["DTSTAMP"].dt == datetime(NEXT_YEAR - 1, 5, 3, 9, 0, tzinfo=UTC)


# --- People without an account ------------------------------------------------------------------

GUEST = {
    "name": "Ines Guest",
    "email": "Ines@Example.org",
    "organisation_name": "University of Porto",
    "region_code": "PT11",
    "mode": "online",
    "needs": "",
}


def link_in(mail: OutboxMessage, kind: str) -> str:
    return re.search(rf"http://cop\.test(/meetings/{kind}/\S+)", mail.body_text).group(1)


def register_guest(browser, session, meeting) -> OutboxMessage:
    """Register Ines for `meeting` and follow her confirmation link; the email she then gets."""
    register(browser, meeting, **GUEST)
    confirm = link_in(
        the_mail(session, "ines@example.org", "meeting_confirm_registration"), "confirm"
    )
    assert the_mail(session, "ines@example.org", "meeting_confirm_registration").attachments == []
    done = browser.post(confirm, page=confirm)
    assert done.status_code == 200
    return outbox(session, to="ines@example.org")[-1]


def test_a_guest_confirming_gets_the_request_and_cancelling_from_the_link_gets_the_cancel(
    app, browser, session, world
):
    webinar = world["webinar"]

    registered = register_guest(browser, session, webinar)

    assert registered.kind == "meeting_registered"
    event = event_of(invitation(registered, "REQUEST"))
    assert str(event["UID"]) == uid_of(app, webinar)
    [attendee] = attendees(event)
    assert str(attendee).lower() == "mailto:ines@example.org"
    assert str(attendee.params["CN"]) == "Ines Guest"
    assert attendee.params["PARTSTAT"] == "ACCEPTED"
    # An online meeting: the confirmed guest's calendar has the link as its place.
    assert str(event["LOCATION"]) == WEBINAR_URL

    cancel_link = link_in(registered, "cancel")
    response = browser.post(cancel_link, page=cancel_link)
    assert response.status_code == 200
    assert reg_of(session, webinar, email="ines@example.org").status is (
        RegistrationStatus.CANCELLED
    )

    mail = the_mail(session, "ines@example.org", "meeting_registration_cancelled")
    assert "As you asked" in mail.body_text
    event = event_of(invitation(mail, "CANCEL"))
    assert str(event["UID"]) == uid_of(app, webinar)
    # Only this person is taken off: no STATUS, which would cancel the meeting (RFC 5546).
    assert "STATUS" not in event
    [attendee] = attendees(event)
    assert str(attendee).lower() == "mailto:ines@example.org"
    assert str(event["LOCATION"]) == "Online"
    no_online_link(mail)


def test_a_waitlisted_guest_gets_no_invitation_coming_or_going(browser, session, world):
    webinar = world["webinar"]  # one seat online
    make_registration(session, webinar, world["maria"], mode=AttendanceMode.ONLINE)
    session.commit()

    waitlisted = register_guest(browser, session, webinar)

    assert waitlisted.kind == "meeting_waitlisted"
    assert waitlisted.attachments == []
    no_online_link(waitlisted)
    cancel_link = link_in(waitlisted, "cancel")
    assert browser.post(cancel_link, page=cancel_link).status_code == 200
    mail = the_mail(session, "ines@example.org", "meeting_registration_cancelled")
    assert mail.attachments == []
    no_online_link(mail)


# --- 6. The recipient's language ----------------------------------------------------------------


def test_the_invitation_is_written_in_the_recipients_language(app, browser, session, world):
    meeting = world["meeting"]
    make_registration(session, meeting, world["maria"], mode=AttendanceMode.ONLINE)
    session.commit()
    browser.login(world["francoise"])
    register(browser, meeting, mode="online")

    event = event_of(invitation(the_mail(session, "francoise@example.org", "meeting_registered")))
    assert str(event["SUMMARY"]) == "Second plenary of Innovation Diffusion"
    description = str(event["DESCRIPTION"])
    assert f"Page de la réunion : http://cop.test/meetings/{meeting.id}" in description
    assert f"Lien de connexion : {ONLINE_URL}" in description
    assert "Meeting page:" not in description
    assert list(event["CATEGORIES"].cats) == ["Atelier", "Innovation Diffusion"]

    # A coordinator working in English moves the meeting: each person reads their own language.
    with app.test_request_context(headers={"Accept-Language": "en"}):
        services.update_meeting(
            session, world["coordinator"], meeting.id, moved(meeting, timedelta(hours=1))
        )
    session.commit()
    french = event_of(invitation(the_mail(session, "francoise@example.org", "meeting_changed")))
    english = event_of(invitation(the_mail(session, "maria@example.org", "meeting_changed")))
    assert "Page de la réunion : " in str(french["DESCRIPTION"])
    assert "Meeting page: " in str(english["DESCRIPTION"])
    assert "Page de la réunion" not in str(english["DESCRIPTION"])
    assert str(french["UID"]) == str(english["UID"])
    assert french["SEQUENCE"] == english["SEQUENCE"]

    # Cancelled: the title says so in French too.
    with app.test_request_context(headers={"Accept-Language": "en"}):
        services.cancel_meeting(session, world["coordinator"], meeting.id, "Grève")
    session.commit()
    french = event_of(
        invitation(the_mail(session, "francoise@example.org", "meeting_cancelled"), "CANCEL")
    )
    assert str(french["SUMMARY"]) == "Réunion annulée : Second plenary of Innovation Diffusion"


def test_a_guest_who_registered_in_french_gets_a_french_invitation(app, browser, session, world):
    browser.client.get("/language/fr?next=/")

    registered = register_guest(browser, session, world["webinar"])

    assert registered.kind == "meeting_registered"
    event = event_of(invitation(registered))
    description = str(event["DESCRIPTION"])
    assert f"Page de la réunion : http://cop.test/meetings/{world['webinar'].id}" in description
    assert f"Lien de connexion : {WEBINAR_URL}" in description
    [attendee] = attendees(event)
    assert str(attendee).lower() == "mailto:ines@example.org"


# --- 7. MIME ------------------------------------------------------------------------------------


def test_the_email_offers_the_invitation_as_an_alternative_and_as_a_file(
    app, browser, session, world
):
    browser.login(world["maria"])
    register(browser, world["meeting"])
    mail = the_mail(session, "maria@example.org", "meeting_registered")
    data = mail.attachments[0].data

    email = build_email(mail, app.config["MAIL_SENDER"])

    assert email.get_content_type() == "multipart/mixed"
    body, *files = email.iter_parts()
    assert body.get_content_type() == "multipart/alternative"
    kinds = [part.get_content_type() for part in body.iter_parts()]
    assert kinds[0] == "text/plain" and "text/calendar" in kinds
    [calendar_part] = [p for p in body.iter_parts() if p.get_content_type() == "text/calendar"]
    assert calendar_part.get_param("method") == "REQUEST"
    assert calendar_part.get_content_disposition() != "attachment"
    payload = calendar_part.get_payload(decode=True)
    assert payload == data
    assert b"\r\n" in payload and b"\n" not in payload.replace(b"\r\n", b"")
    [file] = files
    assert file.get_filename() == "invite.ics"
    assert file.get_content_disposition() == "attachment"
    assert file.get_payload(decode=True) == data

    # And as it goes over the wire: the bytes read back are the same.
    again = message_from_bytes(email.as_bytes(), policy=policy.default)
    [part] = [p for p in again.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_payload(decode=True) == data


def test_a_cancel_is_offered_the_same_way(app, browser, session, world):
    browser.login(world["maria"])
    register(browser, world["meeting"])
    cancel(browser, reg_of(session, world["meeting"], world["maria"]))
    mail = the_mail(session, "maria@example.org", "meeting_registration_cancelled")

    email = build_email(mail, app.config["MAIL_SENDER"])

    [part] = [p for p in email.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "CANCEL"
    assert part.get_payload(decode=True) == mail.attachments[0].data
    assert [p.get_filename() for p in email.iter_attachments()] == ["cancel.ics"]


def test_the_invitation_arrives_over_smtp_and_reads_back(app, browser, session, world, sink):
    meeting = world["meeting"]
    browser.login(world["maria"])
    register(browser, meeting)
    sent = the_mail(session, "maria@example.org", "meeting_registered")
    session.commit()

    report = send_pending(session, SMTPTransport(SMTPSettings.from_config(app.config)))

    assert report.failed == 0 and report.sent >= 1
    [received] = [
        message
        for message in sink.received_by("maria@example.org")
        if message["Message-ID"].startswith(f"<{sent.message_id}@")
    ]
    [part] = [p for p in received.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "REQUEST"
    data = part.get_payload(decode=True)
    assert data.endswith(b"END:VCALENDAR\r\n")
    calendar = Calendar.from_ical(data)
    assert str(calendar["METHOD"]) == "REQUEST"
    event = event_of(calendar)
    assert str(event["UID"]) == uid_of(app, meeting)
    assert event["DTSTART"].dt.astimezone(UTC) == STARTS
    [attachment] = list(received.iter_attachments())
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_payload(decode=True) == data


# --- 8. The online link stays with confirmed people ---------------------------------------------


def test_nothing_sent_to_people_without_a_seat_gives_the_online_link(app, browser, session, world):
    meeting = world["meeting"]
    browser.login(world["maria"])
    register(browser, meeting)
    browser.logout()
    browser.login(world["sven"])
    register(browser, meeting)  # waiting
    browser.logout()
    with app.test_request_context():
        services.update_meeting(
            session, world["coordinator"], meeting.id, moved(meeting, timedelta(hours=1))
        )
        session.commit()
        services.cancel_meeting(session, world["coordinator"], meeting.id, "Strike")
    session.commit()

    for mail in outbox(session, to="sven@example.org"):
        assert mail.attachments == [], mail.kind
        no_online_link(mail)
    for mail in outbox(session):
        for attachment in mail.attachments:
            if "method=CANCEL" in attachment.content_type:
                no_online_link(mail)
    # Maria, confirmed, had the link in every REQUEST.
    requests = [m for m in outbox(session, to="maria@example.org") if m.kind != "meeting_cancelled"]
    assert [m.kind for m in requests] == ["meeting_registered", "meeting_changed"]
    for mail in requests:
        assert ONLINE_URL in str(event_of(invitation(mail))["DESCRIPTION"])


def test_a_new_online_link_reaches_confirmed_calendars_only(app, session, world, seat_and_queue):
    meeting = world["meeting"]
    new_url = "https://meet.example.org/new-room"
    details = details_of(meeting)
    details.online_url = new_url

    with app.test_request_context():
        services.update_meeting(session, world["coordinator"], meeting.id, details)
    session.commit()

    event = event_of(invitation(the_mail(session, "maria@example.org", "meeting_changed")))
    assert event["SEQUENCE"] > seat_and_queue["SEQUENCE"]
    assert f"Online link: {new_url}" in str(event["DESCRIPTION"])
    assert ONLINE_URL not in str(event["DESCRIPTION"])
    waiting = the_mail(session, "sven@example.org", "meeting_changed")
    assert waiting.attachments == []
    no_online_link(waiting, ONLINE_URL, new_url)
