"""What the region pages show: every NUTS-2 region with what the platform holds for it, one
region's page (its members' organisations, challenges, good practices, solutions, meetings,
activities and outcomes) and its bottleneck-analysis dossier.

These are public pages: only what anyone may read is read here, whoever asks, so one cached
copy serves everyone (accepted challenges, published practices and meetings, public solutions,
outcomes once published; organisations by name, never people). Each read runs a fixed number
of SQL statements whatever the data, and reads a bounded number of records: counts are
aggregated in SQL, lists are cut to their first records with their totals counted alongside
(a region may face hundreds of challenges), and what a page walks is loaded eagerly, from
parents fewer than an eager load reads in one statement.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Generic, TypeVar

from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import (
    Integer,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    union,
    union_all,
)
from sqlalchemy.orm import Session, joinedload, selectinload

from cop import clock
from cop.activities.models import Activity, activity_meetings, activity_regions
from cop.audit.models import AuditEntry
from cop.auth.permissions import is_signed_in
from cop.challenges.models import (
    Challenge,
    Endorsement,
    GoodPractice,
    PracticeStatus,
    Theme,
    challenge_regions,
    challenge_themes,
    practice_challenges,
    practice_themes,
)
from cop.challenges.search import PUBLIC_CHALLENGES
from cop.errors import NotFound
from cop.meetings.models import Meeting, Registration, RegistrationStatus
from cop.members.labels import region_label
from cop.members.models import (
    Helix,
    Membership,
    MembershipStatus,
    Organisation,
    Region,
    User,
    WorkingGroup,
)
from cop.members.regions import country_name
from cop.outcomes.access import is_listed, is_public
from cop.outcomes.models import Outcome, OutcomeStatus, OutcomeVersion, outcome_regions
from cop.solutions.chart import format_value
from cop.solutions.models import (
    STAGE_ORDER,
    Indicator,
    Measurement,
    Solution,
    SolutionStage,
    solution_challenges,
    solution_regions,
)
from cop.solutions.pages import progress_label
from cop.solutions.progress import headline, indicator_series
from cop.solutions.progress import progress as progress_toward

# Longer than any NUTS code: what is longer names no region (and is not looked up).
MAX_CODE = 8
_CODE = re.compile(r"[A-Za-z0-9]{2,8}")


def find_region(session: Session, code: str) -> Region:
    """The region a path names, in any case ("be10" finds BE10: the view sends the reader to
    the upper-case address); NotFound for a code that names none."""
    cleaned = (code or "").strip()
    region = session.get(Region, cleaned.upper()) if _CODE.fullmatch(cleaned) else None
    if region is None:
        raise NotFound(_("There is no region with this code."))
    return region


# -- what changes the pages: one statement -----------------------------------------------------


@dataclass(frozen=True)
class Stamp:
    """A cheap summary of the records the region pages read: it changes whenever one of them
    does (the ETag's version), with the time of the newest change (Last-Modified)."""

    version: tuple
    changed_at: datetime | None


def _latest(column):
    return select(func.max(column)).scalar_subquery()


def _count(table):
    return select(func.count()).select_from(table).scalar_subquery()


def records_stamp(session: Session, reader=None) -> Stamp:
    """Newest change times, highest ids and row counts of every table the region pages read,
    in one statement. Link tables (a challenge's regions, a solution's) have no time of their
    own: their counts, and the audit log every service writes to, stand for them. (As
    cop.site.freshness does for the record pages, with the link tables these pages read.)

    The number of meetings over changes when one ends: the region page lists them as coming
    until then.

    Signed-in readers' pages hold a form token (the header's log-out form): their version
    also changes every hour, so that a kept page's token is never near its expiry."""
    changed = [
        _latest(Organisation.updated_at),
        _latest(User.updated_at),
        _latest(Membership.updated_at),
        _latest(WorkingGroup.updated_at),
        _latest(Theme.updated_at),
        _latest(Challenge.updated_at),
        _latest(GoodPractice.updated_at),
        _latest(Solution.updated_at),
        _latest(Indicator.withdrawn_at),
        _latest(Measurement.withdrawn_at),
        _latest(Meeting.updated_at),
        _latest(Registration.updated_at),
        _latest(Activity.updated_at),
        _latest(Outcome.updated_at),
        _latest(Outcome.public_changed_at),
    ]
    others = [
        _latest(AuditEntry.id),
        _latest(Endorsement.id),
        _latest(Indicator.id),
        _latest(Measurement.id),
        _latest(OutcomeVersion.id),
        _count(Organisation.__table__),
        _count(Membership.__table__),
        _count(Challenge.__table__),
        _count(challenge_regions),
        _count(challenge_themes),
        _count(Endorsement.__table__),
        _count(GoodPractice.__table__),
        _count(practice_challenges),
        _count(practice_themes),
        _count(Solution.__table__),
        _count(solution_regions),
        _count(solution_challenges),
        _count(Registration.__table__),
        _count(Activity.__table__),
        _count(activity_regions),
        _count(activity_meetings),
        _count(outcome_regions),
        # A meeting moves from the coming to the past ones when it ends, whatever changes.
        select(func.count())
        .select_from(Meeting)
        .where(Meeting.ends_at <= clock.now())
        .scalar_subquery(),
    ]
    row = session.execute(select(*changed, *others)).one()
    moments = [moment for moment in row[: len(changed)] if isinstance(moment, datetime)]
    version = [value.isoformat() if isinstance(value, datetime) else value for value in row]
    if is_signed_in(reader):
        version.append(clock.now().strftime("%Y-%m-%dT%H"))
    return Stamp(version=tuple(version), changed_at=max(moments, default=None))


# -- conditions shared by the pages ------------------------------------------------------------


def _member_organisations(*, listed: bool = False):
    """The ids of organisations with an active member of a group whose account is open; with
    `listed`, a member who agreed to be listed (only they may make it known where they work)."""
    query = (
        select(User.organisation_id)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.status == MembershipStatus.ACTIVE,
            User.active.is_(True),
            User.closed_at.is_(None),
            User.organisation_id.is_not(None),
        )
    )
    return query.where(User.listed.is_(True)) if listed else query


