"""Coordinators run meetings: create, edit, publish, cancel, postpone; what participants are told."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from cop import clock
from cop.audit.models import AuditEntry
from cop.errors import Invalid
from cop.mail.models import OutboxMessage
from cop.meetings import services
from cop.meetings.details import MeetingDetails, details_of
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
from cop.members.models import MembershipStatus, Role
from tests.factories import (
    make_group,
    make_meeting,
    make_membership,
    make_registration,
    make_user,
)

BRUSSELS = "Europe/Brussels"
NEXT_YEAR = date.today().year + 1


@pytest.fixture
def world(session, admin):
    """Innovation Diffusion with a coordinator, two members and an applicant; Industrial
    Transition with its own coordinator."""
    # Its cycle's third window (January to June of NEXT_YEAR) holds the plenaries tests plan.
    group = make_group(
        session,
        name="Innovation Diffusion",
        slug="innovation-diffusion",
        kickoff=date(NEXT_YEAR - 1, 1, 1),
    )
    other = make_group(session, name="Industrial Transition", slug="industrial-transition")
    coordinator = make_user(session, name="Cora Coordinator", email="cora@example.org")
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    member = make_user(session, name="Max Member", email="max@example.org")
    make_membership(session, member, group)
    lucia = make_user(session, name="Lucía Región", email="lucia@example.org")
    make_membership(session, lucia, group)
    applicant = make_user(session, name="Ana Applicant", email="ana@example.org")
    make_membership(session, applicant, group, status=MembershipStatus.APPLIED)
    stranger = make_user(session, name="Olaf Other", email="olaf@example.org")
    make_membership(session, stranger, other, role=Role.COORDINATOR)
    session.commit()
    return {
        "group": group,
        "other": other,
        "coordinator": coordinator,
        "member": member,
        "lucia": lucia,
        "applicant": applicant,
        "stranger": stranger,
        "admin": admin,
    }


def local(day: date, hour: int, minute: int = 0) -> str:
    """A datetime-local input's value."""
    return datetime(day.year, day.month, day.day, hour, minute).strftime("%Y-%m-%dT%H:%M")


JUNE = date(NEXT_YEAR, 6, 15)


def meeting_form(**overrides) -> dict[str, str]:
    data = {
        "title": "Understanding the bottlenecks to innovation diffusion",
        "kind": "workshop",
        "cycle_slot": "",
        "description": "We compare how regions help **SMEs** adopt new technologies.",
        "starts_at": local(JUNE, 10),
        "ends_at": local(JUNE, 16, 30),
        "timezone": BRUSSELS,
        "format": "hybrid",
        "venue": "Committee of the Regions",
        "address": "Rue Belliard 99-101, 1040 Brussels",
        "online_url": "https://meet.example.org/s3",
        "capacity_in_person": "30",
        "capacity_online": "",
        "registration_opens_at": "",
        "registration_closes_at": "",
        "audience": "members",
        "reminder_days": "7,1",
        "agenda_visibility": "public",
        "minutes_visibility": "members",
    }
    data.update(overrides)
    return data


def create(browser, group, **overrides):
    path = f"/groups/{group.slug}/meetings/new"
    return browser.post(path, meeting_form(**overrides), page="/")


def edit(browser, meeting, **overrides):
    return browser.post(f"/meetings/{meeting.id}/edit", meeting_form(**overrides), page="/")


def text(response) -> str:
    return response.get_data(as_text=True)


def counts(session) -> tuple[int, int, int]:
    """Meetings, audit entries and queued emails: what a refused request must leave alone."""
    session.expire_all()
    return (
        session.scalar(select(func.count()).select_from(Meeting)),
        session.scalar(select(func.count()).select_from(AuditEntry)),
        session.scalar(select(func.count()).select_from(OutboxMessage)),
    )


def outbox(session, template: str | None = None, to: str | None = None) -> list[OutboxMessage]:
    session.expire_all()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if template:
        query = query.where(OutboxMessage.kind == template)
    if to:
        query = query.where(OutboxMessage.recipient == to)
    return list(session.scalars(query))


def reload(session, meeting) -> Meeting:
    session.expire_all()
    return session.get(Meeting, meeting.id)


