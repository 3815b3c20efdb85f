"""The public meeting page and a group's list of meetings: what each reader sees, and query counts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from cop import clock
from cop.meetings.models import (
    AgendaItem,
    AttendanceMode,
    Material,
    MaterialKind,
    MeetingFormat,
    MeetingKind,
    MeetingStatus,
    RegistrationStatus,
    Visibility,
)
from cop.members.models import Helix, OrganisationKind, Role
from tests.conftest import Browser
from tests.factories import (
    make_group,
    make_meeting,
    make_membership,
    make_organisation,
    make_registration,
    make_user,
)

NOW = datetime(2030, 2, 1, 12, 0, tzinfo=UTC)
STARTS = datetime(2030, 3, 5, 9, 0, tzinfo=UTC)  # 10:00 in Brussels, 04:00 in New York
SECRET_LINK = "https://meet.example.org/secret-room"


@pytest.fixture(autouse=True)
def fixed_clock():
    with clock.fixed_at(NOW):
        yield


def text_of(response) -> str:
    return response.get_data(as_text=True)


def main_of(response) -> str:
    page = text_of(response)
    return page[page.index("<main") : page.index("</main>")]


def add_agenda(session, meeting, title: str, starts_at: datetime, **values) -> AgendaItem:
    item = AgendaItem(meeting=meeting, title=title, starts_at=starts_at, **values)
    session.add(item)
    session.flush()
    return item


def add_material(session, meeting, title: str, kind=MaterialKind.LINK, **values) -> Material:
    if kind is MaterialKind.FILE:
        values.setdefault("storage_key", "0" * 64)
        values.setdefault("filename", "paper.pdf")
        values.setdefault("content_type", "application/pdf")
        values.setdefault("size", 2048)
    else:
        values.setdefault("url", "https://example.org/" + title.lower().replace(" ", "-"))
    material = Material(meeting=meeting, kind=kind, title=title, **values)
    session.add(material)
    session.flush()
    return material


@pytest.fixture
def world(session, admin):
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    university = make_organisation(
        session, name="Universidad de Madrid", helix=Helix.ACADEMIA_RESEARCH, region_code="ES30"
    )
    sme = make_organisation(
        session, name="Bayern Robotics", helix=Helix.BUSINESS, kind=OrganisationKind.SME,
        region_code="DE21",
    )  # fmt: skip
    people = {
        "coordinator": make_user(session, name="Cora Coordinator"),
        "member": make_user(session, name="Max Member", listed=True),
        "participant": make_user(
            session, name="Pia Participant", organisation=university, listed=True
        ),
        "hidden": make_user(session, name="Hugo Hidden", organisation=sme),
        "waiting": make_user(session, name="Wanda Waiting", listed=True),
        "outsider": make_user(session, name="Otto Outsider", listed=True),
        "admin": admin,
    }
    make_membership(session, people["coordinator"], group, role=Role.COORDINATOR)
    for name in ("member", "participant", "hidden", "waiting"):
        make_membership(session, people[name], group)
    meeting = make_meeting(
        session,
        group,
        title="Peer learning on technology adoption",
        starts_at=STARTS,
        hours=6,
        description="We compare **support schemes**.\n\n<script>alert('x')</script>",
        online_url=SECRET_LINK,
        minutes="We agreed on **three** priorities.",
        minutes_visibility=Visibility.MEMBERS,
    )
    add_agenda(
        session, meeting, "Welcome and introductions", STARTS + timedelta(minutes=30),
        speakers="Cora Coordinator",
    )  # fmt: skip
    add_agenda(session, meeting, "Peer review of regional strategies", STARTS + timedelta(hours=4))
    add_material(session, meeting, "Slides of the opening")
    add_material(session, meeting, "Background paper", MaterialKind.FILE)
    add_material(
        session, meeting, "Recording of the session", MaterialKind.RECORDING,
        visibility=Visibility.MEMBERS,
    )  # fmt: skip
    add_material(session, meeting, "Withdrawn draft", withdrawn_at=NOW)
    make_registration(session, meeting, people["participant"])
    make_registration(session, meeting, people["hidden"])
    make_registration(session, meeting, people["waiting"], status=RegistrationStatus.WAITLISTED)
    make_registration(
        session, meeting, name="Gina Guest", organisation_name="Agencja Rozwoju",
        region_code="PL91", listed=True,
    )  # fmt: skip
    make_registration(session, meeting, name="Ulla Unlisted", mode=AttendanceMode.ONLINE)
    session.commit()
    return {"group": group, "meeting": meeting, **people}


def view(app, person, path: str):
    browser = Browser(app.test_client())
    if person is not None:
        browser.login(person)
    return browser.client.get(path)


def meeting_path(world) -> str:
    return f"/meetings/{world['meeting'].id}"


# -- what each reader sees ------------------------------------------------------------------------


def test_anyone_sees_the_public_parts_of_a_meeting(app, world):
    page = main_of(view(app, None, meeting_path(world)))

    assert page.count("<h1") == 1
    assert "Peer learning on technology adoption" in page
    assert "Plenary" not in page and "Workshop" in page
    assert 'href="/groups/innovation-diffusion/"' in page  # breadcrumbs
    assert 'href="/groups/innovation-diffusion/meetings/"' in page
    assert "<strong>support schemes</strong>" in page
    assert "<script>alert" not in page
    # Times in the meeting's own zone.
    assert "Tuesday 5 March 2030, 10:00–16:00 (Europe/Brussels)" in page
    assert ">10:30</time>" in page and ">14:00</time>" in page
    assert "Welcome and introductions" in page and "Cora Coordinator" in page
    assert "Committee of the Regions" in page and "Rue Belliard 99-101" in page
    # Public materials, not members-only ones nor withdrawn ones.
    assert "Slides of the opening" in page
    material = world["meeting"].materials[1]
    assert f'href="/materials/{material.id}/file"' in page and "paper.pdf" in page
    assert "Recording of the session" not in page
    assert "1 more item is shared with members of the group only." in page
    assert "Withdrawn draft" not in page
    assert "three" not in page
    assert "The minutes are shared with members of the group only." in page
    assert "secret-room" not in page
    assert "Sent to confirmed participants." in page
    assert "In your time zone" not in page


def test_participants_are_named_only_with_consent_and_otherwise_counted(app, world):
    page = main_of(view(app, None, meeting_path(world)))

    named = re.findall(r'<tr class="participant">\s*<td>(?:<a [^>]*>)?([^<]+)<', page)
    assert named == ["Gina Guest", "Pia Participant"]
    assert "Hugo Hidden" not in page and "Ulla Unlisted" not in page
    assert "Wanda Waiting" not in page  # listed, but waiting: not a participant yet
    assert f'href="/people/{world["participant"].id}"' in page
    assert "Agencja Rozwoju" in page and "Universidad de Madrid" in page
    # Everyone confirmed is counted, listed or not.
    assert "4 people are confirmed." in page
    assert "In person: 3" in page and "Online: 1" in page
    helix = dict(re.findall(r'<tr><th scope="row">([^<]+)</th><td>(\d+)</td></tr>', page))
    assert helix["Academia and research"] == "1"
    assert helix["Business"] == "1"
    assert helix["Civil society"] == "0"
    assert helix["Spain"] == "1" and helix["Germany"] == "1" and helix["Poland"] == "1"


def test_members_see_members_only_minutes_and_materials_but_not_the_link(app, world):
    page = main_of(view(app, world["member"], meeting_path(world)))

    assert "Recording of the session" in page
    assert "Members only" in page
    assert "<strong>three</strong>" in page
    assert "more item is shared" not in page
    assert "secret-room" not in page


def test_outsiders_and_waiting_people_do_not_get_the_online_link(app, world):
    for person in ("outsider", "waiting"):
        page = main_of(view(app, world[person], meeting_path(world)))
        assert "secret-room" not in page, person
    outsider = main_of(view(app, world["outsider"], meeting_path(world)))
    assert "Recording of the session" not in outsider and "three" not in outsider


@pytest.mark.parametrize("person", ["participant", "coordinator", "admin"])
def test_confirmed_people_and_coordinators_get_the_online_link(app, world, person):
    page = main_of(view(app, world[person], meeting_path(world)))

    assert f'href="{SECRET_LINK}"' in page


def test_online_link_waits_when_none_is_set_yet(app, world, session):
    world["meeting"].online_url = ""
    session.commit()

    page = main_of(view(app, world["participant"], meeting_path(world)))

    assert "The link will be shared before the meeting." in page


def test_times_are_also_shown_in_the_readers_own_zone(app, world, session):
    world["outsider"].timezone = "America/New_York"
    session.commit()

    page = main_of(view(app, world["outsider"], meeting_path(world)))
    same_zone = main_of(view(app, world["member"], meeting_path(world)))

    assert "Tuesday 5 March 2030, 10:00–16:00 (Europe/Brussels)" in page
    assert "In your time zone: Tuesday 5 March 2030, 04:00–10:00 (America/New_York)" in page
    assert "In your time zone" not in same_zone


def test_agenda_for_members_only_is_hidden_from_the_public(app, world, session):
    world["meeting"].agenda_visibility = Visibility.MEMBERS
    session.commit()

    public = main_of(view(app, None, meeting_path(world)))
    member = main_of(view(app, world["member"], meeting_path(world)))

    assert "Welcome and introductions" not in public
    assert "The agenda is shared with members of the group only." in public
    assert "Welcome and introductions" in member


def test_a_cancelled_meeting_stays_public_with_its_reason(app, world, session):
    meeting = world["meeting"]
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancel_reason = "The venue is closed for works."
    session.commit()

    response = view(app, None, meeting_path(world))

    assert response.status_code == 200
    page = main_of(response)
    assert "This meeting has been cancelled." in page
    assert "Reason: The venue is closed for works." in page


def test_a_postponed_meeting_says_when_it_was_planned(app, world, session):
    world["meeting"].postponed_from = datetime(2030, 2, 20, 9, 0, tzinfo=UTC)
    session.commit()

    page = main_of(view(app, None, meeting_path(world)))

    assert "Postponed: it was planned for 20 February 2030, 10:00 (Europe/Brussels)." in page
    assert "Tuesday 5 March 2030, 10:00–16:00 (Europe/Brussels)" in page


@pytest.mark.parametrize(
    ("person", "status"),
    [(None, 404), ("outsider", 404), ("member", 404), ("coordinator", 200), ("admin", 200)],
)
def test_a_draft_is_seen_only_by_coordinators(app, world, session, person, status):
    world["meeting"].status = MeetingStatus.DRAFT
    world["meeting"].published_at = None
    session.commit()

    response = view(app, world[person] if person else None, meeting_path(world))

    assert response.status_code == status
    if status == 200:
        assert "only the group" in main_of(response) and "Draft" in main_of(response)
    else:
        assert "Peer learning on technology adoption" not in text_of(response)


def test_an_unknown_meeting_is_a_404(client):
    assert client.get("/meetings/999999").status_code == 404
    assert client.get("/meetings/99999999999999999999").status_code == 404


def test_meeting_page_queries_do_not_grow(app, world, session, count_queries):
    meeting = world["meeting"]
    group = world["group"]
    readers = {
        "anonymous": Browser(app.test_client()),
        "coordinator": Browser(app.test_client()),
        "participant": Browser(app.test_client()),
    }
    readers["coordinator"].login(world["coordinator"])
    readers["participant"].login(world["participant"])

    def grow(count: int) -> None:
        for number in range(count):
            organisation = make_organisation(session, region_code="FR10")
            person = make_user(session, organisation=organisation, listed=number % 2 == 0)
            make_membership(session, person, group)
            make_registration(session, meeting, person, mode=AttendanceMode.ONLINE)
            make_registration(session, meeting, listed=True, region_code="ITC4")
            add_agenda(session, meeting, f"Item {number}", STARTS + timedelta(minutes=number))
            add_material(session, meeting, f"Link {number}")
            add_material(session, meeting, f"File {number}", MaterialKind.FILE)
        session.commit()

    def queries() -> dict[str, int]:
        counts = {}
        for role, browser in readers.items():
            with count_queries() as counter:
                response = browser.client.get(meeting_path(world))
            assert response.status_code == 200
            counts[role] = counter.count
        return counts

    grow(3)
    small = queries()
    grow(30)
    large = queries()
    page = main_of(readers["anonymous"].client.get(meeting_path(world)))
    assert "70 people are confirmed." in page  # 4 + 2 x 33
    assert "Item 29" in page and "File 29" in page

    assert large == small
    assert max(small.values()) <= 15


# -- a group's meetings ---------------------------------------------------------------------------


@pytest.fixture
def calendar(session, world):
    group = world["group"]
    meetings = {
        "plenary": make_meeting(
            session, group, kind=MeetingKind.PLENARY, cycle_slot=3, title="Third plenary",
            starts_at=datetime(2030, 5, 12, 7, 30, tzinfo=UTC),
        ),
        "webinar": make_meeting(
            session, group, kind=MeetingKind.WEBINAR, format=MeetingFormat.ONLINE,
            title="Webinar on bottlenecks", starts_at=datetime(2030, 2, 10, 14, 0, tzinfo=UTC),
            timezone="Europe/Lisbon",
        ),
        "visit": make_meeting(
            session, group, kind=MeetingKind.STUDY_VISIT, title="Study visit to Porto",
            starts_at=datetime(2029, 10, 3, 8, 0, tzinfo=UTC),
        ),
        "cancelled": make_meeting(
            session, group, title="Cancelled workshop", status=MeetingStatus.CANCELLED,
            starts_at=datetime(2030, 4, 1, 8, 0, tzinfo=UTC),
        ),
        "draft": make_meeting(
            session, group, title="Draft workshop", status=MeetingStatus.DRAFT,
            starts_at=datetime(2030, 6, 1, 8, 0, tzinfo=UTC),
        ),
        "elsewhere": make_meeting(
            session, make_group(session), title="Another group's workshop",
            starts_at=datetime(2030, 3, 1, 8, 0, tzinfo=UTC),
        ),
    }  # fmt: skip
    session.commit()
    return meetings


def sections(page: str) -> tuple[str, str]:
    upcoming = page[page.index('id="upcoming-title"') : page.index('id="past-title"')]
    return upcoming, page[page.index('id="past-title"') :]


def titles(html: str) -> list[str]:
    return re.findall(r'class="meeting-title"><a href="/meetings/\d+">([^<]+)</a>', html)


def test_group_meetings_lists_upcoming_and_past_meetings_of_every_kind(app, world, calendar):
    page = main_of(view(app, None, "/groups/innovation-diffusion/meetings/"))
    upcoming, past = sections(page)

    assert page.count("<h1") == 1
    assert titles(upcoming) == [
        "Webinar on bottlenecks",
        "Peer learning on technology adoption",
        "Cancelled workshop",
        "Third plenary",
    ]
    assert titles(past) == ["Study visit to Porto"]
    assert "Draft workshop" not in page and "Another group" not in page
    # Each meeting's time in its own zone; kind, format and status shown.
    assert "Sunday 10 February 2030, 14:00–20:00 (Europe/Lisbon)" in upcoming
    assert "Sunday 12 May 2030, 09:30–15:30 (Europe/Brussels)" in upcoming
    assert "Webinar" in upcoming and "Online" in upcoming and "(plenary 3)" in upcoming
    assert 'class="tag tag-cancelled">Cancelled<' in upcoming
    assert "New meeting" not in page


def test_coordinators_also_see_drafts_and_the_new_meeting_link(app, world, calendar):
    page = main_of(view(app, world["coordinator"], "/groups/innovation-diffusion/meetings/"))
    member = main_of(view(app, world["member"], "/groups/innovation-diffusion/meetings/"))

    upcoming, _ = sections(page)
    assert titles(upcoming)[-1] == "Draft workshop"
    assert 'class="tag tag-draft">Draft<' in upcoming
    assert 'href="/groups/innovation-diffusion/meetings/new"' in page
    assert "Draft workshop" not in member and "New meeting" not in member


def test_group_meetings_of_an_unknown_group_is_a_404(client):
    assert client.get("/groups/no-such-group/meetings/").status_code == 404


def test_group_meetings_queries_do_not_grow(app, world, session, count_queries):
    coordinator = Browser(app.test_client())
    coordinator.login(world["coordinator"])
    readers = {"anonymous": Browser(app.test_client()), "coordinator": coordinator}
    path = "/groups/innovation-diffusion/meetings/"

    def grow(count: int) -> None:
        for number in range(count):
            make_meeting(session, world["group"], starts_at=NOW + timedelta(days=number + 1))
            make_meeting(session, world["group"], starts_at=NOW - timedelta(days=number + 1))
            make_meeting(
                session, world["group"], kind=MeetingKind.WEBINAR, status=MeetingStatus.DRAFT,
                starts_at=NOW + timedelta(days=number + 2),
            )  # fmt: skip
        session.commit()

    def queries() -> dict[str, int]:
        counts = {}
        for role, browser in readers.items():
            with count_queries() as counter:
                assert browser.client.get(path).status_code == 200
            counts[role] = counter.count
        return counts

    grow(2)
    small = queries()
    grow(40)
    large = queries()
    page = main_of(coordinator.client.get(path))
    assert len(titles(page)) == 1 + 3 * 42

    assert large == small
    assert max(small.values()) <= 6


def test_agenda_of_a_meeting_over_several_days_shows_each_items_day(app, world, session):
    meeting = world["meeting"]
    meeting.ends_at = STARTS + timedelta(days=1, hours=6)
    add_agenda(session, meeting, "Field visit", STARTS + timedelta(days=1))
    session.commit()

    page = main_of(view(app, None, meeting_path(world)))

    assert ">Tue 5 Mar, 10:30</time>" in page
    assert ">Wed 6 Mar, 10:00</time>" in page
    assert "Tuesday 5 March 2030, 10:00 to Wednesday 6 March 2030, 16:00" in page
