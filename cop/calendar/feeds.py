"""The calendar files cop serves, read from the meetings: one meeting's file, a group's
public feed, and each person's own feed at its secret address.

Who may see what follows the meeting pages, with one rule of its own: a calendar entry
is an invitation to come, so the public files carry only meetings open to anyone;
members-only meetings reach members through their own feed (or their signed-in
download). The online link is written only for people confirmed for the meeting and
for its coordinators. Each file is built in a fixed number of queries, whatever the
number of meetings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager, joinedload

from cop import clock
from cop.auth.permissions import is_signed_in, standing
from cop.calendar import ics
from cop.calendar.services import feed_owner
from cop.errors import NotFound
from cop.meetings.ical import meeting_event
from cop.meetings.models import (
    Audience,
    Meeting,
    MeetingStatus,
    Registration,
    RegistrationStatus,
)
from cop.members.models import Membership, MembershipStatus, Role, User, WorkingGroup

# A cancelled meeting stays in feeds, marked cancelled, until this long after its planned
# end, so that every subscriber's program sees it go rather than silently lose it.
KEPT_AFTER_CANCELLATION = timedelta(days=30)


@dataclass(frozen=True)
class CalendarFile:
    body: bytes
    # The last change of anything the file was built from (for Last-Modified).
    last_modified: datetime
    filename: str


def kept_in_feeds(meeting: Meeting, now: datetime) -> bool:
    return meeting.status is not MeetingStatus.CANCELLED or now < _leaves_feeds(meeting)


def _leaves_feeds(meeting: Meeting) -> datetime:
    return meeting.ends_at + KEPT_AFTER_CANCELLATION


def _last_change(meetings: Iterable[Meeting], others: Iterable[datetime], now: datetime):
    """When the feed last changed: the latest change of what it shows, or the moment a
    cancelled meeting left it, whichever came last."""
    instants = list(others)
    for meeting in meetings:
        instants += [meeting.updated_at, meeting.group.updated_at]
        if meeting.status is MeetingStatus.CANCELLED and _leaves_feeds(meeting) <= now:
            instants.append(_leaves_feeds(meeting))
    return max(instants, default=datetime(1970, 1, 1, tzinfo=UTC))


# --- One meeting ----------------------------------------------------------------------------


def meeting_file(session: Session, viewer, meeting_id: int) -> CalendarFile:
    """A meeting's own file, for anyone who may come to it: open meetings for everyone,
    members-only ones for the group's members, drafts for its coordinators."""
    meeting = session.scalar(
        select(Meeting).where(Meeting.id == meeting_id).options(joinedload(Meeting.group))
    )
    if meeting is None:
        raise NotFound(_("There is no such meeting."))
    reader = standing(session, viewer, meeting.group)
    if (not meeting.public and not reader.coordinates) or (
        meeting.audience is Audience.MEMBERS and not reader.member
    ):
        raise NotFound(_("There is no such meeting."))
    registration = None
    if is_signed_in(viewer):
        registration = session.scalar(
            select(Registration).where(
                Registration.meeting_id == meeting.id, Registration.user_id == viewer.id
            )
        )
    confirmed = registration is not None and registration.status is RegistrationStatus.CONFIRMED
    body = ics.event_file(meeting_event(meeting, online_link=reader.coordinates or confirmed))
    # The reader's registration counts too: being confirmed adds the online link.
    changes = [registration.updated_at] if registration is not None else []
    return CalendarFile(body, max([meeting.updated_at, *changes]), f"meeting-{meeting.id}.ics")


# --- A group's public feed ----------------------------------------------------------------


def group_feed_name(group: WorkingGroup) -> str:
    return _("%(group)s: meetings", group=group.name)