def utc(year, month, day, hour, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- The "New meeting" form ----------------------------------------------------------------------


def test_new_meeting_form_starts_in_the_groups_zone_and_a_plenary_gets_the_next_open_slot(
    browser, session, world
):
    group = world["group"]
    group.timezone = "Europe/Madrid"
    make_meeting(session, group, kind=MeetingKind.PLENARY, cycle_slot=1)
    make_meeting(
        session, group, kind=MeetingKind.PLENARY, cycle_slot=2, status=MeetingStatus.CANCELLED
    )
    session.commit()
    browser.login(world["coordinator"])

    page = text(browser.client.get(f"/groups/{group.slug}/meetings/new"))
    plenary = text(browser.client.get(f"/groups/{group.slug}/meetings/new?kind=plenary"))

    assert "<h1>New meeting of Innovation Diffusion</h1>" in page
    assert '<option selected value="Europe/Madrid">Europe/Madrid</option>' in page
    assert "Slot of the cycle" in page and "Who may register" in page
    assert '<option selected value="plenary">' in plenary
    # Slot 1 holds a plenary; slot 2's was cancelled, so it is open again.
    assert '<option selected value="2">2</option>' in plenary


def test_create_a_meeting_as_a_draft_with_its_times_in_utc(browser, session, world):
    browser.login(world["coordinator"])

    response = create(browser, world["group"], timezone="Europe/Helsinki", capacity_online="100 ")

    assert response.status_code == 302, text(response)
    meeting = session.scalar(select(Meeting).order_by(Meeting.id.desc()))
    assert response.headers["Location"] == f"/meetings/{meeting.id}"
    assert meeting.status is MeetingStatus.DRAFT
    assert meeting.group_id == world["group"].id
    assert meeting.created_by_id == world["coordinator"].id
    # 10:00 in Helsinki in June (UTC+3) is 07:00 UTC.
    assert meeting.starts_at == utc(NEXT_YEAR, 6, 15, 7)
    assert meeting.ends_at == utc(NEXT_YEAR, 6, 15, 13, 30)
    assert meeting.timezone == "Europe/Helsinki"
    assert (meeting.capacity_in_person, meeting.capacity_online) == (30, 100)
    assert meeting.format is MeetingFormat.HYBRID and meeting.audience is Audience.MEMBERS
    assert meeting.sequence == 0 and meeting.reminder_days == "7,1"
    [entry] = session.scalars(
        select(AuditEntry).where(
            AuditEntry.record_type == "meetings", AuditEntry.record_id == str(meeting.id)
        )
    ).all()
    assert entry.action == "meeting.created" and entry.actor_id == world["coordinator"].id
    assert outbox(session) == []  # a draft tells nobody


def test_a_draft_is_hidden_from_members(browser, session, world):
    draft = make_meeting(session, world["group"], status=MeetingStatus.DRAFT)
    session.commit()
    browser.login(world["member"])

    assert browser.client.get(f"/meetings/{draft.id}/edit").status_code == 404
    assert browser.client.get(f"/meetings/{draft.id}/publish").status_code == 404


# --- Bad input: each refused with a message next to its field, and nothing written ----------------


def refused(response, message: str, field: str) -> None:
    """The page came back with `message` in the error next to `field`."""
    page = text(response)
    assert response.status_code == 400, page
    assert f'id="{field}-error"' in page, page
    error = page.split(f'id="{field}-error">', 1)[1].split("</p>", 1)[0]
    assert message in error.replace("&#34;", '"').replace("&#39;", "'")


BAD_MEETINGS = [
    pytest.param(
        {"ends_at": local(JUNE, 9)},
        "The end must come after the start.",
        "ends_at",
        id="end-before-start",
    ),
    pytest.param(
        {"ends_at": local(JUNE, 10)},
        "The end must come after the start.",
        "ends_at",
        id="end-at-start",
    ),
    pytest.param(
        {
            "starts_at": local(date(2027, 3, 28), 2, 30),
            "ends_at": local(date(2027, 3, 28), 5),
        },
        "2027-03-28 02:30 does not exist in Europe/Brussels: the clocks go forward then.",
        "starts_at",
        id="dst-gap",
    ),
    pytest.param(
        {"timezone": "Europe/Atlantis"},
        "Choose a time zone from the list, such as Europe/Brussels.",
        "timezone",
        id="unknown-zone",
    ),
    pytest.param(
        {"capacity_in_person": "0"},
        "Enter a number of seats of at least 1, or leave it empty for no limit.",
        "capacity_in_person",
        id="zero-capacity",
    ),
    pytest.param(
        {"capacity_in_person": "-5"},
        "Enter a number of seats of at least 1, or leave it empty for no limit.",
        "capacity_in_person",
        id="negative-capacity",
    ),
    pytest.param(
        {"capacity_online": "-1"},
        "Enter a number of seats of at least 1, or leave it empty for no limit.",
        "capacity_online",
        id="negative-online-capacity",
    ),
    pytest.param(
        {"capacity_in_person": "ten"},
        "Enter a number of seats of at least 1, or leave it empty for no limit.",
        "capacity_in_person",
        id="capacity-not-a-number",
    ),
    pytest.param(
        {"format": "online", "capacity_in_person": "20", "venue": ""},
        "This format has no such attendance: leave this capacity empty.",
        "capacity_in_person",
        id="capacity-for-a-mode-not-offered",
    ),
    pytest.param(
        {"starts_at": local(date(2020, 6, 15), 10), "ends_at": local(date(2020, 6, 15), 12)},
        "The start must be in the future.",
        "starts_at",
        id="start-in-the-past",
    ),
    pytest.param({"title": "  "}, "Please fill in this field.", "title", id="no-title"),
    pytest.param({"title": "x" * 201}, "Use at most 200 characters.", "title", id="title-too-long"),
    pytest.param(
        {"online_url": "javascript:alert(1)"},
        "Enter a web address starting with https:// (or http://).",
        "online_url",
        id="link-not-http",
    ),
    pytest.param(
        {"registration_closes_at": local(JUNE, 11)},
        "Registration must close before the meeting starts, or when it starts.",
        "registration_closes_at",
        id="closing-after-start",
    ),
    pytest.param(
        {
            "registration_opens_at": local(date(NEXT_YEAR, 5, 10), 9),
            "registration_closes_at": local(date(NEXT_YEAR, 5, 1), 9),
        },
        "Registration must close after it opens.",
        "registration_closes_at",
        id="closing-before-opening",
    ),
    pytest.param(
        {"reminder_days": "7, tomorrow"},
        "Enter whole numbers of days from 0 to 60, separated by commas, such as 7,1.",
        "reminder_days",
        id="reminder-not-a-number",
    ),
    pytest.param(
        {"reminder_days": "90"},
        "Enter whole numbers of days from 0 to 60",
        "reminder_days",
        id="reminder-too-early",
    ),
    pytest.param(
        {"kind": "plenary", "cycle_slot": ""},
        "Choose the slot of the cycle, from 1 to 6, that this plenary fills.",
        "cycle_slot",
        id="plenary-without-slot",
    ),
    pytest.param(
        {"kind": "plenary", "cycle_slot": "7"},
        "Choose the slot of the cycle, from 1 to 6, that this plenary fills.",
        "cycle_slot",
        id="slot-beyond-the-cycle",
    ),
    pytest.param(
        {"kind": "webinar", "cycle_slot": "2"},
        "Only plenary meetings fill a slot of the cycle: leave it empty.",
        "cycle_slot",
        id="slot-for-a-webinar",
    ),
    pytest.param(
        {"audience": "everybody"}, "Choose one of the options.", "audience", id="forged-audience"
    ),
    pytest.param(
        {"agenda_visibility": "secret"},
        "Choose one of the options.",
        "agenda_visibility",
        id="forged-visibility",
    ),
]


@pytest.mark.parametrize(("change", "message", "field"), BAD_MEETINGS)
def test_a_bad_new_meeting_is_refused_and_nothing_is_written(
    browser, session, world, change, message, field
):
    browser.login(world["coordinator"])
    before = counts(session)

    response = create(browser, world["group"], **change)

    refused(response, message, field)
    assert "Please correct the following" in text(response)  # the summary above the form
    assert counts(session) == before


@pytest.mark.parametrize(("change", "message", "field"), BAD_MEETINGS[:8])
def test_a_bad_edit_is_refused_and_nothing_changes(browser, session, world, change, message, field):
    meeting = make_meeting(session, world["group"], title="Kept as it was")
    make_registration(session, meeting, world["member"])
    session.commit()
    browser.login(world["coordinator"])
    before = counts(session)

    response = edit(browser, meeting, **change)

    refused(response, message, field)
    assert counts(session) == before
    meeting = reload(session, meeting)
    assert meeting.title == "Kept as it was" and meeting.sequence == 0
    assert meeting.capacity_in_person == 10


def test_a_second_plenary_in_the_same_slot_is_refused_naming_the_first(browser, session, world):
    group = world["group"]
    first = make_meeting(
        session,
        group,
        kind=MeetingKind.PLENARY,
        cycle_slot=3,
        title="Third plenary in Seville",
        starts_at=utc(NEXT_YEAR, 3, 12, 8),
    )
    session.commit()
    browser.login(world["coordinator"])
    before = counts(session)

    response = create(browser, group, kind="plenary", cycle_slot="3")

    refused(response, "Slot 3 already has a plenary: “Third plenary in Seville”", "cycle_slot")
    assert "A second plenary in the same slot is not possible" in text(response)
    assert counts(session) == before

    # Moving another plenary into the taken slot is refused the same way.
    second = make_meeting(session, group, kind=MeetingKind.PLENARY, cycle_slot=4)
    session.commit()
    before = counts(session)
    response = edit(browser, second, kind="plenary", cycle_slot="3")
    refused(response, "Slot 3 already has a plenary", "cycle_slot")
    assert counts(session) == before
    assert reload(session, second).cycle_slot == 4

    # Once the first is cancelled, the slot is open again.
    first.status = MeetingStatus.CANCELLED
    session.commit()
    assert create(browser, group, kind="plenary", cycle_slot="3").status_code == 302


def test_two_plenaries_written_at_once_for_one_slot_meet_the_unique_index(
    app, session, world, monkeypatch
):
    """The check before writing can race; the partial unique index catches the second writer."""
    group, coordinator = world["group"], world["coordinator"]
    make_meeting(session, group, kind=MeetingKind.PLENARY, cycle_slot=3)
    session.commit()
    monkeypatch.setattr("cop.meetings.details.plenary_in_slot", lambda *args, **kwargs: None)
    details = MeetingDetails(
        title="A plenary planned twice",
        kind="plenary",
        cycle_slot=3,
        starts_at=datetime(NEXT_YEAR, 6, 15, 10),
        ends_at=datetime(NEXT_YEAR, 6, 15, 16),
        timezone=BRUSSELS,
    )
    before = counts(session)

    with app.test_request_context(), pytest.raises(Invalid) as error:
        services.create_meeting(session, coordinator, group, details)
    session.rollback()

    assert error.value.field == "cycle_slot"
    assert "a second plenary in the same slot is not possible" in error.value.message
    assert counts(session) == before


# --- Permission ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["member", "applicant", "stranger"])
def test_only_the_groups_coordinators_manage_its_meetings(browser, session, world, who):
    meeting = make_meeting(session, world["group"], title="Kept as it was")
    session.commit()
    browser.login(world[who])
    before = counts(session)

    assert browser.client.get(f"/groups/{world['group'].slug}/meetings/new").status_code == 403
    assert create(browser, world["group"]).status_code == 403
    assert browser.client.get(f"/meetings/{meeting.id}/edit").status_code == 403
    assert edit(browser, meeting, title="Taken over").status_code == 403
    for action, data in (
        ("cancel", {"reason": "Because I can"}),
        ("postpone", {"starts_at": local(JUNE, 9), "ends_at": local(JUNE, 10)}),
        ("publish", {}),
    ):
        response = browser.post(f"/meetings/{meeting.id}/{action}", data, page="/")
        assert response.status_code == 403, action
    assert counts(session) == before
    assert reload(session, meeting).title == "Kept as it was"


def test_the_coordinator_of_another_group_cannot_see_its_drafts(browser, session, world):
    draft = make_meeting(session, world["group"], status=MeetingStatus.DRAFT)
    session.commit()
    browser.login(world["stranger"])

    assert browser.client.get(f"/meetings/{draft.id}/edit").status_code == 404
    assert browser.post(f"/meetings/{draft.id}/publish", {}, page="/").status_code == 404
    assert reload(session, draft).status is MeetingStatus.DRAFT


def test_an_admin_manages_any_groups_meetings(browser, session, world):
    meeting = make_meeting(session, world["other"])
    session.commit()
    browser.login(world["admin"])

    assert edit(browser, meeting, title="Renamed by the admin").status_code == 302
    assert reload(session, meeting).title == "Renamed by the admin"


@pytest.mark.parametrize(
    "path", ["/meetings/999999/edit", "/meetings/999999/publish", "/meetings/2147483648/edit"]
)
def test_a_forged_meeting_id_is_not_found(browser, world, path):
    browser.login(world["coordinator"])

    assert browser.client.get(path).status_code == 404
    assert browser.post(path, meeting_form(), page="/").status_code == 404


def test_anonymous_people_are_sent_to_log_in(client, session, world):
    meeting = make_meeting(session, world["group"])
    session.commit()

    response = client.get(f"/meetings/{meeting.id}/edit")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login")


# --- The life of a meeting: publish, edit, raise the capacity, postpone, cancel ------------------


def test_the_life_of_a_meeting(browser, session, world):
    group, coordinator = world["group"], world["coordinator"]
    browser.login(coordinator)

    # Created as a draft with 2 seats in the room.
    assert create(browser, group, capacity_in_person="2").status_code == 302
    meeting = session.scalar(select(Meeting).order_by(Meeting.id.desc()))

    # Published and announced to the group's active members (not the applicant).
    page = text(browser.client.get(f"/meetings/{meeting.id}/publish"))
    assert "Announce it by email to the group's active members" in page
    response = browser.post(f"/meetings/{meeting.id}/publish", {"announce": "y"}, page="/")
    assert response.status_code == 302, text(response)
    meeting = reload(session, meeting)
    assert meeting.status is MeetingStatus.PUBLISHED and meeting.published_at is not None
    announced = outbox(session, "meeting_announced")
    assert sorted(m.recipient for m in announced) == [
        "cora@example.org",
        "lucia@example.org",
        "max@example.org",
    ]
    email = announced[0]
    assert "Understanding the bottlenecks to innovation diffusion" in email.subject
    assert "Innovation Diffusion" in email.subject
    assert "10:00–16:30 (Europe/Brussels)" in email.body_text
    assert "Committee of the Regions" in email.body_text
    assert "https://meet.example.org/s3" not in email.body_text  # the link is for confirmed people
    assert f"http://cop.test/meetings/{meeting.id}" in email.body_text

    # Two confirmed in the room, one guest waiting; one person online.
    max_seat = make_registration(session, meeting, world["member"])
    make_registration(session, meeting, world["lucia"])
    waiting = make_registration(
        session,
        meeting,
        status=RegistrationStatus.WAITLISTED,
        name="Greta Guest",
        email="greta@example.org",
    )
    second_waiting = make_registration(
        session,
        meeting,
        status=RegistrationStatus.WAITLISTED,
        queued_at=waiting.queued_at + timedelta(minutes=5),
    )
    session.commit()

    # A new time: the sequence rises and everyone registered hears of it, in the meeting's zone.
    response = edit(
        browser, meeting, starts_at=local(JUNE, 14), ends_at=local(JUNE, 18), capacity_in_person="2"
    )
    assert response.status_code == 302, text(response)
    meeting = reload(session, meeting)
    assert meeting.sequence == 2  # 1 when it was published
    assert meeting.starts_at == utc(NEXT_YEAR, 6, 15, 12)
    changed = outbox(session, "meeting_changed")
    assert len(changed) == 4
    [to_max] = outbox(session, "meeting_changed", "max@example.org")
    assert "Meeting changed: Understanding the bottlenecks" in to_max.subject
    assert "has changed: the date and time." in to_max.body_text
    assert "14:00–18:00 (Europe/Brussels)" in to_max.body_text
    assert "Committee of the Regions" in to_max.body_text
    assert "https://meet.example.org/s3" in to_max.body_text  # confirmed: the link
    [to_greta] = outbox(session, "meeting_changed", "greta@example.org")
    assert "14:00–18:00 (Europe/Brussels)" in to_greta.body_text
    assert "https://meet.example.org/s3" not in to_greta.body_text  # waiting: no link

    # Lowering the capacity below the two confirmed is refused.
    before = counts(session)
    response = edit(
        browser, meeting, starts_at=local(JUNE, 14), ends_at=local(JUNE, 18), capacity_in_person="1"
    )
    refused(
        response,
        "2 people are already confirmed for this mode: the capacity cannot go below 2.",
        "capacity_in_person",
    )
    assert counts(session) == before
    assert reload(session, meeting).capacity_in_person == 2
    assert session.get(Registration, max_seat.id).status is RegistrationStatus.CONFIRMED

    # Raising it by one promotes exactly the first person waiting, who is emailed.
    response = edit(
        browser, meeting, starts_at=local(JUNE, 14), ends_at=local(JUNE, 18), capacity_in_person="3"
    )
    assert response.status_code == 302, text(response)
    session.expire_all()
    assert session.get(Registration, waiting.id).status is RegistrationStatus.CONFIRMED
    assert session.get(Registration, second_waiting.id).status is RegistrationStatus.WAITLISTED
    [promoted] = outbox(session, "meeting_promoted")
    assert promoted.recipient == "greta@example.org"
    assert reload(session, meeting).sequence == 2  # seats are not a change of the event
    assert len(outbox(session, "meeting_changed")) == 4  # nobody told of an unchanged meeting

    # Postponed by a week: postponed_from keeps the first date; everyone registered hears.
    next_week = JUNE + timedelta(days=7)
    response = browser.post(
        f"/meetings/{meeting.id}/postpone",
        {"starts_at": local(next_week, 9, 30), "ends_at": local(next_week, 13)},
        page="/",
    )
    assert response.status_code == 302, text(response)
    meeting = reload(session, meeting)
    assert meeting.postponed_from == utc(NEXT_YEAR, 6, 15, 12)
    assert meeting.starts_at == utc(NEXT_YEAR, 6, 22, 7, 30)
    assert meeting.sequence == 3 and meeting.status is MeetingStatus.PUBLISHED
    postponed = [m for m in outbox(session, "meeting_changed") if "Postponed" in m.subject]
    assert len(postponed) == 4
    [to_max] = [m for m in postponed if m.recipient == "max@example.org"]
    assert "09:30–13:00 (Europe/Brussels)" in to_max.body_text
    assert "It was planned for" in to_max.body_text

    # Cancelled: everyone registered is emailed the reason; registrations are kept.
    response = browser.post(
        f"/meetings/{meeting.id}/cancel", {"reason": "The venue closed for works."}, page="/"
    )
    assert response.status_code == 302, text(response)
    meeting = reload(session, meeting)
    assert meeting.status is MeetingStatus.CANCELLED and meeting.cancelled_at is not None
    assert meeting.sequence == 4 and meeting.cancel_reason == "The venue closed for works."
    cancelled = outbox(session, "meeting_cancelled")
    assert len(cancelled) == 4
    assert all("The venue closed for works." in m.body_text for m in cancelled)
    assert all("09:30–13:00 (Europe/Brussels)" in m.body_text for m in cancelled)
    assert (
        session.scalar(
            select(func.count()).where(
                Registration.meeting_id == meeting.id,
                Registration.status != RegistrationStatus.CANCELLED,
            )
        )
        == 4
    )
    public = text(browser.client.get(f"/meetings/{meeting.id}"))
    assert "This meeting has been cancelled." in public
    assert "The venue closed for works." in public

    actions = session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.record_type == "meetings", AuditEntry.record_id == str(meeting.id))
        .order_by(AuditEntry.id)
    ).all()
    assert actions == [
        "meeting.created",
        "meeting.published",
        "meeting.updated",
        "meeting.updated",
        "meeting.postponed",
        "meeting.cancelled",
    ]

    # A cancelled meeting no longer changes.
    before = counts(session)
    response = edit(browser, meeting, title="Back from the dead")
    assert response.status_code == 400
    assert "This meeting is cancelled: it can no longer change." in text(response)
    assert counts(session) == before


