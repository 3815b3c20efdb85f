"""A meeting's details as a coordinator types them, and their checks: times in the meeting's zone,
capacities, the plenary's slot of the cycle, reminders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from cop.errors import Invalid
from cop.meetings.cycle import cycle_slots, plenary_count
from cop.meetings.models import (
    FORMAT_MODES,
    AttendanceMode,
    Audience,
    Meeting,
    MeetingFormat,
    MeetingKind,
    MeetingStatus,
    Visibility,
)
from cop.meetings.times import date_pattern, format_when, local_to_utc, utc_to_local, zone
from cop.members.models import WorkingGroup
from cop.validation import Problems, check_choice, check_text, check_url

MAX_TITLE = 200
MAX_VENUE = 200
MAX_ADDRESS = 1000
MAX_DESCRIPTION = 20000
MAX_CAPACITY = 100_000
MAX_REMINDER_DAYS = 60
DEFAULT_REMINDER_DAYS = "7,1"


CAPACITY_FIELDS = {
    AttendanceMode.IN_PERSON: "capacity_in_person",
    AttendanceMode.ONLINE: "capacity_online",
}


@dataclass
class MeetingDetails:
    """What a coordinator types about a meeting. Times are wall-clock times (naive) in `timezone`."""

    title: str = ""
    kind: str = MeetingKind.WORKSHOP.value
    cycle_slot: int | None = None
    description: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    timezone: str = "Europe/Brussels"
    format: str = MeetingFormat.IN_PERSON.value
    venue: str = ""
    address: str = ""
    online_url: str = ""
    capacity_in_person: int | None = None
    capacity_online: int | None = None
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    audience: str = Audience.MEMBERS.value
    reminder_days: str = DEFAULT_REMINDER_DAYS
    agenda_visibility: str = Visibility.PUBLIC.value
    minutes_visibility: str = Visibility.MEMBERS.value


def plenary_in_slot(
    session: Session, group: WorkingGroup, slot: int, *, besides: int | None = None
) -> Meeting | None:
    """The group's plenary (not cancelled) that fills a slot of the cycle, if any."""
    query = select(Meeting).where(
        Meeting.group_id == group.id,
        Meeting.cycle_slot == slot,
        Meeting.status != MeetingStatus.CANCELLED,
    )
    if besides is not None:
        query = query.where(Meeting.id != besides)
    return session.scalar(query.limit(1))


def next_open_slot(session: Session, group: WorkingGroup) -> int | None:
    """The first slot of the cycle that no plenary fills yet (None when all are taken)."""
    taken = set(
        session.scalars(
            select(Meeting.cycle_slot).where(
                Meeting.group_id == group.id,
                Meeting.cycle_slot.is_not(None),
                Meeting.status != MeetingStatus.CANCELLED,
            )
        )
    )
    return next((slot for slot in range(1, plenary_count(group) + 1) if slot not in taken), None)


def parse_reminder_days(value: str | None) -> str:
    """'7, 1' -> '7,1': whole days from 0 to 60, largest first; empty means no reminder."""
    parts = [part.strip() for part in (value or "").split(",") if part.strip()]
    days = set()
    for part in parts:
        if not part.isdigit() or int(part) > MAX_REMINDER_DAYS:
            raise Invalid(
                _(
                    "Enter whole numbers of days from 0 to %(max)s, separated by commas,"
                    " such as 7,1.",
                    max=MAX_REMINDER_DAYS,
                ),
                field="reminder_days",
            )
        days.add(int(part))
    text = ",".join(str(day) for day in sorted(days, reverse=True))
    if len(text) > 40:
        raise Invalid(_("Choose at most a few reminders."), field="reminder_days")
    return text


def _instant(
    local: datetime | None, zone_name: str, field: str, *, required: bool
) -> datetime | None:
    if local is None:
        if required:
            raise Invalid(_("Enter a date and a time."), field=field)
        return None
    return local_to_utc(local, zone_name, field)


