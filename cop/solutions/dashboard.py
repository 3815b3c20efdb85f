"""What a group's solution dashboard shows its members: solutions by stage (a funnel) and by
status, overdue milestones and progress updates, the challenges no solution answers yet, and
where the solutions answering each challenge are deployed.

The dashboard runs a fixed number of SQL statements whatever the number of solutions,
milestones, challenges or regions: counts are grouped in the database, and each list is one
query. Every solution of the group is counted, public or not: only members read the dashboard.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, load_only

from cop import clock
from cop.auth.permissions import require_member
from cop.challenges.models import Challenge
from cop.challenges.search import PUBLIC_CHALLENGES
from cop.members.membership import get_group
from cop.members.models import Region, User, WorkingGroup
from cop.solutions.models import (
    ACTIVE_STAGES,
    STAGE_ORDER,
    Milestone,
    Solution,
    SolutionStage,
    UpdateStatus,
    solution_challenges,
    solution_co_owners,
    solution_regions,
)
from cop.solutions.updates import next_update_due

# The statuses the dashboard counts, in the order it shows them; None: no update yet.
STATUS_ORDER: tuple[UpdateStatus | None, ...] = (*UpdateStatus, None)


def readable_dashboard(session: Session, reader, slug: str) -> WorkingGroup:
    """The group whose dashboard (and exports) the person asks for: its active members, its
    coordinators and the site's admins read them; NotAllowed for anyone else."""
    group = get_group(session, slug)
    require_member(session, reader, group)
    return group


@dataclass(frozen=True)
class StageCount:
    stage: SolutionStage
    count: int
    # The bar's length, from 0 to 100: the share of the largest stage (the funnel's widest).
    bar: float


@dataclass(frozen=True)
class StatusCount:
    status: UpdateStatus | None  # None: no update yet
    count: int
    bar: float


@dataclass(frozen=True)
class OverdueMilestone:
    solution_id: int
    solution_title: str
    title: str
    due_on: date
    days_late: int


@dataclass(frozen=True)
class OverdueUpdate:
    solution_id: int
    solution_title: str
    owners: list[str]  # the owner first, then the co-owners
    due_on: date
    days_late: int


@dataclass(frozen=True)
class Deployed:
    """A solution in a cell of the matrix."""

    solution_id: int
    title: str
    stage: SolutionStage


@dataclass(frozen=True)
class Matrix:
    """Challenges (rows) x regions (columns): where the solutions answering each challenge are
    deployed. Rows: the challenges that have a solution; columns: the regions where any of the
    group's solutions is deployed. Discontinued solutions are left out."""

    challenges: list[tuple[int, str]]  # (id, title)
    regions: list[Region]
    cells: dict[tuple[int, str], list[Deployed]]

    def cell(self, challenge_id: int, region_code: str) -> list[Deployed]:
        return self.cells.get((challenge_id, region_code), [])


@dataclass(frozen=True)
class Dashboard:
    group: WorkingGroup
    today: date
    total: int
    funnel: list[StageCount]  # the stages in their order
    discontinued: int
    active: int  # solutions in an active stage, which the statuses count
    statuses: list[StatusCount]
    overdue_milestones: list[OverdueMilestone]
    overdue_updates: list[OverdueUpdate]
    unanswered: list[Challenge]  # public challenges without any solution (but discontinued)
    matrix: Matrix


def group_dashboard(session: Session, reader, slug: str) -> Dashboard:
    """The group's solution dashboard for one of its members. Eight queries (with the
    reader's membership)."""
    group = readable_dashboard(session, reader, slug)
    today = clock.today(group.timezone)
    by_stage: dict[SolutionStage, int] = defaultdict(int)
    by_status: dict[UpdateStatus | None, int] = defaultdict(int)
    for stage, status, count in session.execute(
        select(Solution.stage, Solution.status, func.count())
        .where(Solution.group_id == group.id)
        .group_by(Solution.stage, Solution.status)
    ):
        by_stage[stage] += count
        if stage in ACTIVE_STAGES:
            by_status[status] += count
    widest = max((by_stage[stage] for stage in STAGE_ORDER), default=0) or 1
    most = max(by_status.values(), default=0) or 1
    return Dashboard(
        group=group,
        today=today,
        total=sum(by_stage.values()),
        funnel=[
            StageCount(stage, by_stage[stage], 100 * by_stage[stage] / widest)
            for stage in STAGE_ORDER
        ],
        discontinued=by_stage[SolutionStage.DISCONTINUED],
        active=sum(by_status.values()),
        statuses=[
            StatusCount(status, by_status[status], 100 * by_status[status] / most)
            for status in STATUS_ORDER
        ],
        overdue_milestones=overdue_milestones(session, group, today),
        overdue_updates=overdue_updates(session, group, today),
        unanswered=unanswered_challenges(session, group),
        matrix=deployment_matrix(session, group),
    )


