"""The cycle on the group page: slots held, planned or open from the plenaries, and the meeting lists."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from cop import clock
from cop.meetings.cycle import SlotState, SlotTiming, cycle_slots, fill_slots
from cop.meetings.models import Meeting, MeetingFormat, MeetingKind, MeetingStatus
from cop.members.models import Role
from tests.conftest import Browser
from tests.factories import make_group, make_meeting, make_membership, make_user

NOW = datetime(2024, 9, 15, 12, 0, tzinfo=UTC)  # in the third window of a cycle from June 2023


def plenary(slot: int, starts: datetime, status=MeetingStatus.PUBLISHED, hours: int = 6):
    return Meeting(
        kind=MeetingKind.PLENARY,
        cycle_slot=slot,
        title=f"Plenary in slot {slot}",
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours),
        status=status,
        timezone="Europe/Brussels",
    )


# -- filling the slots ------------------------------------------------------------------------


def test_slots_are_held_planned_open_or_missed():
    slots = cycle_slots(date(2023, 6, 1), 36, 2)
    plenaries = [
        plenary(1, datetime(2023, 10, 10, 8, tzinfo=UTC)),  # published and over
        plenary(3, datetime(2024, 10, 20, 8, tzinfo=UTC)),  # published, to come
        plenary(4, datetime(2025, 3, 1, 8, tzinfo=UTC), MeetingStatus.DRAFT),
        plenary(5, NOW - timedelta(hours=1)),  # under way: not over yet
    ]

    filled = fill_slots(slots, plenaries, NOW.date(), NOW)

    assert [slot.state for slot in filled] == [
        SlotState.HELD,
        SlotState.MISSED,  # its window passed without a plenary
        SlotState.PLANNED,
        SlotState.PLANNED,
        SlotState.PLANNED,
        SlotState.OPEN,
    ]
    assert [slot.timing for slot in filled][:4] == [
        SlotTiming.PAST,
        SlotTiming.PAST,
        SlotTiming.CURRENT,
        SlotTiming.UPCOMING,
    ]
    assert filled[0].plenary is plenaries[0] and filled[1].plenary is None
    assert filled[2].plenary.title == "Plenary in slot 3"


def test_a_cancelled_plenary_leaves_its_slot_unfilled_until_another_fills_it():
    slots = cycle_slots(date(2023, 6, 1), 36, 2)
    cancelled = plenary(2, datetime(2024, 3, 5, 8, tzinfo=UTC), MeetingStatus.CANCELLED)

    alone = fill_slots(slots, [cancelled], NOW.date(), NOW)
    replacement = plenary(2, datetime(2024, 4, 9, 8, tzinfo=UTC))
    replaced = fill_slots(slots, [cancelled, replacement], NOW.date(), NOW)

    assert alone[1].state is SlotState.MISSED and alone[1].plenary is None
    assert replaced[1].state is SlotState.HELD and replaced[1].plenary is replacement


def test_a_draft_plenary_that_is_over_is_not_held():
    slots = cycle_slots(date(2023, 6, 1), 36, 2)
    draft = plenary(1, datetime(2023, 10, 10, 8, tzinfo=UTC), MeetingStatus.DRAFT)

    assert fill_slots(slots, [draft], NOW.date(), NOW)[0].state is SlotState.PLANNED


def test_plenaries_beyond_the_cycle_are_left_out():
    slots = cycle_slots(date(2023, 6, 1), 12, 2)  # two slots

    filled = fill_slots(slots, [plenary(5, datetime(2024, 1, 1, tzinfo=UTC))], NOW.date(), NOW)

    assert [slot.state for slot in filled] == [SlotState.MISSED, SlotState.MISSED]


# -- the group page -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def fixed_clock():
    with clock.fixed_at(NOW):
        yield


@pytest.fixture
def world(session):
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    coordinator = make_user(session, name="Cora Coordinator")
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    member = make_user(session, name="Max Member")
    make_membership(session, member, group)

    def add(title, starts_at, **values):
        return make_meeting(session, group, title=title, starts_at=starts_at, **values)

    meetings = {
        "first": add(
            "Kick-off in Brussels", datetime(2023, 10, 10, 8, tzinfo=UTC),
            kind=MeetingKind.PLENARY, cycle_slot=1,
        ),
        "cancelled_plenary": add(
            "Second plenary in Porto", datetime(2024, 3, 5, 8, tzinfo=UTC),
            kind=MeetingKind.PLENARY, cycle_slot=2, status=MeetingStatus.CANCELLED,
        ),
        "third": add(
            "Third plenary in Vienna", datetime(2024, 10, 20, 22, 30, tzinfo=UTC),
            kind=MeetingKind.PLENARY, cycle_slot=3,
        ),
        "draft_plenary": add(
            "Fourth plenary, still a draft", datetime(2025, 3, 1, 8, tzinfo=UTC),
            kind=MeetingKind.PLENARY, cycle_slot=4, status=MeetingStatus.DRAFT,
        ),
        "webinar": add(
            "Understanding the bottlenecks to innovation diffusion",
            datetime(2024, 5, 23, 12, tzinfo=UTC), kind=MeetingKind.WEBINAR,
            format=MeetingFormat.ONLINE,
        ),
        "visit": add(
            "Study visit to Lower Austria", datetime(2024, 10, 2, 7, tzinfo=UTC),
            kind=MeetingKind.STUDY_VISIT,
        ),
        "cancelled_workshop": add(
            "Workshop on digitalisation", datetime(2024, 11, 5, 8, tzinfo=UTC),
            status=MeetingStatus.CANCELLED,
        ),
        "draft_workshop": add(
            "Draft workshop", datetime(2024, 9, 30, 8, tzinfo=UTC), status=MeetingStatus.DRAFT,
        ),
    }  # fmt: skip
    session.commit()
    return {"group": group, "coordinator": coordinator, "member": member, **meetings}


def main_of(response) -> str:
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return page[page.index("<main") : page.index("</main>")]


def slots_of(page: str) -> list[tuple[str, str, str]]:
    """(timing, state, rest of the slot's html) of each slot on the page."""
    return re.findall(r'<li class="slot slot-(\w+) slot-(\w+)">(.*?)</li>', page, re.S)


def view(app, person=None, path="/groups/innovation-diffusion/"):
    browser = Browser(app.test_client())
    if person is not None:
        browser.login(person)
    return main_of(browser.client.get(path))


def test_the_timeline_fills_its_slots_from_the_plenaries(app, world):
    page = view(app)
    slots = slots_of(page)

    assert [(timing, state) for timing, state, _ in slots] == [
        ("past", "held"),
        ("past", "missed"),  # its plenary was cancelled, and its window has passed
        ("current", "planned"),
        ("upcoming", "open"),  # a draft is not shown to the public
        ("upcoming", "open"),
        ("upcoming", "open"),
    ]
    held, cancelled, planned, draft = (html for _, _, html in slots[:4])
    assert "Held" in held and "Kick-off in Brussels" in held
    assert f'href="/meetings/{world["first"].id}"' in held
    assert "Not held" in cancelled and "Porto" not in cancelled
    assert "Planned" in planned
    assert f'href="/meetings/{world["third"].id}">Third plenary in Vienna</a>' in planned
    assert "21 October 2024" in planned  # the date in the meeting's zone (22:30 UTC)
    assert "(now)" in planned
    assert "June 2024 to November 2024" in planned  # the window stays
    assert "draft" not in draft.lower()


def test_coordinators_see_a_draft_plenary_in_its_slot(app, world):
    slots = slots_of(view(app, world["coordinator"]))
    member = slots_of(view(app, world["member"]))

    assert slots[3][1] == "planned"
    assert "Fourth plenary, still a draft" in slots[3][2] and "Draft" in slots[3][2]
    assert member[3][1] == "open" and "Fourth plenary" not in member[3][2]


def lists_of(page: str) -> tuple[str, str]:
    upcoming = page[
        page.index('id="upcoming-meetings-title"') : page.index('id="recent-meetings-title"')
    ]
    return upcoming, page[page.index('id="recent-meetings-title"') :]


def titles(html: str) -> list[str]:
    return re.findall(r'class="meeting-title"><a href="/meetings/\d+">([^<]+)</a>', html)


def test_group_page_lists_upcoming_and_recent_meetings_of_every_kind(app, world, session):
    page = view(app)
    upcoming, recent = lists_of(page)

    assert titles(upcoming) == [
        "Study visit to Lower Austria",
        "Third plenary in Vienna",
        "Workshop on digitalisation",
    ]
    assert 'class="tag tag-cancelled">Cancelled<' in upcoming
    assert titles(recent) == [
        "Understanding the bottlenecks to innovation diffusion",
        "Second plenary in Porto",
        "Kick-off in Brussels",
    ]
    assert "Draft workshop" not in page
    assert 'href="/groups/innovation-diffusion/meetings/"' in page
    assert "Thursday 23 May 2024, 14:00–20:00 (Europe/Brussels)" in recent


def test_group_page_lists_only_a_few_meetings_of_each(app, world, session):
    for number in range(8):
        make_meeting(
            session, world["group"], title=f"Past webinar {number}",
            starts_at=datetime(2024, 8, 1, 8, tzinfo=UTC) + timedelta(days=number),
        )  # fmt: skip
    session.commit()

    _, recent = lists_of(view(app))

    assert titles(recent) == [f"Past webinar {number}" for number in (7, 6, 5, 4, 3)]


def test_group_page_queries_do_not_grow_with_meetings(app, world, session, count_queries):
    coordinator = Browser(app.test_client())
    coordinator.login(world["coordinator"])
    readers = {"anonymous": Browser(app.test_client()), "coordinator": coordinator}

    def grow(count: int) -> None:
        for number in range(count):
            for delta in (timedelta(days=number + 1), -timedelta(days=number + 1)):
                make_meeting(session, world["group"], starts_at=NOW + delta)
        session.commit()

    def queries() -> dict[str, int]:
        counts = {}
        for role, browser in readers.items():
            with count_queries() as counter:
                assert browser.client.get("/groups/innovation-diffusion/").status_code == 200
            counts[role] = counter.count
        return counts

    grow(2)
    small = queries()
    grow(40)
    large = queries()

    assert large == small
    # The cycle, agenda, highlights, what the group is doing, its solutions, its outcomes, and
    # the version of the page for its conditional answer.
    assert max(small.values()) <= 16
