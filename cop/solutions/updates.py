"""Progress updates: an owner of a solution posts, every few weeks (as its group sets), how it
goes — on track, at risk or off track — what happened and what help is needed. The solution
keeps the status and date of its newest update for lists and the dashboard; its followers and
the members from regions that endorsed its challenges hear of each update in their digests."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from cop.audit.services import audited, record_change
from cop.auth.permissions import require_coordinator
from cop.challenges.models import Endorsement
from cop.challenges.services import MAX_DESCRIPTION, MAX_NOTE
from cop.errors import Conflict, Invalid
from cop.meetings.times import day_label
from cop.members.models import Membership, MembershipStatus, Organisation, User, WorkingGroup
from cop.solutions.access import find_solution, require_owner
from cop.solutions.models import (
    ACTIVE_STAGES,
    ProgressUpdate,
    Solution,
    SolutionStage,
    UpdateStatus,
    solution_challenges,
)
from cop.solutions.services import tell_followers, today_of
from cop.validation import Problems, check_choice, check_date, check_text

# How much of the narrative a digest quotes.
DIGEST_DETAIL = 200


def update_event(status: UpdateStatus) -> str:
    """The notification event of an update with this status: "solution.update_posted.at_risk".
    The status is in the event's name, not in its detail, so that each reader's digest says
    it in their own language (a detail is quoted as typed: here the narrative's start)."""
    return f"solution.update_posted.{status.value}"


def _reported_on(value: date | None, solution: Solution, today: date) -> date:
    """The update's date: today unless given; not in the future, nor before the solution
    started (or, without a start date, was proposed)."""
    value = check_date(value, "reported_on")
    if value is None:
        return today
    if value > today:
        raise Invalid(_("An update cannot be dated in the future."), field="reported_on")
    started = min(solution.starts_on or today, solution.created_at.date())
    if value < started:
        raise Invalid(
            _(
                "An update cannot be dated before the solution started (%(date)s).",
                date=day_label(started),
            ),
            field="reported_on",
        )
    return value


def endorsing_members(session: Session, solution: Solution) -> list[int]:
    """The active members of the solution's group whose organisation is in a region that
    endorsed one of the solution's challenges."""
    regions = (
        select(Endorsement.region_code)
        .join(
            solution_challenges,
            solution_challenges.c.challenge_id == Endorsement.challenge_id,
        )
        .where(
            solution_challenges.c.solution_id == solution.id,
            Endorsement.region_code.is_not(None),
        )
    )
    return list(
        session.scalars(
            select(Membership.user_id)
            .join(User, User.id == Membership.user_id)
            .join(Organisation, Organisation.id == User.organisation_id)
            .where(
                Membership.group_id == solution.group_id,
                Membership.status == MembershipStatus.ACTIVE,
                Organisation.region_code.in_(regions),
            )
            .order_by(Membership.user_id)
        )
    )


def post_update(
    session: Session,
    actor,
    solution_id: int,
    *,
    status: UpdateStatus | str,
    narrative: str,
    help_needed: str = "",
    reported_on: date | None = None,
) -> ProgressUpdate:
    """An owner posts a dated update (today unless they say otherwise, never in the future).
    Only owners do: a coordinator who does not own the solution may edit it but not speak
    for its progress. A completed or discontinued solution takes no more updates."""
    solution = find_solution(session, solution_id, lock=True)
    require_owner(session, actor, solution)
    if solution.stage not in ACTIVE_STAGES:
        raise Conflict(
            _("This solution is completed: it takes no more progress updates.")
            if solution.stage is SolutionStage.COMPLETED
            else _("This solution is discontinued: it takes no more progress updates.")
        )
    problems = Problems()
    status = problems.check(check_choice, UpdateStatus, status, "status")
    narrative = problems.check(
        check_text, narrative, "narrative", MAX_DESCRIPTION, required=True, refuse_control=True
    )
    help_needed = problems.check(
        check_text, help_needed, "help_needed", MAX_NOTE, refuse_control=True
    )
    reported_on = problems.check(_reported_on, reported_on, solution, today_of(solution))
    problems.raise_found()
    update = ProgressUpdate(
        solution=solution,
        author_id=actor.id,
        reported_on=reported_on,
        status=status,
        narrative=narrative,
        help_needed=help_needed,
    )
    session.add(update)
    # The newest update (by date, then the later posted on the same day) sets the status;
    # one dated back behind it only joins the history.
    if solution.last_update_on is None or reported_on >= solution.last_update_on:
        solution.status = status
        solution.last_update_on = reported_on
    session.flush()
    record_change(
        session,
        actor=actor,
        action="solution.update_posted",
        record=solution,
        summary=f"Posted a progress update on the solution {solution.title}",
        after={
            "update_id": update.id,
            "reported_on": reported_on,
            "status": status,
            "help_needed": bool(help_needed),
        },
    )
    tell_followers(
        session,
        actor,
        solution,
        update_event(status),
        narrative[:DIGEST_DETAIL],
        also_users=endorsing_members(session, solution),
    )
    return update


MAX_UPDATE_WEEKS = 26


def set_update_period(session: Session, actor, group: WorkingGroup, every_weeks) -> WorkingGroup:
    """The group's coordinators choose how often its solutions' owners post a progress update
    (every 1 to 26 weeks). The due dates and the reminders follow at once; the audit log keeps
    the change."""
    require_coordinator(session, actor, group)
    if isinstance(every_weeks, str):
        typed = every_weeks.strip()
        every_weeks = int(typed) if typed.isascii() and typed.isdigit() else None
    if not isinstance(every_weeks, int) or not 1 <= every_weeks <= MAX_UPDATE_WEEKS:
        raise Invalid(
            _("Ask for a progress update every 1 to %(num)s weeks.", num=MAX_UPDATE_WEEKS),
            field="update_every_weeks",
        )
    if every_weeks == group.update_every_weeks:
        return group
    with audited(
        session,
        actor=actor,
        action="group.update_period_changed",
        record=group,
        fields=("update_every_weeks",),
        summary=f"Progress updates of {group.name} are due every {every_weeks} weeks",
    ):
        group.update_every_weeks = every_weeks
    return group


def next_update_due(solution: Solution, every_weeks: int, today: date | None = None) -> date | None:
    """The date the solution's next progress update is due: `every_weeks` after its newest
    update, or after it started (or was created) when it has none; None when it owes none
    (not in an active stage). `today` does not move it: an overdue update stays due from
    that date (see update_overdue and the reminders' periods)."""
    if solution.stage not in ACTIVE_STAGES:
        return None
    # A solution proposed after it started owes its first update a period after it was
    # proposed, not at once.
    proposed = solution.created_at.date()
    since = solution.last_update_on or max(solution.starts_on or proposed, proposed)
    return since + timedelta(weeks=every_weeks)


def update_overdue(solution: Solution, every_weeks: int, today: date) -> bool:
    """The solution's progress update is overdue on `today` (the due day itself is not)."""
    due = next_update_due(solution, every_weeks, today)
    return due is not None and today > due


def overdue_period(solution: Solution, every_weeks: int, today: date) -> date | None:
    """The start of the period of `every_weeks` the overdue update is in on `today` (its due
    date, then each `every_weeks` after it), or None when it is not overdue: its owners are
    reminded once per period."""
    due = next_update_due(solution, every_weeks, today)
    if due is None or today <= due:
        return None
    periods = (today - due).days // (7 * every_weeks)
    return due + timedelta(weeks=periods * every_weeks)