def group_feed(session: Session, slug: str, now: datetime | None = None) -> CalendarFile:
    """Every published meeting of a group that anyone may come to, past ones included."""
    now = now or clock.now()
    group = session.scalar(select(WorkingGroup).where(WorkingGroup.slug == slug))
    if group is None:
        raise NotFound(_("There is no working group at this address."))
    # Every published meeting is read, so that one made members-only since (it leaves the
    # feed) still counts as a change for Last-Modified.
    published = session.scalars(
        select(Meeting)
        .where(Meeting.group_id == group.id, Meeting.public)
        .order_by(Meeting.starts_at, Meeting.id)
    ).all()
    shown = [
        meeting
        for meeting in published
        if meeting.audience is Audience.OPEN and kept_in_feeds(meeting, now)
    ]
    body = ics.feed(
        (meeting_event(meeting, online_link=False) for meeting in shown),
        name=group_feed_name(group),
        timezone=group.timezone,
        description=_(
            "The meetings of the working group %(group)s open to everyone.", group=group.name
        ),
    )
    return CalendarFile(body, _last_change(published, [group.updated_at], now), f"{group.slug}.ics")


# --- A person's own feed ------------------------------------------------------------------


def personal_feed(session: Session, token: str, now: datetime | None = None) -> CalendarFile:
    """The feed at a person's secret address, in their language: the meetings they are
    registered for (or waiting for) and, for coordinators, every meeting of their groups,
    drafts included (as tentative)."""
    now = now or clock.now()
    owner = feed_owner(session, token)
    if owner is None:
        raise NotFound(_("There is no calendar at this address."))
    with force_locale(owner.language or current_app.config["DEFAULT_LANGUAGE"]):
        return _personal_feed(session, owner, now)


def personal_feed_name(owner: User) -> str:
    return _("My meetings (%(name)s)", name=owner.name)


def _personal_feed(session: Session, owner: User, now: datetime) -> CalendarFile:
    registrations = session.scalars(
        select(Registration)
        .join(Registration.meeting)
        .where(Registration.user_id == owner.id, Meeting.public)
        .options(contains_eager(Registration.meeting).joinedload(Meeting.group))
    ).all()
    memberships = session.scalars(select(Membership).where(Membership.user_id == owner.id)).all()
    coordinated_groups = [
        m.group_id
        for m in memberships
        if m.role is Role.COORDINATOR and m.status is MembershipStatus.ACTIVE
    ]
    coordinated = (
        session.scalars(
            select(Meeting)
            .where(Meeting.group_id.in_(coordinated_groups))
            .options(joinedload(Meeting.group))
        ).all()
        if coordinated_groups
        else []
    )

    coordinates = {meeting.id for meeting in coordinated}
    holding = {
        r.meeting_id: r
        for r in registrations
        if r.status in (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)
    }
    meetings = {m.id: m for m in coordinated} | {r.meeting_id: r.meeting for r in holding.values()}
    events = []
    for meeting in sorted(meetings.values(), key=lambda m: (m.starts_at, m.id)):
        if not kept_in_feeds(meeting, now):
            continue
        registration = holding.get(meeting.id)
        waiting = registration is not None and registration.status is RegistrationStatus.WAITLISTED
        note = ""
        if waiting:
            # Not the place on the list: it moves with other people's registrations, which
            # would change the feed without changing what Last-Modified is made of.
            note = _("You are on the waiting list: we will email you if a seat frees up.")
        elif meeting.status is MeetingStatus.DRAFT:
            note = _("Draft: only the group's coordinators see this meeting until it is published.")
        events.append(
            meeting_event(
                meeting,
                online_link=meeting.id in coordinates or (registration is not None and not waiting),
                note=note,
                waiting=waiting,
            )
        )
    body = ics.feed(
        events,
        name=personal_feed_name(owner),
        timezone=owner.timezone,
        description=_("The meetings of the S3 Community of Practice you take part in."),
    )
    last = _last_change(
        meetings.values(),
        [r.updated_at for r in registrations]
        + [m.updated_at for m in memberships]
        + [owner.updated_at],
        now,
    )
    return CalendarFile(body, last, "my-meetings.ics")
