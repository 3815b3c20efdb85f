"""The scaled demo for benchmarks (`flask cop demo --scale N`): thousands of people, hundreds of
meetings, tens of thousands of registrations, written with bulk inserts.

It goes on top of the normal demo, into a database of its own: it is written
once (a second run is refused, since the groups it makes are already there),
keeps the rules the services enforce (one plenary per slot, no more confirmed
people than seats, the waiting list in arrival order) and writes no audit rows
or emails. Two accounts with a known password let a benchmark log in: a
coordinator of the first scale group and a member registered for every meeting
of several groups.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from cop import clock
from cop.meetings.cycle import add_months, cycle_slots
from cop.meetings.models import (
    AgendaItem,
    AttendanceMode,
    Audience,
    Material,
    MaterialKind,
    Meeting,
    MeetingFormat,
    MeetingKind,
    MeetingStatus,
    Registration,
    RegistrationStatus,
    Visibility,
)
from cop.members.models import (
    Membership,
    MembershipStatus,
    Organisation,
    Role,
    User,
    WorkingGroup,
)

BATCH = 5000
PLENARIES = 6
SCALE_PASSWORD = "scale-demo-password"  # noqa: S105  (a demo account, printed on load)
SCALE_COORDINATOR = "scale-coordinator@example.org"
SCALE_MEMBER = "scale-member@example.org"
ZONES = ("Europe/Brussels", "Europe/Madrid", "Europe/Warsaw", "Europe/Helsinki", "Europe/Lisbon")
FIRST = ("Anna", "Jan", "Maria", "Luca", "Sofia", "Pierre", "Eva", "Mikkel", "Ines", "Tomas")
LAST = ("Novak", "Rossi", "Martin", "Schmidt", "Silva", "Nowak", "Virtanen", "Horvat", "Dubois")
# The kinds of the meetings between plenaries, in turn.
OTHER_KINDS = (
    MeetingKind.WEBINAR,
    MeetingKind.WORKSHOP,
    MeetingKind.STUDY_VISIT,
    MeetingKind.WEBINAR,
    MeetingKind.PEER_REVIEW_VISIT,
    MeetingKind.WORKSHOP,
)
IN_PERSON, ONLINE = AttendanceMode.IN_PERSON, AttendanceMode.ONLINE


class AlreadyLoaded(Exception):
    """The scaled demo is in this database already."""


@dataclass(frozen=True)
class ScalePlan:
    """How much to write. `for_scale(N)` is what `flask cop demo --scale N` loads."""

    members: int
    groups: int = 10
    meetings_per_group: int = 24  # six plenaries, then webinars, workshops and visits
    # Groups the benchmark member belongs to (registered for each of their meetings).
    member_groups: int = 3

    @classmethod
    def for_scale(cls, scale: int) -> ScalePlan:
        if scale < 1:
            raise ValueError("the scale is a whole number of at least 1")
        return cls(members=1000 * scale, member_groups=min(10, 2 + scale))

    def __post_init__(self) -> None:
        if self.meetings_per_group < PLENARIES + 1 or self.members < self.groups:
            raise ValueError("a scale plan needs the six plenaries, one more meeting and people")


@dataclass
class ScaleReport:
    groups: int = 0
    users: int = 0
    memberships: int = 0
    meetings: int = 0
    agenda_items: int = 0
    materials: int = 0
    registrations: int = 0
    accounts: list[tuple[str, str, str]] = field(default_factory=list)


def group_slug(number: int) -> str:
    return f"scale-{number + 1:02d}"


def load_scaled_demo(session: Session, plan: ScalePlan, now: datetime | None = None) -> ScaleReport:
    """Write the scaled demo; the caller commits. AlreadyLoaded when it is there already."""
    now = now or clock.now()
    if session.scalar(select(WorkingGroup.id).where(WorkingGroup.slug == group_slug(0))):
        raise AlreadyLoaded(
            "The scaled demo is already in this database (the group scale-01 exists): "
            "load it into a fresh database."
        )
    report = ScaleReport()
    organisations = list(session.scalars(select(Organisation.id).order_by(Organisation.id)))
    today = now.astimezone(ZoneInfo(ZONES[0])).date()
    kickoff = add_months(today.replace(day=1), -15)
    group_ids = _groups(session, report, plan, kickoff)
    members_of, member_id = _people(session, report, plan, group_ids, organisations, now)
    _meetings(session, report, plan, group_ids, members_of, member_id, kickoff, now)
    session.flush()
    return report


def _bulk(session: Session, model, rows: Iterable[dict], *, ids: bool = False) -> list[int]:
    """Insert rows in batches; their new ids in order when `ids`."""
    new_ids: list[int] = []
    rows = iter(rows)
    while batch := list(islice(rows, BATCH)):
        if ids:
            statement = insert(model).returning(model.id, sort_by_parameter_order=True)
            new_ids += session.scalars(statement, batch).all()
        else:
            session.execute(insert(model), batch)
    return new_ids


def _groups(session: Session, report: ScaleReport, plan: ScalePlan, kickoff: date) -> list[int]:
    rows = [
        dict(
            slug=group_slug(number),
            name=f"Scale group {number + 1}",
            summary="A working group of the scaled demo, for benchmarks.",
            kickoff=kickoff,
            duration_months=36,
            meetings_per_year=2,
            timezone=ZONES[number % len(ZONES)],
            archived=False,
        )
        for number in range(plan.groups)
    ]
    report.groups = len(rows)
    return _bulk(session, WorkingGroup, rows, ids=True)


def _people(session, report, plan, group_ids, organisations, now) -> tuple[list[list[int]], int]:
    """Everyone and their memberships: each group's active members in joining order, and the
    benchmark member's id."""
    rows = [
        dict(
            email=f"scale-member-{number:05d}@example.org",
            name=f"{FIRST[number % len(FIRST)]} {LAST[number // len(FIRST) % len(LAST)]} {number}",
            password_hash=None,
            organisation_id=organisations[number % len(organisations)] if organisations else None,
            position="Policy officer" if number % 3 else "Researcher",
            expertise="Innovation diffusion" if number % 2 else "Digitalisation of SMEs",
            listed=number % 2 == 0,
            is_admin=False,
            active=True,
            email_confirmed_at=now,
            session_version=1,
        )
        for number in range(plan.members)
    ]
    user_ids = _bulk(session, User, rows, ids=True)
    password = generate_password_hash(SCALE_PASSWORD)
    accounts = []
    for email, name in ((SCALE_COORDINATOR, "Scale Coordinator"), (SCALE_MEMBER, "Scale Member")):
        account = User(
            email=email, name=name, password_hash=password, email_confirmed_at=now, listed=True
        )
        session.add(account)
        accounts.append(account)
        report.accounts.append((name, email, SCALE_PASSWORD))
    session.flush()
    report.users = len(user_ids) + len(accounts)

    members_of: list[list[int]] = [[] for _ in group_ids]
    memberships = []
    groups = len(group_ids)
    for number, user_id in enumerate(user_ids):
        home = number % groups
        places = [home] if number % 4 or groups == 1 else [home, (home + 1) % groups]
        for place in places:
            applied = number % 50 == 49
            memberships.append(
                _membership(user_id, group_ids[place], number == place, applied, now)
            )
            if not applied:
                members_of[place].append(user_id)
    coordinator, member = accounts
    memberships.append(_membership(coordinator.id, group_ids[0], True, False, now))
    for place in range(min(plan.member_groups, groups)):
        memberships.append(_membership(member.id, group_ids[place], False, False, now))
    _bulk(session, Membership, memberships)
    report.memberships = len(memberships)
    # The benchmark member registers for every meeting of their groups: early, except in their
    # last group, where they come last (and wait for a seat wherever the room is full).
    joined = min(plan.member_groups, groups)
    for place in range(joined):
        position = len(members_of[place]) if place == joined - 1 and joined > 1 else 1
        members_of[place].insert(position, member.id)
    return members_of, member.id


