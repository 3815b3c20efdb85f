"""What the public meeting pages show: one meeting for one reader, a group's meetings, its cycle.

Each read runs a fixed number of SQL statements whatever the number of
registrations, agenda items or materials: what a page walks is loaded eagerly,
and participant counts are aggregated in SQL. Private data (the online link,
members-only agenda, minutes and materials, the names of people who did not
agree to be listed) is left out here, not in the template.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.orm import Session, aliased, contains_eager, joinedload, selectinload

from cop import clock
from cop.auth.permissions import is_signed_in, standing
from cop.errors import NotFound
from cop.meetings.cycle import FilledSlot, cycle_slots, fill_slots
from cop.meetings.models import (
    AgendaItem,
    AttendanceMode,
    Material,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Registration,
    RegistrationStatus,
    Visibility,
)
from cop.meetings.registration import RegistrationState, registration_state
from cop.meetings.times import date_pattern, same_wall_clock, timezone_names
from cop.members.models import (
    Helix,
    Organisation,
    Region,
    User,
    WorkingGroup,
)
from cop.members.services import get_public_group

# How many meetings the group page lists as upcoming and as recent.
GROUP_PAGE_MEETINGS = 5


def _visible(coordinates: bool):
    """The meetings a reader may see: all of the group's for its coordinators, else the public ones."""
    return true() if coordinates else Meeting.public


# -- one meeting -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Participant:
    """Someone confirmed for a meeting who agreed to be named."""

    name: str
    person_id: int | None  # their profile, when they have an account
    organisation: str
    region: Region | None


@dataclass(frozen=True)
class Attendance:
    """Confirmed people of a meeting, counted; counts reveal no names."""

    total: int
    by_mode: list[tuple[AttendanceMode, int]]
    by_helix: list[tuple[Helix | None, int]]  # the four helices (zeros too), then not stated
    by_country: list[tuple[str | None, int]]  # largest first


@dataclass(frozen=True)
class MeetingPage:
    meeting: Meeting
    state: RegistrationState
    member: bool
    coordinates: bool
    confirmed: bool  # the reader holds a confirmed seat
    sees_online_link: bool
    # The reader's own zone when it differs from the meeting's (None: same, or not signed in).
    reader_zone: str | None
    agenda: list[AgendaItem]
    agenda_hidden: bool  # there is an agenda for members the reader cannot see
    minutes: str
    minutes_hidden: bool
    materials: list[Material]
    hidden_materials: int  # members-only materials the reader cannot see
    participants: list[Participant]
    attendance: Attendance
    multi_day: bool = False  # agenda times then show their day


def _load_meeting(session: Session, meeting_id: int) -> Meeting:
    meeting = session.scalar(
        select(Meeting)
        .where(Meeting.id == meeting_id)
        .options(
            joinedload(Meeting.group),
            selectinload(Meeting.agenda_items),
            selectinload(Meeting.materials),
        )
    )
    if meeting is None:
        raise NotFound(_("There is no such meeting."))
    return meeting


def list_listed_participants(session: Session, meeting: Meeting) -> list[Participant]:
    """Confirmed people who consented to be named: members by their profile's choice, people
    without an account by the choice they made when registering."""
    registrations = session.scalars(
        select(Registration)
        .outerjoin(User, Registration.user_id == User.id)
        .where(
            Registration.meeting_id == meeting.id,
            Registration.status == RegistrationStatus.CONFIRMED,
            or_(
                and_(
                    Registration.user_id.is_not(None),
                    User.listed.is_(True),
                    User.active.is_(True),
                    User.closed_at.is_(None),
                ),
                and_(Registration.user_id.is_(None), Registration.listed.is_(True)),
            ),
        )
        .options(
            contains_eager(Registration.user)
            .joinedload(User.organisation)
            .joinedload(Organisation.region),
            joinedload(Registration.region),
        )
        .order_by(func.coalesce(User.name, Registration.name), Registration.id)
    ).unique()
    participants = []
    for registration in registrations:
        user = registration.user
        if user is not None:
            organisation = user.organisation
            participants.append(
                Participant(
                    name=user.name,
                    person_id=user.id,
                    organisation=organisation.name if organisation else "",
                    region=organisation.region if organisation else None,
                )
            )
        else:
            participants.append(
                Participant(
                    name=registration.name,
                    person_id=None,
                    organisation=registration.organisation_name,
                    region=registration.region,
                )
            )
    return participants