def _organisations_with_members():
    """Organisations (reviewed, not merged away) with at least one active member of a group
    whose account is open."""
    return (
        Organisation.id.in_(_member_organisations()),
        Organisation.merged_into_id.is_(None),
        Organisation.proposed.is_(False),
    )


def _public_challenge():
    return Challenge.status.in_(PUBLIC_CHALLENGES)


def _published_practice():
    return GoodPractice.status == PracticeStatus.PUBLISHED


# -- every region ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegionCounts:
    """What the platform holds for a region: organisations with active members, public
    challenges it faces or endorsed, published practices, public solutions deployed there and
    listed outcomes concerning it."""

    organisations: int = 0
    challenges: int = 0
    practices: int = 0
    solutions: int = 0
    outcomes: int = 0

    @property
    def total(self) -> int:
        return (
            self.organisations + self.challenges + self.practices + self.solutions + self.outcomes
        )


@dataclass(frozen=True)
class RegionRow:
    region: Region
    counts: RegionCounts


@dataclass(frozen=True)
class Country:
    code: str
    name: str  # in the reader's language
    rows: list[RegionRow]

    @property
    def with_records(self) -> int:
        return sum(1 for row in self.rows if row.counts.total)


@dataclass(frozen=True)
class RegionIndex:
    countries: list[Country]  # by name in the reader's language

    @property
    def regions(self) -> int:
        return sum(len(country.rows) for country in self.countries)

    @property
    def with_records(self) -> int:
        return sum(country.with_records for country in self.countries)


def _counts_by_region(session: Session, query) -> dict[str, int]:
    return {code: count for code, count in session.execute(query) if code is not None}


def region_index(session: Session) -> RegionIndex:
    """Every region, by country, with its counts: six statements (the regions and one
    aggregate per kind of record), whatever the number of records."""
    regions = session.scalars(select(Region).order_by(Region.code)).all()
    organisations = _counts_by_region(
        session,
        select(Organisation.region_code, func.count(Organisation.id))
        .where(*_organisations_with_members())
        .group_by(Organisation.region_code),
    )
    concerned = union(
        select(
            challenge_regions.c.region_code.label("code"),
            challenge_regions.c.challenge_id.label("challenge_id"),
        )
        .join(Challenge, Challenge.id == challenge_regions.c.challenge_id)
        .where(_public_challenge()),
        select(Endorsement.region_code, Endorsement.challenge_id)
        .join(Challenge, Challenge.id == Endorsement.challenge_id)
        .where(_public_challenge(), Endorsement.region_code.is_not(None)),
    ).subquery()
    challenges = _counts_by_region(
        session, select(concerned.c.code, func.count()).group_by(concerned.c.code)
    )
    practices = _counts_by_region(
        session,
        select(GoodPractice.region_code, func.count(GoodPractice.id))
        .where(_published_practice())
        .group_by(GoodPractice.region_code),
    )
    solutions = _counts_by_region(
        session,
        select(solution_regions.c.region_code, func.count(solution_regions.c.solution_id))
        .join(Solution, Solution.id == solution_regions.c.solution_id)
        .where(Solution.public.is_(True))
        .group_by(solution_regions.c.region_code),
    )
    outcomes = _counts_by_region(
        session,
        select(outcome_regions.c.region_code, func.count(outcome_regions.c.outcome_id))
        .join(Outcome, Outcome.id == outcome_regions.c.outcome_id)
        .where(is_listed())
        .group_by(outcome_regions.c.region_code),
    )
    locale = str(get_locale() or "en")
    by_country: dict[str, list[RegionRow]] = defaultdict(list)
    for region in regions:
        code = region.code
        counts = RegionCounts(
            organisations=organisations.get(code, 0),
            challenges=challenges.get(code, 0),
            practices=practices.get(code, 0),
            solutions=solutions.get(code, 0),
            outcomes=outcomes.get(code, 0),
        )
        by_country[region.country_code].append(RegionRow(region, counts))
    countries = [
        Country(code=code, name=country_name(code, locale), rows=rows)
        for code, rows in by_country.items()
    ]
    countries.sort(key=lambda country: (country.name.casefold(), country.code))
    return RegionIndex(countries=countries)


# -- how much the pages show ----------------------------------------------------------------------