def test_publishing_without_announcing_emails_nobody(browser, session, world):
    draft = make_meeting(session, world["group"], status=MeetingStatus.DRAFT)
    session.commit()
    browser.login(world["coordinator"])

    response = browser.post(f"/meetings/{draft.id}/publish", {}, page="/")

    assert response.status_code == 302
    assert reload(session, draft).status is MeetingStatus.PUBLISHED
    assert outbox(session) == []


def test_changes_participants_need_not_hear_of_keep_the_sequence(browser, session, world):
    meeting = make_meeting(session, world["group"])
    make_registration(session, meeting, world["member"])
    session.commit()
    browser.login(world["coordinator"])
    same = details_of(meeting)

    response = edit(
        browser,
        meeting,
        title=meeting.title,
        starts_at=same.starts_at.strftime("%Y-%m-%dT%H:%M"),
        ends_at=same.ends_at.strftime("%Y-%m-%dT%H:%M"),
        venue=meeting.venue,
        address=meeting.address,
        online_url=meeting.online_url,
        description="A longer description, with the programme.",
        capacity_in_person="10",
    )

    assert response.status_code == 302, text(response)
    meeting = reload(session, meeting)
    assert meeting.description == "A longer description, with the programme."
    assert meeting.sequence == 0
    assert outbox(session) == []


