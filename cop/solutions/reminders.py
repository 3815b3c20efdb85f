"""Reminders to the owners of a solution whose progress update is overdue: one email to each
owner, once per period of the group's `update_every_weeks` (starting on the due date).

`flask cop send-reminders` runs this as often as cron likes. Each reminder is recorded in
`update_reminders` (unique per solution and period) in the same transaction as its emails in
the outbox, so however often it runs, and even when two runs overlap, a period's reminder is
sent once."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from cop import clock
from cop.mail.messages import send_templated
from cop.members.models import Membership, MembershipStatus, User, WorkingGroup
from cop.solutions.access import find_solution
from cop.solutions.models import ACTIVE_STAGES, Solution, UpdateReminder
from cop.solutions.services import solution_path
from cop.solutions.updates import next_update_due, overdue_period


def _owners(session: Session, solution: Solution) -> list[User]:
    """The owners to remind: those with an open account who are still active members of the
    group (an owner who left cannot post the update)."""
    members = set(
        session.scalars(
            select(Membership.user_id).where(
                Membership.group_id == solution.group_id,
                Membership.status == MembershipStatus.ACTIVE,
                Membership.user_id.in_(solution.owner_ids),
            )
        )
    )
    owners = [solution.owner, *solution.co_owners]
    return [user for user in dict.fromkeys(owners) if user.active and user.id in members]


def _remind(session: Session, solution: Solution, period: date, due: date) -> int:
    """Record the period's reminder and queue its emails; 0 when another run recorded it, or
    when the owners were reminded of this overdue update for a period that started less than
    a period before this one (the group changed how often since: the periods moved)."""
    weeks = solution.group.update_every_weeks
    reminded = session.scalar(
        select(UpdateReminder.id).where(
            UpdateReminder.solution_id == solution.id,
            UpdateReminder.due_on >= due,
            UpdateReminder.due_on > period - timedelta(weeks=weeks),
        )
    )
    if reminded is not None:
        return 0
    try:
        with session.begin_nested():
            session.add(UpdateReminder(solution_id=solution.id, due_on=period, sent_at=clock.now()))
            session.flush()
    except IntegrityError:
        return 0  # another run recorded it first: that run sends the emails
    path = solution_path(solution)
    queued = 0
    for owner in _owners(session, solution):
        sent = send_templated(
            session,
            to=owner.email,
            template="solution_update_due",
            language=owner.language,
            name=owner.name,
            solution=solution,
            group=solution.group,
            due_on=due,
            every_weeks=solution.group.update_every_weeks,
            solution_url=current_app.config["BASE_URL"] + path,
        )
        queued += sent is not None
    session.flush()
    return queued


def send_update_reminders(session: Session, today: date | None = None) -> int:
    """Queue the reminders of overdue progress updates; returns how many emails were queued.
    `today` is each group's own date unless given. Commits after each solution, so a long run
    keeps what it did if it stops half way."""
    solutions = session.scalars(
        select(Solution)
        .join(WorkingGroup, WorkingGroup.id == Solution.group_id)
        .where(Solution.stage.in_(ACTIVE_STAGES), WorkingGroup.archived.is_(False))
        .options(joinedload(Solution.group))
        .order_by(Solution.id)
    ).all()
    owed = [solution.id for solution in solutions if _owed(solution, today)]
    queued = 0
    for solution_id in owed:
        # Read again, locked: an owner may have posted the update since the first look (the
        # session keeps what it read, so its copy is expired first to be read afresh).
        session.expire(session.get(Solution, solution_id))
        solution = find_solution(session, solution_id, lock=True)
        if solution.stage in ACTIVE_STAGES:
            owes = _owed(solution, today)
            if owes is not None:
                queued += _remind(session, solution, *owes)
        session.commit()
    return queued


def _owed(solution: Solution, today: date | None) -> tuple[date, date] | None:
    """The period the solution's overdue update is in and its due date; None when not due."""
    weeks = solution.group.update_every_weeks
    day = today or clock.today(solution.group.timezone)
    period = overdue_period(solution, weeks, day)
    if period is None:
        return None
    return period, next_update_due(solution, weeks, day)
