"""The calendar feeds at scale: a working group with 1,000 open meetings and a member registered
for 200 of them, written with bulk inserts; and the bench's figures of their feeds.

A feed is built in a fixed number of SQL queries whatever the number of meetings: the
query counts of the group feed at 10 and at 1,000 meetings (of the same group, before and
after the other 990 are written), and of the personal feed at 10 and at 200 registrations,
must be equal. The build time is measured in process (the app's test client), the
throughput under gunicorn, with and without If-None-Match (the 304 a polling calendar
program gets while nothing changed).
"""

from __future__ import annotations

import secrets
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import insert
from sqlalchemy.orm import Session

from bench.load import percentile, sample_load
from bench.pages import Page, Target, count_queries
from bench.server import gunicorn
from cop import clock
from cop.calendar.feeds import KEPT_AFTER_CANCELLATION, forget_kept
from cop.calendar.models import CalendarFeedToken
from cop.db import get_db, get_session
from cop.meetings.models import (
    AttendanceMode,
    Audience,
    Meeting,
    MeetingFormat,
    MeetingKind,
    MeetingStatus,
    Registration,
    RegistrationStatus,
    Visibility,
)
from cop.members.models import User, WorkingGroup

CALENDAR_SLUG = "calendar-scale"
CALENDAR_ZONES = ("Europe/Brussels", "Europe/Helsinki", "Atlantic/Reykjavik")
MEETINGS, FIRST_MEETINGS = 1000, 10
REGISTERED, FIRST_REGISTERED = 200, 10
MEMBER_EMAIL = "calendar-member@example.org"
# Three years of meetings, half of them over.
SPAN = timedelta(days=3 * 365)
# One meeting in 13 is cancelled: those that ended over 30 days ago have left the feeds.
CANCELLED_EVERY, CANCELLED_AT = 13, 5
VENUE, ADDRESS = "Regional council, room 2", "Rue Belliard 99-101\n1040 Brussels"
ONLINE_URL = "https://meet.example.org/s3"
KINDS = (
    (MeetingKind.WEBINAR, MeetingFormat.ONLINE, timedelta(minutes=90)),
    (MeetingKind.WORKSHOP, MeetingFormat.HYBRID, timedelta(hours=6)),
    (MeetingKind.STUDY_VISIT, MeetingFormat.IN_PERSON, timedelta(days=1, hours=5)),
)