def check_times(
    starts_local: datetime | None,
    ends_local: datetime | None,
    zone_name: str,
    now: datetime,
    *,
    future: bool,
    start_field: str = "starts_at",
    end_field: str = "ends_at",
    problems: Problems | None = None,
) -> tuple[datetime | None, datetime | None]:
    """Start and end typed as wall-clock times in a zone, as instants; the end after the start.
    Invalid names every time that is wrong; given `problems`, they go there instead, and a time
    that is right is returned though the other is wrong (None for a wrong one)."""
    zone(zone_name)
    gathered = problems is not None
    problems = problems if gathered else Problems()
    starts_at = problems.check(_instant, starts_local, zone_name, start_field, required=True)
    ends_at = problems.check(_instant, ends_local, zone_name, end_field, required=True)
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        problems.add(_("The end must come after the start."), end_field)
    if future and starts_at is not None and starts_at <= now:
        problems.add(_("The start must be in the future."), start_field)
    if not gathered:
        problems.raise_found()
    return starts_at, ends_at


def _check_capacity(value: int | None, field: str) -> int | None:
    if value is None:
        return None
    if value < 1:
        raise Invalid(
            _("Enter a number of seats of at least 1, or leave it empty for no limit."),
            field=field,
        )
    if value > MAX_CAPACITY:
        raise Invalid(_("Enter at most %(num)s seats.", num=MAX_CAPACITY), field=field)
    return value


def _check_slot(
    session: Session,
    group: WorkingGroup,
    kind: MeetingKind,
    slot: int | None,
    *,
    besides: int | None = None,
) -> int | None:
    if kind is not MeetingKind.PLENARY:
        if slot is not None:
            raise Invalid(
                _("Only plenary meetings fill a slot of the cycle: leave it empty."),
                field="cycle_slot",
            )
        return None
    count = plenary_count(group)
    if slot is None or not 1 <= slot <= count:
        raise Invalid(
            _(
                "Choose the slot of the cycle, from 1 to %(num)s, that this plenary fills.",
                num=count,
            ),
            field="cycle_slot",
        )
    existing = plenary_in_slot(session, group, slot, besides=besides)
    if existing is not None:
        raise Invalid(_slot_taken(existing), field="cycle_slot")
    return slot


def check_plenary_window(
    group: WorkingGroup, kind: MeetingKind, slot: int | None, starts_at: datetime, field: str
) -> None:
    """A plenary takes place in its slot's window of the cycle (dates in the group's zone)."""
    if kind is not MeetingKind.PLENARY or slot is None:
        return
    window = cycle_slots(group.kickoff, group.duration_months, group.meetings_per_year)[slot - 1]
    day = starts_at.astimezone(ZoneInfo(group.timezone)).date()
    if not window.starts <= day < window.ends:
        raise Invalid(
            _(
                "Plenary %(slot)s takes place between %(start)s and %(end)s: choose a date in"
                " that window, or another slot.",
                slot=slot,
                start=format_date(window.starts, date_pattern("date"), locale=get_locale()),
                end=format_date(window.last_day, date_pattern("date"), locale=get_locale()),
            ),
            field=field,
        )


def _slot_taken(existing: Meeting) -> str:
    return _(
        "Slot %(slot)s already has a plenary: “%(title)s” (%(when)s). A second plenary in the same"
        " slot is not possible: choose another slot, or cancel that plenary first.",
        slot=existing.cycle_slot,
        title=existing.title,
        when=format_when(existing.starts_at, existing.ends_at, existing.timezone),
    )


