"""What the challenge pages show: a group's challenges for one reader, one challenge with its
endorsements, history and practices, and the choices of the challenge forms.

Each read runs a fixed number of SQL statements whatever the number of challenges,
endorsements or history entries: counts are aggregated in SQL and what a page walks is
loaded eagerly. What a reader may not see (proposed, merged and closed challenges for
anyone but the group's members; practices not yet published) is left out here; a merged
challenge's address leads them to the challenge it was merged into, when they may read that.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import TypeVar

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from cop.audit.models import AuditEntry
from cop.auth.permissions import Standing, is_signed_in, standing
from cop.challenges.decisions import NEXT_STATUS
from cop.challenges.models import (
    OPEN_CHALLENGES,
    Challenge,
    ChallengeStatus,
    Endorsement,
    GoodPractice,
    PracticeStatus,
    Theme,
    practice_challenges,
)
from cop.challenges.search import search_challenges
from cop.challenges.services import endorsement_count, endorsing_region, may_edit
from cop.challenges.themes import group_themes
from cop.errors import NotFound
from cop.meetings.models import Meeting
from cop.members.models import Helix, Organisation, Region, User, WorkingGroup
from cop.members.regions import country_name
from cop.members.services import get_public_group
from cop.solutions.models import Solution
from cop.solutions.pages import challenge_solutions

PER_PAGE = 25

# What anyone may read; members of the group read every challenge.
PUBLIC_STATUSES = (
    ChallengeStatus.ACCEPTED,
    ChallengeStatus.BEING_ADDRESSED,
    ChallengeStatus.ADDRESSED,
)


def visible_statuses(reader: Standing) -> tuple[ChallengeStatus, ...]:
    return tuple(ChallengeStatus) if reader.member else PUBLIC_STATUSES


# -- a group's challenges ----------------------------------------------------------------------


@dataclass(frozen=True)
class ChallengeRow:
    challenge: Challenge
    regions: int
    endorsements: int


@dataclass(frozen=True)
class ChallengeFilters:
    """The list's search and filters as the query string gave them; values that mean nothing
    are None (the list is then not filtered by them)."""

    text: str = ""
    theme_id: int | None = None
    status: ChallengeStatus | None = None
    country: str | None = None
    region: str | None = None  # a NUTS-2 code as asked for, upper case
    helix: Helix | None = None
    page: int = 1

    @property
    def active(self) -> bool:
        """Whether the list is searched or filtered at all."""
        return bool(
            self.text or self.theme_id or self.status or self.country or self.region or self.helix
        )

    def args(self, **changes) -> dict:
        """The query string that gives these filters (for links to other pages)."""
        values = {
            "q": self.text or None,
            "theme": self.theme_id,
            "status": self.status.value if self.status else None,
            "country": self.country,
            "region": self.region,
            "helix": self.helix.value if self.helix else None,
            "page": self.page if self.page > 1 else None,
        }
        values.update(changes)
        return {name: value for name, value in values.items() if value}


MAX_QUERY = 200
# Longer than any NUTS code: what is cut to this length still names nothing.
MAX_REGION = 10


def region_asked(value: str | None) -> str | None:
    """The region code a query string asks for, upper case; None when it asks for none."""
    code = (value or "").strip().upper()[:MAX_REGION]
    return code or None


def parse_filters(args) -> ChallengeFilters:
    """Read `q`, `theme`, `status`, `country`, `region`, `helix` and `page` from a query
    string; what is not a valid value is ignored."""
    theme = (args.get("theme") or "").strip()
    status_value = (args.get("status") or "").strip()
    helix_value = (args.get("helix") or "").strip()
    country = (args.get("country") or "").strip().upper()
    page = (args.get("page") or "").strip()
    return ChallengeFilters(
        text=" ".join((args.get("q") or "").split())[:MAX_QUERY],
        theme_id=int(theme) if theme.isascii() and theme.isdigit() and len(theme) < 10 else None,
        status=next((s for s in ChallengeStatus if s.value == status_value), None),
        country=country if len(country) == 2 and country.isascii() and country.isalpha() else None,
        region=region_asked(args.get("region")),
        helix=next((h for h in Helix if h.value == helix_value), None),
        page=int(page) if page.isascii() and page.isdigit() and len(page) < 7 else 1,
    )


Filters = TypeVar("Filters")


def named_filters(session: Session, filters: Filters, themes: list[Theme]) -> Filters:
    """A list's filters (challenges' or practices') without the values that name nothing: a
    theme not among the group's current `themes`, a country with no NUTS-2 region, a region
    code that is none. The lists ignore such a value (their selects show "All ..."), as they
    ignore a malformed one; a value that names something filters, even when nothing matches.
    One query when a country or a region is asked for."""
    asked = []
    if filters.country:
        asked.append(Region.country_code == filters.country)
    if filters.region:
        asked.append(Region.code == filters.region)
    countries: set[str] = set()
    regions: set[str] = set()
    if asked:
        for code, country in session.execute(
            select(Region.code, Region.country_code).where(or_(*asked))
        ):
            regions.add(code)
            countries.add(country)
    return replace(
        filters,
        theme_id=filters.theme_id if filters.theme_id in {theme.id for theme in themes} else None,
        country=filters.country if filters.country in countries else None,
        region=filters.region if filters.region in regions else None,
    )


@dataclass(frozen=True)
class GroupChallenges:
    group: WorkingGroup
    reader: Standing
    themes: list[Theme]  # the group's current themes, for the filter
    statuses: tuple[ChallengeStatus, ...]  # those the reader may filter by
    countries: list[tuple[str, str]]  # (code, name in the reader's language), by name
    places: list[CountryRegions]  # the same countries, with their regions
    filters: ChallengeFilters  # as applied (values naming nothing, hidden statuses dropped)
    rows: list[ChallengeRow]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class CountryRegions:
    """A country the lists filter by, named in the reader's language, and its NUTS-2 regions."""

    code: str
    name: str
    regions: tuple[tuple[str, str], ...]  # (code, "Name (CODE)"), by name