def meeting_rows(group_id: int, count: int, now: datetime) -> list[dict]:
    """`count` published open meetings of a group, evenly over three years around `now`, in
    three time zones and three formats, one in 13 cancelled; in the order of their start."""
    first = now - SPAN / 2
    rows = []
    for number in range(count):
        kind, form, length = KINDS[number % len(KINDS)]
        # Every kind in every zone.
        zone = ZoneInfo(CALENDAR_ZONES[number // len(KINDS) % len(CALENDAR_ZONES)])
        day = (first + SPAN * number / count).astimezone(zone).date()
        starts = datetime(
            day.year, day.month, day.day, 9 + number % 8, 15 * (number % 4), tzinfo=zone
        )
        cancelled = number % CANCELLED_EVERY == CANCELLED_AT
        published = min(starts, now) - timedelta(days=45)
        changed = published + timedelta(days=number % 30)
        rows.append(
            dict(
                group_id=group_id,
                kind=kind,
                cycle_slot=None,
                title=f"{kind.value.replace('_', ' ').capitalize()} {number + 1}: "
                "Smart specialisation in Äänekoski, Reykjavík & Liège",
                description=(
                    "Regions compare how they help SMEs adopt new technologies; "
                    "bring your questions, examples and data.\n\nAgenda, slides and "
                    "minutes are on the meeting page."
                ),
                starts_at=starts.astimezone(UTC),
                ends_at=(starts + length).astimezone(UTC),
                timezone=zone.key,
                format=form,
                venue="" if form is MeetingFormat.ONLINE else VENUE,
                address="" if form is MeetingFormat.ONLINE else ADDRESS,
                online_url="" if form is MeetingFormat.IN_PERSON else ONLINE_URL,
                capacity_in_person=None if form is MeetingFormat.ONLINE else 30,
                capacity_online=None,
                registration_opens_at=None,
                registration_closes_at=None,
                audience=Audience.OPEN,
                status=MeetingStatus.CANCELLED if cancelled else MeetingStatus.PUBLISHED,
                sequence=number % 3 + (1 if cancelled else 0),
                reminder_days="7,1",
                agenda_visibility=Visibility.PUBLIC,
                minutes="",
                minutes_visibility=Visibility.PUBLIC,
                postponed_from=None,
                cancel_reason="The host could not receive us." if cancelled else "",
                created_by_id=None,
                published_at=published,
                cancelled_at=changed if cancelled else None,
                created_at=published - timedelta(days=7),
                updated_at=changed,
            )
        )
    return rows


def shown_in_feeds(row: dict, now: datetime) -> bool:
    """Whether a meeting row is in the feeds at `now`: cancelled ones leave 30 days after."""
    return row["status"] is not MeetingStatus.CANCELLED or now < (
        row["ends_at"] + KEPT_AFTER_CANCELLATION
    )


@dataclass
class CalendarWorld:
    """The group of the calendar figures and the member whose feed is measured."""

    session: Session
    now: datetime
    group_id: int
    member_id: int
    token: str
    rows: list[dict]  # every meeting planned, in the order of their start
    ids: dict[int, int]  # the id of each meeting written, by its place in `rows`
    registered_for: list[int]  # the places of the meetings the member is registered for

    @property
    def slug(self) -> str:
        return CALENDAR_SLUG

    def write(self, places: list[int]) -> None:
        """Write these meetings, and the member's registrations for those among them they are
        registered for (one registration in ten waiting for a seat)."""
        rows = [self.rows[place] for place in places]
        # On the table, not the ORM entity: the ORM would split the batch wherever the columns
        # left empty (None) change from one row to the next, into hundreds of statements.
        table = Meeting.__table__
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        new_ids = self.session.scalars(statement, rows).all()
        self.ids.update(zip(places, new_ids, strict=True))
        mine = set(self.registered_for)
        registrations = [
            self._registration(place, waiting=number % 10 == 3)
            for number, place in enumerate(place for place in places if place in mine)
        ]
        if registrations:
            self.session.execute(insert(Registration.__table__), registrations)

    def add_the_rest(self) -> None:
        """Write every planned meeting not written yet."""
        self.write([place for place in range(len(self.rows)) if place not in self.ids])

    def _registration(self, place: int, *, waiting: bool) -> dict:
        """The member's registration for a meeting: confirmed, or waiting for a seat (their
        feed then shows their place on the list)."""
        row = self.rows[place]
        online = row["format"] is not MeetingFormat.IN_PERSON
        queued = row["published_at"] + timedelta(hours=1 + place % 24)
        return dict(
            meeting_id=self.ids[place],
            user_id=self.member_id,
            name="",
            email="",
            organisation_name="",
            region_code=None,
            listed=False,
            language=None,
            mode=AttendanceMode.ONLINE if online else AttendanceMode.IN_PERSON,
            status=RegistrationStatus.WAITLISTED if waiting else RegistrationStatus.CONFIRMED,
            needs="",
            queued_at=queued,
            confirmed_at=None if waiting else queued,
            cancelled_at=None,
            attended_at=None,
            created_at=queued,
            updated_at=queued,
        )


def load_calendar_world(
    session: Session,
    now: datetime,
    *,
    meetings: int = MEETINGS,
    first: int = FIRST_MEETINGS,
    registered: int = REGISTERED,
) -> CalendarWorld:
    """The calendar group with `first` of its `meetings` written (spread over the three years),
    and its member, registered for `registered` of them (every first one among them), with
    a calendar address. The caller commits; `add_the_rest` writes the other meetings."""
    group_id = session.scalars(
        insert(WorkingGroup).returning(WorkingGroup.id),
        [
            dict(
                slug=CALENDAR_SLUG,
                name="Calendar scale group",
                summary="A working group with a thousand open meetings, for the calendar bench.",
                kickoff=(now - SPAN / 2).date(),
                duration_months=36,
                meetings_per_year=2,
                timezone=CALENDAR_ZONES[0],
                archived=False,
                created_at=now - SPAN,
                updated_at=now - SPAN,
            )
        ],
    ).one()
    member = User(
        email=MEMBER_EMAIL,
        name="Calendar Member",
        password_hash=None,
        email_confirmed_at=now,
        language="en",
    )
    session.add(member)
    session.flush()
    token = secrets.token_urlsafe(32)
    session.add(CalendarFeedToken(user_id=member.id, token=token, created_at=now))
    session.flush()
    first_places = list(range(0, meetings, meetings // first))[:first]
    step = meetings // registered
    registered_for = sorted(set(range(0, meetings, step)[:registered]) | set(first_places))
    world = CalendarWorld(
        session=session,
        now=now,
        group_id=group_id,
        member_id=member.id,
        token=token,
        rows=meeting_rows(group_id, meetings, now),
        ids={},
        registered_for=registered_for,
    )
    world.write(first_places)
    return world


# --- The figures ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    median_ms: float
    p95_ms: float
    size_kb: float
    events: int


def time_builds(app: Flask, path: str, runs: int = 20, *, from_scratch: bool = False) -> Timing:
    """The in-process time of GET `path` (the app's test client, a database round trip and the
    whole response), over `runs` requests after a warm-up one. `from_scratch`: nothing the
    process keeps written (bodies, events) is used, as after a change to every meeting."""
    client = app.test_client()
    body = client.get(path).data
    durations = []
    for _ in range(runs):
        if from_scratch:
            forget_kept()
        start = time.perf_counter()
        response = client.get(path)
        durations.append(time.perf_counter() - start)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
    return Timing(
        median_ms=statistics.median(durations) * 1000,
        p95_ms=percentile(durations, 0.95) * 1000,
        size_kb=len(body) / 1024,
        events=body.count(b"BEGIN:VEVENT"),
    )


def group_path(slug: str = CALENDAR_SLUG) -> str:
    return f"/calendar/{slug}.ics"


def personal_path(token: str) -> str:
    return f"/calendar/u/{token}.ics"


def _counts(app: Flask, paths: dict[str, str], listen_on=None) -> dict[str, int]:
    found = [Target(Page(label, "calendar"), path) for label, path in paths.items()]
    counts = count_queries(app, found, listen_on=listen_on)
    for label, (status, _) in counts.items():
        if status != 200:
            raise RuntimeError(f"{paths[label]} answered {status}")
    return {label: number for label, (_, number) in counts.items()}


def prepare_and_count(
    app: Flask, listen_on=None, **sizes
) -> tuple[CalendarWorld, dict[str, tuple[int, int]], float]:
    """Write the calendar group (10 meetings, then 1,000; `sizes` as load_calendar_world takes
    them) and count each feed's queries at both sizes (on `listen_on`, as count_queries does);
    the world, {feed: (queries small, queries large)} and the seconds the writing took."""
    paths = {"group": group_path()}
    with app.app_context():
        session = get_session()
        start = time.perf_counter()
        world = load_calendar_world(session, clock.now(), **sizes)
        session.commit()
        took = time.perf_counter() - start
        paths["personal"] = personal_path(world.token)
        small = _counts(app, paths, listen_on)
        start = time.perf_counter()
        world.add_the_rest()
        session.commit()
        took += time.perf_counter() - start
        large = _counts(app, paths, listen_on)
    return world, {feed: (small[feed], large[feed]) for feed in paths}, took


def measure_calendar(app: Flask, url: str, options) -> str:
    """The calendar section of `make bench`, as printed lines."""
    world, counts, took = prepare_and_count(app)
    shown = sum(shown_in_feeds(row, world.now) for row in world.rows)
    cancelled = sum(row["status"] is MeetingStatus.CANCELLED for row in world.rows)
    lines = [
        "",
        f"calendar feeds: group {CALENDAR_SLUG} with {len(world.rows)} published open meetings "
        f"over 3 years ({', '.join(CALENDAR_ZONES)}; {cancelled} cancelled, of which "
        f"{len(world.rows) - shown} ended over 30 days ago and left the feed), written in "
        f"{took:.1f}s; a member registered for {len(world.registered_for)} of them",
    ]
    group_small, group_large = counts["group"]
    personal_small, personal_large = counts["personal"]
    lines.append(
        f"  SQL queries: group feed {group_small} at {FIRST_MEETINGS} meetings, {group_large} at "
        f"{len(world.rows)} ({'equal' if group_small == group_large else 'GROWS'}); personal "
        f"feed {personal_small} at {FIRST_REGISTERED} registrations, {personal_large} at "
        f"{len(world.registered_for)} ({'equal' if personal_small == personal_large else 'GROWS'})"
    )
    paths = {
        "group feed": group_path(),
        "personal feed": personal_path(world.token),
    }
    timings = {
        (label, how): time_builds(app, path, from_scratch=how == "written from scratch")
        for label, path in paths.items()
        for how in ("written from scratch", "unchanged, kept body")
    }
    get_db(app).engine.dispose()
    for (label, how), timing in timings.items():
        lines.append(
            f"  in process, {label}, {how}: median {timing.median_ms:.0f} ms, p95 "
            f"{timing.p95_ms:.0f} ms over 20 requests; {timing.size_kb:.0f} KB, "
            f"{timing.events} VEVENTs"
        )
    lines += load_feeds(url, paths, options)
    return "\n".join(lines)


def load_feeds(url: str, paths: dict[str, str], options) -> list[str]:
    """Each feed's throughput under gunicorn, plain (200) and with If-None-Match (304), beside
    /healthz measured just before and just after it."""
    header = (
        f"  {'feed under gunicorn':<34}{'requests':>9}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}"
        f"{'errors':>7}{'healthz req/s':>14}{'ratio':>8}"
    )
    lines = [header, "  " + "-" * (len(header) - 2)]
    with gunicorn(url, workers=options.workers, threads=options.threads) as port:

        def sample(path: str, **extra):
            return sample_load(
                "127.0.0.1",
                port,
                path,
                threads=options.clients,
                duration=options.duration,
                warmup=options.warmup,
                **extra,
            )

        before = sample("/healthz")
        for label, path in paths.items():
            etag = _etag(port, path)
            for variant, extra in (
                ("", {}),
                (" (304)", {"headers": {"If-None-Match": etag}, "expect": 304}),
            ):
                stats = sample(path, **extra).stats()
                after = sample("/healthz")
                base = (before + after).stats()
                before = after
                ratio = stats.rps / base.rps if base.rps else float("nan")
                lines.append(
                    f"  {label + variant:<34}{stats.requests:>9}{stats.rps:>8.1f}"
                    f"{stats.p50_ms:>8.1f}{stats.p99_ms:>8.1f}{stats.errors:>7}"
                    f"{base.rps:>14.0f}{ratio:>8.3f}"
                )
    return lines


def _etag(port: int, path: str) -> str:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        etag = response.getheader("ETag")
        if response.status != 200 or not etag:
            raise RuntimeError(f"{path} answered {response.status} without an ETag")
        return etag
    finally:
        connection.close()