# A region may face hundreds of challenges, and count hundreds of practices, meetings and
# outcomes, at the scale the platform is built for. The region page shows the first records of
# each list, says how many more there are and links to the list filtered to the region where
# one exists; the printable dossier shows more, and says what it leaves out. Each list is read
# with its total in one statement (a window count), so no page ever reads a whole collection.
PAGE_ORGANISATIONS = 24  # per strand of the helix
PAGE_CHALLENGES = 20
PAGE_PRACTICES = 20
PAGE_SOLUTIONS = 10
PAGE_MEETINGS = 15
PAGE_ACTIVITIES = 15
PAGE_OUTCOMES = 10
DOSSIER_CHALLENGES = 50
# For a region with no challenge of its own: the challenges most widely shared across regions.
DOSSIER_SHARED_CHALLENGES = 10
DOSSIER_OTHER_REGIONS = 12  # named for each challenge
DOSSIER_PRACTICES = 8  # for each theme
DOSSIER_SOLUTIONS = 25
DOSSIER_OUTCOMES = 25

T = TypeVar("T")


@dataclass(frozen=True)
class Shown(Generic[T]):
    """The first records of a list, and how many the whole list has."""

    items: list[T]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.items)

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


def _first(session: Session, statement, limit: int) -> tuple[list, int]:
    """The first `limit` rows of `statement` (its columns, without the total) and how many
    rows it has in all, in one statement: the total rides on each row as a window count."""
    rows = session.execute(statement.add_columns(func.count().over()).limit(limit)).all()
    return [tuple(row)[:-1] for row in rows], (rows[0][-1] if rows else 0)


_STAGE_RANK = {
    stage: number for number, stage in enumerate((*STAGE_ORDER, SolutionStage.DISCONTINUED))
}


def _stage_rank():
    return case(*((Solution.stage == stage, rank) for stage, rank in _STAGE_RANK.items()))


# -- indicators as a region page and the dossier show them --------------------------------------


@dataclass(frozen=True)
class Evidence:
    """An indicator of a solution with the measurement a page reads and the progress it
    makes: the region's own series when it was measured there, else the whole solution's (or
    the mean of its regions', as the solution page's headline)."""

    indicator: Indicator
    latest: Measurement | None
    progress: float | None
    basis: str  # what the latest value and progress are of, in words

    @property
    def baseline(self) -> str:
        return format_value(self.indicator.baseline_value)

    @property
    def target(self) -> str:
        return format_value(self.indicator.target_value)

    @property
    def latest_value(self) -> str:
        return format_value(self.latest.value) if self.latest is not None else ""

    @property
    def progress_text(self) -> str:
        return progress_label(self.progress)


def evidence(
    indicator: Indicator, measurements: list[Measurement], region: Region | None = None
) -> Evidence:
    """What the indicator shows from its `measurements` (with their regions), for `region`
    when it was measured there."""
    live = sorted(
        (m for m in measurements if m.withdrawn_at is None),
        key=lambda m: (m.measured_on, m.id or 0),
    )
    if region is not None:
        own = [m for m in live if m.region_code == region.code]
        if own:
            return Evidence(
                indicator=indicator,
                latest=own[-1],
                progress=progress_toward(
                    indicator.baseline_value, indicator.target_value, own[-1].value
                ),
                basis=_("in %(region)s", region=region.name),
            )
    series = indicator_series(indicator, live)
    whole = [m for m in live if m.region_code is None]
    regional = len({m.region_code for m in live if m.region_code is not None})
    if whole:
        latest, basis = whole[-1], _("for the whole solution")
    elif live:
        latest = live[-1]
        basis = (
            _("in %(region)s", region=region_label(latest.region))
            if regional == 1
            else ngettext(
                "in the one region measured", "average of the %(num)s regions measured", regional
            )
        )
    else:
        latest, basis = None, ""
    return Evidence(
        indicator=indicator, latest=latest, progress=headline(indicator, series), basis=basis
    )


def _evidence_of(
    session: Session, solutions: list[Solution], region: Region | None = None
) -> dict[int, list[Evidence]]:
    """Each solution's live indicators with what they show (for `region`: its own indicators
    and the whole solution's, not those set for another region), in two statements however
    many indicators and measurements there are."""
    if not solutions:
        return {}
    chosen = select(Indicator.id).where(
        Indicator.solution_id.in_([solution.id for solution in solutions]),
        Indicator.withdrawn_at.is_(None),
    )
    if region is not None:
        # An indicator set for another deploying region says nothing of this one.
        chosen = chosen.where(
            or_(Indicator.region_code.is_(None), Indicator.region_code == region.code)
        )
    indicators = session.scalars(
        select(Indicator)
        .where(Indicator.id.in_(chosen))
        .options(joinedload(Indicator.region))
        .order_by(Indicator.id)
    ).all()
    measured: dict[int, list[Measurement]] = defaultdict(list)
    for measurement in session.scalars(
        select(Measurement)
        .where(Measurement.indicator_id.in_(chosen), Measurement.withdrawn_at.is_(None))
        .options(joinedload(Measurement.region))
        .order_by(Measurement.measured_on, Measurement.id)
    ):
        measured[measurement.indicator_id].append(measurement)
    found: dict[int, list[Evidence]] = defaultdict(list)
    for indicator in indicators:
        found[indicator.solution_id].append(evidence(indicator, measured[indicator.id], region))
    return found


