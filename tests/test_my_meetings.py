"""My meetings: a person's upcoming and past meetings with their status and place in the queue."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from cop import clock
from cop.meetings.models import (
    AttendanceMode,
    MeetingFormat,
    MeetingKind,
    MeetingStatus,
    Registration,
    RegistrationStatus,
)
from cop.members.models import Role
from tests.factories import make_group, make_meeting, make_membership, make_registration, make_user

NOW = datetime(2031, 1, 10, 12, 0, tzinfo=UTC)


def page_of(response) -> str:
    return response.get_data(as_text=True)


def section(page: str, title_id: str) -> str:
    return page.split(f'id="{title_id}"')[1].split("</section>")[0]


def rows(html: str) -> list[str]:
    return re.findall(r'<tr class="my-meeting [^"]*">(.*?)</tr>', html, re.S)


@pytest.fixture
def world(session):
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    maria = make_user(session, name="Maria Papadopoulou", email="maria@example.org")
    other = make_user(session, name="Olga Other", email="olga@example.org")
    coordinator = make_user(session, name="Cora Coordinator")
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    for person in (maria, other):
        make_membership(session, person, group)
    plenary = make_meeting(
        session, group, title="Fourth plenary", timezone="America/New_York",
        starts_at=datetime(2031, 2, 3, 15, 0, tzinfo=UTC), capacity_in_person=1,
        kind=MeetingKind.PLENARY, cycle_slot=4,
    )  # fmt: skip
    webinar = make_meeting(
        session, group, title="Webinar on digitalisation", format=MeetingFormat.ONLINE,
        starts_at=datetime(2031, 1, 20, 9, 0, tzinfo=UTC), capacity_in_person=None,
    )  # fmt: skip
    visit = make_meeting(
        session, group, title="Study visit to Tampere", kind=MeetingKind.STUDY_VISIT,
        starts_at=datetime(2030, 11, 5, 8, 0, tzinfo=UTC), timezone="Europe/Helsinki",
    )  # fmt: skip
    dropped = make_meeting(
        session, group, title="Workshop that was cancelled", status=MeetingStatus.CANCELLED,
        starts_at=datetime(2031, 3, 1, 9, 0, tzinfo=UTC),
    )  # fmt: skip
    draft = make_meeting(session, group, title="Draft workshop", status=MeetingStatus.DRAFT)
    make_registration(session, plenary, other)
    waiting = make_registration(session, plenary, maria, status=RegistrationStatus.WAITLISTED)
    seat = make_registration(session, webinar, maria, mode=AttendanceMode.ONLINE)
    attended = make_registration(session, visit, maria, attended_at=visit.starts_at)
    make_registration(session, dropped, maria)
    make_registration(session, draft, maria)
    make_registration(session, webinar, other, mode=AttendanceMode.ONLINE)
    session.commit()
    return {
        "group": group,
        "maria": maria,
        "other": other,
        "plenary": plenary,
        "webinar": webinar,
        "waiting": waiting,
        "seat": seat,
        "attended": attended,
    }


def test_my_meetings_lists_upcoming_and_past_with_status_place_and_zone(browser, world):
    browser.login(world["maria"])

    with clock.fixed_at(NOW):
        page = page_of(browser.client.get("/account/meetings"))

    upcoming, past = rows(section(page, "upcoming-title")), rows(section(page, "past-title"))
    assert [re.search(r'">([^<]+)</a>', row).group(1) for row in upcoming] == [
        "Webinar on digitalisation",
        "Fourth plenary",
        "Workshop that was cancelled",
    ]
    webinar, plenary, dropped = upcoming
    assert "Confirmed" in webinar and "(Online)" in webinar
    assert "Cancel" in webinar
    assert f'href="/meetings/{world["webinar"].id}"' in webinar
    # In the meeting's own zone: 15:00 UTC is 10:00 in New York.
    assert "Monday 3 February 2031, 10:00–16:00 (America/New_York)" in plenary
    assert "Number 1 on the waiting list" in plenary and "Leave the waiting list" in plenary
    assert "The meeting is cancelled." in dropped and "Cancel" not in dropped.split("</td>")[-2]
    [visit] = past
    assert "Study visit to Tampere" in visit
    assert "(Europe/Helsinki)" in visit and "Attended (In person)" in visit
    assert "Draft workshop" not in page
    assert "olga" not in page.lower()


def test_cancelling_from_my_meetings_comes_back_to_it(browser, session, world):
    browser.login(world["maria"])

    with clock.fixed_at(NOW):
        response = browser.post(
            f"/registrations/{world['seat'].id}/cancel",
            {"next": "/account/meetings"},
            page="/account/meetings",
        )
        page = page_of(browser.client.get("/account/meetings"))

    assert response.status_code == 302
    assert response.headers["Location"] == "/account/meetings"
    session.expire_all()
    assert session.get(Registration, world["seat"].id).status is RegistrationStatus.CANCELLED
    webinar = next(row for row in rows(section(page, "upcoming-title")) if "Webinar" in row)
    assert "Cancelled" in webinar and "Register again" in webinar


def test_my_meetings_is_for_signed_in_people(client):
    response = client.get("/account/meetings")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login")


def test_the_account_navigation_links_to_my_meetings(browser, world):
    browser.login(world["maria"])
    assert 'href="/account/meetings"' in page_of(browser.client.get("/account/groups"))


def add_meetings(session, world, count: int) -> None:
    for number in range(count):
        meeting = make_meeting(
            session, world["group"], capacity_in_person=1,
            starts_at=NOW + timedelta(days=number - count // 2, hours=1),
        )  # fmt: skip
        make_registration(session, meeting, world["other"])
        make_registration(
            session, meeting, world["maria"],
            status=RegistrationStatus.WAITLISTED if number % 2 else RegistrationStatus.CONFIRMED,
        )  # fmt: skip
    session.commit()


def test_my_meetings_keeps_its_query_count_as_meetings_grow(browser, session, world, count_queries):
    browser.login(world["maria"])

    def queries() -> int:
        with clock.fixed_at(NOW), count_queries() as counter:
            response = browser.client.get("/account/meetings")
        assert response.status_code == 200
        return counter.count

    add_meetings(session, world, 6)
    small = queries()
    add_meetings(session, world, 60)
    large = queries()
    with clock.fixed_at(NOW):
        page = page_of(browser.client.get("/account/meetings"))
        everything = page_of(browser.client.get("/account/meetings?past=all"))

    assert large == small
    assert small <= 6
    # Upcoming meetings are all listed; past ones, the latest 20 unless one asks for all.
    assert len(rows(everything)) == 4 + 66
    past = len(rows(everything)) - len(rows(page)) + 20
    assert past > 20
    assert f"Show all {past} past meetings" in page
