"""Pure iCalendar (RFC 5545) builders: from what an event says to the bytes of a calendar.

A leaf module: it knows icalendar and zoneinfo, nothing of cop's records, so that
meetings' services may call it to attach invitations and the feeds may call it to
publish calendars. Callers translate and choose what each event says
(`CalendarEvent`); this module only writes it down correctly:

- times keep the wall-clock time of the event's own zone (DTSTART;TZID=...), and
  every zone used gets a VTIMEZONE written from the tz database itself, as yearly
  RRULE observances (one per rule and period), never as a comma-separated RDATE
  list, which ical.js and vobject misread;
- a feed (no METHOD) stamps each event with its last change, so that the same
  records give the same bytes and a feed's ETag only changes with its content;
- an invitation (METHOD:REQUEST or CANCEL, RFC 5546) names its organizer and its
  one attendee, and is stamped with the time it was written.
"""

from __future__ import annotations

import calendar as gregorian
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

from icalendar import (
    Calendar,
    Event,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vCalAddress,
    vDuration,
    vText,
)

PRODID = "-//S3 Community of Practice//cop//EN"
# What subscribed programs are asked to do: fetch the feed again every hour (RFC 7986, and
# the older X-PUBLISHED-TTL that Outlook reads).
REFRESH_INTERVAL = timedelta(hours=1)

# The year whose rules an empty feed's VTIMEZONE states (any year would do; a fixed one keeps
# the same records giving the same bytes).
REFERENCE_YEAR = 2026

Status = Literal["CONFIRMED", "TENTATIVE", "CANCELLED"]
Method = Literal["REQUEST", "CANCEL"]


@dataclass(frozen=True)
class Person:
    name: str
    email: str


@dataclass(frozen=True)
class CalendarEvent:
    """What one event says, already written in its reader's language.

    `starts_at` and `ends_at` are aware instants; they are written as wall-clock
    times of `timezone` (an IANA name). `last_modified` is the record's last change.
    """

    uid: str
    sequence: int
    status: Status
    summary: str
    description: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    created: datetime
    last_modified: datetime
    url: str = ""
    location: str = ""
    categories: tuple[str, ...] = ()
    organizer: Person | None = None
    # Free (TRANSPARENT) rather than busy: the reader is not holding a seat.
    free: bool = False


@dataclass(frozen=True)
class WrittenEvent:
    """An event of a feed already written (`write_event`), with what its time zone needs."""

    timezone: str
    starts_at: datetime
    ends_at: datetime
    text: bytes


def write_event(event: CalendarEvent) -> WrittenEvent:
    """A feed's VEVENT, stamped with the event's last change (no METHOD: RFC 5545 3.8.7.2)."""
    text = _vevent(event, stamp=event.last_modified).to_ical()
    return WrittenEvent(event.timezone, event.starts_at, event.ends_at, text)


def feed(
    events: Iterable[CalendarEvent | WrittenEvent],
    *,
    name: str,
    description: str = "",
    refresh: timedelta = REFRESH_INTERVAL,
    timezone: str = "UTC",
) -> bytes:
    """A calendar to subscribe to: no METHOD, a name and a refresh interval. A feed without
    events still holds one component, as the grammar asks: the VTIMEZONE of `timezone`.
    Events may come written already (callers keep them, to write a feed again quickly)."""
    events = [e if isinstance(e, WrittenEvent) else write_event(e) for e in events]
    cal = _calendar(events)
    if not events:
        year = REFERENCE_YEAR
        cal.add_component(vtimezone(timezone, year, year))
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    if description:
        cal.add("x-wr-caldesc", description)
    cal.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(refresh).to_ical().decode())
    head = cal.to_ical().removesuffix(CALENDAR_END)
    return head + b"".join(event.text for event in events) + CALENDAR_END


CALENDAR_END = b"END:VCALENDAR\r\n"


def event_file(event: CalendarEvent) -> bytes:
    """One event to add to a calendar (a download, or a one-event subscription): no calendar
    name, so that programs add the event rather than open a new calendar, and no METHOD, so
    that DTSTAMP rightly says when the event last changed."""
    written = write_event(event)
    cal = _calendar([written])
    return cal.to_ical().removesuffix(CALENDAR_END) + written.text + CALENDAR_END


