"""What the solution pages show: a group's solutions, one solution for one reader (its stage,
owners, milestones, indicators with their charts, history), the "Solutions" panel of the group
page, a challenge's solutions, and the choices of the forms.

Each read runs a fixed number of SQL statements whatever the number of solutions, owners,
milestones, indicators, measurements or updates: what a page walks is loaded eagerly. What a
reader may not see is left out here: solutions not public (but for the group's members), their
internal notes (the template shows them to members only), owners who did not agree to be
listed (counted, not named, but for the members), challenges not yet accepted."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import format_percent, ngettext
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from cop import clock
from cop.audit.models import AuditEntry
from cop.auth.permissions import Standing, standing
from cop.challenges.models import Challenge
from cop.challenges.search import PUBLIC_CHALLENGES
from cop.errors import NotFound
from cop.mail import follows
from cop.meetings.times import day_label
from cop.members.labels import region_label
from cop.members.membership import get_group
from cop.members.models import Membership, MembershipStatus, Region, User, WorkingGroup
from cop.solutions.access import may_edit, may_read, may_report
from cop.solutions.chart import format_value, indicator_chart
from cop.solutions.models import (
    ACTIVE_STAGES,
    STAGE_ORDER,
    Indicator,
    Measurement,
    Milestone,
    ProgressUpdate,
    Solution,
    SolutionStage,
    UpdateStatus,
    solution_challenges,
)
from cop.solutions.progress import Series, headline, indicator_series
from cop.solutions.services import CLOSED_STAGES
from cop.solutions.updates import next_update_due

PER_PAGE = 20
# The status filter's value for the solutions with no progress update yet.
NO_UPDATE = "none"
# What the history shows of the audit log (progress updates come from their own table).
HISTORY_ACTIONS = (
    "solution.created",
    "solution.stage_changed",
    "solution.published",
    "solution.unpublished",
)


def _digits(value: str | None, limit: int = 7) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < limit else None


def _today(group: WorkingGroup) -> date:
    return clock.today(group.timezone)


@dataclass(frozen=True)
class Owners:
    """A solution's owners as one reader may see them: the names they may read, and how many
    more there are (people who did not agree to be listed, for readers outside the group)."""

    named: list[User]
    unlisted: int


def _owners(solution: Solution, reader: Standing) -> Owners:
    people = [
        solution.owner,
        *(user for user in solution.co_owners if user.id != solution.owner_id),
    ]
    named = [person for person in people if reader.member or (person.listed and person.is_active)]
    return Owners(named=named, unlisted=len(people) - len(named))


def _challenges(solution: Solution, reader: Standing) -> list[Challenge]:
    return [
        challenge
        for challenge in solution.challenges
        if reader.member or challenge.status in PUBLIC_CHALLENGES
    ]


# -- a group's solutions -----------------------------------------------------------------------


@dataclass(frozen=True)
class SolutionFilters:
    """The list's filters as the query string gave them; values that mean nothing are None.
    `status` is an UpdateStatus, or NO_UPDATE for the solutions with no update yet."""

    stage: SolutionStage | None = None
    status: UpdateStatus | str | None = None
    page: int = 1

    @property
    def status_value(self) -> str | None:
        if isinstance(self.status, UpdateStatus):
            return self.status.value
        return self.status

    def args(self, **changes) -> dict:
        values = {
            "stage": self.stage.value if self.stage else None,
            "status": self.status_value,
            "page": self.page if self.page > 1 else None,
        }
        values.update(changes)
        return {name: value for name, value in values.items() if value}


def parse_filters(args) -> SolutionFilters:
    """Read `stage`, `status` and `page`; what is not a valid value is ignored."""
    stage = (args.get("stage") or "").strip()
    status = (args.get("status") or "").strip()
    return SolutionFilters(
        stage=next((s for s in SolutionStage if s.value == stage), None),
        status=NO_UPDATE
        if status == NO_UPDATE
        else next((s for s in UpdateStatus if s.value == status), None),
        page=max(1, _digits(args.get("page")) or 1),
    )


@dataclass(frozen=True)
class SolutionRow:
    solution: Solution
    owners: Owners
    challenges: list[Challenge]  # those the reader may read
    next_update_on: date | None  # for members: when its next progress update is due
    update_overdue: bool


@dataclass(frozen=True)
class GroupSolutions:
    group: WorkingGroup
    reader: Standing
    filters: SolutionFilters
    rows: list[SolutionRow]
    total: int
    page: int
    pages: int


def group_solutions(
    session: Session, reader, slug: str, filters: SolutionFilters
) -> GroupSolutions:
    """The group's solutions the reader may read (public ones; all for its members), most
    recently changed first, a page at a time. Seven queries at most."""
    group = get_group(session, slug)
    reader_standing = standing(session, reader, group)
    query = select(Solution).where(Solution.group_id == group.id)
    if not reader_standing.member:
        query = query.where(Solution.public.is_(True))
    if filters.stage:
        query = query.where(Solution.stage == filters.stage)
    if filters.status == NO_UPDATE:
        query = query.where(Solution.status.is_(None))
    elif filters.status:
        query = query.where(Solution.status == filters.status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(filters.page, pages)
    solutions = session.scalars(
        query.options(
            joinedload(Solution.owner),
            selectinload(Solution.co_owners),
            selectinload(Solution.challenges),
            selectinload(Solution.regions),
        )
        .order_by(Solution.updated_at.desc(), Solution.id.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    today = _today(group)
    rows = []
    for solution in solutions:
        due = (
            next_update_due(solution, group.update_every_weeks, today)
            if reader_standing.member
            else None
        )
        rows.append(
            SolutionRow(
                solution=solution,
                owners=_owners(solution, reader_standing),
                challenges=_challenges(solution, reader_standing),
                next_update_on=due,
                update_overdue=due is not None and today > due,
            )
        )
    return GroupSolutions(
        group=group,
        reader=reader_standing,
        filters=filters,
        rows=rows,
        total=total,
        page=page,
        pages=pages,
    )


# -- one solution ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelStep:
    stage: SolutionStage
    state: str  # "done", "current" or "ahead"


@dataclass(frozen=True)
class MilestoneRow:
    milestone: Milestone
    overdue: bool  # open past its due date on a solution under way (never on a closed one)
    withdrawn: bool


# Beyond this share of the way (a hundred times the target), progress is shown as "more than".
FAR = 100


def progress_label(value: float | None) -> str:
    """Progress toward the target in words: "50% of the way to the target". Rounding never
    claims what did not happen: 99.96% is "99%", not a target reached; a move away too small
    to show is "-1%", not "-0%"."""
    if value is None:
        return _("No measurement yet")
    if value >= 1:
        if value > FAR:
            return _(
                "more than %(percent)s of the way: target reached",
                percent=format_percent(FAR),
            )
        return _("%(percent)s of the way: target reached", percent=format_percent(value))
    if value < 0:
        shown = max(min(math.floor(round(value * 100, 6)), -1), -100 * FAR)
        return _("%(percent)s: moved away from the target", percent=format_percent(shown / 100))
    shown = min(math.floor(round(value * 100, 6)), 99)
    return _("%(percent)s of the way to the target", percent=format_percent(shown / 100))


@dataclass(frozen=True)
class SeriesView:
    label: str  # the region's name, or "Whole solution"
    series: Series

    @property
    def progress(self) -> str:
        return progress_label(self.series.progress)

    @property
    def latest(self) -> str:
        return format_value(self.series.latest) if self.series.latest is not None else ""


@dataclass(frozen=True)
class MeasurementRow:
    measurement: Measurement
    region_label: str

    @property
    def value(self) -> str:
        return format_value(self.measurement.value)


@dataclass(frozen=True)
class IndicatorView:
    indicator: Indicator
    series: list[SeriesView]
    progress: float | None  # its headline progress (see progress.headline)
    progress_text: str
    progress_basis: str  # what the headline is of, when its regions are measured too, or else ""
    chart: Markup
    measurements: list[MeasurementRow]  # newest first, not withdrawn

    @property
    def baseline(self) -> str:
        return format_value(self.indicator.baseline_value)

    @property
    def target(self) -> str:
        return format_value(self.indicator.target_value)


@dataclass(frozen=True)
class HistoryEntry:
    """One line of the solution's history: a progress update, or a change from the audit log
    (created, moved to a stage, published, unpublished)."""

    at: date | datetime
    kind: str  # "update" or the audit action
    actor: str | None  # the name the reader may read, or None
    update: ProgressUpdate | None = None
    stage_from: SolutionStage | None = None
    stage_to: SolutionStage | None = None
    reason: str = ""


@dataclass(frozen=True)
class SolutionPage:
    solution: Solution
    group: WorkingGroup
    reader: Standing
    may_edit: bool  # its owners and the group's coordinators
    may_report: bool  # its owners post progress updates
    editable: bool  # not completed nor discontinued: its details, milestones, indicators change
    takes_updates: bool  # in an active stage: its owners post progress updates
    owners: Owners
    challenges: list[Challenge]  # those the reader may read
    funnel: list[FunnelStep]
    milestones: list[MilestoneRow]
    open_milestones: int
    indicators: list[IndicatorView]
    latest_update: ProgressUpdate | None
    next_update_on: date | None  # for members
    update_overdue: bool
    history: list[HistoryEntry]  # newest first
    following: bool
    today: date


def _load_solution(session: Session, solution_id: int) -> Solution:
    solution = session.scalar(
        select(Solution)
        .where(Solution.id == solution_id)
        .options(
            joinedload(Solution.group),
            joinedload(Solution.owner),
            selectinload(Solution.co_owners),
            selectinload(Solution.challenges),
            selectinload(Solution.regions),
            selectinload(Solution.milestones),
            selectinload(Solution.indicators).options(
                joinedload(Indicator.region),
                selectinload(Indicator.measurements).joinedload(Measurement.region),
            ),
            selectinload(Solution.updates).joinedload(ProgressUpdate.author),
        )
    )
    if solution is None:
        raise NotFound(_("There is no such solution."))
    return solution


def readable_page_solution(session: Session, reader, solution_id: int):
    """The solution with all its page shows, and the reader's standing; NotFound for a
    solution they may not read."""
    solution = _load_solution(session, solution_id)
    reader_standing = standing(session, reader, solution.group)
    if not may_read(reader_standing, solution):
        raise NotFound(_("There is no such solution."))
    return solution, reader_standing


def funnel(solution: Solution, left_from: SolutionStage | None = None) -> list[FunnelStep]:
    """The stages in their order, each done, current or ahead. A discontinued solution left
    the funnel: the stages up to the one it left from (`left_from`, from its history) are
    done, none is current; all are ahead when that stage is not known."""
    if solution.stage not in STAGE_ORDER:
        reached = STAGE_ORDER.index(left_from) if left_from in STAGE_ORDER else -1
        return [
            FunnelStep(stage, "done" if number <= reached else "ahead")
            for number, stage in enumerate(STAGE_ORDER)
        ]
    position = STAGE_ORDER.index(solution.stage)
    return [
        FunnelStep(
            stage,
            "done" if number < position else "current" if number == position else "ahead",
        )
        for number, stage in enumerate(STAGE_ORDER)
    ]


def _series_label(region: Region | None, code: str | None) -> str:
    if code is None:
        return _("Whole solution")
    return region_label(region) if region is not None else code


def _progress_basis(indicator: Indicator, series: list[Series]) -> str:
    """What the headline progress is of, said when the table beside it has regions too: a
    reader comparing "46%" with the regions' 36% and 57% learns it is their average. (An
    indicator set for one region names it already.)"""
    regions = sum(1 for one in series if one.region_code is not None)
    if not regions or indicator.region_code is not None:
        return ""
    if any(one.region_code is None for one in series):
        return _("for the whole solution")
    return ngettext(
        "in the one region measured", "average of the %(num)s regions measured", regions
    )


def _indicator_view(indicator: Indicator) -> IndicatorView:
    series = indicator_series(indicator)
    views = [SeriesView(_series_label(one.region, one.region_code), one) for one in series]
    overall = headline(indicator, series)
    live = [m for m in indicator.measurements if m.withdrawn_at is None]
    live.sort(key=lambda m: (m.measured_on, m.region_code or "", m.id), reverse=True)
    return IndicatorView(
        indicator=indicator,
        series=views,
        progress=overall,
        progress_text=progress_label(overall),
        progress_basis=_progress_basis(indicator, series),
        chart=indicator_chart(
            indicator,
            [(view.label, view.series.points) for view in views],
            chart_id=f"indicator-{indicator.id}-chart",
            day=day_label,  # as the page beside it dates them
        ),
        measurements=[MeasurementRow(m, _series_label(m.region, m.region_code)) for m in live],
    )


def _named(user: User | None, reader: Standing) -> str | None:
    """People are named to the group's members, and to everyone when they agreed to be listed."""
    if user is None or not user.is_active:
        return None
    return user.name if reader.member or user.listed else None