def _public_solutions(condition, *, challenges: bool = False):
    """The public solutions meeting `condition`, by stage then title, with what their entries
    show (one statement, and one for each collection loaded)."""
    return (
        select(Solution)
        .where(Solution.public.is_(True), condition)
        .options(
            joinedload(Solution.group),
            *(
                [selectinload(Solution.regions), selectinload(Solution.challenges)]
                if challenges
                else []
            ),
        )
        .order_by(_stage_rank(), Solution.title, Solution.id)
    )


def _public_outcomes(code: str):
    """The outcomes concerning the region that anyone may read, the listed ones first, then
    the withdrawn ones (marked so), newest first, with what a card shows."""
    return (
        select(Outcome)
        .join(outcome_regions, outcome_regions.c.outcome_id == Outcome.id)
        .where(outcome_regions.c.region_code == code, is_public())
        .options(joinedload(Outcome.current_version), selectinload(Outcome.groups))
        .order_by(
            case((Outcome.status == OutcomeStatus.WITHDRAWN, 1), else_=0),
            Outcome.first_published_at.desc(),
            Outcome.id.desc(),
        )
    )


def region_outcomes(session: Session, region: Region, limit: int) -> Shown[Outcome]:
    rows, total = _first(session, _public_outcomes(region.code), limit)
    return Shown([outcome for (outcome,) in rows], total)


# -- one region's page --------------------------------------------------------------------------


@dataclass(frozen=True)
class HelixOrganisations:
    helix: Helix
    organisations: list[Organisation]
    total: int = 0

    @property
    def more(self) -> int:
        return self.total - len(self.organisations)


@dataclass(frozen=True)
class RegionChallenge:
    challenge: Challenge
    faces: bool  # the region is among those facing it
    endorsements: int  # endorsements given for the region


@dataclass(frozen=True)
class GroupList:
    """A working group's list filtered to the region (its challenges the region faces, or its
    good practices from the region), and how many records it holds."""

    group: WorkingGroup
    count: int


@dataclass(frozen=True)
class DeployedSolution:
    solution: Solution
    indicators: list[Evidence]


@dataclass(frozen=True)
class RegionMeeting:
    meeting: Meeting
    registered: int  # confirmed registrations of people from the region
    attended: int  # of which attendance was recorded


@dataclass(frozen=True)
class RegionMeetings:
    """The meetings people from the region registered for: those still to come (soonest
    first) and those held (latest first)."""

    coming: Shown[RegionMeeting]
    past: Shown[RegionMeeting]

    def __bool__(self) -> bool:
        return bool(self.coming or self.past)


@dataclass(frozen=True)
class RegionActivity:
    activity: Activity
    hosts: bool  # the region hosts it (else it takes part)


@dataclass(frozen=True)
class RegionPage:
    region: Region
    organisations: list[HelixOrganisations]  # helixes with at least one organisation
    challenges: Shown[RegionChallenge]
    practices: Shown[GoodPractice]
    solutions: Shown[DeployedSolution]
    meetings: RegionMeetings
    activities: Shown[RegionActivity]
    outcomes: Shown[Outcome]
    challenge_lists: list[GroupList] = field(default_factory=list)
    practice_lists: list[GroupList] = field(default_factory=list)

    @property
    def organisation_count(self) -> int:
        return sum(group.total for group in self.organisations)


def region_organisations(session: Session, region: Region) -> list[HelixOrganisations]:
    """The organisations with members from the region, by strand of the helix: the first ones
    of each by name, with how many each strand has (one statement). An organisation is named
    only when one of its members agreed to be listed (as on the group pages); the others are
    counted."""
    named = Organisation.id.in_(_member_organisations(listed=True))
    ranked = (
        select(
            Organisation.id.label("id"),
            case((named, 1), else_=0).label("named"),
            func.row_number()
            .over(
                partition_by=Organisation.helix,
                order_by=(case((named, 0), else_=1), Organisation.name, Organisation.id),
            )
            .label("place"),
            func.count().over(partition_by=Organisation.helix).label("total"),
        )
        .where(Organisation.region_code == region.code, *_organisations_with_members())
        .subquery()
    )
    rows = session.execute(
        select(Organisation, ranked.c.total, ranked.c.named)
        .join(ranked, ranked.c.id == Organisation.id)
        .where(ranked.c.place <= PAGE_ORGANISATIONS)
        .order_by(Organisation.name, Organisation.id)
    ).all()
    by_helix: dict[Helix, list[Organisation]] = defaultdict(list)
    totals: dict[Helix, int] = {}
    for organisation, total, is_named in rows:
        if is_named:
            by_helix[organisation.helix].append(organisation)
        totals[organisation.helix] = total
    return [
        HelixOrganisations(helix, by_helix[helix], totals[helix])
        for helix in Helix
        if helix in totals
    ]