def _by_name(name: str) -> str:
    """Names sorted as readers expect: "Österreich" among the O's, not after "Zypern"."""
    return "".join(
        char
        for char in unicodedata.normalize("NFKD", name.casefold())
        if not unicodedata.combining(char)
    )


def place_choices(session: Session, among=None) -> list[CountryRegions]:
    """Countries and their regions for the filters, in one query: every region, or those whose
    codes `among` (a subquery) gives. Countries are sorted by their name in the reader's
    language, regions by their own (NUTS names are in the regions' languages)."""
    query = select(Region.code, Region.name, Region.country_code).order_by(Region.code)
    if among is not None:
        query = query.where(Region.code.in_(among))
    rows = tuple((code, name, country) for code, name, country in session.execute(query))
    return list(_places(rows, str(get_locale() or "en")))


@lru_cache(maxsize=64)
def _places(rows: tuple[tuple[str, str, str], ...], locale: str) -> tuple[CountryRegions, ...]:
    # The same regions are grouped and sorted for every request in a language: once is enough
    # (about 2 ms of the list's time for the 244 regions).
    regions: dict[str, list[tuple[str, str]]] = {}
    for code, name, country in rows:
        regions.setdefault(country, []).append((code, name))
    places = [
        CountryRegions(
            country,
            country_name(country, locale),
            tuple(
                (code, f"{name} ({code})")
                for code, name in sorted(
                    listed, key=lambda region: (_by_name(region[1]), region[0])
                )
            ),
        )
        for country, listed in regions.items()
    ]
    return tuple(sorted(places, key=lambda place: (_by_name(place.name), place.code)))


def country_choices(
    places: list[CountryRegions], asked: str | None = None
) -> list[tuple[str, str]]:
    """The country filter's choices: (code, name) of the places' countries, by name, and the
    country `asked` for (one that has regions) though none of the places is there, so that the
    filter shows it chosen."""
    countries = [(place.code, place.name) for place in places]
    if asked and asked not in dict(countries):
        countries.append((asked, country_name(asked, str(get_locale() or "en"))))
        countries.sort(key=lambda country: (_by_name(country[1]), country[0]))
    return countries


