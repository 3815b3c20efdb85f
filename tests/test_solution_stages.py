"""A solution's stages: forward freely, back or out of completed and discontinued only with a
reason, discontinued with a reason, completed with open milestones only when confirmed; each
move audited with its reason and heard by the followers; every refusal writes nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from cop.errors import Conflict, Invalid, NotAllowed
from cop.mail import follows
from cop.mail.digests import event_sentence
from cop.mail.models import Notification
from cop.solutions import services
from cop.solutions.models import SolutionStage
from tests.factories import make_milestone, make_solution
from tests.test_solutions import (
    NOW,
    audit_actions,
    audit_entries,
    build_world,
    notified,
    written,
)

Stage = SolutionStage


@pytest.fixture
def world(app, session):
    yield from build_world(app, session)


@pytest.fixture
def solution(session, world):
    """A solution of the owner's in co-development, the member following it."""
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


def heard(session, person) -> list[tuple[str, str]]:
    """The stage changes the person heard of, oldest first: (event, detail)."""
    return [
        tuple(row)
        for row in session.execute(
            select(Notification.event, Notification.detail)
            .where(
                Notification.event.startswith("solution.stage_changed."),
                Notification.user_id == person.id,
            )
            .order_by(Notification.id)
        )
    ]


def move(session, world, solution, stage, who="owner", **options):
    services.change_stage(session, world[who], solution.id, stage, **options)
    session.commit()
    return solution


def refused(session, world, solution, stage, error=Invalid, who="owner", **options):
    """The move is refused; nothing is written. The error."""
    before = written(session), solution.stage, solution.discontinue_reason
    with pytest.raises(error) as caught:
        services.change_stage(session, world[who], solution.id, stage, **options)
    session.rollback()
    assert (written(session), solution.stage, solution.discontinue_reason) == before
    return caught.value


def test_forward_is_free_and_may_skip_stages(session, world, solution):
    move(session, world, solution, Stage.SUPPORT)
    move(session, world, solution, "monitoring", who="coordinator")  # as a form sends it
    assert solution.stage is Stage.MONITORING
    assert audit_actions(session, solution) == ["solution.stage_changed"] * 2
    entry = audit_entries(session, solution)[-1]
    assert entry.before == {"stage": "support", "reason": None}
    assert entry.after == {"stage": "monitoring", "reason": ""}
    assert entry.actor_id == world["coordinator"].id
    # Followers hear of each move, the new stage in the event (so that each reader's digest
    # says it in their language); the actor never.
    assert heard(session, world["member"]) == [
        ("solution.stage_changed.support", ""),
        ("solution.stage_changed.monitoring", ""),
    ]
    assert set(notified(session, "solution.stage_changed.monitoring")) == {world["member"].id}
    assert event_sentence("solution.stage_changed.monitoring", "") == (
        "This solution is being monitored."
    )


def test_moving_back_without_a_reason_is_refused(session, world, solution):
    move(session, world, solution, Stage.DEPLOYMENT)
    error = refused(session, world, solution, Stage.SUPPORT, reason="   ")
    assert [(p.field, p.message) for p in error.problems] == [
        ("reason", "Moving a solution back from Deployment to Support needs a reason: say why.")
    ]
    assert solution.stage is Stage.DEPLOYMENT


def test_moving_back_with_a_reason_is_audited_with_it(session, world, solution):
    move(session, world, solution, Stage.DEPLOYMENT)
    move(session, world, solution, Stage.SUPPORT, reason="The pilot region withdrew its funding.")
    assert solution.stage is Stage.SUPPORT
    entry = audit_entries(session, solution)[-1]
    assert entry.action == "solution.stage_changed"
    assert entry.before == {"stage": "deployment", "reason": None}
    assert entry.after == {"stage": "support", "reason": "The pilot region withdrew its funding."}
    assert heard(session, world["member"])[-1] == (
        "solution.stage_changed.support",
        "The pilot region withdrew its funding.",
    )