def meeting_attendance(session: Session, meeting: Meeting) -> Attendance:
    """Confirmed people by mode, helix and country, in one aggregate query.

    A member's helix and country are their organisation's; a person without an account
    has no helix, and the country of the region they gave.
    """
    guest_region = aliased(Region)
    country = func.coalesce(Region.country_code, guest_region.country_code)
    rows = session.execute(
        select(Registration.mode, Organisation.helix, country, func.count(Registration.id))
        .select_from(Registration)
        .outerjoin(User, Registration.user_id == User.id)
        .outerjoin(Organisation, User.organisation_id == Organisation.id)
        .outerjoin(Region, Organisation.region_code == Region.code)
        .outerjoin(guest_region, Registration.region_code == guest_region.code)
        .where(
            Registration.meeting_id == meeting.id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .group_by(Registration.mode, Organisation.helix, country)
    ).all()
    modes: Counter = Counter()
    helices: Counter = Counter()
    countries: Counter = Counter()
    for mode, helix, country_code, count in rows:
        modes[mode] += count
        helices[helix] += count
        countries[country_code] += count
    by_helix: list[tuple[Helix | None, int]] = [(helix, helices.get(helix, 0)) for helix in Helix]
    if helices.get(None):
        by_helix.append((None, helices[None]))
    return Attendance(
        total=sum(modes.values()),
        by_mode=[(mode, modes.get(mode, 0)) for mode in meeting.modes],
        by_helix=by_helix,
        by_country=sorted(
            countries.items(), key=lambda row: (-row[1], row[0] is None, row[0] or "")
        ),
    )


def meeting_page(
    session: Session, viewer, meeting_id: int, now: datetime | None = None
) -> MeetingPage:
    """A meeting as one reader may see it. Drafts exist only for the group's coordinators."""
    now = now or clock.now()
    meeting = _load_meeting(session, meeting_id)
    reader = standing(session, viewer, meeting.group)
    if not meeting.public and not reader.coordinates:
        raise NotFound(_("There is no such meeting."))
    state = registration_state(session, viewer, meeting, now)
    confirmed = (
        state.registration is not None and state.registration.status is RegistrationStatus.CONFIRMED
    )
    reader_zone = None
    own_zone = getattr(viewer, "timezone", None) if is_signed_in(viewer) else None
    if (
        own_zone
        and own_zone in timezone_names()
        and not same_wall_clock(meeting.starts_at, meeting.ends_at, own_zone, meeting.timezone)
    ):
        reader_zone = own_zone
    agenda_visible = meeting.agenda_visibility is Visibility.PUBLIC or reader.member
    minutes_visible = meeting.minutes_visibility is Visibility.PUBLIC or reader.member
    current = [m for m in meeting.materials if m.withdrawn_at is None]
    materials = [m for m in current if m.visibility is Visibility.PUBLIC or reader.member]
    zone = ZoneInfo(meeting.timezone)
    return MeetingPage(
        meeting=meeting,
        state=state,
        member=reader.member,
        coordinates=reader.coordinates,
        confirmed=confirmed,
        # A cancelled meeting's link is nobody's business but its coordinators'.
        sees_online_link=bool(meeting.online_url)
        and (reader.coordinates or (confirmed and meeting.status is MeetingStatus.PUBLISHED)),
        reader_zone=reader_zone,
        agenda=list(meeting.agenda_items) if agenda_visible else [],
        agenda_hidden=not agenda_visible and bool(meeting.agenda_items),
        minutes=meeting.minutes if minutes_visible else "",
        minutes_hidden=not minutes_visible and bool(meeting.minutes.strip()),
        materials=materials,
        hidden_materials=len(current) - len(materials),
        participants=list_listed_participants(session, meeting),
        attendance=meeting_attendance(session, meeting),
        multi_day=meeting.starts_at.astimezone(zone).date()
        != meeting.ends_at.astimezone(zone).date(),
    )


def agenda_time(instant: datetime, meeting: Meeting, multi_day: bool = False) -> str:
    """An agenda item's wall-clock time in the meeting's zone ("14:30"; with the day when the
    meeting spans several days)."""
    tz = ZoneInfo(meeting.timezone)
    pattern = date_pattern("short_day") + ", HH:mm" if multi_day else "HH:mm"
    return format_datetime(instant.astimezone(tz), pattern, tzinfo=tz, locale=get_locale())


def meeting_day(meeting: Meeting) -> str:
    """The day a meeting starts, in its own zone ("3 March 2026")."""
    tz = ZoneInfo(meeting.timezone)
    return format_datetime(
        meeting.starts_at.astimezone(tz), date_pattern("date"), tzinfo=tz, locale=get_locale()
    )


# -- a group's meetings ----------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupMeetings:
    group: WorkingGroup
    coordinates: bool
    upcoming: list[Meeting]  # not over yet, soonest first
    past: list[Meeting]  # over, latest first


def group_meetings(
    session: Session, viewer, slug: str, now: datetime | None = None
) -> GroupMeetings:
    """Every meeting of a group, of every kind; drafts only for its coordinators."""
    now = now or clock.now()
    group = get_public_group(session, slug)
    reader = standing(session, viewer, group)
    meetings = list(
        session.scalars(
            select(Meeting)
            .where(
                Meeting.group_id == group.id,
                _visible(reader.coordinates),
            )
            .order_by(Meeting.starts_at, Meeting.id)
        )
    )
    return GroupMeetings(
        group=group,
        coordinates=reader.coordinates,
        upcoming=[m for m in meetings if m.ends_at > now],
        past=[m for m in reversed(meetings) if m.ends_at <= now],
    )


# -- the group page: its cycle and a few meetings ----------------------------------------------------


@dataclass(frozen=True)
class GroupAgenda:
    """The meetings part of a group page."""

    timeline: list[FilledSlot]
    upcoming: list[Meeting]  # a few, soonest first
    recent: list[Meeting]  # a few that are over, latest first


def group_agenda(
    session: Session, group: WorkingGroup, coordinates: bool, now: datetime | None = None
) -> GroupAgenda:
    """The cycle's slots filled from the plenaries (drafts count only for coordinators), and
    the next and the latest few meetings of every kind (published or cancelled), in three
    queries."""
    now = now or clock.now()
    plenaries = session.scalars(
        select(Meeting)
        .where(
            Meeting.group_id == group.id,
            Meeting.kind == MeetingKind.PLENARY,
            _visible(coordinates),
        )
        .order_by(Meeting.cycle_slot, Meeting.starts_at)
    )
    today = now.astimezone(ZoneInfo(group.timezone)).date()
    slots = cycle_slots(group.kickoff, group.duration_months, group.meetings_per_year)
    public = (Meeting.group_id == group.id, Meeting.public)
    upcoming = session.scalars(
        select(Meeting)
        .where(*public, Meeting.ends_at > now)
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(GROUP_PAGE_MEETINGS)
    )
    recent = session.scalars(
        select(Meeting)
        .where(*public, Meeting.ends_at <= now)
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        .limit(GROUP_PAGE_MEETINGS)
    )
    return GroupAgenda(
        timeline=fill_slots(slots, plenaries, today, now),
        upcoming=list(upcoming),
        recent=list(recent),
    )