def test_a_drafts_changes_tell_nobody(browser, session, world):
    draft = make_meeting(session, world["group"], status=MeetingStatus.DRAFT)
    session.commit()
    browser.login(world["coordinator"])

    assert edit(browser, draft, venue="Another venue").status_code == 302

    assert reload(session, draft).venue == "Another venue"
    assert outbox(session) == []


def test_dropping_a_mode_people_registered_for_is_refused(browser, session, world):
    meeting = make_meeting(session, world["group"])  # hybrid
    make_registration(session, meeting, world["member"], mode=AttendanceMode.IN_PERSON)
    session.commit()
    browser.login(world["coordinator"])
    before = counts(session)

    response = edit(browser, meeting, format="online", capacity_in_person="", venue="")

    refused(response, "1 person is registered to attend this way (In person)", "format")
    assert counts(session) == before
    assert reload(session, meeting).format is MeetingFormat.HYBRID


def test_raising_the_capacity_to_no_limit_confirms_everyone_waiting(browser, session, world):
    meeting = make_meeting(session, world["group"], capacity_in_person=1)
    make_registration(session, meeting, world["member"])
    for _ in range(3):
        make_registration(session, meeting, status=RegistrationStatus.WAITLISTED)
    session.commit()
    browser.login(world["coordinator"])
    same = details_of(meeting)

    response = edit(
        browser,
        meeting,
        title=meeting.title,
        starts_at=same.starts_at.strftime("%Y-%m-%dT%H:%M"),
        ends_at=same.ends_at.strftime("%Y-%m-%dT%H:%M"),
        venue=meeting.venue,
        address=meeting.address,
        online_url=meeting.online_url,
        capacity_in_person="",
    )

    assert response.status_code == 302, text(response)
    assert reload(session, meeting).capacity_in_person is None
    assert len(outbox(session, "meeting_promoted")) == 3
    follow = text(browser.client.get(response.headers["Location"]))
    assert "3 people moved from the waiting list to a seat" in follow