def _stage(value) -> SolutionStage | None:
    return next((stage for stage in SolutionStage if stage.value == value), None)


def solution_history(session: Session, solution: Solution, reader: Standing) -> list[HistoryEntry]:
    """The solution's progress updates (loaded with it) and its creation, moves between
    stages and publication from the audit log, newest first; one query."""
    entries = session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.record_type == Solution.__tablename__,
            AuditEntry.record_id == str(solution.id),
            AuditEntry.action.in_(HISTORY_ACTIONS),
        )
        .options(joinedload(AuditEntry.actor))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    ).all()
    history = [
        HistoryEntry(
            at=entry.at,
            kind=entry.action,
            actor=_named(entry.actor, reader),
            stage_from=_stage((entry.before or {}).get("stage")),
            stage_to=_stage((entry.after or {}).get("stage")),
            reason=str((entry.after or {}).get("reason") or ""),
        )
        for entry in entries
    ]
    history.extend(
        HistoryEntry(
            at=update.reported_on, kind="update", actor=_named(update.author, reader), update=update
        )
        for update in solution.updates
    )

    def when(entry: HistoryEntry) -> tuple:
        # An update is dated by its day: it sorts after the changes of that day's start.
        at = entry.at
        day = at.date() if isinstance(at, datetime) else at
        return (day, isinstance(at, date) and not isinstance(at, datetime))

    history.sort(key=when, reverse=True)
    return history