def test_discontinuing_needs_a_reason(session, world, solution):
    error = refused(session, world, solution, Stage.DISCONTINUED)
    assert [(p.field, p.message) for p in error.problems] == [
        ("reason", "Say why the solution is discontinued.")
    ]
    move(session, world, solution, Stage.DISCONTINUED, reason="A national scheme replaced it.")
    assert solution.stage is Stage.DISCONTINUED
    assert solution.discontinue_reason == "A national scheme replaced it."
    assert solution.discontinued_at == NOW
    assert audit_entries(session, solution)[-1].after == {
        "stage": "discontinued",
        "discontinue_reason": "A national scheme replaced it.",
        "discontinued_at": NOW.isoformat(),
        "reason": "A national scheme replaced it.",
    }


@pytest.mark.parametrize("closed", [Stage.COMPLETED, Stage.DISCONTINUED])
def test_leaving_a_closed_stage_needs_a_reason(session, world, closed):
    solution = make_solution(session, world["group"], world["owner"], stage=closed)
    session.commit()
    label = {"completed": "Completed", "discontinued": "Discontinued"}[closed.value]
    error = refused(session, world, solution, Stage.MONITORING)
    assert error.message == (
        f"Moving a solution back from {label} to Monitoring needs a reason: say why."
    )
    move(session, world, solution, Stage.MONITORING, reason="A second round was funded.")
    assert solution.stage is Stage.MONITORING
    # It is no longer discontinued: the reason stays in the history only.
    assert (solution.discontinue_reason, solution.discontinued_at) == ("", None)
    assert solution.completed_at is None
    assert services.why_not(solution, "edit") is None


def test_completing_with_open_milestones_needs_a_confirmation(session, world, solution):
    make_milestone(session, solution, due_on=date(2026, 1, 31), done_on=date(2026, 1, 20))
    make_milestone(session, solution, due_on=date(2026, 2, 28), withdrawn_at=NOW)
    make_milestone(session, solution, due_on=date(2026, 3, 31))
    make_milestone(session, solution, due_on=date(2026, 4, 30))
    session.commit()
    error = refused(session, world, solution, Stage.COMPLETED)
    assert [(p.field, p.message) for p in error.problems] == [
        (
            "confirm",
            "2 milestones are still open: confirm that the solution is completed all the same,"
            " or mark them done or withdraw them first.",
        )
    ]
    move(session, world, solution, Stage.COMPLETED, confirm_open_milestones=True)
    assert solution.stage is Stage.COMPLETED
    assert solution.completed_at == NOW
    assert services.why_not(solution, "complete") == "This solution is completed already."


def test_one_open_milestone_is_named_as_one(session, world, solution):
    make_milestone(session, solution)
    session.commit()
    error = refused(session, world, solution, Stage.COMPLETED)
    assert error.message.startswith("1 milestone is still open: confirm")


def test_completing_with_every_milestone_done_needs_no_confirmation(session, world, solution):
    make_milestone(session, solution, done_on=date(2026, 3, 1))
    session.commit()
    move(session, world, solution, Stage.COMPLETED)
    assert solution.stage is Stage.COMPLETED


def test_a_missing_reason_and_open_milestones_show_at_once(session, world):
    solution = make_solution(session, world["group"], world["owner"], stage=Stage.DISCONTINUED)
    make_milestone(session, solution)
    session.commit()
    error = refused(session, world, solution, Stage.COMPLETED)
    assert [p.field for p in error.problems] == ["reason", "confirm"]


def test_the_same_stage_is_a_conflict(session, world, solution):
    error = refused(session, world, solution, Stage.CO_DEVELOPMENT, error=Conflict)
    assert error.message == "This solution is already at the stage Co-development: see its page."


def test_an_unknown_stage_is_refused(session, world, solution):
    error = refused(session, world, solution, "finished")
    assert (error.field, error.message) == ("stage", "Choose one of the options.")


def test_a_long_reason_is_refused(session, world, solution):
    error = refused(session, world, solution, Stage.DISCONTINUED, reason="x" * 2001)
    assert (error.field, error.message) == ("reason", "Use at most 2000 characters.")


@pytest.mark.parametrize("who", ["member", "fan"])
def test_only_editors_change_the_stage(session, world, solution, who):
    error = refused(session, world, solution, Stage.SUPPORT, error=NotAllowed, who=who)
    assert error.message == "Only the solution's owners and the group's coordinators may do this."
