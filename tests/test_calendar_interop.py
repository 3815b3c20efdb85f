"""cop's calendar files read back by programs no one here wrote.

Every file cop serves or mails (a group's feed, a person's feed, a meeting's file, an
invitation) is fed to ical.js (Thunderbird's parser), Debian's calcurse (its own C
parser), vobject and icalendar (made to use the file's own VTIMEZONE), and every event
must come back at the stored UTC instants: meetings in January and in July, on both
sides of the daylight-saving changes, in Brussels, Helsinki and Reykjavik (no daylight
saving).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cop import clock
from cop.calendar.services import reset_feed_token
from cop.mail.models import OutboxMessage
from cop.meetings.models import AttendanceMode, Audience, MeetingStatus
from cop.meetings.registration import register_member
from cop.meetings.services import postpone_meeting
from cop.members.models import Role
from tests.calendar_readers import (
    read_calendar_with_icaljs,
    read_with_calcurse,
    read_with_icalendar,
    read_with_icaljs,
    read_with_vobject,
)
from tests.factories import make_group, make_meeting, make_membership, make_registration, make_user

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ZONES = ("Europe/Brussels", "Europe/Helsinki", "Atlantic/Reykjavik")
READERS = (read_with_icaljs, read_with_calcurse, read_with_vobject, read_with_icalendar)


def at(zone: str, month: int, hour: int = 10) -> datetime:
    """10:00 wall-clock time on the 14th of a month of 2027 in a zone, as a UTC instant."""
    return datetime(2027, month, 14, hour, tzinfo=ZoneInfo(zone)).astimezone(UTC)


@pytest.fixture
def world(session):
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    coordinator = make_user(session, name="Cora Coordinator", email="cora@example.org")
    member = make_user(session, name="Maria Papadopoulou", email="maria@example.org")
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    make_membership(session, member, group)
    meetings = []
    for zone in ZONES:
        for month in (1, 7):
            meeting = make_meeting(
                session,
                group,
                title=f"Workshop in {zone.split('/')[1]}, month {month}",
                starts_at=at(zone, month),
                hours=2.5,
                timezone=zone,
                audience=Audience.OPEN,
            )
            make_registration(session, meeting, member)
            meetings.append(meeting)
    cancelled = make_meeting(
        session,
        group,
        title="Peer review in Helsinki",
        starts_at=at("Europe/Helsinki", 3),
        timezone="Europe/Helsinki",
        audience=Audience.OPEN,
        status=MeetingStatus.CANCELLED,
        cancelled_at=NOW - timedelta(days=1),
    )
    make_registration(session, cancelled, member)
    meetings.append(cancelled)
    session.commit()
    return {"group": group, "coordinator": coordinator, "member": member, "meetings": meetings}


def stored(meetings) -> list[tuple[str, datetime, datetime]]:
    return sorted(
        (
            f"Cancelled: {m.title}" if m.status is MeetingStatus.CANCELLED else m.title,
            m.starts_at,
            m.ends_at,
        )
        for m in meetings
    )


def read(reader, data: bytes) -> list[tuple[str, datetime, datetime]]:
    return sorted((e.summary, e.start, e.end) for e in reader(data))


def get(client, path: str) -> bytes:
    with clock.fixed_at(NOW):
        response = client.get(path)
    assert response.status_code == 200, path
    return response.data


@pytest.mark.parametrize("reader", READERS, ids=lambda r: r.__name__)
def test_a_groups_feed_reads_back_at_the_stored_times(client, world, reader):
    data = get(client, "/calendar/innovation-diffusion.ics")
    assert read(reader, data) == stored(world["meetings"])


@pytest.mark.parametrize("reader", READERS, ids=lambda r: r.__name__)
def test_a_persons_feed_reads_back_at_the_stored_times(app, client, session, world, reader):
    with app.app_context():
        token = reset_feed_token(session, world["member"], NOW).token
        session.commit()
    data = get(client, f"/calendar/u/{token}.ics")
    assert read(reader, data) == stored(world["meetings"])


@pytest.mark.parametrize("reader", READERS, ids=lambda r: r.__name__)
def test_a_meetings_file_reads_back_at_its_stored_time(client, world, reader):
    meeting = world["meetings"][3]  # Helsinki, July: summer time
    data = get(client, f"/meetings/{meeting.id}.ics")
    assert read(reader, data) == stored([meeting])


def test_cancelled_meetings_read_as_cancelled(client, world):
    data = get(client, "/calendar/innovation-diffusion.ics")
    statuses = {e.summary: e.status for e in read_with_icaljs(data)}
    assert statuses["Cancelled: Peer review in Helsinki"] == "CANCELLED"
    assert {s for title, s in statuses.items() if "Cancelled" not in title} == {"CONFIRMED"}


def invitation_of(session, registration_email: str) -> bytes:
    message = session.query(OutboxMessage).filter_by(recipient=registration_email).one()
    (attachment,) = message.attachments
    return attachment.data


@pytest.mark.parametrize("reader", READERS, ids=lambda r: r.__name__)
def test_an_invitation_reads_back_at_the_stored_time(app, session, world, reader):
    summer = make_meeting(
        session,
        world["group"],
        title="Summer plenary in Brussels",
        starts_at=at("Europe/Brussels", 7, 9),
        timezone="Europe/Brussels",
    )
    ana = make_user(session, name="Ana Example", email="ana@example.org")
    make_membership(session, ana, world["group"])
    session.commit()
    with app.test_request_context(), clock.fixed_at(NOW):
        register_member(session, ana, summer.id, mode=AttendanceMode.ONLINE, now=NOW)
        session.commit()
    data = invitation_of(session, "ana@example.org")
    assert read(reader, data) == stored([summer])


def test_a_meeting_moved_by_an_hour_keeps_its_uid_with_a_higher_sequence(
    app, client, session, world
):
    meeting = world["meetings"][1]  # Brussels, July
    before = {
        e.uid: e
        for e in read_calendar_with_icaljs(get(client, "/calendar/innovation-diffusion.ics")).events
    }
    with app.test_request_context(), clock.fixed_at(NOW):
        local_start = meeting.starts_at.astimezone(ZoneInfo(meeting.timezone)).replace(tzinfo=None)
        local_end = meeting.ends_at.astimezone(ZoneInfo(meeting.timezone)).replace(tzinfo=None)
        postpone_meeting(
            session,
            world["coordinator"],
            meeting.id,
            local_start + timedelta(hours=1),
            local_end + timedelta(hours=1),
            now=NOW,
        )
        session.commit()
    after = {
        e.uid: e
        for e in read_calendar_with_icaljs(get(client, "/calendar/innovation-diffusion.ics")).events
    }
    assert after.keys() == before.keys()
    moved = [uid for uid in after if after[uid].start != before[uid].start]
    assert len(moved) == 1
    (uid,) = moved
    assert after[uid].start == before[uid].start + timedelta(hours=1)
    assert after[uid].sequence == before[uid].sequence + 1
    # The confirmed member's update carries the same UID and the higher SEQUENCE too.
    message = (
        session.query(OutboxMessage)
        .filter_by(recipient="maria@example.org", kind="meeting_changed")
        .one()
    )
    (update,) = read_calendar_with_icaljs(message.attachments[0].data).events
    assert (update.uid, update.sequence, update.start) == (
        uid,
        after[uid].sequence,
        after[uid].start,
    )