def _left_from(solution: Solution, history: list[HistoryEntry]) -> SolutionStage | None:
    """The stage a discontinued solution was discontinued from: its newest move there."""
    if solution.stage is not SolutionStage.DISCONTINUED:
        return None
    return next(
        (
            entry.stage_from
            for entry in history
            if entry.kind == "solution.stage_changed"
            and entry.stage_to is SolutionStage.DISCONTINUED
        ),
        None,
    )


def solution_page(session: Session, reader, solution_id: int) -> SolutionPage:
    """One solution as `reader` may read it. Eleven queries at most."""
    solution, reader_standing = readable_page_solution(session, reader, solution_id)
    group = solution.group
    today = _today(group)
    closed = solution.stage in CLOSED_STAGES
    milestones = [
        MilestoneRow(
            milestone=milestone,
            # A completed or discontinued solution aims at nothing more: nothing is late.
            overdue=not closed
            and milestone.done_on is None
            and milestone.withdrawn_at is None
            and milestone.due_on < today,
            withdrawn=milestone.withdrawn_at is not None,
        )
        for milestone in solution.milestones
        if reader_standing.member or milestone.withdrawn_at is None
    ]
    due = (
        next_update_due(solution, group.update_every_weeks, today)
        if reader_standing.member
        else None
    )
    history = solution_history(session, solution, reader_standing)
    return SolutionPage(
        solution=solution,
        group=group,
        reader=reader_standing,
        may_edit=may_edit(reader_standing, reader, solution),
        may_report=may_report(reader_standing, reader, solution),
        editable=not closed,
        takes_updates=solution.stage in ACTIVE_STAGES,
        owners=_owners(solution, reader_standing),
        challenges=_challenges(solution, reader_standing),
        funnel=funnel(solution, _left_from(solution, history)),
        milestones=milestones,
        open_milestones=sum(
            1 for row in milestones if row.milestone.done_on is None and not row.withdrawn
        ),
        indicators=[
            _indicator_view(indicator)
            for indicator in solution.indicators
            if indicator.withdrawn_at is None
        ],
        latest_update=solution.updates[0] if solution.updates else None,
        next_update_on=due,
        update_overdue=due is not None and today > due,
        history=history,
        following=follows.is_following(session, reader, follows.SOLUTION, solution.id),
        today=today,
    )


