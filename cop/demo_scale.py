"""The scaled demo for benchmarks (`flask cop demo --scale N`): thousands of people, hundreds of
meetings, tens of thousands of registrations, challenges and good practices, activities,
solutions and outcomes (publications in every state, with their versions), written with bulk
inserts.

It goes on top of the normal demo, into a database of its own: it is written
once (a second run is refused, since the groups it makes are already there),
keeps the rules the services enforce (one plenary per slot, no more confirmed
people than seats, the waiting list in arrival order; one endorsement per member and
challenge, never by its raiser; one challenge per rank in a group; a merged challenge
points to an open one of its group) and writes no audit rows or emails. The database's
full-text index takes challenges and practices in as they are inserted (SQLite's
triggers, PostgreSQL's generated column). Two accounts with a known password let a
benchmark log in: a coordinator of the first scale group and a member registered for
every meeting of several groups (who also has a few practices of their own in the making).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import islice, product
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from cop import clock
from cop.activities.models import (
    Activity,
    ActivityExpert,
    ActivityKind,
    ActivityStatus,
    activity_challenges,
    activity_meetings,
    activity_regions,
)
from cop.challenges.models import (
    Challenge,
    ChallengeStatus,
    Endorsement,
    GoodPractice,
    PracticeLink,
    PracticeReview,
    PracticeStatus,
    ReviewDecision,
    Theme,
    challenge_regions,
    challenge_themes,
    practice_challenges,
    practice_themes,
)
from cop.challenges.themes import INNOVATION_DIFFUSION_THEMES
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
    Region,
    Role,
    User,
    WorkingGroup,
)
from cop.outcomes.models import (
    DEFAULT_LICENCE,
    Outcome,
    OutcomeKind,
    OutcomeStatus,
    OutcomeVersion,
    outcome_authors,
    outcome_challenges,
    outcome_editors,
    outcome_groups,
    outcome_meetings,
    outcome_practices,
    outcome_regions,
    outcome_solutions,
    outcome_themes,
)
from cop.solutions.models import (
    ACTIVE_STAGES,
    Direction,
    Indicator,
    Measurement,
    Milestone,
    ProgressUpdate,
    Solution,
    SolutionStage,
    UpdateStatus,
    solution_challenges,
    solution_co_owners,
    solution_regions,
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
    # Challenges and good practices, over all the groups (each group gets its share).
    challenges: int = 0
    practices: int = 0
    # Peer-learning activities, over all the groups.
    activities: int = 0
    # Solutions (with milestones, an indicator, measurements and updates), over all the groups.
    solutions: int = 0
    # Outcomes (most published, some drafts, in review or withdrawn), over all the groups.
    outcomes: int = 0

    @classmethod
    def for_scale(cls, scale: int) -> ScalePlan:
        if scale < 1:
            raise ValueError("the scale is a whole number of at least 1")
        return cls(
            members=1000 * scale,
            member_groups=min(10, 2 + scale),
            challenges=4000 * scale,
            practices=4000 * scale,
            activities=400 * scale,
            solutions=300 * scale,
            outcomes=100 * scale,
        )

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
    themes: int = 0
    challenges: int = 0
    endorsements: int = 0
    practices: int = 0
    activities: int = 0
    solutions: int = 0
    outcomes: int = 0
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
    regions = _region_codes(session)
    for place, group_id in enumerate(group_ids):
        add_challenges(
            session,
            group_id,
            challenges=_share(plan.challenges, plan.groups, place),
            practices=_share(plan.practices, plan.groups, place),
            now=now,
            report=report,
            regions=regions,
        )
        add_activities(
            session, group_id, _share(plan.activities, plan.groups, place), now, report, regions
        )
        add_solutions(
            session, group_id, _share(plan.solutions, plan.groups, place), now, report, regions
        )
    for place, group_id in enumerate(group_ids):
        # After every group's solutions: some outcomes span this group and the next.
        partner = group_ids[(place + 1) % len(group_ids)] if len(group_ids) > 1 else None
        add_outcomes(
            session, group_id, _share(plan.outcomes, plan.groups, place), now, report, partner
        )
    session.flush()
    return report


def _share(total: int, parts: int, place: int) -> int:
    return total // parts + (1 if place < total % parts else 0)


def _bulk(session: Session, model, rows: Iterable[dict], *, ids: bool = False) -> list[int]:
    """Insert rows in batches; their new ids in order when `ids`.

    On the table, not the ORM entity: the ORM splits a batch wherever the columns left empty
    (None) change from one row to the next, into many statements. Every row of a batch must
    then name the same columns (those left out take their defaults)."""
    table = getattr(model, "__table__", model)
    new_ids: list[int] = []
    rows = iter(rows)
    while batch := list(islice(rows, BATCH)):
        if ids:
            statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
            new_ids += session.scalars(statement, batch).all()
        else:
            session.execute(insert(table), batch)
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
            contactable=number % 3 == 0,
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


# --- Challenges and good practices --------------------------------------------------------------

# A word in about half of the challenges and practices: what the bench searches for.
SEARCH_WORD = "innovation"
# A group's first ten challenges (all accepted) are ranked 1 to 10.
RANKED = 10
# A merged challenge was merged into the one written this many before it (being addressed).
MERGED_BACK = 9
ACCEPTED, ADDRESSING = ChallengeStatus.ACCEPTED, ChallengeStatus.BEING_ADDRESSED
# The challenges practices answer: those anyone may read.
PUBLIC_CHALLENGES = (ACCEPTED, ADDRESSING, ChallengeStatus.ADDRESSED)
# Four challenges in five are public (accepted, being addressed, addressed).
CHALLENGE_CYCLE = (
    (ACCEPTED,) * 10
    + (ADDRESSING,) * 4
    + (ChallengeStatus.ADDRESSED,) * 2
    + (ChallengeStatus.PROPOSED,) * 2
    + (ChallengeStatus.CLOSED, ChallengeStatus.MERGED)
)
# Four practices in five are published; the others in every other state.
PRACTICE_CYCLE = (
    PracticeStatus.DRAFT,
    PracticeStatus.SUBMITTED,
    PracticeStatus.RETURNED,
    PracticeStatus.WITHDRAWN,
) + (PracticeStatus.PUBLISHED,) * 16
# What is still its author's to finish, or with the coordinators.
UNFINISHED = (PracticeStatus.DRAFT, PracticeStatus.SUBMITTED, PracticeStatus.RETURNED)
SUBJECTS = (
    "SMEs",
    "Universities",
    "Regional innovation agencies",
    "Start-ups",
    "Clusters",
    "Technology centres",
    "Municipalities",
    "Manufacturing firms",
    "Farmers' cooperatives",
    "Public procurement offices",
    "Incubators",
    "Vocational schools",
)
PROBLEMS = (
    "struggle to adopt digital tools",
    "lack staff skilled in data analysis",
    "find the rules of EU funding hard to follow",
    "rarely work with research centres",
    "cannot finance pilot projects",
    "miss a single contact point for support",
    "lose talent to the capital regions",
    "lack fast broadband",
    "know little of circular economy practices",
    "find advice on intellectual property too costly",
    "do not share data with each other",
    "wait months for permits for test beds",
)
CONTEXTS = (
    "in rural areas",
    "in border regions",
    "since the pandemic",
    "in the energy transition",
    "in traditional industries",
    "in less developed regions",
    "on islands and in mountain areas",
    "in tourism",
)
# Every other one names innovation.
DETAILS = (
    "The regional innovation strategy names it as a bottleneck.",
    "Surveys of firms find it year after year.",
    "Innovation vouchers have not solved it so far.",
    "Neighbouring regions report the same, with other causes.",
    "It slows the diffusion of innovation beyond the first adopters.",
    "Support schemes exist, but few of those concerned know them.",
)
ACTIONS = (
    "Innovation vouchers",
    "A digital hub",
    "Shared test beds",
    "An open data portal",
    "A talent return programme",
    "Mentoring by large firms",
    "A cluster internationalisation fund",
    "A one-stop shop",
    "A regional living lab",
    "Green public procurement pilots",
    "Industrial doctorates",
    "A network of technology transfer offices",
)
AUDIENCES = (
    "for SMEs",
    "for start-ups",
    "for rural firms",
    "for manufacturing firms",
    "for universities and companies",
    "for farmers' cooperatives",
    "for municipalities",
    "for young researchers",
)
DIFFICULTIES = (
    "Reaching firms that had never asked for support.",
    "Keeping the partners involved after the first year.",
    "Measuring the results beyond the number of participants.",
    "Finding staff with both technical and business experience.",
)


@dataclass(frozen=True)
class _GroupContext:
    """What a group's challenges and practices are written with."""

    members: list[tuple[int, str | None]]  # active members and their organisation's region
    coordinators: list[int]
    meetings: list[int]  # published, by date
    themes: list[int]  # current, in the group's order
    organisations: list[int]
    bench_member: int | None  # the benchmark member, when in the group