def group_challenges(
    session: Session, viewer, slug: str, filters: ChallengeFilters
) -> GroupChallenges:
    """The group's challenges the reader may see, found by the full-text search and filters:
    the best matches first when searching, else ranked ones first by rank, then the newest;
    with each one's regions and endorsements counted."""
    group = get_public_group(session, slug)
    reader = standing(session, viewer, group)
    themes = group_themes(session, group)
    statuses = visible_statuses(reader)
    places = place_choices(session)
    countries = country_choices(places)
    applied = replace(
        named_filters(session, filters, themes),
        status=filters.status if filters.status in statuses else None,
    )
    found = search_challenges(
        session,
        group,
        members=reader.member,
        text=applied.text,
        theme_id=applied.theme_id,
        status=applied.status,
        country=applied.country,
        region=applied.region,
        helix=applied.helix,
        page=applied.page,
        per_page=PER_PAGE,
    )
    endorsements = endorsement_count(session, [challenge.id for challenge in found.items])
    return GroupChallenges(
        group=group,
        reader=reader,
        themes=themes,
        statuses=statuses,
        countries=countries,
        places=places,
        filters=replace(applied, page=found.page),
        rows=[
            ChallengeRow(challenge, len(challenge.regions), endorsements.get(challenge.id, 0))
            for challenge in found.items
        ],
        total=found.total,
        page=found.page,
        pages=found.pages,
    )


# -- one challenge -----------------------------------------------------------------------------

# A challenge is merged only into an open one, which may itself be merged later (A into B,
# then B into C): a chain is followed to its end, never further than this.
MAX_MERGE_HOPS = 20


@dataclass(frozen=True)
class Endorsements:
    """Endorsements of a challenge counted by the endorsers' helix and their regions' country."""

    total: int
    by_helix: list[tuple[Helix | None, int]]  # the four helices (zeros too), then not stated
    by_country: list[tuple[str | None, int]]  # largest first


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    action: str
    actor: str | None  # a name, or None when the person is not named to this reader
    region: Region | None = None  # the region an endorsement was given for
    region_code: str | None = None  # its code, as the audit entry names it
    merged: Challenge | None = None  # a challenge merged into this one, at the merge
    merged_into: Challenge | None = None  # the one this challenge was merged into, at the merge
    moved: int | None = None  # the endorsements that merge moved here, when recorded
    rank: int | None = None  # the rank a ranking gave it (None: unranked)


@dataclass(frozen=True)
class ChallengePage:
    challenge: Challenge
    reader: Standing
    raised_by: str | None  # the raiser's name, when this reader may see it
    endorsements: Endorsements
    own_endorsement: Endorsement | None
    may_endorse: bool
    endorse_for: Region | None  # the region the reader endorses for: their organisation's
    endorse_choices: list[Region]  # what a member whose organisation has no region chooses from
    may_edit: bool
    may_advance: bool
    history: list[HistoryEntry]
    merged_here: list[Challenge]  # challenges merged into this one (members see them)
    merged_end: Challenge | None  # where a merged challenge's endorsements count now
    practices: list[GoodPractice]
    solutions: list[Solution]  # answering it, those the reader may read


@dataclass(frozen=True)
class MergedAway:
    """A merged challenge the reader may not read, merged into one they may: they go there."""

    into: Challenge


def _load_challenge(session: Session, challenge_id: int) -> Challenge:
    challenge = session.scalar(
        select(Challenge)
        .where(Challenge.id == challenge_id)
        .options(
            joinedload(Challenge.group),
            joinedload(Challenge.raised_by),
            joinedload(Challenge.raised_at_meeting),
            joinedload(Challenge.merged_into),
            selectinload(Challenge.themes),
            selectinload(Challenge.regions),
        )
    )
    if challenge is None:
        raise NotFound(_("There is no such challenge."))
    return challenge


def visible_challenge(session: Session, viewer, challenge_id: int) -> tuple[Challenge, Standing]:
    """A challenge and the reader's standing in its group; 404 when the reader may not see it."""
    challenge = _load_challenge(session, challenge_id)
    reader = standing(session, viewer, challenge.group)
    if challenge.status not in visible_statuses(reader):
        raise NotFound(_("There is no such challenge."))
    return challenge, reader


def merged_end(challenge: Challenge) -> Challenge | None:
    """The challenge a merged one's endorsements count on now: the one it was merged into, or
    the end of the chain when that one was merged on since. None when it is not merged (or
    the chain does not end)."""
    current = challenge
    for _hop in range(MAX_MERGE_HOPS):
        if current.merged_into_id is None:
            return current if current is not challenge else None
        current = current.merged_into
        if current is None:
            return None
    return None