# -- the group page's panel --------------------------------------------------------------------


@dataclass(frozen=True)
class GroupPanel:
    """How many of the group's solutions (those the reader may read) are at each stage and in
    each status."""

    total: int
    by_stage: list[tuple[SolutionStage, int]]  # every stage, in order
    by_status: list[tuple[UpdateStatus | None, int]]  # every status, then "no update yet"


def group_panel(session: Session, group: WorkingGroup, *, members: bool) -> GroupPanel:
    """One aggregate query, whatever the number of solutions; `members`: the reader is a
    member of the group (counts every solution, not only the public ones)."""
    query = (
        select(Solution.stage, Solution.status, func.count(Solution.id))
        .where(Solution.group_id == group.id)
        .group_by(Solution.stage, Solution.status)
    )
    if not members:
        query = query.where(Solution.public.is_(True))
    stages: Counter = Counter()
    statuses: Counter = Counter()
    for stage, status, count in session.execute(query):
        stages[stage] += count
        statuses[status] += count
    return GroupPanel(
        total=sum(stages.values()),
        by_stage=[(stage, stages[stage]) for stage in (*STAGE_ORDER, SolutionStage.DISCONTINUED)],
        by_status=[(status, statuses[status]) for status in (*UpdateStatus, None)],
    )


# -- a challenge's solutions -------------------------------------------------------------------