def _region_codes(session: Session) -> list[str]:
    return list(session.scalars(select(Region.code).order_by(Region.code)))


def add_challenges(
    session: Session,
    group_id: int,
    *,
    challenges: int,
    practices: int,
    now: datetime | None = None,
    report: ScaleReport | None = None,
    regions: list[str] | None = None,
) -> ScaleReport:
    """Write challenges and good practices in a group (of the scaled demo, or a test's), after
    those it has: with their themes (the group's first ones are seeded when it has none),
    regions, endorsements by its members, links and reviews. The caller commits."""
    now = now or clock.now()
    report = report if report is not None else ScaleReport()
    regions = regions if regions is not None else _region_codes(session)
    context = _context(session, report, group_id, now)
    if not context.members and (challenges or practices):
        raise ValueError("challenges and practices need a group with active members")
    if challenges:
        first = session.scalar(
            select(func.count()).select_from(Challenge).where(Challenge.group_id == group_id)
        )
        _write_challenges(session, report, group_id, context, regions, first, challenges, now)
    if practices:
        first = session.scalar(
            select(func.count()).select_from(GoodPractice).where(GoodPractice.group_id == group_id)
        )
        answered = list(
            session.scalars(
                select(Challenge.id)
                .where(Challenge.group_id == group_id, Challenge.status.in_(PUBLIC_CHALLENGES))
                .order_by(Challenge.id)
                .limit(200)
            )
        )
        _write_practices(
            session, report, group_id, context, regions, answered, first, practices, now
        )
    return report