def _membership(user_id, group_id, coordinator, applied, now) -> dict:
    return dict(
        user_id=user_id,
        group_id=group_id,
        role=Role.COORDINATOR if coordinator else Role.MEMBER,
        status=MembershipStatus.APPLIED if applied else MembershipStatus.ACTIVE,
        motivation="",
        decision_note="",
        decided_at=None if applied else now,
        created_at=now,
        updated_at=now,
    )


@dataclass
class _Planned:
    """A meeting about to be written, with what its registrations need to know."""

    row: dict
    kind: MeetingKind
    number: int  # within its group
    starts: datetime
    ends: datetime
    published: datetime | None
    capacity: dict[AttendanceMode, int | None]
    modes: tuple[AttendanceMode, ...]
    audience: Audience


def _meetings(session, report, plan, group_ids, members_of, member_id, kickoff, now) -> None:
    planned: list[tuple[int, _Planned]] = []
    for place, group_id in enumerate(group_ids):
        zone = ZoneInfo(ZONES[place % len(ZONES)])
        size = len(members_of[place])
        slots = cycle_slots(kickoff, 36, 2)
        for number in range(plan.meetings_per_group):
            planned.append(
                (place, _plan_meeting(group_id, number, plan, slots, kickoff, zone, size, now))
            )
    meeting_ids = _bulk(session, Meeting, (p.row for _, p in planned), ids=True)
    report.meetings = len(meeting_ids)

    agenda, materials = [], []
    for meeting_id, (_, p) in zip(meeting_ids, planned, strict=True):
        for offset, title in ((0, "Welcome"), (1, "Good practices"), (3, "Discussion")):
            agenda.append(
                dict(
                    meeting_id=meeting_id,
                    starts_at=min(p.starts + timedelta(hours=offset), p.ends),
                    title=title,
                    speakers="",
                    description="",
                )
            )
        if p.row["status"] is MeetingStatus.PUBLISHED and now >= p.ends:
            materials.append(_material(meeting_id, MaterialKind.LINK, "Slides (PDF)", p.ends))
            if p.kind is MeetingKind.WEBINAR:
                materials.append(_material(meeting_id, MaterialKind.RECORDING, "Recording", p.ends))
    _bulk(session, AgendaItem, agenda)
    _bulk(session, Material, materials)
    report.agenda_items, report.materials = len(agenda), len(materials)

    registrations = (
        row
        for meeting_id, (place, p) in zip(meeting_ids, planned, strict=True)
        for row in _registrations(meeting_id, p, members_of[place], member_id, now)
    )
    counted = _Counted(registrations)
    _bulk(session, Registration, counted)
    report.registrations = counted.count