def challenge_solutions(session: Session, challenge_id: int, reader: Standing) -> list[Solution]:
    """The solutions answering a challenge that the reader may read (the public ones; all for
    the members of its group), by stage then title; one query. (A challenge's solutions are
    its group's, so the reader's standing in the challenge's group decides.)"""
    query = (
        select(Solution)
        .join(solution_challenges, solution_challenges.c.solution_id == Solution.id)
        .where(solution_challenges.c.challenge_id == challenge_id)
        .order_by(Solution.title, Solution.id)
    )
    if not reader.member:
        query = query.where(Solution.public.is_(True))
    solutions = list(session.scalars(query))
    order = {
        stage: number for number, stage in enumerate((*STAGE_ORDER, SolutionStage.DISCONTINUED))
    }
    solutions.sort(key=lambda solution: order[solution.stage])
    return solutions


# -- the forms ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormChoices:
    regions: list[Region]
    challenges: list[Challenge]  # the group's public ones, and those the solution answers
    members: list[User]  # the group's active members, by name


def form_choices(
    session: Session, group: WorkingGroup, solution: Solution | None = None
) -> FormChoices:
    """Three queries."""
    linked = [challenge.id for challenge in solution.challenges] if solution else []
    regions = session.scalars(select(Region).order_by(Region.country_code, Region.name)).all()
    public = Challenge.status.in_(PUBLIC_CHALLENGES)
    challenges = session.scalars(
        select(Challenge)
        .where(
            Challenge.group_id == group.id, public | Challenge.id.in_(linked) if linked else public
        )
        .order_by(Challenge.title, Challenge.id)
    ).all()
    members = session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.group_id == group.id, Membership.status == MembershipStatus.ACTIVE)
        .order_by(User.name, User.id)
    ).all()
    people = list(members)
    if solution is not None:
        # Its owners stay offered though they left the group since: the form keeps them
        # (the service does too) rather than quietly naming someone else.
        present = {user.id for user in people}
        gone = {
            user.id: user
            for user in (solution.owner, *solution.co_owners)
            if user.id not in present
        }
        people = sorted([*people, *gone.values()], key=lambda user: (user.name, user.id))
    return FormChoices(regions=list(regions), challenges=list(challenges), members=people)


def solution_for_form(session: Session, solution_id: int) -> Solution:
    """A solution with its group, links, regions and live indicators loaded, for its forms
    (the view checks who may use them; the services check again)."""
    solution = session.scalar(
        select(Solution)
        .where(Solution.id == solution_id)
        .options(
            joinedload(Solution.group),
            joinedload(Solution.owner),
            selectinload(Solution.co_owners),
            selectinload(Solution.challenges),
            selectinload(Solution.regions),
            selectinload(Solution.indicators).joinedload(Indicator.region),
        )
    )
    if solution is None:
        raise NotFound(_("There is no such solution."))
    return solution


def live_indicators(solution: Solution) -> list[Indicator]:
    return [indicator for indicator in solution.indicators if indicator.withdrawn_at is None]


def active_stage(solution: Solution) -> bool:
    return solution.stage in ACTIVE_STAGES