def _context(session: Session, report: ScaleReport, group_id: int, now) -> _GroupContext:
    members = session.execute(
        select(Membership.user_id, Membership.role, Organisation.region_code)
        .join(User, User.id == Membership.user_id)
        .outerjoin(Organisation, Organisation.id == User.organisation_id)
        .where(Membership.group_id == group_id, Membership.status == MembershipStatus.ACTIVE)
        .order_by(Membership.id)
    ).all()
    themes = list(
        session.scalars(
            select(Theme.id)
            .where(Theme.group_id == group_id, Theme.retired_at.is_(None))
            .order_by(Theme.position, Theme.id)
        )
    )
    if not themes:
        rows = [
            dict(
                group_id=group_id,
                name=name,
                description="",
                position=position,
                retired_at=None,
                created_at=now,
                updated_at=now,
            )
            for position, name in enumerate(INNOVATION_DIFFUSION_THEMES, start=1)
        ]
        themes = _bulk(session, Theme, rows, ids=True)
        report.themes += len(themes)
    meetings = session.scalars(
        select(Meeting.id)
        .where(Meeting.group_id == group_id, Meeting.status == MeetingStatus.PUBLISHED)
        .order_by(Meeting.starts_at, Meeting.id)
    )
    bench_member = session.scalar(select(User.id).where(User.email == SCALE_MEMBER))
    return _GroupContext(
        bench_member=bench_member if any(row[0] == bench_member for row in members) else None,
        members=[(user_id, region) for user_id, _, region in members],
        coordinators=[user_id for user_id, role, _ in members if role is Role.COORDINATOR],
        meetings=list(meetings),
        themes=themes,
        organisations=list(session.scalars(select(Organisation.id).order_by(Organisation.id))),
    )


def _some(values: list, number: int, count: int, stride: int) -> list:
    """`count` different values of a list, picked by `number` (deterministically)."""
    if not values:
        return []
    picked = {values[(number * 7 + index * stride) % len(values)] for index in range(count)}
    return sorted(picked)


