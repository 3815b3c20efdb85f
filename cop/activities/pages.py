"""What the activity pages show: a group's activities, one activity for one reader, the "What we
are doing" panel of the group page, a challenge's activities, and the choices of the forms.

Each read runs a fixed number of SQL statements whatever the number of activities, experts,
meetings or outputs: what a page walks is loaded eagerly. Every activity is public; what a
reader may not see of one is left out here: experts who did not agree to be listed (but for
the group's members), draft meetings (but for its coordinators), challenges not yet accepted
and practices not published."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from cop.activities.models import (
    Activity,
    ActivityExpert,
    ActivityKind,
    ActivityOutput,
    ActivityStatus,
    activity_challenges,
    activity_meetings,
)
from cop.activities.services import find_activity
from cop.auth.permissions import Standing, standing
from cop.challenges.models import Challenge, GoodPractice, PracticeStatus
from cop.challenges.search import PUBLIC_CHALLENGES
from cop.db import utcnow
from cop.mail import follows
from cop.meetings.models import Meeting
from cop.members.models import Membership, MembershipStatus, Region, User, WorkingGroup
from cop.members.services import get_public_group

PER_PAGE = 20
# How many of each the group page's panel shows.
SHOWN = 5
COMPLETED_SHOWN = 3


def _digits(value: str | None, limit: int = 7) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < limit else None


# -- a group's activities ----------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityFilters:
    """The list's filters as the query string gave them; values that mean nothing are None."""

    status: ActivityStatus | None = None
    kind: ActivityKind | None = None
    page: int = 1

    def args(self, **changes) -> dict:
        values = {
            "status": self.status.value if self.status else None,
            "kind": self.kind.value if self.kind else None,
            "page": self.page if self.page > 1 else None,
        }
        values.update(changes)
        return {name: value for name, value in values.items() if value}


def parse_filters(args) -> ActivityFilters:
    """Read `status`, `kind` and `page`; what is not a valid value is ignored."""
    status = (args.get("status") or "").strip()
    kind = (args.get("kind") or "").strip()
    return ActivityFilters(
        status=next((s for s in ActivityStatus if s.value == status), None),
        kind=next((k for k in ActivityKind if k.value == kind), None),
        page=max(1, _digits(args.get("page")) or 1),
    )


@dataclass(frozen=True)
class GroupActivities:
    group: WorkingGroup
    reader: Standing
    filters: ActivityFilters
    activities: list[Activity]
    total: int
    page: int
    pages: int