def challenge_address(session: Session, viewer, challenge_id: int) -> ChallengePage | MergedAway:
    """What a challenge's address gives the reader: its page; for a merged challenge only the
    group's members read, the challenge it was merged into when the reader may read that one
    (links to a duplicate keep working for visitors); 404 otherwise."""
    challenge = _load_challenge(session, challenge_id)
    reader = standing(session, viewer, challenge.group)
    if challenge.status in visible_statuses(reader):
        return _page(session, viewer, challenge, reader)
    end = merged_end(challenge)
    if (
        end is not None
        and end.group_id == challenge.group_id
        and end.status in visible_statuses(reader)
    ):
        return MergedAway(end)
    raise NotFound(_("There is no such challenge."))


def challenge_endorsements(session: Session, challenge: Challenge) -> Endorsements:
    """In one aggregate query: an endorser's helix is their organisation's, the country that of
    the region they endorsed for."""
    rows = session.execute(
        select(Organisation.helix, Region.country_code, func.count(Endorsement.id))
        .select_from(Endorsement)
        .join(User, Endorsement.user_id == User.id)
        .outerjoin(Organisation, User.organisation_id == Organisation.id)
        .outerjoin(Region, Endorsement.region_code == Region.code)
        .where(Endorsement.challenge_id == challenge.id)
        .group_by(Organisation.helix, Region.country_code)
    ).all()
    helices: Counter = Counter()
    countries: Counter = Counter()
    for helix, country, count in rows:
        helices[helix] += count
        countries[country] += count
    by_helix: list[tuple[Helix | None, int]] = [(helix, helices.get(helix, 0)) for helix in Helix]
    if helices.get(None):
        by_helix.append((None, helices[None]))
    return Endorsements(
        total=sum(helices.values()),
        by_helix=by_helix,
        by_country=sorted(
            countries.items(), key=lambda row: (-row[1], row[0] is None, row[0] or "")
        ),
    )


def _named(user: User | None, reader: Standing) -> str | None:
    """People are named to the group's members, and to everyone when they agreed to be listed."""
    if user is None or not user.is_active:
        return None
    return user.name if reader.member or user.listed else None


def _noted(entry: AuditEntry, name: str):
    """A value the service noted in an audit entry (an endorsement's region, the endorsements
    a merge moved, a new rank), or None."""
    return (entry.after or {}).get(name)


def challenge_history(
    session: Session, challenge: Challenge, merged_here: list[Challenge], reader: Standing
) -> list[HistoryEntry]:
    """The challenge's audit entries, oldest first, and the merges of `merged_here` into it
    (their other entries are on their own pages). Two queries at most, however long."""
    merged = {str(other.id): other for other in merged_here}
    wanted = AuditEntry.record_id == str(challenge.id)
    if merged:
        # The merge of a duplicate is recorded on the duplicate.
        wanted = or_(
            wanted,
            and_(AuditEntry.record_id.in_(list(merged)), AuditEntry.action == "challenge.merged"),
        )
    entries = list(
        session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.record_type == Challenge.__tablename__,
                AuditEntry.action.like("challenge.%"),
                wanted,
            )
            .options(joinedload(AuditEntry.actor))
            .order_by(AuditEntry.at, AuditEntry.id)
        )
    )
    endorsed = [entry for entry in entries if entry.action == "challenge.endorsed"]
    codes = {code for entry in endorsed if (code := _noted(entry, "region_code"))}
    regions = (
        {
            region.code: region
            for region in session.scalars(select(Region).where(Region.code.in_(codes)))
        }
        if codes
        else {}
    )
    history = []
    for entry in entries:
        actor = _named(entry.actor, reader)
        if entry.record_id in merged:
            history.append(
                HistoryEntry(
                    at=entry.at,
                    action=entry.action,
                    actor=actor,
                    merged=merged[entry.record_id],
                    moved=_noted(entry, "endorsements_moved"),
                )
            )
            continue
        code = _noted(entry, "region_code") if entry.action == "challenge.endorsed" else None
        history.append(
            HistoryEntry(
                at=entry.at,
                action=entry.action,
                actor=actor,
                region=regions.get(code) if code else None,
                region_code=code,
                merged_into=challenge.merged_into if entry.action == "challenge.merged" else None,
                rank=_noted(entry, "rank") if entry.action == "challenge.ranked" else None,
            )
        )
    return history


