"""The demo's solutions: eight in Innovation Diffusion at every stage and two in Industrial
Transition, with milestones, indicators measured for a year and progress updates in every
status, keeping the rules the services enforce; loaded once, without email."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from cop import clock
from cop.audit.models import AuditEntry
from cop.challenges.search import PUBLIC_CHALLENGES
from cop.demo_solutions import DEMO_SOLUTIONS
from cop.mail import follows
from cop.mail.models import Follow, Notification, OutboxMessage
from cop.members.models import Membership, MembershipStatus, User
from cop.solutions.dashboard import group_dashboard
from cop.solutions.models import (
    Direction,
    Indicator,
    Measurement,
    Milestone,
    ProgressUpdate,
    Solution,
    SolutionStage,
    UpdateStatus,
)
from cop.solutions.progress import headline, indicator_series

LOADED = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
TODAY = LOADED.date()


@pytest.fixture
def demo(runner, session):
    with clock.fixed_at(LOADED):
        result = runner.invoke(args=["cop", "demo"])
    assert result.exit_code == 0, result.output
    return result


def solutions(session, slug: str | None = None) -> list[Solution]:
    query = select(Solution).order_by(Solution.id)
    if slug is not None:
        query = query.where(Solution.group.has(slug=slug))
    return list(session.scalars(query))


def test_a_solution_at_every_stage_in_innovation_diffusion_and_two_in_another_group(demo, session):
    diffusion = solutions(session, "innovation-diffusion")
    assert len(diffusion) == 8
    assert {s.stage for s in diffusion} == set(SolutionStage)
    assert len(solutions(session, "industrial-transition")) == 2
    # Most are public; one is for the members only, with internal notes.
    hidden = [s for s in solutions(session) if not s.public]
    assert [s.title for s in hidden] == ["Supplier development programme with multinationals"]
    assert hidden[0].internal_notes
    discontinued = next(s for s in diffusion if s.stage is SolutionStage.DISCONTINUED)
    assert discontinued.discontinue_reason and discontinued.discontinued_at < LOADED
    completed = next(s for s in diffusion if s.stage is SolutionStage.COMPLETED)
    assert completed.completed_at < LOADED
    # Updates in all three statuses; each solution's status is its newest update's.
    assert set(session.scalars(select(ProgressUpdate.status))) == set(UpdateStatus)
    for solution in solutions(session):
        if solution.updates:
            newest = solution.updates[0]
            assert (solution.status, solution.last_update_on) == (
                newest.status,
                newest.reported_on,
            )
        else:
            assert solution.status is None


def test_the_records_keep_the_rules_the_services_enforce(demo, session):
    for solution in solutions(session):
        group = solution.group
        # Owners are active members of the group; challenges its public ones.
        active = set(
            session.scalars(
                select(Membership.user_id).where(
                    Membership.group_id == group.id,
                    Membership.status == MembershipStatus.ACTIVE,
                )
            )
        )
        assert solution.owner_ids <= active, solution.title
        assert solution.challenges
        for challenge in solution.challenges:
            assert challenge.group_id == group.id
            assert challenge.status in PUBLIC_CHALLENGES, challenge.title
        assert solution.starts_on <= solution.planned_end_on
        deploying = {region.code for region in solution.regions}
        assert deploying
        for update in solution.updates:
            assert solution.starts_on <= update.reported_on <= TODAY
        for indicator in solution.indicators:
            assert indicator.target_value != indicator.baseline_value
            higher = indicator.target_value > indicator.baseline_value
            assert higher == (indicator.direction is Direction.HIGHER), indicator.name
            assert indicator.target_on > indicator.baseline_on
            assert indicator.region_code is None or indicator.region_code in deploying
            for measurement in indicator.measurements:
                assert indicator.baseline_on <= measurement.measured_on <= TODAY
                if indicator.region_code is not None:
                    assert measurement.region_code == indicator.region_code
                else:
                    assert measurement.region_code is None or measurement.region_code in deploying
        # The owners follow it.
        followers = set(
            session.scalars(
                select(Follow.user_id).where(
                    Follow.target == follows.SOLUTION, Follow.target_id == solution.id
                )
            )
        )
        assert solution.owner_ids <= followers


def test_indicators_in_both_directions_from_zero_per_region_with_a_year_of_measurements(
    demo, session
):
    indicators = list(session.scalars(select(Indicator)))
    assert {i.direction for i in indicators} == set(Direction)
    assert any(i.baseline_value == 0 for i in indicators)
    assert any(i.region_code is not None for i in indicators)
    # A year of monthly measurements in two regions.
    yearly = [
        i
        for i in indicators
        if {m.region_code for m in i.measurements} >= {r.code for r in i.solution.regions}
        and len(i.solution.regions) == 2
        and all(
            len([m for m in i.measurements if m.region_code == region.code]) == 12
            for region in i.solution.regions
        )
    ]
    assert yearly
    for indicator in yearly:
        for region in indicator.solution.regions:
            days = sorted(
                m.measured_on for m in indicator.measurements if m.region_code == region.code
            )
            assert all(day.day == 1 for day in days)
            assert days[-1] == TODAY.replace(day=1)
            assert days[-1] - days[0] >= timedelta(days=330)
    # Their progress is computed: part of the way toward the target.
    for indicator in indicators:
        if indicator.measurements:
            progress = headline(indicator, indicator_series(indicator))
            assert -0.5 < progress < 1.5, indicator.name


def test_milestones_done_and_overdue_and_history_in_the_audit_log(demo, session):
    milestones = list(session.scalars(select(Milestone)))
    assert any(m.done_on is not None for m in milestones)
    assert all(m.done_on is None or m.done_on <= TODAY for m in milestones)
    assert any(m.done_on is None and m.due_on < TODAY for m in milestones)  # overdue
    assert any(m.due_on > TODAY for m in milestones)  # ahead
    # One moved back once, with a reason; every stage change is dated before loading.
    moved_back = next(
        s for s in solutions(session) if s.title == "Shared indicators of innovation diffusion"
    )
    changes = list(
        session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.record_type == "solutions",
                AuditEntry.record_id == str(moved_back.id),
                AuditEntry.action == "solution.stage_changed",
            )
            .order_by(AuditEntry.at)
        )
    )
    assert [(e.before["stage"], e.after["stage"]) for e in changes] == [
        ("co_development", "support"),
        ("support", "deployment"),
        ("deployment", "support"),
        ("support", "deployment"),
        ("deployment", "monitoring"),
    ]
    assert changes[2].after["reason"]
    assert all(e.at < LOADED for e in changes)


def test_the_dashboard_of_the_demo_has_something_in_every_section(demo, session):
    person = session.scalar(select(User).where(User.email == "coordinator@example.org"))
    with clock.fixed_at(LOADED):
        board = group_dashboard(session, person, "innovation-diffusion")
    assert [row.count for row in board.funnel] == [1, 1, 2, 2, 1]
    assert board.discontinued == 1
    assert {row.status: row.count for row in board.statuses if row.count} == {
        UpdateStatus.ON_TRACK: 2,
        UpdateStatus.AT_RISK: 2,
        UpdateStatus.OFF_TRACK: 1,
        None: 1,
    }
    assert {m.title for m in board.overdue_milestones} == {
        "Desk staffed in Małopolska",
        "Agencies sign the planning protocol",
        "Three regions publish their analysis",
    }
    assert {u.solution_title for u in board.overdue_updates} == {
        "A joint planning calendar for the region's public agencies",
        "Supplier development programme with multinationals",
        "Shared indicators of innovation diffusion",
    }
    # Two no solution answers, and one whose only solution was discontinued.
    assert {c.title for c in board.unanswered} == {
        "SMEs lack the capacity to absorb advanced manufacturing technologies",
        "University research agendas ignore the needs of companies in the region",
        "Start-ups and SMEs are shut out of public procurement of innovation",
    }
    assert len(board.matrix.regions) >= 10


def test_loading_again_keeps_everything_and_sends_nothing(demo, runner, session):
    def counts():
        return [
            session.scalar(select(func.count()).select_from(model))
            for model in (
                Solution,
                Milestone,
                Indicator,
                Measurement,
                ProgressUpdate,
                Follow,
                AuditEntry,
            )
        ]

    first = counts()
    with clock.fixed_at(LOADED + timedelta(days=40)):
        again = runner.invoke(args=["cop", "demo"])
    assert again.exit_code == 0, again.output
    assert "Demo data: 0 created" in again.output
    session.expire_all()
    assert counts() == first
    assert len(DEMO_SOLUTIONS) == first[0]
    # The demo writes history, not news: nobody is mailed or notified.
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert session.scalar(select(func.count()).select_from(Notification)) == 0