def group_activities(
    session: Session, reader, slug: str, filters: ActivityFilters
) -> GroupActivities:
    """The group's activities, newest first, a page at a time. Five queries at most."""
    group = get_public_group(session, slug)
    query = select(Activity).where(Activity.group_id == group.id)
    if filters.status:
        query = query.where(Activity.status == filters.status)
    if filters.kind:
        query = query.where(Activity.kind == filters.kind)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(filters.page, pages)
    activities = session.scalars(
        query.options(joinedload(Activity.host_region), selectinload(Activity.regions))
        .order_by(Activity.created_at.desc(), Activity.id.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    return GroupActivities(
        group=group,
        reader=standing(session, reader, group),
        filters=filters,
        activities=list(activities),
        total=total,
        page=page,
        pages=pages,
    )


# -- one activity ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityPage:
    activity: Activity
    group: WorkingGroup
    reader: Standing
    challenges: list[Challenge]  # those the reader may read
    experts: list[ActivityExpert]  # those the reader may see named
    unlisted_experts: int  # how many more there are
    meetings: list[Meeting]  # those the reader may see
    outputs: list[ActivityOutput]  # in force, those the reader may read
    following: bool


def activity_page(session: Session, reader, activity_id: int) -> ActivityPage:
    """One activity as `reader` may read it. Eight queries at most."""
    activity = session.scalar(
        select(Activity)
        .where(Activity.id == activity_id)
        .options(
            joinedload(Activity.group),
            joinedload(Activity.host_region),
            selectinload(Activity.regions),
            selectinload(Activity.challenges),
            selectinload(Activity.meetings),
            selectinload(Activity.experts).joinedload(ActivityExpert.user),
            selectinload(Activity.outputs).joinedload(ActivityOutput.practice),
        )
    )
    if activity is None:
        find_activity(session, activity_id)  # raises NotFound
    group = activity.group
    reader_standing = standing(session, reader, group)
    experts = [
        expert
        for expert in activity.experts
        if reader_standing.member or (expert.user.listed and expert.user.is_active)
    ]
    return ActivityPage(
        activity=activity,
        group=group,
        reader=reader_standing,
        challenges=[
            challenge
            for challenge in activity.challenges
            if reader_standing.member or challenge.status in PUBLIC_CHALLENGES
        ],
        experts=experts,
        unlisted_experts=len(activity.experts) - len(experts),
        meetings=[
            meeting
            for meeting in activity.meetings
            if reader_standing.coordinates or meeting.public
        ],
        outputs=[
            output
            for output in activity.outputs
            if output.withdrawn_at is None
            and (
                output.practice is None
                or output.practice.status is PracticeStatus.PUBLISHED
                or reader_standing.coordinates
            )
        ],
        following=follows.is_following(session, reader, follows.ACTIVITY, activity.id),
    )


def activity_with_outputs(session: Session, activity_id: int) -> Activity:
    """An activity with its group and every output (withdrawn ones too) and their practices,
    for its coordinators' outputs page; two queries."""
    activity = session.scalar(
        select(Activity)
        .where(Activity.id == activity_id)
        .options(
            joinedload(Activity.group),
            selectinload(Activity.outputs).joinedload(ActivityOutput.practice),
        )
    )
    if activity is None:
        find_activity(session, activity_id)  # raises NotFound
    return activity


# -- the group page's panel --------------------------------------------------------------------


@dataclass(frozen=True)
class PanelRow:
    activity: Activity
    next_meeting_at: object  # the start of its next public meeting, or None
    next_meeting_timezone: str | None = None  # that meeting's time zone, to show it in


@dataclass(frozen=True)
class GroupPanel:
    """What the group is doing: running and planned activities, soonest meeting first, and
    the ones completed most recently."""

    current: list[PanelRow]
    completed: list[Activity]


def group_panel(session: Session, group: WorkingGroup) -> GroupPanel:
    """One query, whatever the number of activities and meetings: the ids of each part are
    chosen in two subqueries of it, and the rows split here."""
    now = utcnow()
    next_meeting = (
        select(func.min(Meeting.starts_at))
        .join(activity_meetings, activity_meetings.c.meeting_id == Meeting.id)
        .where(
            activity_meetings.c.activity_id == Activity.id,
            Meeting.public,
            Meeting.ends_at > now,
        )
        .correlate(Activity)
        .scalar_subquery()
    )
    # The zone of that same meeting (the earliest; the lowest id among those at once).
    next_meeting_timezone = (
        select(Meeting.timezone)
        .join(activity_meetings, activity_meetings.c.meeting_id == Meeting.id)
        .where(
            activity_meetings.c.activity_id == Activity.id,
            Meeting.public,
            Meeting.ends_at > now,
        )
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(1)
        .correlate(Activity)
        .scalar_subquery()
    )
    current_ids = (
        select(Activity.id)
        .where(
            Activity.group_id == group.id,
            Activity.status.in_((ActivityStatus.RUNNING, ActivityStatus.PLANNED)),
        )
        .order_by(
            next_meeting.is_(None), next_meeting, Activity.created_at.desc(), Activity.id.desc()
        )
        .limit(SHOWN)
    )
    completed_ids = (
        select(Activity.id)
        .where(Activity.group_id == group.id, Activity.status == ActivityStatus.COMPLETED)
        .order_by(Activity.completed_at.desc(), Activity.id.desc())
        .limit(COMPLETED_SHOWN)
    )
    rows = session.execute(
        select(
            Activity,
            next_meeting.label("next_meeting_at"),
            next_meeting_timezone.label("next_meeting_timezone"),
        )
        .where(Activity.id.in_(current_ids) | Activity.id.in_(completed_ids))
        .options(joinedload(Activity.host_region))
    ).all()
    current = [
        PanelRow(activity, starts, zone)
        for activity, starts, zone in rows
        if activity.status is not ActivityStatus.COMPLETED
    ]
    current.sort(
        key=lambda row: (
            row.next_meeting_at is None,
            row.next_meeting_at or now,
            -row.activity.created_at.timestamp(),
            -row.activity.id,
        )
    )
    completed = [
        activity for activity, _starts, _zone in rows if activity.status is ActivityStatus.COMPLETED
    ]
    completed.sort(key=lambda activity: (activity.completed_at or now, activity.id), reverse=True)
    return GroupPanel(current=current, completed=completed)


# -- a challenge's activities ------------------------------------------------------------------


def challenge_activities(session: Session, challenge_id: int) -> list[Activity]:
    """The activities addressing a challenge, but cancelled ones, newest first; one query."""
    return list(
        session.scalars(
            select(Activity)
            .join(activity_challenges, activity_challenges.c.activity_id == Activity.id)
            .where(
                activity_challenges.c.challenge_id == challenge_id,
                Activity.status != ActivityStatus.CANCELLED,
            )
            .options(joinedload(Activity.host_region))
            .order_by(Activity.created_at.desc(), Activity.id.desc())
        )
    )


# -- the forms' choices ------------------------------------------------------------------------


@dataclass(frozen=True)
class FormChoices:
    regions: list[Region]
    challenges: list[Challenge]  # the group's public ones, and those the activity addresses
    meetings: list[Meeting]  # the group's, newest first
    members: list[User]  # the group's active members, by name


def form_choices(session: Session, group: WorkingGroup, activity: Activity | None = None):
    """Four queries."""
    linked = [challenge.id for challenge in activity.challenges] if activity else []
    regions = session.scalars(select(Region).order_by(Region.country_code, Region.name)).all()
    challenges = session.scalars(
        select(Challenge)
        .where(
            Challenge.group_id == group.id,
            Challenge.status.in_(PUBLIC_CHALLENGES) | Challenge.id.in_(linked)
            if linked
            else Challenge.status.in_(PUBLIC_CHALLENGES),
        )
        .order_by(Challenge.title, Challenge.id)
    ).all()
    meetings = session.scalars(
        select(Meeting)
        .where(Meeting.group_id == group.id)
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    ).all()
    members = session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.group_id == group.id, Membership.status == MembershipStatus.ACTIVE)
        .order_by(User.name, User.id)
    ).all()
    return FormChoices(
        regions=list(regions),
        challenges=list(challenges),
        meetings=list(meetings),
        members=list(members),
    )


def published_practices(
    session: Session, group: WorkingGroup, activity: Activity | None = None
) -> list[GoodPractice]:
    """The group's published practices, for the outputs form, but those already an output of
    `activity` (not withdrawn; its outputs as loaded); one query."""
    taken = {
        output.practice_id
        for output in (activity.outputs if activity is not None else ())
        if output.practice_id is not None and output.withdrawn_at is None
    }
    return [
        practice
        for practice in session.scalars(
            select(GoodPractice)
            .where(
                GoodPractice.group_id == group.id,
                GoodPractice.status == PracticeStatus.PUBLISHED,
            )
            .order_by(GoodPractice.title, GoodPractice.id)
        )
        if practice.id not in taken
    ]
