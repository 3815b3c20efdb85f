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

import contextlib
import hashlib
import importlib.metadata
import sys
import threading
import zoneinfo
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager, joinedload

import cop
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


class Kept:
    """What this process has written, by key, the most recently used last, at most `limit`
    bytes in all: a calendar program polling an unchanged feed is answered without writing
    it again, and a feed after one meeting changed rewrites that meeting's event only."""

    def __init__(self, limit: int, size: Callable[[Any], int]) -> None:
        self.limit, self.size = limit, size
        self.values: OrderedDict[Hashable, Any] = OrderedDict()
        self.total = 0
        self.lock = threading.Lock()

    def get_or_write(self, key: Hashable, write: Callable[[], Any]) -> Any:
        with self.lock:
            if key in self.values:
                self.values.move_to_end(key)
                return self.values[key]
        value = write()
        with self.lock:
            if key not in self.values:
                self.values[key] = value
                self.total += self.size(value)
            while self.total > self.limit and len(self.values) > 1:
                _, dropped = self.values.popitem(last=False)
                self.total -= self.size(dropped)
        return value

    def clear(self) -> None:
        with self.lock:
            self.values.clear()
            self.total = 0


KEPT_BODIES = Kept(64 * 1024 * 1024, len)
KEPT_EVENTS = Kept(32 * 1024 * 1024, lambda written: len(written.text))


@dataclass(frozen=True)
class Entry:
    """One meeting as one reader's calendar shows it; `changed_at` is the last change of
    anything that view is made of (the meeting, its group, the reader's registration or
    membership): the event's LAST-MODIFIED."""

    meeting: Meeting
    changed_at: datetime
    online_link: bool = False
    note: str = ""
    waiting: bool = False

    def key(self) -> tuple:
        """What the event is written from."""
        return (
            self.meeting.id,
            self.meeting.updated_at.isoformat(),
            self.changed_at.isoformat(),
            self.online_link,
            self.note,
            self.waiting,
        )

    def event(self) -> ics.CalendarEvent:
        return meeting_event(
            self.meeting,
            online_link=self.online_link,
            note=self.note,
            waiting=self.waiting,
            last_modified=self.changed_at,
        )

    def written(self) -> ics.WrittenEvent:
        """The event as a feed writes it, kept per meeting version, reader's view, language
        and settings."""
        config = current_app.config
        key = (self.key(), str(get_locale()), config["BASE_URL"], config["MAIL_SENDER"])
        return KEPT_EVENTS.get_or_write(key, lambda: ics.write_event(self.event()))


def _changed_at(meeting: Meeting, *others: datetime | None) -> datetime:
    return max(d for d in (meeting.updated_at, meeting.group.updated_at, *others) if d)


@dataclass(frozen=True)
class CalendarFile:
    """A calendar file ready to be written: what it is made of, and its validators.

    `fingerprint` is a hash of everything the body is written from (the records, the
    language, the settings, cop's own code and translations, the time-zone data), so it
    serves as the ETag before a byte is written: an unchanged feed costs its queries only,
    and its body is written once per process and kept (see `body`).
    """

    entries: tuple[Entry, ...]
    # The last change of anything the file was built from (for Last-Modified).
    last_modified: datetime
    filename: str
    name: str = ""  # empty: one meeting to add, not a feed to subscribe to
    description: str = ""
    timezone: str = "UTC"  # of an empty feed
    language: str = ""

    @cached_property
    def fingerprint(self) -> str:
        config = current_app.config
        parts = (
            _code_digest(),
            self.language,
            config["BASE_URL"],
            config["MAIL_SENDER"],
            self.name,
            self.description,
            self.timezone,
            tuple(entry.key() for entry in self.entries),
        )
        return hashlib.sha256(repr(parts).encode()).hexdigest()[:40]

    @property
    def body(self) -> bytes:
        return KEPT_BODIES.get_or_write(self.fingerprint, self._write)

    def _write(self) -> bytes:
        with force_locale(self.language):
            if not self.name:
                (entry,) = self.entries
                return ics.event_file(entry.event())
            return ics.feed(
                (entry.written() for entry in self.entries),
                name=self.name,
                description=self.description,
                timezone=self.timezone,
            )


def forget_kept() -> None:
    """Drop every body and event this process keeps (for benchmarks of a first write)."""
    KEPT_BODIES.clear()
    KEPT_EVENTS.clear()


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """A hash of what writes the files besides the records: cop's code and translations and
    the time-zone data (a new release or tz update changes every fingerprint)."""
    digest = hashlib.sha256()
    root = Path(cop.__file__).parent
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".mo"):
            digest.update(path.relative_to(root).as_posix().encode() + path.read_bytes())
    for folder in zoneinfo.TZPATH:
        version = Path(folder) / "tzdata.zi"
        if version.is_file():
            with version.open("rb") as file:
                digest.update(file.readline())
    # The libraries that write the text, and the time-zone data when it comes from PyPI.
    digest.update(sys.version.encode())
    for package in ("icalendar", "markdown-it-py", "Babel", "Flask-Babel", "tzdata"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            digest.update(f"{package} {importlib.metadata.version(package)}".encode())
    return digest.hexdigest()


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
    # The reader's registration counts too: being confirmed adds the online link.
    changes = [registration.updated_at] if registration is not None else []
    return CalendarFile(
        entries=(
            Entry(
                meeting,
                _changed_at(meeting, registration and registration.updated_at),
                online_link=reader.coordinates or confirmed,
            ),
        ),
        last_modified=max([meeting.updated_at, meeting.group.updated_at, *changes]),
        filename=f"meeting-{meeting.id}.ics",
        language=str(get_locale()),
    )


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
    return CalendarFile(
        entries=tuple(Entry(meeting, _changed_at(meeting)) for meeting in shown),
        last_modified=_last_change(published, [group.updated_at], now),
        filename=f"{group.slug}.ics",
        name=group_feed_name(group),
        description=_(
            "The meetings of the working group %(group)s open to everyone.", group=group.name
        ),
        timezone=group.timezone,
        language=str(get_locale()),
    )


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
    # When each coordinator's role began or last changed (the drafts come with it).
    coordinating = {
        m.group_id: m.updated_at for m in memberships if m.group_id in coordinated_groups
    }
    holding = {
        r.meeting_id: r
        for r in registrations
        if r.status in (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)
    }
    meetings = {m.id: m for m in coordinated} | {r.meeting_id: r.meeting for r in holding.values()}
    entries = []
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
        entries.append(
            Entry(
                meeting,
                _changed_at(
                    meeting,
                    registration and registration.updated_at,
                    coordinating.get(meeting.group_id),
                ),
                online_link=meeting.id in coordinates or (registration is not None and not waiting),
                note=note,
                waiting=waiting,
            )
        )
    last = _last_change(
        meetings.values(),
        [r.updated_at for r in registrations]
        + [m.updated_at for m in memberships]
        + [owner.updated_at],
        now,
    )
    return CalendarFile(
        entries=tuple(entries),
        last_modified=last,
        filename="my-meetings.ics",
        name=personal_feed_name(owner),
        description=_("The meetings of the S3 Community of Practice you take part in."),
        timezone=owner.timezone,
        language=str(get_locale()),
    )