def invitation(
    event: CalendarEvent,
    *,
    method: Method,
    organizer: Person,
    attendee: Person,
    stamp: datetime,
    whole_event: bool = True,
) -> bytes:
    """An iTIP message for one attendee: REQUEST adds or updates the event in their calendar
    (a higher SEQUENCE replaces what they had), CANCEL removes it. A CANCEL of the whole
    event says STATUS:CANCELLED; one that only takes this attendee off (`whole_event`
    False: their registration was cancelled) carries no STATUS (RFC 5546 3.2.5)."""
    cal = _calendar([event])
    cal.add("method", method)
    vevent = _vevent(event, stamp=stamp, organizer=organizer)
    address = vCalAddress(f"mailto:{attendee.email}")
    address.params["CN"] = vText(attendee.name or attendee.email)
    address.params["CUTYPE"] = vText("INDIVIDUAL")
    address.params["ROLE"] = vText("REQ-PARTICIPANT")
    if method == "REQUEST":
        # Registering was the answer: nothing to reply to a no-reply address.
        address.params["PARTSTAT"] = vText("ACCEPTED")
        address.params["RSVP"] = vText("FALSE")
    vevent.add("attendee", address, encode=0)
    if method == "CANCEL":
        del vevent["STATUS"]
        if whole_event:
            vevent.add("status", "CANCELLED")
    cal.add_component(vevent)
    return cal.to_ical()


def _calendar(events: Sequence[CalendarEvent | WrittenEvent]) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    years: dict[str, tuple[int, int]] = {}
    for event in events:
        start, end = event.starts_at.astimezone(UTC).year, event.ends_at.astimezone(UTC).year
        first, last = years.get(event.timezone, (start, end))
        years[event.timezone] = (min(first, start), max(last, end))
    for name in sorted(years):
        cal.add_component(vtimezone(name, *years[name]))
    return cal


def _vevent(event: CalendarEvent, *, stamp: datetime, organizer: Person | None = None) -> Event:
    zone = ZoneInfo(event.timezone)
    vevent = Event()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", _utc(stamp))
    vevent.add("created", _utc(event.created))
    vevent.add("last-modified", _utc(event.last_modified))
    vevent.add("sequence", event.sequence)
    vevent.add("status", event.status)
    vevent.add("summary", event.summary)
    for name, instant in (("dtstart", event.starts_at), ("dtend", event.ends_at)):
        local = _wall_clock(instant, zone)
        if local.tzinfo is UTC:
            vevent.add(name, local)
        else:
            # Naive, with the zone named: icalendar would write a zone that never differs from
            # UTC (Atlantic/Reykjavik) as UTC, and the event would lose its zone.
            vevent.add(name, local.replace(tzinfo=None), parameters={"TZID": event.timezone})
    if event.description:
        vevent.add("description", event.description)
    if event.location:
        vevent.add("location", event.location)
    if event.url:
        vevent.add("url", event.url, parameters={"VALUE": "URI"})
    if event.categories:
        vevent.add("categories", list(event.categories))
    organizer = organizer or event.organizer
    if organizer is not None:
        address = vCalAddress(f"mailto:{organizer.email}")
        address.params["CN"] = vText(organizer.name)
        vevent.add("organizer", address, encode=0)
    vevent.add("transp", "TRANSPARENT" if event.free else "OPAQUE")
    return vevent


def _wall_clock(instant: datetime, zone: ZoneInfo) -> datetime:
    """The instant as the zone's wall-clock time; in UTC instead (with tzinfo UTC) when that
    wall-clock time happens twice (the hour repeated when clocks go back), since a TZID
    time names the first of the two and would put the second an hour early."""
    local = instant.astimezone(zone)
    if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
        return instant.astimezone(UTC)
    return local