def region_challenges(session: Session, region: Region, limit: int) -> Shown[RegionChallenge]:
    """The public challenges the region faces or endorsed, those it faces first, then those
    with the most endorsements from it, by title; with their groups and themes (two
    statements)."""
    concerned = union(
        select(challenge_regions.c.challenge_id.label("challenge_id")).where(
            challenge_regions.c.region_code == region.code
        ),
        select(Endorsement.challenge_id).where(Endorsement.region_code == region.code),
    ).subquery()
    given = (
        select(Endorsement.challenge_id, func.count(Endorsement.id).label("given"))
        .where(Endorsement.region_code == region.code)
        .group_by(Endorsement.challenge_id)
        .subquery()
    )
    faces = (
        exists()
        .where(
            challenge_regions.c.challenge_id == Challenge.id,
            challenge_regions.c.region_code == region.code,
        )
        .correlate(Challenge)
        .label("faces")
    )
    endorsements = func.coalesce(given.c.given, 0).label("endorsements")
    rows, total = _first(
        session,
        select(Challenge, faces, endorsements)
        .join(concerned, concerned.c.challenge_id == Challenge.id)
        .outerjoin(given, given.c.challenge_id == Challenge.id)
        .where(_public_challenge())
        .options(
            joinedload(Challenge.group),
            selectinload(Challenge.themes).joinedload(Theme.group),
        )
        .order_by(faces.desc(), endorsements.desc(), Challenge.title, Challenge.id),
        limit,
    )
    return Shown(
        [RegionChallenge(challenge, bool(face), count) for challenge, face, count in rows], total
    )


def _group_lists(session: Session, region: Region) -> tuple[list[GroupList], list[GroupList]]:
    """The groups' lists filtered to the region, with their counts (one statement): those of
    the public challenges it faces (the challenge lists' region filter), and those of its
    published good practices."""
    faced = (
        select(
            Challenge.group_id.label("group_id"),
            literal("challenges").label("kind"),
            func.count().label("found"),
        )
        .join(challenge_regions, challenge_regions.c.challenge_id == Challenge.id)
        .where(challenge_regions.c.region_code == region.code, _public_challenge())
        .group_by(Challenge.group_id)
    )
    practised = (
        select(GoodPractice.group_id, literal("practices"), func.count())
        .where(GoodPractice.region_code == region.code, _published_practice())
        .group_by(GoodPractice.group_id)
    )
    lists = union_all(faced, practised).subquery()
    rows = session.execute(
        select(WorkingGroup, lists.c.kind, lists.c.found)
        .join(lists, lists.c.group_id == WorkingGroup.id)
        .order_by(WorkingGroup.name, WorkingGroup.id)
    ).all()
    challenges = [GroupList(group, found) for group, kind, found in rows if kind == "challenges"]
    practices = [GroupList(group, found) for group, kind, found in rows if kind == "practices"]
    return challenges, practices


def region_page(session: Session, region: Region) -> RegionPage:
    """Everything the region page shows, in a fixed number of statements: the first records
    of each list, with how many there are."""
    rows, practice_total = _first(
        session,
        select(GoodPractice)
        .where(GoodPractice.region_code == region.code, _published_practice())
        .options(
            joinedload(GoodPractice.group),
            joinedload(GoodPractice.organisation),
            selectinload(GoodPractice.themes),
        )
        .order_by(GoodPractice.published_at.desc(), GoodPractice.id.desc()),
        PAGE_PRACTICES,
    )
    deployed = select(solution_regions.c.solution_id).where(
        solution_regions.c.region_code == region.code
    )
    solution_rows, solution_total = _first(
        session, _public_solutions(Solution.id.in_(deployed)), PAGE_SOLUTIONS
    )
    solutions = [solution for (solution,) in solution_rows]
    indicators = _evidence_of(session, solutions, region)
    challenge_lists, practice_lists = _group_lists(session, region)
    return RegionPage(
        region=region,
        organisations=region_organisations(session, region),
        challenges=region_challenges(session, region, PAGE_CHALLENGES),
        practices=Shown([practice for (practice,) in rows], practice_total),
        solutions=Shown(
            [DeployedSolution(solution, indicators.get(solution.id, [])) for solution in solutions],
            solution_total,
        ),
        meetings=region_meetings(session, region, PAGE_MEETINGS),
        activities=region_activities(session, region, PAGE_ACTIVITIES),
        outcomes=region_outcomes(session, region, PAGE_OUTCOMES),
        challenge_lists=challenge_lists,
        practice_lists=practice_lists,
    )


def region_meetings(
    session: Session, region: Region, limit: int, now: datetime | None = None
) -> RegionMeetings:
    """Published meetings that people from the region registered for (their own region as
    guests, their organisation's as members), with counts, never names: the first `limit` not
    over yet, soonest first, and the first `limit` over, latest first, with how many each has
    (one statement). The registrations are found from the region (guests by their region,
    members by their organisation's), never by reading every registration."""
    now = now or clock.now()
    confirmed = Registration.status == RegistrationStatus.CONFIRMED
    guests = select(Registration.meeting_id, Registration.attended_at).where(
        confirmed, Registration.region_code == region.code
    )
    members = (
        select(Registration.meeting_id, Registration.attended_at)
        .join(User, User.id == Registration.user_id)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(
            confirmed,
            Registration.region_code.is_(None),
            Organisation.region_code == region.code,
        )
    )
    from_region = union_all(guests, members).subquery()
    counts = (
        select(
            from_region.c.meeting_id,
            func.count().label("registered"),
            func.count(from_region.c.attended_at).label("attended"),
        )
        .group_by(from_region.c.meeting_id)
        .subquery()
    )
    # As the group pages split them: a meeting is coming until it ends.
    coming = case((Meeting.ends_at > now, 1), else_=0)
    ranked = (
        select(
            Meeting.id.label("id"),
            coming.label("coming"),
            counts.c.registered,
            counts.c.attended,
            func.row_number()
            .over(partition_by=coming, order_by=(Meeting.starts_at, Meeting.id))
            .label("soonest"),
            func.row_number()
            .over(partition_by=coming, order_by=(Meeting.starts_at.desc(), Meeting.id.desc()))
            .label("latest"),
            func.count().over(partition_by=coming).label("total"),
        )
        .join(counts, counts.c.meeting_id == Meeting.id)
        .where(Meeting.public)
        .subquery()
    )
    place = case((ranked.c.coming == 1, ranked.c.soonest), else_=ranked.c.latest)
    rows = session.execute(
        select(Meeting, ranked.c.coming, ranked.c.registered, ranked.c.attended, ranked.c.total)
        .join(ranked, ranked.c.id == Meeting.id)
        .where(place <= limit)
        .options(joinedload(Meeting.group))
        .order_by(ranked.c.coming.desc(), place)
    ).all()
    found: dict[bool, list[RegionMeeting]] = {True: [], False: []}
    totals = {True: 0, False: 0}
    for meeting, is_coming, registered, attended, total in rows:
        found[bool(is_coming)].append(RegionMeeting(meeting, registered, attended))
        totals[bool(is_coming)] = total
    return RegionMeetings(
        coming=Shown(found[True], totals[True]), past=Shown(found[False], totals[False])
    )


