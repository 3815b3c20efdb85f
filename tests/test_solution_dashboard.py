"""The group's solution dashboard: solutions by stage and by status, overdue milestones and
progress updates, challenges without a solution, the challenges x regions matrix; who may read
it, and a fixed number of queries with 10 and 500 solutions."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime

import pytest

from cop import clock
from cop.challenges.models import ChallengeStatus
from cop.demo_scale import add_solutions
from cop.errors import NotAllowed
from cop.members.models import MembershipStatus, Role
from cop.solutions.dashboard import group_dashboard
from cop.solutions.models import SolutionStage, UpdateStatus
from tests.conftest import Browser
from tests.factories import (
    make_challenge,
    make_group,
    make_membership,
    make_milestone,
    make_solution,
    make_update,
    make_user,
)

# Thursday 26 November 2026 in Brussels, the group's time zone.
NOW = datetime(2026, 11, 26, 11, 0, tzinfo=UTC)
TODAY = date(2026, 11, 26)
PATH = "/groups/innovation-diffusion/solutions/dashboard"


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def main_of(response) -> str:
    page = text_of(response)
    return page[page.index("<main") : page.index("</main>")]


def browser_for(app, person=None) -> Browser:
    browser = Browser(app.test_client())
    if person is not None:
        browser.login(person)
    return browser


@pytest.fixture(autouse=True)
def fixed_clock():
    with clock.fixed_at(NOW):
        yield


@pytest.fixture
def world(app, session):
    """Innovation Diffusion (an update due every 4 weeks) with a solution at every stage:

    - "Voucher coaching" (deployment; vouchers; BE10, DE11), updated on 20 November (on
      track); its milestone "Pilot in Brussels" was due on 1 November, 25 days ago;
    - "Shared SME desk" (support; vouchers and one entry point; BE10), owned with a co-owner,
      updated on 1 October (at risk): its update was due on 29 October, 28 days ago;
    - "Talent return" (co-development; one entry point; PT11), started on 1 September with no
      update since: due on 29 September, 58 days ago;
    - "Agency one-stop shop" (monitoring; vouchers; DE11), updated on 10 November (off track);
    - "Old scheme" (completed; one entry point; DE11), with a milestone left open;
    - "Dropped scheme" (discontinued; skills gap; FR10).
    """
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    other = make_group(session, slug="industrial-transition", name="Industrial Transition")
    coordinator = make_user(session, name="Cora Coordinator")
    owner = make_user(session, name="Olga Owner")
    co_owner = make_user(session, name="Cem Co-owner")
    member = make_user(session, name="Max Member")
    applicant = make_user(session, name="Ana Applicant")
    outsider = make_user(session, name="Otto Outsider")
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    for person in (owner, co_owner, member):
        make_membership(session, person, group)
    make_membership(session, applicant, group, status=MembershipStatus.APPLIED)
    make_membership(session, outsider, other)

    def challenge(title, status=ChallengeStatus.ACCEPTED, in_group=group, **values):
        return make_challenge(session, in_group, status=status, title=title, **values)

    vouchers = challenge("Vouchers reach the same firms", priority=1)
    entry = challenge("No single entry point to research", ChallengeStatus.BEING_ADDRESSED)
    skills = challenge("Skills gap in data analysis", priority=2)
    dropped = challenge("Firms do not share data")
    challenge("A proposed challenge", ChallengeStatus.PROPOSED)
    challenge("A closed challenge", ChallengeStatus.CLOSED, decision_note="Out of scope.")
    challenge("Their challenge", in_group=other)

    def solution(title, stage, challenges, regions, **values):
        # Proposed before they started: their first update is due a period after the start.
        values.setdefault("created_at", datetime(2026, 1, 5, tzinfo=UTC))
        return make_solution(
            session,
            group,
            owner,
            title=title,
            stage=stage,
            challenges=challenges,
            region_codes=regions,
            **values,
        )

    coaching = solution(
        "Voucher coaching", SolutionStage.DEPLOYMENT, (vouchers,), ("BE10", "DE11"), public=True
    )
    make_update(session, coaching, owner, reported_on=date(2026, 11, 20))
    make_milestone(session, coaching, title="Pilot in Brussels", due_on=date(2026, 11, 1))
    make_milestone(
        session, coaching, title="Partners agree", due_on=date(2026, 10, 1), done_on=TODAY
    )
    make_milestone(
        session, coaching, title="Withdrawn step", due_on=date(2026, 9, 1), withdrawn_at=NOW
    )
    make_milestone(session, coaching, title="Due today", due_on=TODAY)
    make_milestone(session, coaching, title="Evaluation", due_on=date(2027, 6, 30))
    desk = solution(
        "Shared SME desk",
        SolutionStage.SUPPORT,
        (vouchers, entry),
        ("BE10",),
        co_owners=(co_owner,),
    )
    make_update(session, desk, owner, status=UpdateStatus.AT_RISK, reported_on=date(2026, 10, 1))
    solution(
        "Talent return",
        SolutionStage.CO_DEVELOPMENT,
        (entry,),
        ("PT11",),
        starts_on=date(2026, 9, 1),
    )
    one_stop = solution("Agency one-stop shop", SolutionStage.MONITORING, (vouchers,), ("DE11",))
    make_update(
        session, one_stop, owner, status=UpdateStatus.OFF_TRACK, reported_on=date(2026, 11, 10)
    )
    old = solution("Old scheme", SolutionStage.COMPLETED, (entry,), ("DE11",))
    make_milestone(session, old, title="Left open", due_on=date(2026, 1, 31))
    make_update(session, old, owner, status=UpdateStatus.OFF_TRACK, reported_on=date(2025, 6, 1))
    solution("Dropped scheme", SolutionStage.DISCONTINUED, (dropped,), ("FR10",))
    their = make_solution(session, other, outsider, title="Their solution")
    make_milestone(session, their, title="Their late milestone", due_on=date(2026, 1, 1))
    session.commit()
    return {
        "group": group,
        "other": other,
        "coordinator": coordinator,
        "owner": owner,
        "member": member,
        "applicant": applicant,
        "outsider": outsider,
        "vouchers": vouchers,
        "entry": entry,
        "skills": skills,
        "dropped": dropped,
        "coaching": coaching,
        "desk": desk,
    }


# --- What the dashboard counts and lists --------------------------------------------------------


def test_solutions_by_stage_with_discontinued_apart_and_by_status_among_those_under_way(
    app, session, world
):
    board = group_dashboard(session, world["member"], "innovation-diffusion")

    assert board.today == TODAY
    assert board.total == 6
    assert [(row.stage, row.count) for row in board.funnel] == [
        (SolutionStage.CO_DEVELOPMENT, 1),
        (SolutionStage.SUPPORT, 1),
        (SolutionStage.DEPLOYMENT, 1),
        (SolutionStage.MONITORING, 1),
        (SolutionStage.COMPLETED, 1),
    ]
    assert board.discontinued == 1
    # The completed solution's old "off track" is not counted: it is no longer under way.
    assert board.active == 4
    assert [(row.status, row.count) for row in board.statuses] == [
        (UpdateStatus.ON_TRACK, 1),
        (UpdateStatus.AT_RISK, 1),
        (UpdateStatus.OFF_TRACK, 1),
        (None, 1),
    ]
    assert all(row.bar == 100 for row in board.funnel)


def test_bars_are_shares_of_the_largest_count(app, session, world):
    owner = world["owner"]
    for _ in range(3):
        make_solution(session, world["group"], owner, stage=SolutionStage.DEPLOYMENT)
    session.commit()

    board = group_dashboard(session, world["member"], "innovation-diffusion")

    bars = {row.stage: row.bar for row in board.funnel}
    assert bars[SolutionStage.DEPLOYMENT] == 100
    assert bars[SolutionStage.SUPPORT] == 25
    statuses = {row.status: (row.count, row.bar) for row in board.statuses}
    assert statuses[None] == (4, 100)
    assert statuses[UpdateStatus.AT_RISK] == (1, 25)


def test_overdue_milestones_are_open_past_due_and_of_solutions_under_way(app, session, world):
    board = group_dashboard(session, world["member"], "innovation-diffusion")

    assert [
        (m.solution_title, m.title, m.due_on, m.days_late) for m in board.overdue_milestones
    ] == [("Voucher coaching", "Pilot in Brussels", date(2026, 11, 1), 25)]
    # Not listed: done, withdrawn, due today, ahead, of a completed solution, of another group.


def test_overdue_updates_count_from_the_last_update_or_the_start(app, session, world):
    board = group_dashboard(session, world["member"], "innovation-diffusion")

    assert [(u.solution_title, u.owners, u.due_on, u.days_late) for u in board.overdue_updates] == [
        ("Talent return", ["Olga Owner"], date(2026, 9, 29), 58),
        ("Shared SME desk", ["Olga Owner", "Cem Co-owner"], date(2026, 10, 29), 28),
    ]

    # Every 8 weeks, the desk's update (1 October) is due on 26 November: today, not late.
    world["group"].update_every_weeks = 8
    session.commit()
    board = group_dashboard(session, world["member"], "innovation-diffusion")
    assert [(u.solution_title, u.days_late) for u in board.overdue_updates] == [
        ("Talent return", 30)
    ]


def test_challenges_without_a_solution_but_a_discontinued_one(app, session, world):
    board = group_dashboard(session, world["member"], "innovation-diffusion")

    # The accepted ones (ranked first); not the proposed, the closed, nor another group's.
    assert [c.title for c in board.unanswered] == [
        "Skills gap in data analysis",
        "Firms do not share data",
    ]


def test_the_matrix_shows_where_each_challenge_s_solutions_are_deployed(app, session, world):
    matrix = group_dashboard(session, world["member"], "innovation-diffusion").matrix

    vouchers, entry = world["vouchers"].id, world["entry"].id
    # Rows by title; the discontinued solution's challenge and region are left out.
    assert matrix.challenges == [
        (entry, "No single entry point to research"),
        (vouchers, "Vouchers reach the same firms"),
    ]
    assert [region.code for region in matrix.regions] == ["BE10", "DE11", "PT11"]

    def cell(challenge_id, code):
        return [(s.title, s.stage) for s in matrix.cell(challenge_id, code)]

    assert cell(vouchers, "BE10") == [
        ("Shared SME desk", SolutionStage.SUPPORT),
        ("Voucher coaching", SolutionStage.DEPLOYMENT),
    ]
    assert cell(vouchers, "DE11") == [
        ("Agency one-stop shop", SolutionStage.MONITORING),
        ("Voucher coaching", SolutionStage.DEPLOYMENT),
    ]
    assert cell(vouchers, "PT11") == []
    assert cell(entry, "BE10") == [("Shared SME desk", SolutionStage.SUPPORT)]
    assert cell(entry, "DE11") == [("Old scheme", SolutionStage.COMPLETED)]
    assert cell(entry, "PT11") == [("Talent return", SolutionStage.CO_DEVELOPMENT)]


def test_only_members_coordinators_and_admins_read_the_dashboard(app, session, world, admin):
    for person in (world["member"], world["coordinator"], admin):
        assert group_dashboard(session, person, "innovation-diffusion").total == 6
    for person in (world["applicant"], world["outsider"], None):
        with pytest.raises(NotAllowed):
            group_dashboard(session, person, "innovation-diffusion")


# --- The page -----------------------------------------------------------------------------------


def test_the_page_shows_each_section_with_numbers_in_text(app, world):
    response = browser_for(app, world["member"]).client.get(PATH)

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = main_of(response)
    assert "Solutions dashboard" in page
    # The funnel and the statuses: tables with their numbers in text, bars hidden from readers.
    assert '<table class="funnel">' in page
    assert '<th scope="row">Co-development</th><td class="count">1</td>' in page
    assert "Discontinued apart: 1 solution." in page
    assert '<th scope="row">No update yet</th><td class="count">1</td>' in page
    assert 'aria-hidden="true"' in page and "style=" not in page
    # What is late.
    assert "Pilot in Brussels" in page and "25 days" in page
    assert "Talent return" in page and "58 days" in page
    assert "Olga Owner, Cem Co-owner" in page
    assert "every 4 weeks" in page
    # Challenges waiting, and the matrix with its headers.
    assert "Skills gap in data analysis" in page
    assert f'href="/challenges/{world["skills"].id}"' in page
    assert '<table class="deployment-matrix">' in page
    assert '<th scope="col">Challenge</th>' in page
    assert f'href="/solutions/{world["desk"].id}"' in page
    # The exports.
    for name in ("solutions", "indicators", "measurements"):
        assert f'href="/groups/innovation-diffusion/solutions/{name}.csv"' in page
    # Not another group's.
    assert "Their solution" not in page and "Their late milestone" not in page


def test_an_empty_dashboard_says_so(app, session, world):
    empty = make_group(session, slug="empty-group", name="Empty group")
    make_membership(session, world["member"], empty)
    session.commit()

    response = browser_for(app, world["member"]).client.get(
        "/groups/empty-group/solutions/dashboard"
    )

    assert response.status_code == 200
    page = main_of(response)
    assert "No milestone is overdue." in page
    assert "No progress update is overdue." in page
    assert "Every challenge the group accepted has a solution." in page
    assert "No solution answering a challenge is deployed in a region yet." in page


def test_the_public_logs_in_and_people_outside_the_group_are_refused(app, world):
    anonymous = browser_for(app).client.get(PATH)
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/account/login")
    for person in ("outsider", "applicant"):
        refused = browser_for(app, world[person]).client.get(PATH)
        assert refused.status_code == 403, person
        assert "Voucher coaching" not in text_of(refused)
    assert (
        browser_for(app, world["member"])
        .client.get("/groups/nowhere/solutions/dashboard")
        .status_code
        == 404
    )


# --- Query counts -------------------------------------------------------------------------------


def test_the_dashboard_runs_a_fixed_number_of_queries_with_10_and_500_solutions(
    app, session, world, count_queries
):
    group = world["group"]
    member = browser_for(app, world["member"])
    coordinator = browser_for(app, world["coordinator"])

    def queries() -> tuple[int, int]:
        counts = []
        for browser in (member, coordinator):
            with count_queries() as counter:
                response = browser.client.get(PATH)
            assert response.status_code == 200
            counts.append(counter.count)
        return tuple(counts)

    add_solutions(session, group.id, 4)  # with the world's six: 10
    session.commit()
    small = queries()
    add_solutions(session, group.id, 490)
    session.commit()
    board = group_dashboard(session, world["member"], "innovation-diffusion")
    # The bulk solutions make every list long: overdue milestones and updates, the matrix.
    assert board.total == 500
    assert len(board.overdue_milestones) > 100 and len(board.overdue_updates) > 50
    assert len(board.matrix.regions) > 5

    assert queries() == small