# --- Postponing and cancelling: bad input ---------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message", "field"),
    [
        (
            {"starts_at": local(date(2020, 1, 8), 9), "ends_at": local(date(2020, 1, 8), 12)},
            "The start must be in the future.",
            "starts_at",
        ),
        (
            {"starts_at": local(JUNE, 12), "ends_at": local(JUNE, 11)},
            "The end must come after the start.",
            "ends_at",
        ),
        (
            {"starts_at": local(date(2027, 3, 28), 2, 15), "ends_at": local(date(2027, 3, 28), 9)},
            "does not exist in Europe/Brussels",
            "starts_at",
        ),
        ({"starts_at": "", "ends_at": local(JUNE, 11)}, "Enter a date and a time.", "starts_at"),
    ],
)
def test_a_bad_postponement_is_refused_and_nothing_changes(
    browser, session, world, data, message, field
):
    meeting = make_meeting(session, world["group"])
    make_registration(session, meeting, world["member"])
    session.commit()
    starts_at = meeting.starts_at
    browser.login(world["coordinator"])
    before = counts(session)

    response = browser.post(f"/meetings/{meeting.id}/postpone", data, page="/")

    refused(response, message, field)
    assert counts(session) == before
    meeting = reload(session, meeting)
    assert meeting.starts_at == starts_at and meeting.postponed_from is None