def overdue_milestones(
    session: Session, group: WorkingGroup, today: date
) -> list[OverdueMilestone]:
    """The milestones of the group's solutions in an active stage that were due before today
    and are neither done nor withdrawn, the longest overdue first. One query."""
    rows = session.execute(
        select(Milestone.title, Milestone.due_on, Solution.id, Solution.title)
        .join(Solution, Solution.id == Milestone.solution_id)
        .where(
            Solution.group_id == group.id,
            Solution.stage.in_(ACTIVE_STAGES),
            Milestone.due_on < today,
            Milestone.done_on.is_(None),
            Milestone.withdrawn_at.is_(None),
        )
        .order_by(Milestone.due_on, Solution.title, Milestone.id)
    )
    return [
        OverdueMilestone(solution_id, solution_title, title, due_on, (today - due_on).days)
        for title, due_on, solution_id, solution_title in rows
    ]


def overdue_updates(session: Session, group: WorkingGroup, today: date) -> list[OverdueUpdate]:
    """The group's solutions in an active stage whose progress update is overdue (one every
    `group.update_every_weeks` weeks), with their owners, the longest overdue first. Two
    queries: the solutions with their owner, then the co-owners of them all."""
    solutions = session.scalars(
        select(Solution)
        .where(Solution.group_id == group.id, Solution.stage.in_(ACTIVE_STAGES))
        .options(
            load_only(
                Solution.title,
                Solution.stage,
                Solution.starts_on,
                Solution.last_update_on,
                Solution.created_at,
                Solution.owner_id,
            ),
            joinedload(Solution.owner).load_only(User.name),
        )
    ).all()
    late = []
    for solution in solutions:
        due = next_update_due(solution, group.update_every_weeks, today)
        if due is not None and due < today:
            late.append((solution, due))
    if not late:
        return []
    co_owners: dict[int, list[str]] = defaultdict(list)
    for solution_id, name in session.execute(
        select(solution_co_owners.c.solution_id, User.name)
        .join(User, User.id == solution_co_owners.c.user_id)
        .join(Solution, Solution.id == solution_co_owners.c.solution_id)
        .where(Solution.group_id == group.id, Solution.stage.in_(ACTIVE_STAGES))
        .order_by(User.name, User.id)
    ):
        co_owners[solution_id].append(name)
    late.sort(key=lambda item: (item[1], item[0].title, item[0].id))
    return [
        OverdueUpdate(
            solution.id,
            solution.title,
            [solution.owner.name, *co_owners[solution.id]],
            due,
            (today - due).days,
        )
        for solution, due in late
    ]


def unanswered_challenges(session: Session, group: WorkingGroup) -> list[Challenge]:
    """The group's public challenges (accepted, being or already addressed) that no solution
    answers, but a discontinued one; ranked ones first, by rank. One query."""
    answered = (
        select(solution_challenges.c.challenge_id)
        .join(Solution, Solution.id == solution_challenges.c.solution_id)
        .where(Solution.group_id == group.id, Solution.stage != SolutionStage.DISCONTINUED)
    )
    return list(
        session.scalars(
            select(Challenge)
            .where(
                Challenge.group_id == group.id,
                Challenge.status.in_(PUBLIC_CHALLENGES),
                Challenge.id.not_in(answered),
            )
            .order_by(Challenge.priority.is_(None), Challenge.priority, Challenge.id)
        )
    )


def deployment_matrix(session: Session, group: WorkingGroup) -> Matrix:
    """Which of the group's solutions (but discontinued ones) answer which challenge in which
    deploying region. One query."""
    rows = session.execute(
        select(
            Challenge.id,
            Challenge.title,
            Region,
            Solution.id,
            Solution.title,
            Solution.stage,
        )
        .select_from(Solution)
        .join(solution_challenges, solution_challenges.c.solution_id == Solution.id)
        .join(Challenge, Challenge.id == solution_challenges.c.challenge_id)
        .outerjoin(solution_regions, solution_regions.c.solution_id == Solution.id)
        .outerjoin(Region, Region.code == solution_regions.c.region_code)
        .where(Solution.group_id == group.id, Solution.stage != SolutionStage.DISCONTINUED)
        .order_by(Challenge.title, Challenge.id, Solution.title, Solution.id)
    )
    challenges: dict[int, str] = {}
    regions: dict[str, Region] = {}
    cells: dict[tuple[int, str], list[Deployed]] = defaultdict(list)
    for challenge_id, challenge_title, region, solution_id, title, stage in rows:
        challenges.setdefault(challenge_id, challenge_title)
        if region is not None:
            regions.setdefault(region.code, region)
            cells[challenge_id, region.code].append(Deployed(solution_id, title, stage))
    return Matrix(
        challenges=list(challenges.items()),
        regions=[regions[code] for code in sorted(regions)],
        cells=dict(cells),
    )