def _wording(number: int) -> tuple[str, str]:
    """A challenge's title and its description's first sentence's detail."""
    subject = SUBJECTS[number % len(SUBJECTS)]
    problem = PROBLEMS[number // len(SUBJECTS) % len(PROBLEMS)]
    context = CONTEXTS[(number // 144 + number) % len(CONTEXTS)]
    return f"{subject} {problem} {context}", DETAILS[number % len(DETAILS)]


def _write_challenges(session, report, group_id, context, regions, first, count, now) -> None:
    rows: dict[int, dict] = {}
    for number in range(first, first + count):
        status = CHALLENGE_CYCLE[number % len(CHALLENGE_CYCLE)]
        if status is ChallengeStatus.MERGED and number - MERGED_BACK < first:
            status = ChallengeStatus.CLOSED  # what it would merge into is not written here
        rows[number] = _challenge_row(group_id, number, status, context, now)
    # Merged ones last: they point to challenges written before them.
    merged = [n for n, row in rows.items() if row["status"] is ChallengeStatus.MERGED]
    others = [n for n in rows if rows[n]["status"] is not ChallengeStatus.MERGED]
    written = _bulk(session, Challenge, (rows[n] for n in others), ids=True)
    ids = dict(zip(others, written, strict=True))
    for number in merged:
        rows[number]["merged_into_id"] = ids[number - MERGED_BACK]
    written = _bulk(session, Challenge, (rows[n] for n in merged), ids=True)
    ids.update(zip(merged, written, strict=True))
    report.challenges += len(ids)

    themes, places, endorsements = [], [], []
    members = context.members
    for number, challenge_id in ids.items():
        row = rows[number]
        for theme_id in _some(context.themes, number, 1 + number % 2, 3):
            themes.append(dict(challenge_id=challenge_id, theme_id=theme_id))
        for code in _some(regions, number, 1 + number % 3, 53):
            places.append(dict(challenge_id=challenge_id, region_code=code))
        status = row["status"]
        given = 0 if status is ChallengeStatus.MERGED else number * 7 % 6
        if status is ChallengeStatus.CLOSED:
            given = 1
        raiser = number * 17 % len(members)
        for index in range(min(given, len(members) - 1)):
            user_id, region = members[(raiser + 1 + index) % len(members)]
            endorsements.append(
                dict(
                    challenge_id=challenge_id,
                    user_id=user_id,
                    region_code=region or (regions[number % len(regions)] if regions else None),
                    given_on_id=challenge_id,
                    created_at=min(now, row["created_at"] + timedelta(days=2 + index)),
                )
            )
    _bulk(session, challenge_themes, themes)
    _bulk(session, challenge_regions, places)
    _bulk(session, Endorsement, endorsements)
    report.endorsements += len(endorsements)


def _challenge_row(group_id, number, status, context, now) -> dict:
    created = now - timedelta(days=30, hours=number * 7919 % (700 * 24))
    decided = None if status is ChallengeStatus.PROPOSED else created + timedelta(days=14)
    title, detail = _wording(number)
    notes = {
        ChallengeStatus.CLOSED: "Outside what the group can work on: it is a national matter.",
        ChallengeStatus.MERGED: "The same challenge as another one, merged into it.",
    }
    meetings = context.meetings
    return dict(
        group_id=group_id,
        title=title,
        description=(
            f"{title[0].upper()}{title[1:]}. {detail}\n\n"
            f"Members from {3 + number % 9} regions face it; challenge {number + 1} of the group."
        ),
        status=status,
        priority=number + 1 if number < RANKED else None,
        raised_by_id=context.members[number * 17 % len(context.members)][0],
        raised_at_meeting_id=meetings[number % len(meetings)] if meetings and number % 3 else None,
        merged_into_id=None,
        decision_note=notes.get(status, ""),
        decided_at=decided,
        created_at=created,
        updated_at=decided or created,
    )


def _write_practices(
    session, report, group_id, context, regions, answered, first, count, now
) -> None:
    rows = [
        _practice_row(
            group_id, number, PRACTICE_CYCLE[number % len(PRACTICE_CYCLE)], context, regions, now
        )
        for number in range(first, first + count)
    ]
    ids = _bulk(session, GoodPractice, rows, ids=True)
    report.practices += len(ids)
    themes, challenges, links, reviews = [], [], [], []
    reviewer = context.coordinators[0] if context.coordinators else None
    for number, practice_id, row in zip(range(first, first + count), ids, rows, strict=True):
        for theme_id in _some(context.themes, number, 1 + number % 2, 2):
            themes.append(dict(practice_id=practice_id, theme_id=theme_id))
        if number % 3 != 2:
            for challenge_id in _some(answered, number, 1 + number % 2, 5):
                challenges.append(dict(practice_id=practice_id, challenge_id=challenge_id))
        if number % 3 == 0:
            links.append(
                dict(
                    practice_id=practice_id,
                    title="The programme's website",
                    url=f"https://example.org/practices/{group_id}/{number + 1}",
                    filename="",
                    content_type="",
                    size=0,
                    storage_key=None,
                    added_by_id=row["author_id"],
                    created_at=row["created_at"] + timedelta(days=1),
                    withdrawn_at=None,
                )
            )
        status = row["status"]
        if status in (PracticeStatus.RETURNED, PracticeStatus.PUBLISHED, PracticeStatus.WITHDRAWN):
            returned = status is PracticeStatus.RETURNED
            reviews.append(
                dict(
                    practice_id=practice_id,
                    reviewer_id=reviewer,
                    decision=ReviewDecision.RETURNED if returned else ReviewDecision.PUBLISHED,
                    comments="Please add what the evaluation found." if returned else "",
                    created_at=row["published_at"] or row["submitted_at"] + timedelta(days=5),
                )
            )
    _bulk(session, practice_themes, themes)
    _bulk(session, practice_challenges, challenges)
    _bulk(session, PracticeLink, links)
    _bulk(session, PracticeReview, reviews)


def _practice_row(group_id, number, status, context, regions, now) -> dict:
    created = now - timedelta(days=40, hours=number * 104729 % (700 * 24))
    submitted = None if status is PracticeStatus.DRAFT else created + timedelta(days=3)
    shown = status in (PracticeStatus.PUBLISHED, PracticeStatus.WITHDRAWN)
    published = submitted + timedelta(days=10) if shown else None
    withdrawn = published + timedelta(days=30) if status is PracticeStatus.WITHDRAWN else None
    action = ACTIONS[number % len(ACTIONS)]
    audience = AUDIENCES[number // len(ACTIONS) % len(AUDIENCES)]
    problem, detail = _wording(number * 5 + 1)
    organisations = context.organisations
    author = context.members[(number * 13 + 5) % len(context.members)][0]
    if status in UNFINISHED and number % 100 < len(PRACTICE_CYCLE) and context.bench_member:
        author = context.bench_member  # a few of their own in the making, in each hundred
    contact = f"{FIRST[number % len(FIRST)]} {LAST[number // len(FIRST) % len(LAST)]}"
    return dict(
        group_id=group_id,
        title=f"{action} {audience}",
        region_code=regions[number * 11 % len(regions)] if regions else None,
        organisation_id=organisations[number % len(organisations)] if organisations else None,
        problem=f"{problem[0].upper()}{problem[1:]}.",
        what_was_done=(
            f"The region set up {action[0].lower()}{action[1:]} {audience}, run with the "
            f"chamber of commerce and {2 + number % 5} universities. {detail}"
        ),
        resources=f"{(number % 9 + 1) * 50} thousand euros a year and {number % 4 + 1} staff.",
        timescale=f"{2016 + number % 6} to {2022 + number % 4}",
        evidence=f"{10 + number % 40} organisations took part; most of them would again.",
        difficulties=DIFFICULTIES[number % len(DIFFICULTIES)],
        transferability="Any region with a development agency and a university could run it.",
        contact_name=contact,
        contact_email=f"practice-{group_id}-{number + 1}@example.org",
        status=status,
        author_id=author,
        submitted_at=submitted,
        validated_by_id=context.coordinators[0] if shown and context.coordinators else None,
        published_at=published,
        withdrawn_at=withdrawn,
        created_at=created,
        updated_at=withdrawn or published or submitted or created,
    )


ACTIVITY_CYCLE = (
    ActivityStatus.PLANNED,
    ActivityStatus.RUNNING,
    ActivityStatus.COMPLETED,
    ActivityStatus.COMPLETED,
    ActivityStatus.CANCELLED,
)


def add_activities(
    session: Session,
    group_id: int,
    count: int,
    now: datetime | None = None,
    report: ScaleReport | None = None,
    regions: list[str] | None = None,
) -> ScaleReport:
    """Write `count` peer-learning activities in a group (of the scaled demo, or a test's) on
    its open challenges, held as its meetings, with three experts of its members each. The
    caller commits."""
    now = now or clock.now()
    report = report if report is not None else ScaleReport()
    regions = regions if regions is not None else _region_codes(session)
    if not count:
        return report
    context = _context(session, report, group_id, now)
    challenges = list(
        session.scalars(
            select(Challenge.id)
            .where(Challenge.group_id == group_id, Challenge.status.in_(PUBLIC_CHALLENGES))
            .order_by(Challenge.id)
            .limit(500)
        )
    )
    kinds = list(ActivityKind)
    first = session.scalar(
        select(func.count()).select_from(Activity).where(Activity.group_id == group_id)
    )
    rows = []
    for number in range(first, first + count):
        status = ACTIVITY_CYCLE[number % len(ACTIVITY_CYCLE)]
        created = now - timedelta(days=30, hours=number * 7919 % (600 * 24))
        done = status is ActivityStatus.COMPLETED
        rows.append(
            dict(
                group_id=group_id,
                kind=kinds[number % len(kinds)],
                title=f"{_wording(number * 3 + 2)[0][:150]}: peer learning {number + 1}",
                purpose="Peers from other regions compare what they tried and what worked.",
                host_region_code=regions[number * 13 % len(regions)] if regions else None,
                status=status,
                evaluation_learnt="Coaching mattered more than money." if done else "",
                evaluation_changes="Our scheme adds a coach next year." if done else "",
                cancel_reason="The host region withdrew." if status.value == "cancelled" else "",
                created_by_id=context.coordinators[0] if context.coordinators else None,
                started_at=created + timedelta(days=20) if status.value != "planned" else None,
                completed_at=created + timedelta(days=25) if done else None,
                cancelled_at=created + timedelta(days=5) if status.value == "cancelled" else None,
                created_at=created,
                updated_at=created,
            )
        )
    ids = _bulk(session, Activity, rows, ids=True)
    report.activities += len(ids)
    people = sorted({user_id for user_id, _ in context.members})
    links, places, held, experts = [], [], [], []
    for number, activity_id in zip(range(first, first + count), ids, strict=True):
        for challenge_id in _some(challenges, number, 1 + number % 2, 3):
            links.append(dict(activity_id=activity_id, challenge_id=challenge_id))
        for code in _some(regions, number, 2, 17):
            places.append(dict(activity_id=activity_id, region_code=code))
        for meeting_id in _some(context.meetings, number, 1, 1):
            held.append(dict(activity_id=activity_id, meeting_id=meeting_id))
        for user_id in _some(people, number, 3, 11):
            experts.append(
                dict(activity_id=activity_id, user_id=user_id, role="Peer", created_at=now)
            )
    _bulk(session, activity_challenges, links)
    _bulk(session, activity_regions, places)
    _bulk(session, activity_meetings, held)
    _bulk(session, ActivityExpert, experts)
    return report


# Stages in turn: most solutions are under way, a few completed or discontinued.
SOLUTION_CYCLE = (
    SolutionStage.CO_DEVELOPMENT,
    SolutionStage.SUPPORT,
    SolutionStage.DEPLOYMENT,
    SolutionStage.DEPLOYMENT,
    SolutionStage.MONITORING,
    SolutionStage.MONITORING,
    SolutionStage.COMPLETED,
    SolutionStage.DISCONTINUED,
)
# The regions solutions are deployed in: a dozen, so that the dashboard's matrix stays legible.
DEPLOYING_REGIONS = 12


def add_solutions(
    session: Session,
    group_id: int,
    count: int,
    now: datetime | None = None,
    report: ScaleReport | None = None,
    regions: list[str] | None = None,
) -> ScaleReport:
    """Write `count` solutions in a group (of the scaled demo, or a test's) on its public
    challenges, owned by its members, each deployed in two regions with three milestones (one
    done, one overdue, one ahead), an indicator with a few measurements, and progress updates
    (but some new ones in co-development, which have none yet). Three in four are public.
    The caller commits."""
    now = now or clock.now()
    report = report if report is not None else ScaleReport()
    regions = regions if regions is not None else _region_codes(session)
    if not count:
        return report
    context = _context(session, report, group_id, now)
    people = sorted({user_id for user_id, _ in context.members})
    if not people:
        return report
    places = regions[:: max(1, len(regions) // DEPLOYING_REGIONS)][:DEPLOYING_REGIONS]
    challenges = list(
        session.scalars(
            select(Challenge.id)
            .where(Challenge.group_id == group_id, Challenge.status.in_(PUBLIC_CHALLENGES))
            .order_by(Challenge.id)
            .limit(500)
        )
    )
    today = now.date()
    first = session.scalar(
        select(func.count()).select_from(Solution).where(Solution.group_id == group_id)
    )
    numbers = range(first, first + count)
    plans = [_solution_plan(number, today, now) for number in numbers]
    rows = []
    for number, plan in zip(numbers, plans, strict=True):
        stage = plan["stage"]
        rows.append(
            dict(
                group_id=group_id,
                title=f"{ACTIONS[number % len(ACTIONS)]} {AUDIENCES[number // 3 % len(AUDIENCES)]}"
                f" ({number + 1})",
                description="Regions co-develop the scheme, pilot it, then deploy it widely.",
                internal_notes="Budget not confirmed yet." if number % 5 == 0 else "",
                owner_id=people[number * 13 % len(people)],
                stage=stage,
                discontinue_reason="The regions found a better instrument."
                if stage is SolutionStage.DISCONTINUED
                else "",
                starts_on=plan["starts"],
                planned_end_on=plan["starts"] + timedelta(days=730),
                public=number % 4 != 3,
                status=plan["updates"][0][1] if plan["updates"] else None,
                last_update_on=plan["updates"][0][0] if plan["updates"] else None,
                created_by_id=context.coordinators[0] if context.coordinators else None,
                created_at=plan["created"],
                updated_at=plan["created"],
                completed_at=plan["ended"] if stage is SolutionStage.COMPLETED else None,
                discontinued_at=plan["ended"] if stage is SolutionStage.DISCONTINUED else None,
            )
        )
    ids = _bulk(session, Solution, rows, ids=True)
    report.solutions += len(ids)
    links, deployed, co_owners, milestones, indicators, updates = [], [], [], [], [], []
    # Where each solution's indicator is measured: every other one region by region.
    measured_in: dict[int, list[str | None]] = {}
    for number, solution_id, plan in zip(numbers, ids, plans, strict=True):
        for challenge_id in _some(challenges, number, 1 + number % 2, 3):
            links.append(dict(solution_id=solution_id, challenge_id=challenge_id))
        places_of = _some(places, number, 2, 5)
        for code in places_of:
            deployed.append(dict(solution_id=solution_id, region_code=code))
        measured_in[number] = list(places_of) if number % 2 and places_of else [None]
        owner = people[number * 13 % len(people)]
        co_owner = people[(number * 13 + 1) % len(people)]
        if number % 2 and co_owner != owner:
            co_owners.append(dict(solution_id=solution_id, user_id=co_owner))
        starts = plan["starts"]
        for offset, title, done in (
            (30, "Partners agree on the scheme", True),
            (90 + number % 60, "First regions run the pilot", False),
            (400, "Evaluation report", False),
        ):
            due = starts + timedelta(days=offset)
            milestones.append(
                dict(
                    solution_id=solution_id,
                    title=title,
                    due_on=due,
                    done_on=min(due, today) if done else None,
                    created_at=plan["created"],
                    withdrawn_at=None,
                )
            )
        higher = number % 2 == 0
        indicators.append(
            dict(
                solution_id=solution_id,
                name="SMEs taking part" if higher else "Days to answer a request",
                unit="SMEs" if higher else "days",
                direction=Direction.HIGHER if higher else Direction.LOWER,
                baseline_value=10.0 if higher else 40.0,
                baseline_on=starts,
                target_value=50.0 if higher else 10.0,
                target_on=starts + timedelta(days=730),
                region_code=None,
                created_at=plan["created"],
                withdrawn_at=None,
            )
        )
        for reported, status in plan["updates"]:
            updates.append(
                dict(
                    solution_id=solution_id,
                    author_id=owner,
                    reported_on=reported,
                    status=status,
                    narrative="The pilot regions signed up their first SMEs.",
                    help_needed="" if status is UpdateStatus.ON_TRACK else "Contacts in chambers.",
                    created_at=datetime.combine(reported, datetime.min.time(), tzinfo=now.tzinfo),
                )
            )
    _bulk(session, solution_challenges, links)
    _bulk(session, solution_regions, deployed)
    _bulk(session, solution_co_owners, co_owners)
    _bulk(session, Milestone, milestones)
    _bulk(session, ProgressUpdate, updates)
    indicator_ids = _bulk(session, Indicator, indicators, ids=True)
    measurements = []
    for number, indicator_id, row in zip(numbers, indicator_ids, indicators, strict=True):
        step = 1 if row["direction"] is Direction.HIGHER else -1
        for month, code in product(range(1, 5), measured_in[number]):
            measured = row["baseline_on"] + timedelta(days=30 * month)
            if measured > today:
                break
            measurements.append(
                dict(
                    indicator_id=indicator_id,
                    region_code=code,
                    measured_on=measured,
                    value=row["baseline_value"] + step * (3 + number % 4) * month,
                    source="Regional innovation agency survey",
                    recorded_by_id=None,
                    created_at=datetime.combine(measured, datetime.min.time(), tzinfo=now.tzinfo),
                    withdrawn_at=None,
                )
            )
    _bulk(session, Measurement, measurements)
    return report


def _solution_plan(number: int, today: date, now: datetime) -> dict:
    """When a solution started, was created and ended, and its progress updates (newest first:
    (day, status)); some under way are late with their update, others not."""
    stage = SOLUTION_CYCLE[number % len(SOLUTION_CYCLE)]
    starts = today - timedelta(days=60 + number * 37 % 500)
    created = datetime.combine(starts - timedelta(days=14), datetime.min.time(), tzinfo=now.tzinfo)
    statuses = list(UpdateStatus)
    updates = []
    if not (stage is SolutionStage.CO_DEVELOPMENT and number % 3 == 0):
        # The newest 0 to 69 days ago: beyond four weeks, the next one is overdue.
        newest = max(starts, today - timedelta(days=number * 11 % 70))
        updates = [
            (newest, statuses[number % 3]),
            (max(starts, newest - timedelta(days=28)), statuses[(number + 1) % 3]),
        ]
    ended = None
    if stage not in ACTIVE_STAGES:
        ended = min(now, created + timedelta(days=300))
    return dict(stage=stage, starts=starts, created=created, updates=updates, ended=ended)


# --- Outcomes -----------------------------------------------------------------------------------

# States in turn: seven in ten published (one of them revised once, so with two versions), a
# draft, one in review and one withdrawn.
OUTCOME_CYCLE = (
    "published",
    "published",
    "draft",
    "published",
    "revised",
    "in_review",
    "published",
    "published",
    "withdrawn",
    "published",
)
OUTCOME_TOPICS = (
    "reaching first-time adopters of new technologies",
    "what universities and RTOs can offer small companies",
    "coordinating the region's public agencies",
    "learning from the multinationals a region hosts",
    "the digitalisation of SMEs and public services",
    "keeping the analysis of bottlenecks to innovation diffusion up to date",
)


def add_outcomes(
    session: Session,
    group_id: int,
    count: int,
    now: datetime | None = None,
    report: ScaleReport | None = None,
    partner_group_id: int | None = None,
) -> ScaleReport:
    """Write `count` outcomes in a group (of the scaled demo, or a test's), in every kind and
    state (OUTCOME_CYCLE), written by one to three of its members and approved by one of its
    coordinators; each draws on two of its public solutions, a public challenge, a published
    practice (every other one) and a held meeting (meeting reports are started from it), under
    one of its themes, and concerns the regions of those records. One in ten also belongs to
    `partner_group_id`. The caller commits."""
    now = now or clock.now()
    report = report if report is not None else ScaleReport()
    if not count:
        return report
    context = _context(session, report, group_id, now)
    coordinators = context.coordinators
    writers = sorted({user_id for user_id, _ in context.members} - set(coordinators))
    if not coordinators or not writers:
        return report
    solutions = _regions_by(
        session,
        select(Solution.id, solution_regions.c.region_code)
        .outerjoin(solution_regions, solution_regions.c.solution_id == Solution.id)
        .where(Solution.group_id == group_id, Solution.public.is_(True)),
    )
    challenges = _regions_by(
        session,
        select(Challenge.id, challenge_regions.c.region_code)
        .outerjoin(challenge_regions, challenge_regions.c.challenge_id == Challenge.id)
        .where(Challenge.group_id == group_id, Challenge.status.in_(PUBLIC_CHALLENGES)),
    )
    practices = _regions_by(
        session,
        select(GoodPractice.id, GoodPractice.region_code).where(
            GoodPractice.group_id == group_id, GoodPractice.status == PracticeStatus.PUBLISHED
        ),
    )
    held = list(
        session.scalars(
            select(Meeting.id)
            .where(
                Meeting.group_id == group_id,
                Meeting.status == MeetingStatus.PUBLISHED,
                Meeting.ends_at < now,
            )
            .order_by(Meeting.starts_at, Meeting.id)
        )
    )
    names = dict(session.execute(select(User.id, User.name).where(User.id.in_(writers))).all())
    # Versions name only the authors who agreed to be listed (as approvals credit them).
    listed = set(
        session.scalars(
            select(User.id).where(
                User.id.in_(writers),
                User.listed.is_(True),
                User.active.is_(True),
                User.closed_at.is_(None),
            )
        )
    )
    kinds = list(OutcomeKind)
    first = session.scalar(
        select(func.count())
        .select_from(outcome_groups)
        .where(outcome_groups.c.group_id == group_id)
    )
    numbers = range(first, first + count)
    rows, plans = [], []
    for number in numbers:
        state = OUTCOME_CYCLE[number % len(OUTCOME_CYCLE)]
        kind = kinds[number % len(kinds)]
        meeting = held[number % len(held)] if held else None
        authors = _some(writers, number, 1 + number % 3, 7)
        created = now - timedelta(days=20, hours=number * 7919 % (500 * 24))
        submitted = created + timedelta(days=5) if state != "draft" else None
        topic = OUTCOME_TOPICS[number % len(OUTCOME_TOPICS)]
        word = f" in {SEARCH_WORD}" if number % 2 == 0 else ""
        title = f"{KIND_TITLES[kind]}: {topic}{word} ({number + 1})"
        summary = (
            f"What {3 + number % 8} regions learnt about {topic}, from the group's meetings and "
            "the solutions they deploy."
        )
        rows.append(
            dict(
                kind=kind,
                title=title,
                summary=summary,
                body=_outcome_body(number, topic),
                licence=DEFAULT_LICENCE,
                status=OutcomeStatus.IN_REVIEW if submitted else OutcomeStatus.DRAFT,
                current_version_id=None,
                from_meeting_id=meeting if kind is OutcomeKind.MEETING_REPORT else None,
                submitted_by_id=authors[0] if submitted else None,
                submitted_at=submitted,
                review_comment="",
                withdraw_reason="",
                withdrawn_at=None,
                created_by_id=authors[0],
                created_at=created,
                updated_at=submitted or created,
                first_published_at=None,
                public_changed_at=None,
                named_regions=[],
            )
        )
        plans.append((number, state, authors, meeting, created))
    ids = _bulk(session, Outcome, rows, ids=True)
    report.outcomes += len(ids)
    in_groups, credited, themed, concerns, versions, published = [], [], [], [], [], []
    editing = []  # who changed a working copy not approved yet (its first author)
    links = {
        outcome_meetings: ("meeting_id", []),
        outcome_challenges: ("challenge_id", []),
        outcome_practices: ("practice_id", []),
        outcome_solutions: ("solution_id", []),
    }
    for outcome_id, row, (number, state, authors, meeting, created) in zip(
        ids, rows, plans, strict=True
    ):
        in_groups.append(dict(outcome_id=outcome_id, group_id=group_id))
        if partner_group_id is not None and partner_group_id != group_id and number % 10 == 4:
            in_groups.append(dict(outcome_id=outcome_id, group_id=partner_group_id))
        for position, user_id in enumerate(authors):
            credited.append(dict(outcome_id=outcome_id, user_id=user_id, position=position))
        codes: set[str] = set()
        chosen = {
            outcome_meetings: [meeting] if meeting is not None else [],
            outcome_solutions: _some(list(solutions), number, 2, 5),
            outcome_challenges: _some(list(challenges), number, 1, 3),
            outcome_practices: _some(list(practices), number, 1, 3) if number % 2 else [],
        }
        for table, records in chosen.items():
            column, rows_of = links[table]
            for record_id in records:
                rows_of.append({"outcome_id": outcome_id, column: record_id})
        for solution_id in chosen[outcome_solutions]:
            codes |= solutions[solution_id]
        for challenge_id in chosen[outcome_challenges]:
            codes |= challenges[challenge_id]
        for practice_id in chosen[outcome_practices]:
            codes |= practices[practice_id]
        concerns += [dict(outcome_id=outcome_id, region_code=code) for code in sorted(codes)]
        for theme_id in _some(context.themes, number, 1, 2):
            themed.append(dict(outcome_id=outcome_id, theme_id=theme_id))
        if state in ("draft", "in_review"):
            editing.append(dict(outcome_id=outcome_id, user_id=authors[0]))
            continue
        approver = coordinators[number % len(coordinators)]
        first_at = min(created + timedelta(days=12), now - timedelta(hours=2))
        moments = [first_at]
        if state == "revised":
            moments.append(min(first_at + timedelta(days=60), now - timedelta(hours=1)))
        named = [user_id for user_id in authors if user_id in listed]
        text = ", ".join(names.get(user_id, "") for user_id in named)
        for version_number, at in enumerate(moments, start=1):
            versions.append(
                dict(
                    outcome_id=outcome_id,
                    number=version_number,
                    kind=row["kind"],
                    title=row["title"],
                    summary=row["summary"],
                    body=row["body"],
                    licence=row["licence"],
                    authors_text=text,
                    unnamed_authors=len(authors) - len(named),
                    named_author_ids=named,
                    change_note="Added the regions' newest figures." if version_number > 1 else "",
                    submitted_by_id=authors[0],
                    approved_by_id=approver,
                    published_at=at,
                )
            )
        withdrawn = None
        if state == "withdrawn":
            withdrawn = min(first_at + timedelta(days=90), now - timedelta(minutes=30))
        published.append((outcome_id, first_at, moments[-1], withdrawn))
    _bulk(session, outcome_groups, in_groups)
    _bulk(session, outcome_authors, credited)
    _bulk(session, outcome_editors, editing)
    for table, (_, rows_of) in links.items():
        _bulk(session, table, rows_of)
    _bulk(session, outcome_themes, themed)
    _bulk(session, outcome_regions, concerns)
    version_ids = _bulk(session, OutcomeVersion, versions, ids=True)
    # Each outcome's newest version is the one the public reads.
    current = {}
    for version_id, version in zip(version_ids, versions, strict=True):
        current[version["outcome_id"]] = version_id
    changes = [
        dict(
            id=outcome_id,
            status=OutcomeStatus.WITHDRAWN if withdrawn else OutcomeStatus.PUBLISHED,
            current_version_id=current[outcome_id],
            first_published_at=first_at,
            public_changed_at=withdrawn or last_at,
            withdraw_reason="Superseded by the group's newer brief on the same topic."
            if withdrawn
            else "",
            withdrawn_at=withdrawn,
            updated_at=withdrawn or last_at,
        )
        for outcome_id, first_at, last_at, withdrawn in published
    ]
    for start in range(0, len(changes), BATCH):
        session.execute(update(Outcome), changes[start : start + BATCH])
    return report


KIND_TITLES = {
    OutcomeKind.LESSONS_LEARNT: "Lessons learnt",
    OutcomeKind.POLICY_BRIEF: "Policy brief",
    OutcomeKind.MEETING_REPORT: "Meeting report",
    OutcomeKind.CASE_STUDY: "Case study",
}


def _regions_by(session: Session, query) -> dict[int, set[str]]:
    """Records' ids (500 at most, the first ones) and the region codes of each."""
    found: dict[int, set[str]] = {}
    for record_id, code in session.execute(query.order_by(query.selected_columns[0])):
        if record_id not in found and len(found) >= 500:
            continue
        found.setdefault(record_id, set())
        if code:
            found[record_id].add(code)
    return found


def _outcome_body(number: int, topic: str) -> str:
    return (
        f"## What the regions tried\n\n{ACTIONS[number % len(ACTIONS)]} "
        f"{AUDIENCES[number // 3 % len(AUDIENCES)]}, in {2 + number % 5} regions.\n\n"
        f"## Lessons learnt\n\n1. {DIFFICULTIES[number % len(DIFFICULTIES)]}\n"
        f"2. Coaching mattered more than money for {topic}.\n"
        "3. Measure who is new, not only how many took part.\n"
    )