def _plan_meeting(group_id, number, plan, slots, kickoff, zone, size, now) -> _Planned:
    """A meeting of a group of `size` active members: rooms hold fewer than would come."""
    others = plan.meetings_per_group - PLENARIES
    if number < PLENARIES:
        kind, slot = MeetingKind.PLENARY, number + 1
        day = slots[number].starts + timedelta(days=21)
        starts = datetime(day.year, day.month, day.day, 9, 30, tzinfo=zone)
        ends = starts + timedelta(days=1, hours=3, minutes=30)
        form, capacity = MeetingFormat.HYBRID, {IN_PERSON: max(5, size * 13 // 40), ONLINE: None}
        title = f"Plenary meeting {slot}"
    else:
        other = number - PLENARIES
        kind, slot = OTHER_KINDS[other % len(OTHER_KINDS)], None
        day = kickoff + timedelta(days=14 + 35 * other)
        starts = datetime(day.year, day.month, day.day, 10, 0, tzinfo=zone)
        if kind is MeetingKind.WEBINAR:
            ends, form, capacity = (
                starts + timedelta(minutes=90),
                MeetingFormat.ONLINE,
                {ONLINE: None},
            )
        elif kind is MeetingKind.WORKSHOP:
            ends, form, capacity = (
                starts + timedelta(hours=6),
                MeetingFormat.IN_PERSON,
                {IN_PERSON: min(30, max(4, size // 4))},
            )
        else:
            ends, form, capacity = (
                starts + timedelta(days=1, hours=5),
                MeetingFormat.IN_PERSON,
                {IN_PERSON: min(20, max(3, size // 6))},
            )
        title = f"{kind.value.replace('_', ' ').capitalize()} {other + 1}"
    if number == plan.meetings_per_group - 1 and others > 1:
        status = MeetingStatus.DRAFT
    elif slot is None and (number - PLENARIES) % 9 == 4:
        status = MeetingStatus.CANCELLED
    else:
        status = MeetingStatus.PUBLISHED
    published = None if status is MeetingStatus.DRAFT else min(starts, now) - timedelta(days=45)
    over = now >= ends
    audience = Audience.OPEN if kind is MeetingKind.WEBINAR else Audience.MEMBERS
    row = dict(
        group_id=group_id,
        kind=kind,
        cycle_slot=slot,
        title=title,
        description="A meeting of the scaled demo.\n\nIts agenda and materials are below.",
        starts_at=starts,
        ends_at=ends,
        timezone=zone.key,
        format=form,
        venue="" if form is MeetingFormat.ONLINE else "Conference centre",
        address="" if form is MeetingFormat.ONLINE else "Main square 1",
        online_url="" if form is MeetingFormat.IN_PERSON else "https://meet.example.org/scale",
        capacity_in_person=capacity.get(IN_PERSON),
        capacity_online=capacity.get(ONLINE),
        registration_opens_at=None,
        registration_closes_at=None,
        audience=audience,
        status=status,
        sequence=0,
        reminder_days="7,1",
        agenda_visibility=Visibility.PUBLIC,
        minutes="The group reviewed the practices presented." if over else "",
        minutes_visibility=Visibility.PUBLIC,
        postponed_from=None,
        cancel_reason="The host could not receive us." if status is MeetingStatus.CANCELLED else "",
        created_by_id=None,
        published_at=published,
        cancelled_at=(published + timedelta(days=7)) if status is MeetingStatus.CANCELLED else None,
        created_at=(published or now) - timedelta(days=7),
        updated_at=published or now,
    )
    return _Planned(row, kind, number, starts, ends, published, capacity, tuple(capacity), audience)


def _material(meeting_id: int, kind: MaterialKind, title: str, ends: datetime) -> dict:
    return dict(
        meeting_id=meeting_id,
        kind=kind,
        title=title,
        url=f"https://cop.example.org/files/scale/{meeting_id}/{kind.value}",
        filename="",
        content_type="",
        size=0,
        storage_key=None,
        visibility=Visibility.PUBLIC,
        added_by_id=None,
        created_at=ends + timedelta(days=2),
        withdrawn_at=None,
    )


def _registrations(meeting_id: int, p: _Planned, members: list[int], member_id: int, now):
    """About half of the group registers, in order; seats go first come, first served."""
    if p.published is None:
        return
    over = now >= p.ends
    queue: list[tuple[int | None, AttendanceMode, int]] = []
    # Over half the group registers, but rooms of workshops and visits draw only a few more
    # people than their seats. Who registers is spread evenly (and deterministically).
    share = 550
    if ONLINE not in p.modes:
        share = min(share, 1200 * p.capacity[IN_PERSON] // max(1, len(members)))
    for index, user_id in enumerate(members):
        if user_id == member_id or (index * 7919 + p.number * 104729) % 1000 < share:
            mode = (
                ONLINE
                if ONLINE in p.modes and (index % 3 == 0 or IN_PERSON not in p.modes)
                else IN_PERSON
            )
            queue.append((user_id, mode, index))
    if p.audience is Audience.OPEN:
        queue += [(None, ONLINE, -guest) for guest in range(1, 6)]
    last = min(p.starts, now) - timedelta(hours=1)
    step = (last - p.published) / (len(queue) + 2)
    confirmed = dict.fromkeys(p.modes, 0)
    for position, (user_id, mode, index) in enumerate(queue):
        queued = p.published + step * (position + 1)
        row = dict(
            meeting_id=meeting_id,
            user_id=user_id,
            name="" if user_id else f"Guest {meeting_id}-{-index}",
            email="" if user_id else f"guest-{meeting_id}-{-index}@example.org",
            organisation_name="" if user_id else "Regional development agency",
            region_code=None,
            listed=False,
            language=None if user_id else "en",
            mode=mode,
            status=RegistrationStatus.CONFIRMED,
            needs="",
            queued_at=queued,
            confirmed_at=queued,
            cancelled_at=None,
            attended_at=None,
            created_at=queued,
            updated_at=queued,
        )
        capacity = p.capacity[mode]
        if user_id != member_id and index % 23 == 22:
            row.update(status=RegistrationStatus.CANCELLED, confirmed_at=None, cancelled_at=last)
        elif capacity is not None and confirmed[mode] >= capacity:
            row.update(status=RegistrationStatus.WAITLISTED, confirmed_at=None)
        else:
            confirmed[mode] += 1
            if over and index % 5:
                row["attended_at"] = p.starts + timedelta(minutes=10)
        yield row


class _Counted:
    """An iterable that counts what goes through it."""

    def __init__(self, rows: Iterable[dict]) -> None:
        self.rows, self.count = rows, 0

    def __iter__(self) -> Iterator[dict]:
        for row in self.rows:
            self.count += 1
            yield row