def validate_details(
    session: Session,
    group: WorkingGroup,
    details: MeetingDetails,
    now: datetime,
    *,
    meeting: Meeting | None = None,
) -> dict:
    """The column values the details give, or Invalid naming every field that is wrong (a check
    that needs a value found wrong, the start say, waits until that value is right)."""
    problems = Problems()
    title = problems.check(check_text, details.title, "title", MAX_TITLE, required=True)
    kind = problems.check(check_choice, MeetingKind, details.kind, "kind")
    zone_name = (details.timezone or "").strip()
    zone_known = problems.check(zone, zone_name) is not None
    starts_at = ends_at = None
    if zone_known:
        starts_at, ends_at = check_times(
            details.starts_at,
            details.ends_at,
            zone_name,
            now,
            future=meeting is None,
            problems=problems,
        )
    format_ = problems.check(check_choice, MeetingFormat, details.format, "format")
    venue = problems.check(check_text, details.venue, "venue", MAX_VENUE)
    address = problems.check(check_text, details.address, "address", MAX_ADDRESS)
    online_url = problems.check(check_url, details.online_url, "online_url")
    if online_url and format_ is MeetingFormat.IN_PERSON:
        problems.add(
            _("An in-person meeting has no online link: leave it empty or choose a hybrid format."),
            "online_url",
        )
    capacities = {}
    for mode, field in CAPACITY_FIELDS.items():
        value = problems.check(_check_capacity, getattr(details, field), field)
        if value is not None and format_ is not None and mode not in FORMAT_MODES[format_]:
            problems.add(_("This format has no such attendance: leave this capacity empty."), field)
        capacities[field] = value
    opens_at = closes_at = None
    if zone_known:
        opens_at = problems.check(
            _instant, details.registration_opens_at, zone_name, "registration_opens_at",
            required=False,
        )  # fmt: skip
        closes_at = problems.check(
            _instant, details.registration_closes_at, zone_name, "registration_closes_at",
            required=False,
        )  # fmt: skip
    if opens_at is not None and starts_at is not None and opens_at >= starts_at:
        problems.add(
            _("Registration must open before the meeting starts."), "registration_opens_at"
        )
    if closes_at is not None and opens_at is not None and closes_at <= opens_at:
        problems.add(_("Registration must close after it opens."), "registration_closes_at")
    elif closes_at is not None and starts_at is not None and closes_at > starts_at:
        problems.add(
            _("Registration must close before the meeting starts, or when it starts."),
            "registration_closes_at",
        )
    audience = problems.check(check_choice, Audience, details.audience, "audience")
    reminder_days = problems.check(parse_reminder_days, details.reminder_days)
    agenda_visibility = problems.check(
        check_choice, Visibility, details.agenda_visibility, "agenda_visibility"
    )
    minutes_visibility = problems.check(
        check_choice, Visibility, details.minutes_visibility, "minutes_visibility"
    )
    description = problems.check(check_text, details.description, "description", MAX_DESCRIPTION)
    cycle_slot = None
    if kind is not None:
        cycle_slot = problems.check(
            _check_slot,
            session,
            group,
            kind,
            details.cycle_slot,
            besides=meeting.id if meeting is not None else None,
        )
    if starts_at is not None and not problems.failed("cycle_slot"):
        problems.check(check_plenary_window, group, kind, cycle_slot, starts_at, "starts_at")
    problems.raise_found()
    return dict(
        title=title,
        kind=kind,
        cycle_slot=cycle_slot,
        description=description,
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=zone_name,
        format=format_,
        venue=venue,
        address=address,
        online_url=online_url,
        registration_opens_at=opens_at,
        registration_closes_at=closes_at,
        audience=audience,
        reminder_days=reminder_days,
        agenda_visibility=agenda_visibility,
        minutes_visibility=minutes_visibility,
        **capacities,
    )


def details_of(meeting: Meeting) -> MeetingDetails:
    """The details of a meeting as the edit form shows them (wall-clock times in its zone)."""

    def local(instant):
        return utc_to_local(instant, meeting.timezone) if instant is not None else None

    return MeetingDetails(
        title=meeting.title,
        kind=meeting.kind.value,
        cycle_slot=meeting.cycle_slot,
        description=meeting.description,
        starts_at=local(meeting.starts_at),
        ends_at=local(meeting.ends_at),
        timezone=meeting.timezone,
        format=meeting.format.value,
        venue=meeting.venue,
        address=meeting.address,
        online_url=meeting.online_url,
        capacity_in_person=meeting.capacity_in_person,
        capacity_online=meeting.capacity_online,
        registration_opens_at=local(meeting.registration_opens_at),
        registration_closes_at=local(meeting.registration_closes_at),
        audience=meeting.audience.value,
        reminder_days=meeting.reminder_days,
        agenda_visibility=meeting.agenda_visibility.value,
        minutes_visibility=meeting.minutes_visibility.value,
    )


def new_meeting_details(session: Session, group: WorkingGroup, kind: str | None) -> MeetingDetails:
    """A sensible start for the "New meeting" form: the group's zone; a plenary gets the next open slot."""
    details = MeetingDetails(timezone=group.timezone)
    if kind in {k.value for k in MeetingKind}:
        details.kind = kind
    if details.kind == MeetingKind.PLENARY.value:
        details.cycle_slot = next_open_slot(session, group)
    return details