def _utc(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("calendar times are aware instants")
    return instant.astimezone(UTC)


# --- Time zones ------------------------------------------------------------------------------

# Where a zone's definition starts when it needs one observance from before its first
# transition (zones without daylight saving, or whose rules changed): the usual epoch.
EPOCH_ONSET = datetime(1970, 1, 1)


@dataclass(frozen=True)
class Transition:
    """A change of a zone's offset or name, at an instant."""

    at: datetime  # UTC
    offset_from: timedelta
    offset_to: timedelta
    name: str
    daylight: bool

    @property
    def local(self) -> datetime:
        """The wall-clock time at which it happens, read on the clock before the change (as
        an observance's DTSTART is written)."""
        return (self.at + self.offset_from).replace(tzinfo=None)

    @property
    def rule(self) -> tuple:
        """What a yearly rule would say of it: the same change, in the same month, on the
        same weekday counted from the start of the month (or -1: the last one), at the same
        wall-clock time."""
        local = self.local
        days_in_month = gregorian.monthrange(local.year, local.month)[1]
        nth = -1 if local.day + 7 > days_in_month else (local.day - 1) // 7 + 1
        return (
            self.offset_from,
            self.offset_to,
            self.name,
            self.daylight,
            local.month,
            local.weekday(),
            nth,
            local.time(),
        )


def _state(zone: ZoneInfo, instant: datetime) -> tuple[timedelta, str, bool]:
    local = instant.astimezone(zone)
    return local.utcoffset(), local.tzname() or "", bool(local.dst())


def transitions(zone: ZoneInfo, start: datetime, end: datetime) -> list[Transition]:
    """Every change of offset or name between two UTC instants, read from the tz database
    a day at a time and pinned to the second by bisection."""
    found: list[Transition] = []
    before, state = start, _state(zone, start)
    step = timedelta(days=1)
    while before < end:
        after = min(before + step, end)
        new_state = _state(zone, after)
        if new_state != state:
            low, high = before, after  # state at low, new_state at high
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                middle = middle.replace(microsecond=0)
                if _state(zone, middle) == state:
                    low = middle
                else:
                    high = middle
            found.append(
                Transition(
                    at=high,
                    offset_from=state[0],
                    offset_to=new_state[0],
                    name=new_state[1],
                    # Clocks going forward enter daylight time, going back standard time, as
                    # Outlook and Google write it. (The tz database's own flag calls Irish
                    # winter time "daylight saving", negative, which readers take wrongly.)
                    daylight=new_state[0] > state[0],
                )
            )
            state = new_state
        before = after
    return found


def _observance(
    daylight: bool, onset: datetime, offset_from: timedelta, offset_to: timedelta, name: str
) -> TimezoneStandard | TimezoneDaylight:
    component = TimezoneDaylight() if daylight else TimezoneStandard()
    component.add("tzname", name)
    component.add("tzoffsetfrom", offset_from)
    component.add("tzoffsetto", offset_to)
    component.add("dtstart", onset)
    return component


@lru_cache(maxsize=256)
def _vtimezone_text(name: str, first_year: int, last_year: int) -> bytes:
    zone = ZoneInfo(name)
    span_start = datetime(first_year - 1, 1, 1, tzinfo=UTC)
    span_end = datetime(last_year + 2, 1, 1, tzinfo=UTC)
    changes = transitions(zone, span_start, span_end)
    component = Timezone()
    component.add("tzid", name)
    # Events start in `first_year` at the earliest: a change in the year before gives them
    # an observance in force; otherwise one from the epoch says what held before.
    if not changes or changes[0].at >= datetime(first_year, 1, 1, tzinfo=UTC):
        offset, tzname, daylight = _state(zone, span_start)
        component.add_component(_observance(daylight, EPOCH_ONSET, offset, offset, tzname))
    # Group the changes into runs of the same rule in consecutive years: each run becomes one
    # observance with a yearly RRULE, ended by UNTIL unless it lasts to the end of the span.
    runs: list[list[Transition]] = []
    open_run: dict[tuple, list[Transition]] = {}
    for change in changes:
        run = open_run.get(change.rule)
        if run is not None and run[-1].local.year == change.local.year - 1:
            run.append(change)
        else:
            run = [change]
            runs.append(run)
            open_run[change.rule] = run
    last_full_year = last_year + 1
    for run in runs:
        first = run[0]
        observance = _observance(
            first.daylight, first.local, first.offset_from, first.offset_to, first.name
        )
        if len(run) > 1 or first.local.year == last_full_year:
            _, _, _, _, month, weekday, nth, _ = first.rule
            rule = {"freq": "yearly", "bymonth": month, "byday": f"{nth}{WEEKDAYS[weekday]}"}
            if run[-1].local.year < last_full_year:
                # A day after the last change, not at it: UNTIL is inclusive, and some readers
                # (vobject) compare it with local times, which would drop the last change.
                rule["until"] = run[-1].at + timedelta(days=1)
            observance.add("rrule", rule)
        component.add_component(observance)
    return component.to_ical()


WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def vtimezone(name: str, first_year: int, last_year: int) -> Timezone:
    """The VTIMEZONE of an IANA zone for events between two years (inclusive): the
    observances in force from a year before the first to a year after the last."""
    return Timezone.from_ical(_vtimezone_text(name, first_year, last_year))


def utc_stamp(value: date | datetime) -> str:
    """An instant as iCalendar writes UTC (20260115T090000Z), for links that take one."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    return _utc(value).strftime("%Y%m%dT%H%M%SZ")