def region_activities(session: Session, region: Region, limit: int) -> Shown[RegionActivity]:
    """The peer-learning activities the region hosts or takes part in (every activity is
    public), newest first."""
    taking_part = select(activity_regions.c.activity_id).where(
        activity_regions.c.region_code == region.code
    )
    rows, total = _first(
        session,
        select(Activity)
        .where(or_(Activity.host_region_code == region.code, Activity.id.in_(taking_part)))
        .options(joinedload(Activity.group), joinedload(Activity.host_region))
        .order_by(Activity.created_at.desc(), Activity.id.desc()),
        limit,
    )
    return Shown(
        [
            RegionActivity(activity, activity.host_region_code == region.code)
            for (activity,) in rows
        ],
        total,
    )


# -- the bottleneck-analysis dossier --------------------------------------------------------------


@dataclass(frozen=True)
class SharedChallenge:
    challenge: Challenge
    faces: bool
    endorsements: int
    others: list[Region]  # the first other regions facing it or endorsing it, by code
    other_count: int = 0  # how many other regions face it or endorsed it

    @property
    def more_others(self) -> int:
        return self.other_count - len(self.others)


@dataclass(frozen=True)
class PracticeElsewhere:
    practice: GoodPractice
    addresses: list[Challenge]  # the section's challenges it is linked to; none: same theme


@dataclass(frozen=True)
class ThemeSection:
    theme: Theme | None  # None: the challenges filed under no theme
    challenges: list[SharedChallenge]
    practices: list[PracticeElsewhere]
    described: frozenset[int] = frozenset()  # challenges described under an earlier theme
    practice_count: int = 0  # how many practices from elsewhere the section has in all

    @property
    def more_practices(self) -> int:
        return self.practice_count - len(self.practices)


@dataclass(frozen=True)
class SolutionEvidence:
    solution: Solution
    answers: list[Challenge]  # the region's challenges it answers
    indicators: list[Evidence]


@dataclass(frozen=True)
class DossierLimits:
    """How much a dossier names at most, as it tells its readers."""

    challenges: int = DOSSIER_CHALLENGES
    shared_challenges: int = DOSSIER_SHARED_CHALLENGES
    other_regions: int = DOSSIER_OTHER_REGIONS
    practices: int = DOSSIER_PRACTICES
    solutions: int = DOSSIER_SOLUTIONS
    outcomes: int = DOSSIER_OUTCOMES


@dataclass(frozen=True)
class Dossier:
    region: Region
    compiled_on: date
    sections: list[ThemeSection]
    solutions: Shown[SolutionEvidence]
    outcomes: Shown[Outcome]
    challenge_count: int = 0  # the region's public challenges, described here or not
    shown_challenges: int = 0  # those described here
    other_regions: int = 0  # the regions sharing one of those described
    challenge_lists: list[GroupList] = field(default_factory=list)
    limits: DossierLimits = DossierLimits()
    # The region has no challenge of its own: the sections hold instead the challenges most
    # widely shared across EU regions (`shared_count`: how many public challenges any region
    # faces or endorsed), as a starting point, and say so.
    elsewhere: bool = False
    shared_count: int = 0

    @property
    def more_challenges(self) -> int:
        return self.challenge_count - self.shown_challenges

    @property
    def shows_shared(self) -> bool:
        """Whether the dossier holds challenges of other regions (marked so)."""
        return self.elsewhere and bool(self.sections)


@dataclass(frozen=True)
class _Others:
    regions: dict[int, list[Region]]
    counts: dict[int, int]
    everyone: int  # distinct other regions over all the challenges


