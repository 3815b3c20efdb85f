"""The coordinators' participant list: who comes from which helix and region, the CSV export,
and checking attendance in."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from cop import clock
from cop.audit.models import AuditEntry
from cop.mail.models import OutboxMessage
from cop.meetings.models import AttendanceMode, MeetingStatus, Registration, RegistrationStatus
from cop.members.models import Helix, OrganisationKind, Role
from tests.factories import (
    make_group,
    make_meeting,
    make_membership,
    make_organisation,
    make_registration,
    make_user,
)

STARTS = datetime(2031, 3, 4, 8, 0, tzinfo=UTC)
DURING = STARTS + timedelta(hours=2)


def page_of(response) -> str:
    return response.get_data(as_text=True)


def rows(page: str, status: str) -> list[str]:
    return re.findall(rf'<tr class="participant participant-{status}"[^>]*>(.*?)</tr>', page, re.S)


@pytest.fixture
def world(session):
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    university = make_organisation(
        session, name="Universidad de Madrid", helix=Helix.ACADEMIA_RESEARCH, region_code="ES30"
    )
    region = make_organisation(
        session, name="Région Île-de-France", helix=Helix.PUBLIC_AUTHORITY,
        kind=OrganisationKind.REGIONAL_AUTHORITY, region_code="FR10",
    )  # fmt: skip
    sme = make_organisation(
        session, name="Bayern Robotics", helix=Helix.BUSINESS, kind=OrganisationKind.SME,
        region_code="DE21",
    )  # fmt: skip
    coordinator = make_user(session, name="Cora Coordinator", email="cora@example.org")
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    lucia = make_user(session, name="Lucía Fernández", email="lucia@example.org",
                      organisation=university)  # fmt: skip
    pierre = make_user(session, name="Pierre Martin", email="pierre@example.org",
                       organisation=region)  # fmt: skip
    hanna = make_user(session, name="Hanna Huber", email="hanna@example.org", organisation=sme)
    for person in (lucia, pierre, hanna):
        make_membership(session, person, group)
    meeting = make_meeting(
        session, group, title="Third plenary", starts_at=STARTS, timezone="Europe/Madrid",
        capacity_in_person=2,
    )  # fmt: skip
    seats = {
        "lucia": make_registration(session, meeting, lucia, needs="Vegetarian meal"),
        "pierre": make_registration(session, meeting, pierre),
        "guest": make_registration(
            session,
            meeting,
            mode=AttendanceMode.ONLINE,
            name="Ines Guest",
            email="ines@example.org",
            organisation_name="University of Porto",
            region_code="PT11",
        ),  # fmt: skip
        "hanna": make_registration(
            session,
            meeting,
            hanna,
            status=RegistrationStatus.WAITLISTED,
            queued_at=datetime(2030, 1, 1, tzinfo=UTC),
            needs="Step-free access",
        ),  # fmt: skip
        "late": make_registration(
            session,
            meeting,
            status=RegistrationStatus.WAITLISTED,
            name="Late Guest",
            queued_at=datetime(2030, 1, 2, tzinfo=UTC),
        ),  # fmt: skip
        "gone": make_registration(
            session, meeting, status=RegistrationStatus.CANCELLED, name="Gone Guest"
        ),
    }
    session.commit()
    return {
        "group": group,
        "coordinator": coordinator,
        "lucia": lucia,
        "meeting": meeting,
        "seats": seats,
    }


def participants(browser, meeting):
    return browser.client.get(f"/meetings/{meeting.id}/participants")


def test_coordinators_see_who_comes_with_helix_region_mode_status_and_needs(browser, world):
    browser.login(world["coordinator"])

    response = participants(browser, world["meeting"])

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = page_of(response)
    confirmed = rows(page, "confirmed")
    assert len(confirmed) == 3
    lucia = next(row for row in confirmed if "Lucía Fernández" in row)
    for text in ("Universidad de Madrid", "Academia and research", "Comunidad de Madrid, Spain",
                 "In person", "Vegetarian meal", "lucia@example.org"):  # fmt: skip
        assert text in lucia, text
    guest = next(row for row in confirmed if "Ines Guest" in row)
    assert "no account" in guest and "University of Porto" in guest and "Online" in guest
    waiting = rows(page, "waitlisted")
    assert ["Hanna Huber" in waiting[0], "Late Guest" in waiting[1]] == [True, True]
    assert "(number 1)" in waiting[0] and "(number 2)" in waiting[1]
    assert "Step-free access" in waiting[0]
    assert len(rows(page, "cancelled")) == 1
    # The balance of the quadruple helix, of confirmed people only.
    helix = page.split('class="helix-counts"')[1].split("</table>")[0]
    assert re.search(r"Public authorities</th><td>1<", helix)
    assert re.search(r"Academia and research</th><td>1<", helix)
    assert re.search(r"Business</th><td>0<", helix)
    assert re.search(r"Not stated</th><td>1<", helix)
    countries = page.split('class="country-counts"')[1].split("</table>")[0]
    for country in ("Spain", "France", "Portugal"):
        assert re.search(rf"{country}</th><td>1<", countries), country
    assert "Germany" not in countries  # Hanna only waits
    seats = page.split('class="seat-counts"')[1].split("</table>")[0]
    assert re.search(r"In person</th><td>2</td><td>2</td><td>2</td>", seats)
    assert re.search(r"Online</th><td>1</td><td>No limit</td><td>0</td>", seats)


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_members_and_others_may_not_see_the_list(browser, session, world, who):
    person = world["lucia"] if who == "member" else make_user(session, name="Otto Outsider")
    session.commit()
    browser.login(person)

    for path in ("participants", "participants.csv"):
        response = browser.client.get(f"/meetings/{world['meeting'].id}/{path}")
        assert response.status_code == 403
        assert "Vegetarian" not in page_of(response)
        assert "lucia@example.org" not in page_of(response)


def test_admins_see_the_list_and_anonymous_people_log_in(browser, client, session, world, admin):
    response = client.get(f"/meetings/{world['meeting'].id}/participants")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login")
    browser.login(admin)
    assert "Lucía Fernández" in page_of(participants(browser, world["meeting"]))


def test_needs_are_never_shown_once_the_meeting_is_over(browser, world):
    browser.login(world["coordinator"])
    meeting = world["meeting"]

    with clock.fixed_at(meeting.ends_at + timedelta(minutes=1)):
        page = page_of(participants(browser, meeting))
        export = page_of(browser.client.get(f"/meetings/{meeting.id}/participants.csv"))

    assert "Vegetarian meal" not in page and "Step-free access" not in page
    assert "dietary and access needs are no longer shown" in page
    assert "Vegetarian meal" not in export


def test_the_csv_export_has_the_same_columns_and_is_safe_against_formulas(browser, session, world):
    meeting = world["meeting"]
    make_registration(
        session, meeting, mode=AttendanceMode.ONLINE, name='=HYPERLINK("http://evil.example")',
        email="evil@example.org", organisation_name="+cmd|' /C calc'!A0",
        needs="@SUM(1+1)",
    )  # fmt: skip
    make_registration(
        session, meeting, mode=AttendanceMode.ONLINE, name="-2+3", email="minus@example.org"
    )
    session.commit()
    browser.login(world["coordinator"])

    response = browser.client.get(f"/meetings/{meeting.id}/participants.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="meeting-{meeting.id}-participants.csv"'
    )
    table = list(csv.reader(io.StringIO(page_of(response).lstrip("\ufeff"))))
    assert table[0] == [
        "Name", "Email", "Organisation", "Helix", "Region", "Country", "Mode", "Status",
        "Waiting-list position", "Dietary or access needs", "Attended",
    ]  # fmt: skip
    by_name = {row[0]: row for row in table[1:]}
    assert by_name["Lucía Fernández"][1:10] == [
        "lucia@example.org", "Universidad de Madrid", "Academia and research",
        "Comunidad de Madrid, Spain", "Spain", "In person", "Confirmed", "", "Vegetarian meal",
    ]  # fmt: skip
    assert by_name["Hanna Huber"][7:9] == ["On the waiting list", "1"]
    evil = by_name['\'=HYPERLINK("http://evil.example")']
    assert evil[2] == "'+cmd|' /C calc'!A0"
    assert evil[9] == "'@SUM(1+1)"
    assert "'-2+3" in by_name
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in table for cell in row)


# --- Checking in --------------------------------------------------------------------------------


def check_in(browser, registration, attended: str = "yes"):
    return browser.post(
        f"/registrations/{registration.id}/attendance", {"attended": attended}, page="/"
    )


def written(session):
    session.expire_all()
    return (
        [r.attended_at for r in session.scalars(select(Registration).order_by(Registration.id))],
        session.scalar(select(func.count()).select_from(AuditEntry)),
        session.scalar(select(func.count()).select_from(OutboxMessage)),
    )


def test_a_coordinator_checks_people_in_during_the_meeting_and_can_undo_it(browser, session, world):
    seat = world["seats"]["lucia"]
    browser.login(world["coordinator"])

    with clock.fixed_at(DURING):
        response = check_in(browser, seat)
        page = page_of(participants(browser, world["meeting"]))

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#registration-{seat.id}")
    session.expire_all()
    assert session.get(Registration, seat.id).attended_at == DURING
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "registration.attendance"))
    assert entry.actor_id == world["coordinator"].id
    lucia = next(row for row in rows(page, "confirmed") if "Lucía" in row)
    assert "Attended" in lucia and "Mark not attended" in lucia

    with clock.fixed_at(world["meeting"].ends_at + timedelta(days=29)):
        check_in(browser, seat, "no")
    session.expire_all()
    assert session.get(Registration, seat.id).attended_at is None


@pytest.mark.parametrize(
    ("when", "message"),
    [
        (STARTS - timedelta(days=1), "Attendance can be recorded from 4 March 2031, 08:00"),
        (STARTS + timedelta(days=40), "to 3 April 2031, 16:00 (Europe/Madrid)"),
    ],
    ids=["before", "long after"],
)
def test_checking_in_outside_the_window_is_refused_with_the_window(
    browser, session, world, when, message
):
    browser.login(world["coordinator"])
    before = written(session)

    with clock.fixed_at(when):
        response = check_in(browser, world["seats"]["lucia"])

    assert response.status_code == 400
    assert message in page_of(response)
    assert written(session) == before


def test_only_confirmed_people_are_checked_in_and_only_by_coordinators(browser, session, world):
    before = written(session)
    browser.login(world["coordinator"])
    with clock.fixed_at(DURING):
        waiting = check_in(browser, world["seats"]["hanna"])
    browser.logout()
    browser.login(world["lucia"])
    with clock.fixed_at(DURING):
        member = check_in(browser, world["seats"]["lucia"])

    assert waiting.status_code == 400
    assert "Only confirmed participants can be checked in." in page_of(waiting)
    assert member.status_code == 403
    assert written(session) == before


def test_a_cancelled_meeting_records_no_attendance(browser, session, world):
    world["meeting"].status = MeetingStatus.CANCELLED
    session.commit()
    browser.login(world["coordinator"])
    before = written(session)

    with clock.fixed_at(DURING):
        response = check_in(browser, world["seats"]["lucia"])

    assert response.status_code == 400
    assert "Attendance is recorded only for meetings that take place." in page_of(response)
    assert written(session) == before


# --- Query counts -------------------------------------------------------------------------------


def add_registrations(session, meeting, group, count: int) -> None:
    helices = list(Helix)
    regions = ["BE10", "FR10", "DE21", "ES30", "ITC4", "PL91", "EL30", "SE11"]
    for number in range(count):
        if number % 3 == 2:
            make_registration(
                session, meeting, mode=AttendanceMode.ONLINE, region_code=regions[number % 8],
                status=RegistrationStatus.WAITLISTED if number % 2 else
                RegistrationStatus.CONFIRMED,
            )  # fmt: skip
            continue
        organisation = make_organisation(
            session, helix=helices[number % 4], region_code=regions[number % 8]
        )
        person = make_user(session, organisation=organisation)
        make_membership(session, person, group)
        make_registration(
            session, meeting, person, mode=AttendanceMode.ONLINE, needs=f"Need {number}",
            status=RegistrationStatus.WAITLISTED if number % 5 == 0 else
            RegistrationStatus.CONFIRMED,
        )  # fmt: skip
    session.commit()


def test_participant_pages_keep_their_query_count_as_registrations_grow(
    browser, session, world, count_queries
):
    meeting = world["meeting"]
    browser.login(world["coordinator"])

    def queries() -> tuple[int, int]:
        with count_queries() as page:
            assert participants(browser, meeting).status_code == 200
        with count_queries() as export:
            assert browser.client.get(f"/meetings/{meeting.id}/participants.csv").status_code == 200
        return page.count, export.count

    add_registrations(session, meeting, world["group"], 10)
    small = queries()
    assert page_of(participants(browser, meeting)).count('class="participant ') == 16

    add_registrations(session, meeting, world["group"], 90)
    large = queries()
    assert page_of(participants(browser, meeting)).count('class="participant ') == 106

    assert large == small
    assert small[0] <= 8