def test_postponing_twice_keeps_the_first_date(browser, session, world):
    meeting = make_meeting(session, world["group"], starts_at=utc(NEXT_YEAR, 6, 15, 8))
    session.commit()
    browser.login(world["coordinator"])

    for day in (20, 27):
        later = date(NEXT_YEAR, 6, day)
        response = browser.post(
            f"/meetings/{meeting.id}/postpone",
            {"starts_at": local(later, 10), "ends_at": local(later, 12)},
            page="/",
        )
        assert response.status_code == 302, text(response)

    meeting = reload(session, meeting)
    assert meeting.postponed_from == utc(NEXT_YEAR, 6, 15, 8)
    assert meeting.starts_at == utc(NEXT_YEAR, 6, 27, 8)
    assert meeting.sequence == 2


def test_cancelling_needs_a_reason(browser, session, world):
    meeting = make_meeting(session, world["group"])
    make_registration(session, meeting, world["member"])
    session.commit()
    browser.login(world["coordinator"])
    before = counts(session)

    response = browser.post(f"/meetings/{meeting.id}/cancel", {"reason": "  "}, page="/")

    refused(response, "Please fill in this field.", "reason")
    assert counts(session) == before
    assert reload(session, meeting).status is MeetingStatus.PUBLISHED


def test_cancelling_emails_people_awaiting_their_emails_confirmation_too(browser, session, world):
    meeting = make_meeting(session, world["group"], audience=Audience.OPEN)
    make_registration(session, meeting, status=RegistrationStatus.PENDING, email="p@example.org")
    make_registration(session, meeting, world["member"], status=RegistrationStatus.CANCELLED)
    session.commit()
    browser.login(world["coordinator"])

    response = browser.post(f"/meetings/{meeting.id}/cancel", {"reason": "Strike"}, page="/")

    assert response.status_code == 302
    assert [m.recipient for m in outbox(session, "meeting_cancelled")] == ["p@example.org"]