def _others(session: Session, region: Region, ids: list[int]) -> _Others:
    """For each challenge, the first other regions that face it or endorsed it, how many there
    are, and how many distinct regions share one of the challenges (one statement)."""
    concerned = union(
        select(
            challenge_regions.c.challenge_id.label("challenge_id"),
            challenge_regions.c.region_code.label("code"),
        ).where(challenge_regions.c.challenge_id.in_(ids)),
        select(Endorsement.challenge_id, Endorsement.region_code).where(
            Endorsement.challenge_id.in_(ids), Endorsement.region_code.is_not(None)
        ),
    ).subquery()
    others = concerned.c.code != region.code
    ranked = (
        select(
            concerned.c.challenge_id,
            concerned.c.code,
            func.row_number()
            .over(partition_by=concerned.c.challenge_id, order_by=concerned.c.code)
            .label("place"),
            func.count().over(partition_by=concerned.c.challenge_id).label("total"),
        )
        .where(others)
        .subquery()
    )
    everyone = select(func.count(func.distinct(concerned.c.code))).where(others).scalar_subquery()
    rows = session.execute(
        select(ranked.c.challenge_id, ranked.c.total, Region, everyone)
        .join(Region, Region.code == ranked.c.code)
        .where(ranked.c.place <= DOSSIER_OTHER_REGIONS)
        .order_by(ranked.c.challenge_id, Region.code)
    ).all()
    found = _Others(defaultdict(list), {}, rows[0][-1] if rows else 0)
    for challenge_id, total, other, _everyone in rows:
        found.regions[challenge_id].append(other)
        found.counts[challenge_id] = total
    return found


@dataclass(frozen=True)
class _Found:
    """The practices from elsewhere of a dossier's sections: the first ones of each section
    (key: a theme id, None for the challenges under no theme), how many each has, and the
    section's challenges each is linked to."""

    by_section: dict[int | None, list[GoodPractice]]
    counts: dict[int | None, int]
    links: dict[int, set[int]]  # practice id: ids of the dossier's challenges it addresses


def _practices_elsewhere(session: Session, region: Region, ids: list[int]) -> _Found:
    """The published practices from other regions for each theme of the challenges `ids`:
    those linked to its challenges first, then those filed under the theme, newest first; for
    the challenges under no theme, those linked to them. The first DOSSIER_PRACTICES of each
    with how many each has, their records, and their links to the challenges: three
    statements."""
    themed = select(challenge_themes.c.challenge_id, challenge_themes.c.theme_id).where(
        challenge_themes.c.challenge_id.in_(ids)
    )
    no_theme = cast(null(), Integer)
    linked_under_theme = select(
        practice_challenges.c.practice_id,
        challenge_themes.c.theme_id.label("theme_id"),
        literal(1).label("linked"),
    ).join(challenge_themes, challenge_themes.c.challenge_id == practice_challenges.c.challenge_id)
    candidates = union_all(
        linked_under_theme.where(practice_challenges.c.challenge_id.in_(ids)),
        select(practice_challenges.c.practice_id, no_theme, literal(1)).where(
            practice_challenges.c.challenge_id.in_(ids),
            practice_challenges.c.challenge_id.not_in(
                themed.with_only_columns(challenge_themes.c.challenge_id)
            ),
        ),
        select(practice_themes.c.practice_id, practice_themes.c.theme_id, literal(0)).where(
            practice_themes.c.theme_id.in_(themed.with_only_columns(challenge_themes.c.theme_id))
        ),
    ).subquery()
    pairs = (
        select(
            candidates.c.practice_id,
            candidates.c.theme_id,
            func.max(candidates.c.linked).label("linked"),
        )
        .group_by(candidates.c.practice_id, candidates.c.theme_id)
        .subquery()
    )
    ranked = (
        select(
            pairs.c.practice_id,
            pairs.c.theme_id,
            func.row_number()
            .over(
                partition_by=pairs.c.theme_id,
                order_by=(
                    pairs.c.linked.desc(),
                    GoodPractice.published_at.desc(),
                    GoodPractice.id.desc(),
                ),
            )
            .label("place"),
            func.count().over(partition_by=pairs.c.theme_id).label("total"),
        )
        .join(GoodPractice, GoodPractice.id == pairs.c.practice_id)
        .where(
            _published_practice(),
            or_(GoodPractice.region_code.is_(None), GoodPractice.region_code != region.code),
        )
        .subquery()
    )
    # The first of each theme, then their records: read apart, so that the planner joins the
    # few practices shown rather than every practice to the ranking.
    chosen = session.execute(
        select(ranked.c.practice_id, ranked.c.theme_id, ranked.c.total)
        .where(ranked.c.place <= DOSSIER_PRACTICES)
        .order_by(ranked.c.theme_id, ranked.c.place)
    ).all()
    shown = {practice_id for practice_id, _theme, _total in chosen}
    found = _Found(defaultdict(list), {}, defaultdict(set))
    if not shown:
        return found
    practices = {
        practice.id: practice
        for practice in session.scalars(
            select(GoodPractice)
            .where(GoodPractice.id.in_(shown))
            .options(
                joinedload(GoodPractice.group),
                joinedload(GoodPractice.region),
                joinedload(GoodPractice.organisation),
            )
        )
    }
    for practice_id, theme_id, total in chosen:
        found.by_section[theme_id].append(practices[practice_id])
        found.counts[theme_id] = total
    for practice_id, challenge_id in session.execute(
        select(practice_challenges.c.practice_id, practice_challenges.c.challenge_id).where(
            practice_challenges.c.practice_id.in_(shown),
            practice_challenges.c.challenge_id.in_(ids),
        )
    ):
        found.links[practice_id].add(challenge_id)
    return found


