"""Calendar files and feeds over HTTP: a meeting's file, a group's feed, each person's own feed
at its secret address, the page that makes and resets that address, conditional requests and
query counts; and the services behind the addresses.

Bodies are read back with the `icalendar` library (the cross-parser checks and the invitation
emails are tested elsewhere).
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from flask_babel import force_locale
from icalendar import Calendar
from sqlalchemy import func, select

from cop import clock
from cop.audit.models import AuditEntry
from cop.calendar import services as calendar_services
from cop.calendar.feeds import KEPT_AFTER_CANCELLATION, CalendarFile, personal_feed_name
from cop.calendar.models import CalendarFeedToken
from cop.errors import NotAllowed
from cop.meetings import registration as registration_services
from cop.meetings import services as meeting_services
from cop.meetings.details import details_of
from cop.meetings.models import (
    AttendanceMode,
    Audience,
    Meeting,
    MeetingFormat,
    MeetingKind,
    MeetingStatus,
    Registration,
    RegistrationStatus,
)
from cop.members.models import Membership, MembershipStatus, Role, User, WorkingGroup
from tests.conftest import PASSWORD, Browser
from tests.factories import (
    make_feed_token,
    make_group,
    make_meeting,
    make_membership,
    make_registration,
    make_user,
)

NOW = datetime(2031, 1, 10, 12, 0, tzinfo=UTC)
STARTS = datetime(2031, 3, 5, 9, 0, tzinfo=UTC)  # 11:00 in Helsinki
SECRET_LINK = "https://meet.example.org/secret-open-room"
MEMBERS_LINK = "https://meet.example.org/secret-members-room"
DRAFT_LINK = "https://meet.example.org/secret-draft-room"
OTHER_LINK = "https://meet.example.org/secret-other-room"
ALL_LINKS = (SECRET_LINK, MEMBERS_LINK, DRAFT_LINK, OTHER_LINK)


@pytest.fixture(autouse=True)
def fixed_clock():
    with clock.fixed_at(NOW):
        yield


# --- Reading responses ---------------------------------------------------------------------


def unfolded(response) -> str:
    """The body with folded lines joined (a link may be folded over two lines)."""
    return re.sub(r"\r\n[ \t]", "", response.get_data(as_text=True))


def calendar_of(response) -> Calendar:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/calendar"
    return Calendar.from_ical(response.data)


def events_of(response) -> dict[str, object]:
    """The VEVENTs of a calendar response, by UID."""
    events = calendar_of(response).walk("VEVENT")
    by_uid = {str(event["UID"]): event for event in events}
    assert len(by_uid) == len(events), "two events share a UID"
    return by_uid


def categories(event) -> list[str]:
    found = event.get("CATEGORIES")
    found = found if isinstance(found, list) else [found]
    return [str(name) for entry in found for name in entry.cats]


def uid(app, meeting) -> str:
    host = urlsplit(app.config["BASE_URL"]).hostname
    return f"meeting-{meeting.id}@{host}"


def page_url(app, meeting) -> str:
    return f"{app.config['BASE_URL']}/meetings/{meeting.id}"


def signed_in(app, person) -> Browser:
    browser = Browser(app.test_client())
    browser.login(person)
    return browser


def feed_path(token) -> str:
    return f"/calendar/u/{token.token if hasattr(token, 'token') else token}.ics"


def act(app, function, *args, **kwargs):
    """Call a service as a view would: in a request, on the fixed clock."""
    with app.test_request_context():
        return function(*args, **kwargs)


# --- The world -----------------------------------------------------------------------------


@pytest.fixture
def world(session):
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    other_group = make_group(session, slug="digital-hubs", name="Digital Hubs")
    coordinator = make_user(session, name="Cora Coordinator", email="cora@example.org")
    other_coordinator = make_user(session, name="Oscar Othergroup", email="oscar@example.org")
    member = make_user(session, name="Maria Member", email="maria@example.org")
    waiting = make_user(session, name="Walter Waiting", email="walter@example.org")
    outsider = make_user(session, name="Otto Outsider", email="otto@example.org")
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    make_membership(session, other_coordinator, other_group, role=Role.COORDINATOR)
    make_membership(session, member, group)
    make_membership(session, waiting, group)
    open_meeting = make_meeting(
        session, group, title="Workshop on regional innovation", audience=Audience.OPEN,
        starts_at=STARTS, timezone="Europe/Helsinki", online_url=SECRET_LINK,
        capacity_in_person=1, venue="Tampere Hall", address="Yliopistonkatu 55, Tampere",
    )  # fmt: skip
    members_meeting = make_meeting(
        session, group, title="Members' workshop", audience=Audience.MEMBERS,
        starts_at=STARTS + timedelta(days=7), online_url=MEMBERS_LINK,
    )  # fmt: skip
    draft = make_meeting(
        session, group, title="Draft webinar", status=MeetingStatus.DRAFT, audience=Audience.OPEN,
        kind=MeetingKind.WEBINAR, format=MeetingFormat.ONLINE, capacity_in_person=None,
        starts_at=STARTS + timedelta(days=14), online_url=DRAFT_LINK,
    )  # fmt: skip
    other_meeting = make_meeting(
        session, other_group, title="Other group's workshop", audience=Audience.OPEN,
        starts_at=STARTS + timedelta(days=1), online_url=OTHER_LINK,
    )  # fmt: skip
    make_registration(session, open_meeting, member)
    make_registration(session, open_meeting, waiting, status=RegistrationStatus.WAITLISTED)
    session.commit()
    return {
        "group": group,
        "other_group": other_group,
        "coordinator": coordinator,
        "other_coordinator": other_coordinator,
        "member": member,
        "waiting": waiting,
        "outsider": outsider,
        "open_meeting": open_meeting,
        "members_meeting": members_meeting,
        "draft": draft,
        "other_meeting": other_meeting,
    }


# --- 1. One meeting's file -----------------------------------------------------------------


def test_an_open_meetings_file_for_anyone_says_everything_but_the_online_link(app, client, world):
    meeting = world["open_meeting"]

    response = client.get(f"/meetings/{meeting.id}.ics")

    cal = calendar_of(response)
    assert response.headers["Content-Type"].startswith("text/calendar")
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="meeting-{meeting.id}.ics"'
    )
    # Anonymous readers all get the same file: a shared cache may keep it a while.
    assert response.headers["Cache-Control"] == "public, max-age=300"
    # One event to add, not a calendar of its own: no calendar name; no METHOD, so that
    # DTSTAMP may say when the event last changed.
    assert cal["VERSION"] == "2.0" and "METHOD" not in cal
    assert "X-WR-CALNAME" not in cal and "REFRESH-INTERVAL" not in cal
    [event] = cal.walk("VEVENT")
    assert event["UID"] == uid(app, meeting) == f"meeting-{meeting.id}@cop.test"
    assert event["SEQUENCE"] == meeting.sequence == 0
    assert event["STATUS"] == "CONFIRMED"
    assert event["SUMMARY"] == "Workshop on regional innovation"
    for name in ("DTSTAMP", "CREATED", "LAST-MODIFIED"):
        stamp = event[name].dt
        assert stamp.utcoffset() == timedelta(0), name
        assert re.search(rf"^{name}:\d{{8}}T\d{{6}}Z\r$", response.get_data(as_text=True), re.M)
    assert event["CREATED"].dt == meeting.created_at.replace(microsecond=0)
    assert event["LAST-MODIFIED"].dt == meeting.updated_at.replace(microsecond=0)
    description = str(event["DESCRIPTION"])
    assert page_url(app, meeting) in description
    assert "We compare how regions help SMEs" in description
    assert "<" not in description and "&" not in description  # plain text, not HTML
    assert event["URL"] == page_url(app, meeting)
    assert "Tampere Hall" in event["LOCATION"]
    assert set(categories(event)) >= {"Workshop", "Innovation Diffusion"}
    assert event["ORGANIZER"] == "mailto:no-reply@example.org"
    assert event["ORGANIZER"].params["CN"] == "Innovation Diffusion"
    # Wall-clock time of the meeting's own zone, with that zone's definition.
    assert event["DTSTART"].params["TZID"] == "Europe/Helsinki"
    assert event["DTSTART"].dt.replace(tzinfo=None) == datetime(2031, 3, 5, 11, 0)
    assert event.decoded("DTSTART") == STARTS
    assert event.decoded("DTEND") == meeting.ends_at
    assert [str(zone["TZID"]) for zone in cal.walk("VTIMEZONE")] == ["Europe/Helsinki"]
    assert SECRET_LINK not in unfolded(response)
    assert "meet.example.org" not in unfolded(response)


@pytest.mark.parametrize(
    ("reader", "gets_link"),
    [
        ("anonymous", False),
        ("outsider", False),
        ("waiting", False),
        ("member", True),
        ("coordinator", True),
        ("admin", True),
    ],
)
def test_the_online_link_is_in_the_file_only_for_confirmed_people_and_coordinators(
    app, world, admin, reader, gets_link
):
    meeting = world["open_meeting"]
    people = {**world, "admin": admin}
    browser = (
        Browser(app.test_client()) if reader == "anonymous" else signed_in(app, people[reader])
    )

    response = browser.client.get(f"/meetings/{meeting.id}.ics")

    [event] = events_of(response).values()
    assert (SECRET_LINK in unfolded(response)) is gets_link
    assert (SECRET_LINK in str(event["DESCRIPTION"])) is gets_link
    if reader != "anonymous":
        # What a signed-in reader gets may hold the link: never kept by a shared cache.
        assert response.headers["Cache-Control"] == "private, no-cache"
        assert "Cookie" in response.headers["Vary"]


def test_a_drafts_file_is_only_for_its_coordinators_and_tentative(app, client, world):
    draft = world["draft"]
    path = f"/meetings/{draft.id}.ics"

    assert client.get(path).status_code == 404
    assert signed_in(app, world["member"]).client.get(path).status_code == 404
    assert signed_in(app, world["other_coordinator"]).client.get(path).status_code == 404
    response = signed_in(app, world["coordinator"]).client.get(path)

    [event] = events_of(response).values()
    assert event["STATUS"] == "TENTATIVE"
    assert event["UID"] == uid(app, draft)
    # The coordinator gets the online link (an online meeting: it is the location too).
    assert event["LOCATION"] == DRAFT_LINK


def test_a_members_only_meetings_file_is_only_for_members(app, client, session, world):
    meeting = world["members_meeting"]
    applicant = make_user(session, name="Ana Applicant")
    make_membership(session, applicant, world["group"], status=MembershipStatus.APPLIED)
    session.commit()
    path = f"/meetings/{meeting.id}.ics"

    assert client.get(path).status_code == 404
    assert signed_in(app, world["outsider"]).client.get(path).status_code == 404
    assert signed_in(app, applicant).client.get(path).status_code == 404
    assert signed_in(app, world["other_coordinator"]).client.get(path).status_code == 404
    response = signed_in(app, world["member"]).client.get(path)

    [event] = events_of(response).values()
    assert event["UID"] == uid(app, meeting)
    assert event["STATUS"] == "CONFIRMED"
    # A member, but not registered: no link.
    assert MEMBERS_LINK not in unfolded(response)


@pytest.mark.parametrize(
    "path",
    [
        "/meetings/abc.ics",
        "/meetings/1.5.ics",
        "/meetings/-1.ics",
        "/meetings/0.ics",
        "/meetings/99999999999999999999.ics",
        "/meetings/2147483648.ics",
        "/meetings/.ics",
    ],
)
def test_a_meeting_file_at_an_address_that_is_no_meeting_is_404(client, world, path):
    assert client.get(path).status_code == 404


def test_an_unknown_meetings_file_is_404(client, session, world):
    unknown = session.scalar(select(func.max(type(world["draft"]).id))) + 1000

    assert client.get(f"/meetings/{unknown}.ics").status_code == 404


def test_a_cancelled_meetings_file_says_so(app, client, session, world):
    meeting = world["open_meeting"]
    act(app, meeting_services.cancel_meeting, session, world["coordinator"], meeting.id, "Snow.")
    session.commit()

    [event] = events_of(client.get(f"/meetings/{meeting.id}.ics")).values()

    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] == 1
    assert str(event["SUMMARY"]) == "Cancelled: Workshop on regional innovation"
    assert "Snow." in str(event["DESCRIPTION"])


# --- 2. A group's feed ---------------------------------------------------------------------


def test_a_groups_feed_lists_only_its_published_meetings_open_to_anyone(
    app, client, session, world
):
    group = world["group"]
    past = make_meeting(
        session, group, title="Past open workshop", audience=Audience.OPEN,
        starts_at=NOW - timedelta(days=100), timezone="Europe/Brussels",
    )  # fmt: skip
    members_cancelled = make_meeting(
        session, group, title="Cancelled members' workshop", status=MeetingStatus.CANCELLED,
        starts_at=STARTS + timedelta(days=3),
    )  # fmt: skip
    never_published = make_meeting(
        session, group, title="Draft cancelled before publication", audience=Audience.OPEN,
        status=MeetingStatus.CANCELLED, published_at=None, starts_at=STARTS + timedelta(days=4),
    )  # fmt: skip
    session.commit()

    response = client.get(f"/calendar/{group.slug}.ics")

    cal = calendar_of(response)
    events = events_of(response)
    assert set(events) == {uid(app, world["open_meeting"]), uid(app, past)}
    for excluded in (
        world["members_meeting"],
        world["draft"],
        world["other_meeting"],
        members_cancelled,
        never_published,
    ):
        assert uid(app, excluded) not in events
        assert excluded.title not in unfolded(response)
    assert all(event["STATUS"] == "CONFIRMED" for event in events.values())
    assert "METHOD" not in cal
    assert "Innovation Diffusion" in str(cal["X-WR-CALNAME"])
    assert cal["NAME"] == cal["X-WR-CALNAME"]
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in unfolded(response)
    assert "X-PUBLISHED-TTL:PT1H" in unfolded(response)
    assert sorted(str(zone["TZID"]) for zone in cal.walk("VTIMEZONE")) == [
        "Europe/Brussels",
        "Europe/Helsinki",
    ]
    # Nobody is known here: no online link, whoever asks.
    assert not any(link in unfolded(response) for link in ALL_LINKS)
    assert response.headers["Content-Disposition"] == f'inline; filename="{group.slug}.ics"'
    assert response.headers["Cache-Control"] == "public, max-age=300"


def test_a_signed_in_coordinator_gets_the_same_public_group_feed(app, client, world):
    anonymous = client.get("/calendar/innovation-diffusion.ics")
    coordinator = signed_in(app, world["coordinator"]).client.get(
        "/calendar/innovation-diffusion.ics"
    )

    assert coordinator.data == anonymous.data
    assert not any(link in unfolded(coordinator) for link in ALL_LINKS)


def test_an_unknown_groups_feed_is_404(client, world):
    assert client.get("/calendar/no-such-group.ics").status_code == 404
    assert client.get("/calendar/.ics").status_code == 404


def test_a_cancelled_meeting_stays_in_the_feed_for_30_days_after_its_planned_end(
    app, client, session, world
):
    meeting = world["open_meeting"]
    act(app, meeting_services.cancel_meeting, session, world["coordinator"], meeting.id, "Snow.")
    session.commit()
    path = "/calendar/innovation-diffusion.ics"
    leaves = meeting.ends_at + KEPT_AFTER_CANCELLATION
    assert timedelta(days=30) == KEPT_AFTER_CANCELLATION

    event = events_of(client.get(path))[uid(app, meeting)]
    assert event["STATUS"] == "CANCELLED"
    assert str(event["SUMMARY"]).startswith("Cancelled: ")
    assert event["SEQUENCE"] == 1

    with clock.fixed_at(leaves - timedelta(seconds=1)):
        still = client.get(path)
    assert events_of(still)[uid(app, meeting)]["STATUS"] == "CANCELLED"

    with clock.fixed_at(leaves):
        gone = client.get(path)
    assert uid(app, meeting) not in events_of(gone)
    assert "Workshop on regional innovation" not in unfolded(gone)
    # Its leaving is a change: new validators, so subscribers fetch the feed again.
    assert gone.headers["ETag"] != still.headers["ETag"]
    assert gone.last_modified == leaves.replace(microsecond=0)
    with clock.fixed_at(leaves):
        again = client.get(
            path,
            headers={
                "If-None-Match": still.headers["ETag"],
            },
        )
    assert again.status_code == 200


def test_a_published_meeting_over_long_ago_stays_in_the_feed(app, client, session, world):
    old = make_meeting(
        session, world["group"], title="Kick-off", audience=Audience.OPEN,
        starts_at=NOW - timedelta(days=400),
    )  # fmt: skip
    session.commit()

    assert uid(app, old) in events_of(client.get("/calendar/innovation-diffusion.ics"))


# --- 3. Changes reach subscribers ----------------------------------------------------------


def test_a_meeting_moved_by_an_hour_keeps_its_uid_with_a_higher_sequence(
    app, client, session, world
):
    meeting = world["open_meeting"]
    token = make_feed_token(session, world["member"])
    session.commit()
    group_path, own_path = "/calendar/innovation-diffusion.ics", feed_path(token)
    before = events_of(client.get(group_path))[uid(app, meeting)]
    before_own = events_of(client.get(own_path))[uid(app, meeting)]
    assert before["SEQUENCE"] == before_own["SEQUENCE"] == 0

    details = details_of(meeting)
    details.starts_at += timedelta(hours=1)
    details.ends_at += timedelta(hours=1)
    update = act(
        app, meeting_services.update_meeting, session, world["coordinator"], meeting.id, details
    )
    session.commit()
    assert update.changes

    after = events_of(client.get(group_path))[uid(app, meeting)]
    after_own = events_of(client.get(own_path))[uid(app, meeting)]
    file_event = events_of(client.get(f"/meetings/{meeting.id}.ics"))[uid(app, meeting)]
    for event in (after, after_own, file_event):
        assert event["SEQUENCE"] > before["SEQUENCE"]
        assert event["SEQUENCE"] == meeting.sequence
        assert event.decoded("DTSTART") == STARTS + timedelta(hours=1)
        assert event["DTSTART"].params["TZID"] == "Europe/Helsinki"
        assert event["DTSTART"].dt.replace(tzinfo=None) == datetime(2031, 3, 5, 12, 0)
        assert event["STATUS"] == "CONFIRMED"
        assert event["LAST-MODIFIED"].dt >= before["LAST-MODIFIED"].dt
    moved_sequence = after["SEQUENCE"]

    act(app, meeting_services.cancel_meeting, session, world["coordinator"], meeting.id, "Snow.")
    session.commit()

    cancelled = events_of(client.get(group_path))[uid(app, meeting)]
    cancelled_own = events_of(client.get(own_path))[uid(app, meeting)]
    for event in (cancelled, cancelled_own):
        assert event["STATUS"] == "CANCELLED"
        assert event["SEQUENCE"] > moved_sequence
        assert str(event["SUMMARY"]).startswith("Cancelled: ")


def test_a_postponed_meeting_reaches_the_feed_with_a_higher_sequence(app, client, session, world):
    meeting = world["open_meeting"]
    act(
        app,
        meeting_services.postpone_meeting,
        session,
        world["coordinator"],
        meeting.id,
        datetime(2031, 3, 12, 11, 0),  # wall-clock time in Helsinki
        datetime(2031, 3, 12, 17, 0),
    )
    session.commit()

    event = events_of(client.get("/calendar/innovation-diffusion.ics"))[uid(app, meeting)]

    assert event["SEQUENCE"] >= 1
    assert event.decoded("DTSTART") == datetime(2031, 3, 12, 9, 0, tzinfo=UTC)


# --- 4. Conditional requests ---------------------------------------------------------------


@pytest.fixture(params=["meeting_file", "group_feed", "personal_feed"])
def feed(request, session, world):
    """(path, change): one of the three kinds of file, and a change that alters it."""
    meeting = world["open_meeting"]
    if request.param == "meeting_file":
        path = f"/meetings/{meeting.id}.ics"
    elif request.param == "group_feed":
        path = "/calendar/innovation-diffusion.ics"
    else:
        path = feed_path(make_feed_token(session, world["member"]))
        session.commit()

    def change():
        meeting.description = "A new programme, with a visit to the science park."
        session.commit()

    return path, change


def test_an_unchanged_file_is_answered_without_being_written_again(client, feed, monkeypatch):
    path, change = feed
    first = client.get(path)
    etag = first.headers["ETag"]

    def must_not_write(self):
        raise AssertionError("an unchanged calendar was written again")

    monkeypatch.setattr(CalendarFile, "_write", must_not_write)
    # Its fingerprint answers 304 before anything is written; a plain GET gets the kept bytes.
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(path).data == first.data

    change()
    monkeypatch.undo()
    assert b"science park" in client.get(path, headers={"If-None-Match": etag}).data


def test_each_language_has_its_own_validator(client, world):
    path = "/calendar/innovation-diffusion.ics"
    english = client.get(path, headers={"Accept-Language": "en"})
    french = client.get(path, headers={"Accept-Language": "fr"})
    assert english.headers["ETag"] != french.headers["ETag"]
    assert "Accept-Language" in french.headers["Vary"]
    asked_in_french = client.get(
        path, headers={"Accept-Language": "fr", "If-None-Match": english.headers["ETag"]}
    )
    assert asked_in_french.status_code == 200 and asked_in_french.data == french.data


def test_feeds_carry_validators_and_answer_304_while_unchanged(client, feed):
    path, change = feed
    first = client.get(path)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{40}"', etag)  # strong, quoted
    assert first.headers["Last-Modified"]

    unchanged = client.get(path, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.data == b""
    assert unchanged.headers["ETag"] == etag
    # Calendar programs compare weakly (RFC 9110): a weak form of the same tag matches.
    assert client.get(path, headers={"If-None-Match": f"W/{etag}"}).status_code == 304
    assert client.get(path, headers={"If-None-Match": f'"other", {etag}'}).status_code == 304
    # The same bytes again: the same validators.
    again = client.get(path)
    assert again.data == first.data and again.headers["ETag"] == etag

    change()

    changed = client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert b"science park" in changed.data
    assert Calendar.from_ical(changed.data).walk("VEVENT")


@pytest.mark.parametrize(
    "garbage",
    ["garbage", '"', 'W/"x", ,,', "*garbage", ",", "W/", '"unterminated, "x', "\u00e9t\u00e9"],
)
def test_an_if_none_match_of_garbage_gets_the_whole_file(client, feed, garbage):
    path, _ = feed
    whole = client.get(path)

    response = client.get(path, headers={"If-None-Match": garbage.encode().decode("latin-1")})

    assert response.status_code == 200
    assert response.data == whole.data


def test_if_modified_since_alone_is_honoured(client, feed):
    path, _ = feed
    first = client.get(path)
    last_modified = first.headers["Last-Modified"]

    assert client.get(path, headers={"If-Modified-Since": last_modified}).status_code == 304
    earlier = (first.last_modified - timedelta(seconds=1)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert client.get(path, headers={"If-Modified-Since": earlier}).status_code == 200
    for garbage in ("garbage", "", "Tue, 99 Foo 2031 25:61:61 GMT", "0"):
        response = client.get(path, headers={"If-Modified-Since": garbage})
        assert response.status_code == 200, garbage
        assert response.data == first.data


def test_a_meeting_leaving_the_group_feed_is_not_answered_not_modified(app, client, session, world):
    """A meeting made members-only leaves the public feed: the feed changed, so a client that
    validates with If-Modified-Since alone must get the new feed, not a 304."""
    group, meeting = world["group"], world["open_meeting"]
    earlier = datetime(2024, 1, 1, tzinfo=UTC)
    group.updated_at = earlier
    kept = make_meeting(
        session, group, title="Kept open workshop", audience=Audience.OPEN,
        starts_at=STARTS + timedelta(days=2), updated_at=earlier, created_at=earlier,
    )  # fmt: skip
    # Every other meeting of the group was last changed long ago too (HTTP dates count whole
    # seconds: a change in the same second as the last one could not be told apart).
    for other in session.scalars(select(Meeting).where(Meeting.group_id == group.id)):
        other.updated_at = earlier
    meeting.updated_at = earlier + timedelta(days=30)
    session.commit()
    path = "/calendar/innovation-diffusion.ics"
    first = client.get(path)
    assert set(events_of(first)) == {uid(app, meeting), uid(app, kept)}

    details = details_of(meeting)
    details.audience = Audience.MEMBERS.value
    act(app, meeting_services.update_meeting, session, world["coordinator"], meeting.id, details)
    session.commit()

    response = client.get(path, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert response.status_code == 200
    assert set(events_of(response)) == {uid(app, kept)}


def test_a_seat_taken_from_the_waiting_list_is_not_answered_not_modified(
    app, client, session, world
):
    """The feed does not say the place on a waiting list (it moves with other people's
    registrations); being promoted to a seat changes the owner's own registration, so a
    client that validates with If-Modified-Since alone gets the new feed, not a 304."""
    meeting = world["members_meeting"]
    meeting.capacity_in_person = 1
    earlier = datetime(2024, 1, 1, tzinfo=UTC)
    holder = make_user(session, name="Hana Holder")
    make_membership(session, holder, world["group"])
    seat = make_registration(session, meeting, holder, status=RegistrationStatus.CONFIRMED)
    waiting = make_registration(
        session, meeting, world["waiting"], status=RegistrationStatus.WAITLISTED,
        queued_at=NOW - timedelta(days=1),
    )  # fmt: skip
    token = make_feed_token(session, world["waiting"])
    session.flush()
    # Everything the feed is made of was last changed long ago (HTTP dates count whole
    # seconds: a change in the same second as the last one could not be told apart).
    for model in (Meeting, Registration, Membership, User, WorkingGroup):
        for row in session.scalars(select(model)):
            row.updated_at = earlier
    session.commit()
    first = client.get(feed_path(token))
    event = events_of(first)[uid(app, meeting)]
    assert "number" not in str(event["DESCRIPTION"]) and event["TRANSP"] == "TRANSPARENT"

    # The seat's holder cancels: the owner is promoted, and their feed changes.
    act(app, registration_services.cancel_registration, session, holder, seat.id)
    session.commit()
    session.refresh(waiting)
    assert waiting.status is RegistrationStatus.CONFIRMED

    response = client.get(
        feed_path(token), headers={"If-Modified-Since": first.headers["Last-Modified"]}
    )
    assert response.status_code == 200
    promoted = events_of(response)[uid(app, meeting)]
    assert promoted["TRANSP"] == "OPAQUE"
    # The event itself says it changed, though the meeting did not: the reader's view did.
    assert promoted["LAST-MODIFIED"].dt > event["LAST-MODIFIED"].dt
    assert promoted["DTSTAMP"].dt == promoted["LAST-MODIFIED"].dt


# --- 5. The personal feed and its page -----------------------------------------------------


def test_a_member_makes_their_calendar_address_and_sees_how_to_subscribe(app, session, world):
    app.config["BASE_URL"] = "https://cop.example.org"
    browser = signed_in(app, world["member"])

    page = browser.client.get("/account/calendar")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Make my calendar address" in html
    assert "/calendar/u/" not in html and "webcal://" not in html
    assert page.headers["Cache-Control"] == "no-store"

    made = browser.post("/account/calendar", page="/account/calendar")
    assert made.status_code == 302
    assert made.headers["Location"].endswith("/account/calendar")

    tokens = session.scalars(
        select(CalendarFeedToken).where(CalendarFeedToken.user_id == world["member"].id)
    ).all()
    assert len(tokens) == 1 and tokens[0].revoked_at is None
    token = tokens[0].token
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)
    address = f"https://cop.example.org/calendar/u/{token}.ics"
    page = browser.client.get("/account/calendar")
    html = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert "Your calendar address is ready" in html
    field = re.search(r"<input [^>]*id=\"calendar-address\"[^>]*>", html).group(0)
    assert f'value="{address}"' in field and "readonly" in field
    assert '<label for="calendar-address">' in html
    links = re.findall(r'<a href="([^"]+)"', html)
    assert f"webcal://cop.example.org/calendar/u/{token}.ics" in links
    google = next(link for link in links if link.startswith("https://calendar.google.com/"))
    assert parse_qs(urlsplit(google.replace("&amp;", "&")).query)["cid"] == [
        f"webcal://cop.example.org/calendar/u/{token}.ics"
    ]
    outlook = next(link for link in links if link.startswith("https://outlook.live.com/"))
    assert parse_qs(urlsplit(outlook.replace("&amp;", "&")).query)["url"] == [address]
    assert "Make my calendar address" not in html
    assert "Reset my calendar address" in html

    # The address works without signing in: calendar programs cannot log in.
    feed = app.test_client().get(f"/calendar/u/{token}.ics")
    assert feed.status_code == 200
    assert uid(app, world["open_meeting"]) in events_of(feed)
    assert feed.headers["Cache-Control"] == "private, no-cache"
    assert feed.headers["Content-Disposition"] == 'inline; filename="my-meetings.ics"'


def test_the_personal_feed_lists_the_meetings_one_holds_or_waits_for(app, client, session, world):
    member = world["member"]
    group, other_group = world["group"], world["other_group"]
    make_membership(session, member, other_group)
    waited = make_meeting(
        session, other_group, title="Full study visit", audience=Audience.OPEN,
        kind=MeetingKind.STUDY_VISIT, starts_at=STARTS + timedelta(days=20),
        online_url="https://meet.example.org/secret-waited-room", capacity_in_person=1,
    )  # fmt: skip
    make_registration(session, waited, world["waiting"])
    make_registration(
        session, waited, member, status=RegistrationStatus.WAITLISTED,
        queued_at=NOW - timedelta(hours=3),
    )  # fmt: skip
    dropped = make_meeting(
        session, group, title="Workshop I left", starts_at=STARTS + timedelta(days=21),
        online_url="https://meet.example.org/secret-dropped-room",
    )  # fmt: skip
    make_registration(session, dropped, member, status=RegistrationStatus.CANCELLED)
    pending = make_meeting(
        session, group, title="Workshop still pending", audience=Audience.OPEN,
        starts_at=STARTS + timedelta(days=22),
    )  # fmt: skip
    make_registration(session, pending, member, status=RegistrationStatus.PENDING)
    called_off = make_meeting(
        session, group, title="Called-off workshop", status=MeetingStatus.CANCELLED,
        starts_at=STARTS + timedelta(days=23), cancel_reason="The venue closed.",
    )  # fmt: skip
    make_registration(session, called_off, member)
    online_seat = make_meeting(
        session, other_group, title="Online seat webinar", kind=MeetingKind.WEBINAR,
        format=MeetingFormat.ONLINE, capacity_in_person=None, timezone="America/New_York",
        starts_at=STARTS + timedelta(days=24),
        online_url="https://meet.example.org/secret-webinar-room",
    )  # fmt: skip
    make_registration(session, online_seat, member, mode=AttendanceMode.ONLINE)
    # Registered for the group's draft (as tests may write): a draft is not theirs to see.
    make_registration(session, world["draft"], member)
    token = make_feed_token(session, member)
    session.commit()

    response = client.get(feed_path(token))

    events = events_of(response)
    assert set(events) == {
        uid(app, world["open_meeting"]),
        uid(app, waited),
        uid(app, called_off),
        uid(app, online_seat),
    }
    text = unfolded(response)
    for absent in (
        world["members_meeting"],
        world["other_meeting"],
        world["draft"],
        dropped,
        pending,
    ):
        assert absent.title not in text
    held = events[uid(app, world["open_meeting"])]
    assert held["STATUS"] == "CONFIRMED" and held["TRANSP"] == "OPAQUE"
    assert SECRET_LINK in str(held["DESCRIPTION"])
    waiting = events[uid(app, waited)]
    assert waiting["STATUS"] == "CONFIRMED"
    assert waiting["TRANSP"] == "TRANSPARENT"
    assert "You are on the waiting list" in str(waiting["DESCRIPTION"])
    assert str(waiting["SUMMARY"]).startswith("Waiting list: ")
    assert "Study visit" in categories(waiting) and "Digital Hubs" in categories(waiting)
    assert "secret-waited-room" not in text
    cancelled = events[uid(app, called_off)]
    assert cancelled["STATUS"] == "CANCELLED"
    assert str(cancelled["SUMMARY"]) == "Cancelled: Called-off workshop"
    assert "The venue closed." in str(cancelled["DESCRIPTION"])
    webinar = events[uid(app, online_seat)]
    assert webinar["LOCATION"] == "https://meet.example.org/secret-webinar-room"
    assert webinar["DTSTART"].params["TZID"] == "America/New_York"
    assert sorted(str(zone["TZID"]) for zone in calendar_of(response).walk("VTIMEZONE")) == [
        "America/New_York",
        "Europe/Brussels",
        "Europe/Helsinki",
    ]
    cal = calendar_of(response)
    assert "Maria Member" in str(cal["X-WR-CALNAME"])
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in text


def test_a_coordinators_feed_has_every_meeting_of_their_group_drafts_tentative(
    app, client, session, world
):
    # On the waiting list of a meeting they coordinate: listed once, link and all.
    make_registration(
        session, world["members_meeting"], world["coordinator"],
        status=RegistrationStatus.WAITLISTED,
    )  # fmt: skip
    token = make_feed_token(session, world["coordinator"])
    session.commit()

    response = client.get(feed_path(token))

    events = events_of(response)
    assert set(events) == {
        uid(app, world["open_meeting"]),
        uid(app, world["members_meeting"]),
        uid(app, world["draft"]),
    }
    draft = events[uid(app, world["draft"])]
    assert draft["STATUS"] == "TENTATIVE"
    assert "Draft" in str(draft["DESCRIPTION"])
    assert draft["LOCATION"] == DRAFT_LINK
    # Their group's meetings come with the online link; another group's never.
    text = unfolded(response)
    assert SECRET_LINK in text and MEMBERS_LINK in text
    assert OTHER_LINK not in text
    assert events[uid(app, world["open_meeting"])]["STATUS"] == "CONFIRMED"
    waited = events[uid(app, world["members_meeting"])]
    assert waited["TRANSP"] == "TRANSPARENT"
    assert "You are on the waiting list" in str(waited["DESCRIPTION"])
    assert MEMBERS_LINK in str(waited["DESCRIPTION"])


def test_a_former_coordinator_no_longer_gets_the_drafts(app, client, session, world):
    token = make_feed_token(session, world["coordinator"])
    session.commit()
    path = feed_path(token)
    first = client.get(path)
    assert uid(app, world["draft"]) in events_of(first)

    membership = session.scalar(
        select(Membership).where(Membership.user_id == world["coordinator"].id)
    )
    membership.role = Role.MEMBER
    session.commit()

    response = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert response.status_code == 200
    assert uid(app, world["draft"]) not in events_of(response)
    assert DRAFT_LINK not in unfolded(response)


def test_resetting_the_address_kills_the_old_one_without_a_hint(app, client, session, world):
    browser = signed_in(app, world["member"])
    assert browser.post("/account/calendar", page="/account/calendar").status_code == 302
    old = calendar_services.feed_token(session, world["member"]).token
    assert client.get(feed_path(old)).status_code == 200

    # Resetting is asked for knowingly: without the box ticked, nothing changes.
    refused = browser.post("/account/calendar", page="/account/calendar")
    assert refused.status_code == 400
    assert "Tick this box to reset the address" in refused.get_data(as_text=True)
    assert calendar_services.feed_token(session, world["member"]).token == old
    reset = browser.post("/account/calendar", {"understood": "y"}, page="/account/calendar")
    assert reset.status_code == 302
    html = browser.client.get("/account/calendar").get_data(as_text=True)
    assert "Your calendar has a new address" in html

    session.expire_all()
    new = calendar_services.feed_token(session, world["member"]).token
    assert new != old
    assert new in html and old not in html
    assert client.get(feed_path(new)).status_code == 200
    gone = client.get(feed_path(old))
    never = secrets.token_urlsafe(32)
    unknown = client.get(feed_path(never))
    assert gone.status_code == unknown.status_code == 404
    # The 404 page names the address asked for (in its links); otherwise the same bytes.
    assert gone.get_data(as_text=True).replace(old, "T") == unknown.get_data(as_text=True).replace(
        never, "T"
    )
    assert gone.mimetype == unknown.mimetype
    assert "ETag" not in gone.headers and "Last-Modified" not in gone.headers
    rows = session.scalars(
        select(CalendarFeedToken).where(CalendarFeedToken.user_id == world["member"].id)
    ).all()
    assert sorted(row.revoked_at is None for row in rows) == [False, True]


def test_making_an_address_without_the_csrf_token_is_refused(app, session, world):
    browser = signed_in(app, world["member"])

    response = browser.client.post("/account/calendar", data={})

    assert response.status_code == 400
    assert calendar_services.feed_token(session, world["member"]) is None
    assert session.scalar(select(func.count()).select_from(CalendarFeedToken)) == 0

    forged = browser.client.post("/account/calendar", data={"csrf_token": "forged"})
    assert forged.status_code == 400
    assert session.scalar(select(func.count()).select_from(CalendarFeedToken)) == 0


def test_the_calendar_page_asks_anonymous_people_to_log_in(browser, session):
    response = browser.client.get("/account/calendar")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login")
    # With a valid CSRF token too: log in first (without one, the form is refused: 400).
    posted = browser.post("/account/calendar")
    assert posted.status_code == 302
    assert posted.headers["Location"].startswith("/account/login")
    assert browser.client.post("/account/calendar").status_code == 400
    assert session.scalar(select(func.count()).select_from(CalendarFeedToken)) == 0


@pytest.mark.parametrize(
    "token",
    [
        "short",
        "!" * 43,
        "\u00e9" * 43,
        "a" * 42,
        "a" * 44,
        "a" * 43,  # the right shape, but nobody's
        "..%2F..%2Fetc%2Fpasswd",
        "%00" * 43,
    ],
)
def test_addresses_that_are_no_calendar_are_404(client, session, world, token):
    make_feed_token(session, world["member"])
    session.commit()

    assert client.get(f"/calendar/u/{token}.ics").status_code == 404


def test_a_revoked_address_and_a_case_changed_one_are_404(client, session, world):
    revoked = make_feed_token(session, world["member"], revoked=True)
    live = make_feed_token(session, world["member"])
    session.commit()

    assert client.get(feed_path(revoked)).status_code == 404
    assert client.get(feed_path(live)).status_code == 200
    twisted = live.token.swapcase()
    if twisted != live.token:
        assert client.get(feed_path(twisted)).status_code == 404
    assert client.get(f"/calendar/u/{live.token}x.ics").status_code == 404
    assert client.get(f"/calendar/u/{live.token}.ICS").status_code == 404


def test_a_closed_accounts_address_is_404(app, client, session, world):
    from cop.members.people import close_account

    member = world["member"]
    token = make_feed_token(session, member)
    session.commit()
    assert client.get(feed_path(token)).status_code == 200

    act(app, close_account, session, member, member, PASSWORD)
    session.commit()

    assert client.get(feed_path(token)).status_code == 404
    session.refresh(token)
    assert token.revoked_at is not None


def test_a_deactivated_accounts_address_is_404(client, session, world):
    member = world["member"]
    token = make_feed_token(session, member)
    session.commit()
    assert client.get(feed_path(token)).status_code == 200

    member.active = False
    session.commit()

    assert client.get(feed_path(token)).status_code == 404


def test_the_personal_feed_is_written_in_its_owners_language(app, client, session, world):
    member = world["member"]
    member.language = "fr"
    act(
        app,
        meeting_services.cancel_meeting,
        session,
        world["coordinator"],
        world["open_meeting"].id,
        "Neige.",
    )
    token = make_feed_token(session, member)
    session.commit()

    # Whatever the calendar program's language: the owner's.
    response = client.get(feed_path(token), headers={"Accept-Language": "de"})

    cal = calendar_of(response)
    event = events_of(response)[uid(app, world["open_meeting"])]
    assert str(event["SUMMARY"]) == "Réunion annulée : Workshop on regional innovation"
    assert "Atelier" in categories(event)
    # The feed's name follows the owner's language too; its French wording may not be
    # translated yet, so compare with what the French catalogue says today.
    with app.test_request_context(), force_locale("fr"):
        expected_name = personal_feed_name(member)
    assert str(cal["X-WR-CALNAME"]) == expected_name
    assert "Maria Member" in str(cal["X-WR-CALNAME"])

    member.language = "en"
    session.commit()
    english = events_of(client.get(feed_path(token), headers={"Accept-Language": "fr"}))
    assert str(english[uid(app, world["open_meeting"])]["SUMMARY"]).startswith("Cancelled: ")


# --- 6. Query counts -----------------------------------------------------------------------


def busy_group(session, size: int):
    group = make_group(session)
    for number in range(size):
        make_meeting(
            session, group, audience=Audience.OPEN if number % 3 else Audience.MEMBERS,
            status=MeetingStatus.CANCELLED if number % 7 == 3 else MeetingStatus.PUBLISHED,
            starts_at=STARTS + timedelta(days=number),
            timezone=("Europe/Brussels", "Europe/Helsinki", "Atlantic/Reykjavik")[number % 3],
        )  # fmt: skip
    make_meeting(session, group, status=MeetingStatus.DRAFT, audience=Audience.OPEN)
    session.commit()
    return group


def test_a_groups_feed_takes_the_same_queries_for_5_or_60_meetings(client, session, count_queries):
    small, large = busy_group(session, 5), busy_group(session, 60)
    client.get(f"/calendar/{small.slug}.ics")  # warm up

    with count_queries() as few:
        small_feed = client.get(f"/calendar/{small.slug}.ics")
    with count_queries() as many:
        large_feed = client.get(f"/calendar/{large.slug}.ics")

    assert small_feed.status_code == large_feed.status_code == 200
    assert len(Calendar.from_ical(large_feed.data).walk("VEVENT")) > 30
    assert many.count == few.count, many.statements


def busy_person(session, size: int, *, coordinator: bool):
    """A person registered (confirmed, waiting, cancelled in turn) for `size` meetings of a
    group they belong to; with `coordinator`, also coordinating a group of `size` meetings,
    a third of them drafts."""
    person = make_user(session)
    belongs = make_group(session)
    make_membership(session, person, belongs)
    statuses = (
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.WAITLISTED,
        RegistrationStatus.CANCELLED,
    )
    for number in range(size):
        meeting = make_meeting(
            session, belongs, starts_at=STARTS + timedelta(days=number),
            audience=Audience.OPEN if number % 2 else Audience.MEMBERS,
        )  # fmt: skip
        make_registration(session, meeting, person, status=statuses[number % 3])
    if coordinator:
        runs = make_group(session)
        make_membership(session, person, runs, role=Role.COORDINATOR)
        for number in range(size):
            make_meeting(
                session, runs, starts_at=STARTS + timedelta(days=number, hours=3),
                status=MeetingStatus.DRAFT if number % 3 == 0 else MeetingStatus.PUBLISHED,
                timezone="America/New_York",
            )  # fmt: skip
    token = make_feed_token(session, person)
    session.commit()
    return token


@pytest.mark.parametrize("coordinator", [False, True], ids=["member", "coordinator"])
def test_a_personal_feed_takes_the_same_queries_for_5_or_60_meetings(
    client, session, count_queries, coordinator
):
    small = busy_person(session, 5, coordinator=coordinator)
    large = busy_person(session, 60, coordinator=coordinator)
    client.get(feed_path(small))  # warm up

    with count_queries() as few:
        small_feed = client.get(feed_path(small))
    with count_queries() as many:
        large_feed = client.get(feed_path(large))

    assert small_feed.status_code == large_feed.status_code == 200
    events = Calendar.from_ical(large_feed.data).walk("VEVENT")
    assert len(events) == 40 + (60 if coordinator else 0)
    if coordinator:
        assert sum(event["STATUS"] == "TENTATIVE" for event in events) == 20
    assert many.count == few.count, many.statements


def test_a_meetings_file_takes_a_few_queries(client, world, count_queries):
    with count_queries() as queries:
        response = client.get(f"/meetings/{world['open_meeting'].id}.ics")

    assert response.status_code == 200
    assert queries.count <= 3, queries.statements


# --- 7. The address services ---------------------------------------------------------------


def test_resetting_twice_leaves_one_address_in_force_and_audits_both(app, session, world):
    member = world["member"]

    first = act(app, calendar_services.reset_feed_token, session, member, NOW)
    second = act(
        app, calendar_services.reset_feed_token, session, member, NOW + timedelta(minutes=5)
    )
    session.commit()

    rows = session.scalars(
        select(CalendarFeedToken)
        .where(CalendarFeedToken.user_id == member.id)
        .order_by(CalendarFeedToken.id)
    ).all()
    assert [row.id for row in rows] == [first.id, second.id]
    assert [row.revoked_at for row in rows] == [NOW + timedelta(minutes=5), None]
    assert first.token != second.token
    assert calendar_services.feed_token(session, member).id == second.id
    assert calendar_services.feed_owner(session, second.token).id == member.id
    assert calendar_services.feed_owner(session, first.token) is None
    audit = session.scalars(
        select(AuditEntry).where(AuditEntry.action.like("calendar.%")).order_by(AuditEntry.id)
    ).all()
    assert [(entry.action, entry.actor_id) for entry in audit] == [
        ("calendar.address_made", member.id),
        ("calendar.address_reset", member.id),
    ]
    assert [entry.record_id for entry in audit] == [str(first.id), str(second.id)]
    # The audit log never holds the secret itself.
    for entry in audit:
        written = " ".join([entry.summary, str(entry.before), str(entry.after)])
        assert first.token not in written and second.token not in written


def test_nobody_anonymous_makes_an_address(app, session):
    from flask_login import AnonymousUserMixin

    with pytest.raises(NotAllowed):
        act(app, calendar_services.reset_feed_token, session, AnonymousUserMixin())
    assert calendar_services.feed_token(session, AnonymousUserMixin()) is None
    assert calendar_services.feed_token(session, None) is None


@pytest.mark.parametrize(
    "token",
    [None, "", " ", "garbage", "a" * 43, "\x00" * 43, "a" * 43 + "\n", "\n" + "a" * 43],
)
def test_feed_owner_of_anything_that_is_no_address_is_none(session, world, token):
    live = make_feed_token(session, world["member"])
    session.commit()

    assert calendar_services.feed_owner(session, token) is None
    assert calendar_services.feed_owner(session, live.token + "\n") is None
    assert calendar_services.feed_owner(session, live.token).id == world["member"].id