def test_a_meeting_that_is_over_cannot_be_cancelled(browser, session, world):
    meeting = make_meeting(session, world["group"], starts_in=timedelta(days=-3))
    session.commit()
    browser.login(world["coordinator"])

    response = browser.post(f"/meetings/{meeting.id}/cancel", {"reason": "Too late"}, page="/")

    assert response.status_code == 400
    assert "This meeting is over: it can no longer be cancelled." in text(response)
    assert reload(session, meeting).status is MeetingStatus.PUBLISHED


def test_services_read_the_time_from_the_clock(app, session, world):
    """Services take `now` from the one clock: a fixed clock makes a date "in the past"."""
    details = MeetingDetails(
        title="Kick-off",
        starts_at=datetime(2023, 6, 20, 10),
        ends_at=datetime(2023, 6, 20, 16),
        timezone=BRUSSELS,
    )
    with app.test_request_context(), clock.fixed_at(datetime(2023, 6, 1, tzinfo=UTC)):
        meeting = services.create_meeting(session, world["coordinator"], world["group"], details)
    assert meeting.starts_at == datetime(2023, 6, 20, 8, tzinfo=ZoneInfo("UTC"))
    session.rollback()


def test_a_meeting_form_wrong_in_several_places_says_so_in_each(browser, session, world):
    browser.login(world["coordinator"])
    before = counts(session)
    response = create(
        browser,
        world["group"],
        title="",
        ends_at=local(JUNE, 9),
        format="in_person",
        capacity_in_person="0",
        reminder_days="soon",
        registration_opens_at=local(JUNE - timedelta(days=2), 9),
        registration_closes_at=local(JUNE - timedelta(days=3), 9),
    )
    assert response.status_code == 400
    errors = dict(re.findall(r'id="([a-z_]+)-error">([^<]+)<', text(response)))
    assert errors == {
        "title": "Please fill in this field.",
        "ends_at": "The end must come after the start.",
        "online_url": "An in-person meeting has no online link: leave it empty or choose a"
        " hybrid format.",
        "capacity_in_person": "Enter a number of seats of at least 1, or leave it empty for no"
        " limit.",
        "reminder_days": "Enter whole numbers of days from 0 to 60, separated by commas, such as"
        " 7,1.",
        "registration_closes_at": "Registration must close after it opens.",
    }
    assert counts(session) == before


def test_a_wrong_end_does_not_hide_what_is_wrong_with_registration(browser, session, world):
    browser.login(world["coordinator"])
    before = counts(session)
    response = create(
        browser,
        world["group"],
        ends_at=local(JUNE, 9),
        registration_opens_at=local(JUNE + timedelta(days=2), 9),
        registration_closes_at=local(JUNE + timedelta(days=3), 9),
    )
    assert response.status_code == 400
    errors = dict(re.findall(r'id="([a-z_]+)-error">([^<]+)<', text(response)))
    assert errors == {
        "ends_at": "The end must come after the start.",
        "registration_opens_at": "Registration must open before the meeting starts.",
        "registration_closes_at": "Registration must close before the meeting starts, or when"
        " it starts.",
    }
    assert counts(session) == before