def _theme_order(theme: Theme) -> tuple:
    return (theme.group.name.casefold(), theme.position, theme.id)


def _sections(shared: list[SharedChallenge], found: _Found) -> list[ThemeSection]:
    """The challenges by theme (one under each of its themes; those with none last), each
    theme with the practices from elsewhere linked to its challenges or filed under it."""
    themes: dict[int, Theme] = {}
    by_theme: dict[int | None, list[SharedChallenge]] = defaultdict(list)
    for one in shared:
        for theme in one.challenge.themes:
            themes[theme.id] = theme
            by_theme[theme.id].append(one)
        if not one.challenge.themes:
            by_theme[None].append(one)
    sections = []
    keys: list[int | None] = [theme.id for theme in sorted(themes.values(), key=_theme_order)]
    if by_theme[None]:
        keys.append(None)
    seen: set[int] = set()
    for key in keys:
        challenges = by_theme[key]
        ids = {one.challenge.id for one in challenges}
        described = frozenset(ids & seen)
        seen |= ids
        practices = [
            PracticeElsewhere(
                practice,
                [
                    one.challenge
                    for one in challenges
                    if one.challenge.id in found.links.get(practice.id, ())
                ],
            )
            for practice in found.by_section.get(key, [])
        ]
        sections.append(
            ThemeSection(
                themes.get(key) if key else None,
                challenges,
                practices,
                described,
                found.counts.get(key, 0),
            )
        )
    return sections


def compiled_on() -> date:
    """The day a dossier is compiled on, as the Community of Practice dates it (Brussels)."""
    return clock.today("Europe/Brussels")


def widely_shared_challenges(session: Session, limit: int) -> Shown[RegionChallenge]:
    """The public challenges the most regions face or endorsed, by title among equals, with
    their groups and themes (two statements), and how many public challenges any region
    faces or endorsed."""
    concerned = union(
        select(
            challenge_regions.c.challenge_id.label("challenge_id"),
            challenge_regions.c.region_code.label("code"),
        ),
        select(Endorsement.challenge_id, Endorsement.region_code).where(
            Endorsement.region_code.is_not(None)
        ),
    ).subquery()
    sharing = (
        select(concerned.c.challenge_id, func.count().label("regions"))
        .group_by(concerned.c.challenge_id)
        .subquery()
    )
    rows, total = _first(
        session,
        select(Challenge)
        .join(sharing, sharing.c.challenge_id == Challenge.id)
        .where(_public_challenge())
        .options(
            joinedload(Challenge.group),
            selectinload(Challenge.themes).joinedload(Theme.group),
        )
        .order_by(sharing.c.regions.desc(), Challenge.title, Challenge.id),
        limit,
    )
    return Shown([RegionChallenge(challenge, False, 0) for (challenge,) in rows], total)


def dossier(session: Session, region: Region, on: date | None = None) -> Dossier:
    """The region's bottleneck analysis, in a fixed number of statements: its public
    challenges by theme (the first DOSSIER_CHALLENGES) with the other regions sharing them;
    the published practices from other regions linked to those challenges or filed under their
    themes; the public solutions answering them with their indicators; the outcomes concerning
    the region. Each list is bounded, and the dossier says what it leaves out.

    A region with no challenge of its own (most of them) gets the same analysis of the
    challenges most widely shared across EU regions (the first DOSSIER_SHARED_CHALLENGES),
    marked as such: the starting point the platform has for it. Its groups' lists filtered to
    the region would be empty: that statement is not run, this one is, so the number of
    statements is the same."""
    challenges = region_challenges(session, region, DOSSIER_CHALLENGES)
    elsewhere = not challenges.total
    if elsewhere:
        challenges = widely_shared_challenges(session, DOSSIER_SHARED_CHALLENGES)
        challenge_lists: list[GroupList] = []
    else:
        challenge_lists, _practice_lists = _group_lists(session, region)
    ids = [one.challenge.id for one in challenges]
    others = _others(session, region, ids)
    shared = [
        SharedChallenge(
            one.challenge,
            one.faces,
            one.endorsements,
            others.regions.get(one.challenge.id, []),
            others.counts.get(one.challenge.id, 0),
        )
        for one in challenges
    ]
    answering = select(solution_challenges.c.solution_id).where(
        solution_challenges.c.challenge_id.in_(ids)
    )
    solution_rows, solution_total = _first(
        session,
        _public_solutions(Solution.id.in_(answering), challenges=True),
        DOSSIER_SOLUTIONS,
    )
    solutions = [solution for (solution,) in solution_rows]
    indicators = _evidence_of(session, solutions)
    known = set(ids)
    return Dossier(
        region=region,
        compiled_on=on or compiled_on(),
        sections=_sections(shared, _practices_elsewhere(session, region, ids)),
        solutions=Shown(
            [
                SolutionEvidence(
                    solution,
                    [c for c in solution.challenges if c.id in known],
                    indicators.get(solution.id, []),
                )
                for solution in solutions
            ],
            solution_total,
        ),
        outcomes=region_outcomes(session, region, DOSSIER_OUTCOMES),
        challenge_count=0 if elsewhere else challenges.total,
        shown_challenges=len(challenges),
        other_regions=others.everyone,
        challenge_lists=challenge_lists,
        elsewhere=elsewhere,
        shared_count=challenges.total if elsewhere else 0,
    )
