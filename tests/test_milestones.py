"""A solution's milestones: its editors add, change, mark done (not on a day to come), reopen
and withdraw them; each is audited on the solution; a milestone is reached only through its
own solution; overdue ones are told apart."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from cop import clock
from cop.errors import Conflict, Invalid, NotAllowed, NotFound
from cop.mail import follows
from cop.mail.digests import event_sentence
from cop.solutions import services
from cop.solutions.models import Milestone, SolutionStage
from tests.factories import make_milestone, make_solution
from tests.test_solutions import (
    NOW,
    audit_entries,
    build_world,
    count,
    notified,
    written,
)

TODAY = NOW.date()  # 10 March 2026, in Brussels as in UTC


@pytest.fixture
def world(app, session):
    yield from build_world(app, session)


@pytest.fixture
def solution(session, world):
    solution = make_solution(
        session,
        world["group"],
        world["owner"],
        challenges=(world["challenge"],),
        co_owners=(world["co_owner"],),
    )
    follows.follow(session, world["member"], follows.SOLUTION, solution.id)
    session.commit()
    return solution


def rows(session) -> tuple:
    return (*written(session), count(session, Milestone))


def refused(session, call, error=Invalid):
    """The call is refused and writes nothing: its error."""
    before = rows(session)
    with pytest.raises(error) as caught:
        call()
    session.rollback()
    assert rows(session) == before
    return caught.value


def add(session, world, solution, title="Ten SMEs enrolled", due_on=date(2026, 6, 30), who="owner"):
    milestone = services.add_milestone(session, world[who], solution.id, title, due_on)
    session.commit()
    return milestone


@pytest.mark.parametrize("who", ["owner", "co_owner", "coordinator"])
def test_editors_add_a_milestone(session, world, solution, who):
    milestone = add(session, world, solution, who=who)
    assert (milestone.solution, milestone.title, milestone.due_on) == (
        solution,
        "Ten SMEs enrolled",
        date(2026, 6, 30),
    )
    assert milestone.done_on is None and milestone.withdrawn_at is None
    entry = audit_entries(session, solution)[-1]
    assert entry.action == "solution.milestone_added"
    assert entry.actor_id == world[who].id
    assert entry.after == {
        "milestone_id": milestone.id,
        "title": "Ten SMEs enrolled",
        "due_on": "2026-06-30",
        "done_on": None,
        "withdrawn": False,
    }
    assert services.open_milestones(solution) == [milestone]


def test_a_member_may_not_add_a_milestone(session, world, solution):
    error = refused(
        session,
        lambda: services.add_milestone(session, world["member"], solution.id, "Mine", TODAY),
        NotAllowed,
    )
    assert error.message == "Only the solution's owners and the group's coordinators may do this."


@pytest.mark.parametrize(
    ("title", "due_on", "problems"),
    [
        ("", date(2026, 6, 30), [("title", "Please fill in this field.")]),
        ("x" * 201, date(2026, 6, 30), [("title", "Use at most 200 characters.")]),
        ("Enrolled", None, [("due_on", "Please fill in this field.")]),
        ("Enrolled", "30/06/2026", [("due_on", "Enter a date.")]),
        ("Enrolled", date(1, 1, 1), [("due_on", "Enter a date from 1900 to 2199.")]),
        ("Enrolled", date(9999, 12, 31), [("due_on", "Enter a date from 1900 to 2199.")]),
        (" ", None, [("title", "Please fill in this field."), ("due_on", "Please fill in this field.")]),
    ],
)  # fmt: skip
def test_a_bad_milestone_is_refused(session, world, solution, title, due_on, problems):
    error = refused(
        session,
        lambda: services.add_milestone(session, world["owner"], solution.id, title, due_on),
    )
    assert [(p.field, p.message) for p in error.problems] == problems


def test_editors_change_a_milestone(session, world, solution):
    milestone = add(session, world, solution)
    services.update_milestone(
        session, world["owner"], milestone.id, "Twelve SMEs", date(2026, 7, 31)
    )
    session.commit()
    assert (milestone.title, milestone.due_on) == ("Twelve SMEs", date(2026, 7, 31))
    entry = audit_entries(session, solution)[-1]
    assert entry.action == "solution.milestone_changed"
    assert entry.before == {"title": "Ten SMEs enrolled", "due_on": "2026-06-30"}
    assert entry.after == {"title": "Twelve SMEs", "due_on": "2026-07-31"}
    # Unchanged, nothing is written.
    before = rows(session)
    services.update_milestone(
        session, world["owner"], milestone.id, "Twelve SMEs", date(2026, 7, 31)
    )
    session.commit()
    assert rows(session) == before


def test_a_milestone_is_done_today_at_the_latest(session, world, solution):
    milestone = add(session, world, solution)
    error = refused(
        session,
        lambda: services.mark_milestone_done(
            session, world["owner"], milestone.id, date(2026, 3, 11)
        ),
    )
    assert (error.field, error.message) == (
        "done_on",
        "A milestone cannot be done on a day still to come.",
    )
    assert milestone.done_on is None

    services.mark_milestone_done(session, world["owner"], milestone.id, TODAY)
    session.commit()
    assert milestone.done_on == TODAY
    assert services.open_milestones(solution) == []
    entry = audit_entries(session, solution)[-1]
    assert (entry.action, entry.before, entry.after) == (
        "solution.milestone_done",
        {"done_on": None},
        {"done_on": "2026-03-10"},
    )
    # Followers hear of it; the actor does not.
    assert notified(session, "solution.milestone_done") == {world["member"].id: "Ten SMEs enrolled"}
    assert event_sentence("solution.milestone_done", "Ten SMEs enrolled") == (
        "A milestone of this solution was reached: “Ten SMEs enrolled”."
    )
    # Done twice: a stale form.
    refused(
        session,
        lambda: services.mark_milestone_done(session, world["owner"], milestone.id, TODAY),
        Conflict,
    )


def test_today_is_the_groups_day(session, world, solution):
    milestone = add(session, world, solution)
    # 23:30 in UTC is already the next day in Brussels, the group's time zone.
    with clock.fixed_at(datetime(2026, 3, 10, 23, 30, tzinfo=UTC)):
        services.mark_milestone_done(session, world["owner"], milestone.id, date(2026, 3, 11))
    session.commit()
    assert milestone.done_on == date(2026, 3, 11)


def test_a_done_milestone_needs_its_day(session, world, solution):
    milestone = add(session, world, solution)
    error = refused(
        session,
        lambda: services.mark_milestone_done(session, world["owner"], milestone.id, None),
    )
    assert (error.field, error.message) == ("done_on", "Please fill in this field.")


def test_a_milestone_done_by_mistake_is_reopened(session, world, solution):
    milestone = add(session, world, solution)
    refused(
        session,
        lambda: services.reopen_milestone(session, world["owner"], milestone.id),
        Conflict,
    )
    services.mark_milestone_done(session, world["owner"], milestone.id, TODAY)
    services.reopen_milestone(session, world["coordinator"], milestone.id)
    session.commit()
    assert milestone.done_on is None
    assert audit_entries(session, solution)[-1].action == "solution.milestone_reopened"


def test_a_withdrawn_milestone_is_kept_and_no_longer_open(session, world, solution):
    milestone = add(session, world, solution, due_on=date(2026, 1, 31))
    assert services.overdue(milestone, TODAY)
    services.withdraw_milestone(session, world["co_owner"], milestone.id)
    session.commit()
    assert session.get(Milestone, milestone.id) is milestone
    assert milestone.withdrawn_at == NOW
    assert services.open_milestones(solution) == []
    assert not services.overdue(milestone, TODAY)
    assert audit_entries(session, solution)[-1].after["withdrawn"] is True
    for call in (
        lambda: services.withdraw_milestone(session, world["owner"], milestone.id),
        lambda: services.mark_milestone_done(session, world["owner"], milestone.id, TODAY),
        lambda: services.update_milestone(session, world["owner"], milestone.id, "New", TODAY),
    ):
        error = refused(session, call, Conflict)
        assert error.message == "This milestone is withdrawn: it can no longer be changed."


def test_overdue_milestones_stand_out(session, world, solution):
    late = make_milestone(session, solution, due_on=date(2026, 3, 9))
    due_today = make_milestone(session, solution, due_on=TODAY)
    done_late = make_milestone(session, solution, due_on=date(2026, 1, 9), done_on=date(2026, 2, 1))
    assert services.overdue(late, TODAY)
    assert not services.overdue(due_today, TODAY)
    assert not services.overdue(done_late, TODAY)
    assert services.open_milestones(solution) == [late, due_today]


def test_someone_elses_milestone_is_not_reached_through_another_solution(session, world, solution):
    # The member owns a solution of their own; the milestone is the owner's.
    theirs = make_solution(session, world["group"], world["member"])
    milestone = make_milestone(session, solution)
    session.commit()
    for call in (
        lambda: services.mark_milestone_done(session, world["member"], milestone.id, TODAY),
        lambda: services.withdraw_milestone(session, world["member"], milestone.id),
        lambda: services.update_milestone(session, world["member"], milestone.id, "Mine", TODAY),
        lambda: services.reopen_milestone(session, world["member"], milestone.id),
    ):
        refused(session, call, NotAllowed)
    # Named with the solution of the page it came from, another solution's milestone is not
    # found, even for the coordinators.
    for who in ("member", "coordinator"):
        error = refused(
            session,
            lambda who=who: services.mark_milestone_done(
                session, world[who], milestone.id, TODAY, solution_id=theirs.id
            ),
            NotFound,
        )
        assert error.message == "There is no such milestone."
    assert milestone.done_on is None


def test_another_groups_milestone_is_not_found(session, world, solution):
    milestone = make_milestone(session, solution)
    session.commit()
    refused(
        session,
        lambda: services.withdraw_milestone(session, world["outsider"], milestone.id),
        NotFound,
    )
    refused(
        session,
        lambda: services.withdraw_milestone(session, world["owner"], 999_999),
        NotFound,
    )


@pytest.mark.parametrize("stage", [SolutionStage.COMPLETED, SolutionStage.DISCONTINUED])
def test_a_closed_solutions_milestones_stay_as_they_are(session, world, stage):
    solution = make_solution(session, world["group"], world["owner"], stage=stage)
    milestone = make_milestone(session, solution)
    session.commit()
    for call in (
        lambda: services.add_milestone(session, world["owner"], solution.id, "More", TODAY),
        lambda: services.mark_milestone_done(session, world["owner"], milestone.id, TODAY),
    ):
        error = refused(session, call, Conflict)
        assert error.message == services.why_not(solution, "milestones")
    assert session.scalar(select(Milestone.done_on).where(Milestone.id == milestone.id)) is None