def challenge_page(session: Session, viewer, challenge_id: int) -> ChallengePage:
    """A challenge as one reader may see it; 404 when they may not."""
    challenge, reader = visible_challenge(session, viewer, challenge_id)
    return _page(session, viewer, challenge, reader)


def _page(session: Session, viewer, challenge: Challenge, reader: Standing) -> ChallengePage:
    """The page of a challenge this reader may see."""
    own = None
    if reader.member and is_signed_in(viewer):
        own = session.scalar(
            select(Endorsement)
            .where(Endorsement.user_id == viewer.id, Endorsement.challenge_id == challenge.id)
            .options(joinedload(Endorsement.region))
        )
    merged_here = (
        list(
            session.scalars(
                select(Challenge)
                .where(Challenge.merged_into_id == challenge.id)
                .order_by(Challenge.id)
            )
        )
        if reader.member
        else []
    )
    practice_filter = [practice_challenges.c.challenge_id == challenge.id]
    if not reader.coordinates:
        practice_filter.append(GoodPractice.status == PracticeStatus.PUBLISHED)
    practices = list(
        session.scalars(
            select(GoodPractice)
            .join(practice_challenges, practice_challenges.c.practice_id == GoodPractice.id)
            .where(*practice_filter)
            .options(joinedload(GoodPractice.region))
            .order_by(GoodPractice.title, GoodPractice.id)
        )
    )
    is_raiser = is_signed_in(viewer) and challenge.raised_by_id == viewer.id
    may_endorse = (
        reader.member and own is None and not is_raiser and challenge.status in OPEN_CHALLENGES
    )
    endorse_for = endorsing_region(viewer) if may_endorse else None
    return ChallengePage(
        challenge=challenge,
        reader=reader,
        raised_by=_named(challenge.raised_by, reader),
        endorsements=challenge_endorsements(session, challenge),
        own_endorsement=own,
        may_endorse=may_endorse,
        endorse_for=endorse_for,
        endorse_choices=region_choices(session) if may_endorse and endorse_for is None else [],
        may_edit=reader.member and may_edit(challenge, viewer, reader.coordinates),
        may_advance=reader.coordinates and challenge.status in NEXT_STATUS,
        history=challenge_history(session, challenge, merged_here, reader),
        merged_here=merged_here,
        merged_end=merged_end(challenge),
        practices=practices,
        solutions=challenge_solutions(session, challenge.id, reader),
    )


# -- the forms' choices ------------------------------------------------------------------------


def region_choices(session: Session) -> list[Region]:
    """Every NUTS-2 region, by country then name."""
    return list(session.scalars(select(Region).order_by(Region.country_name, Region.name)))


def meeting_choices(session: Session, group: WorkingGroup) -> list[Meeting]:
    """The group's published meetings a challenge may have been raised at, latest first."""
    return list(
        session.scalars(
            select(Meeting)
            .where(Meeting.group_id == group.id, Meeting.public)
            .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        )
    )


def theme_choices(
    session: Session, group: WorkingGroup, keep: list[Theme] | None = None
) -> list[Theme]:
    """The group's current themes, and retired ones a challenge already has (`keep`)."""
    kept = {theme.id for theme in keep or []}
    return list(
        session.scalars(
            select(Theme)
            .where(
                Theme.group_id == group.id,
                or_(Theme.retired_at.is_(None), Theme.id.in_(kept)),
            )
            .order_by(Theme.position, Theme.id)
        )
    )


def merge_targets(session: Session, challenge: Challenge) -> list[Challenge]:
    """The group's other open challenges a duplicate may be merged into."""
    return list(
        session.scalars(
            select(Challenge)
            .where(
                Challenge.group_id == challenge.group_id,
                Challenge.id != challenge.id,
                Challenge.status.in_(OPEN_CHALLENGES),
            )
            .order_by(Challenge.title, Challenge.id)
        )
    )


def rankable_challenges(session: Session, group: WorkingGroup) -> list[Challenge]:
    """The group's accepted challenges (accepted, being addressed, addressed), ranked first."""
    return list(
        session.scalars(
            select(Challenge)
            .where(Challenge.group_id == group.id, Challenge.status.in_(PUBLIC_STATUSES))
            .order_by(
                Challenge.priority.is_(None),
                Challenge.priority,
                Challenge.created_at.desc(),
                Challenge.id.desc(),
            )
        )
    )
