"""The outcomes library: the published outcomes anyone may read, filtered by group, kind,
theme, country and year of first publication, searched, newest first and a page at a time;
a group's outcomes section (the same list, with its members' drafts and reviews); the newest
outcomes for the home and group pages.

The public always reads an outcome's current published version: the kind, title, summary and
body searched and shown are the version's, never the working copy's. Withdrawn outcomes stay
readable but are not listed, unless the reader asks for them (`withdrawn=1`; they are marked).

Bad input: a filter value that names nothing (a group, kind, theme or country that does not
exist, a year that is not one) is said next to its filter and the list is then empty, rather
than silently ignored: a reader who follows a stale link learns why nothing is shown. The
other filters' choices are counted without it, so they still offer what there is. A page
number that is no page of the list (not a number, zero, negative, past the last page) is a
404.

Each read runs a fixed number of SQL statements whatever the number of outcomes: one
aggregate for the page's version (ETag), one per filter's counts, the number found, the page
with its current versions, its groups; plus one per filter that names a group, theme or
country, to check it exists.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, case, extract, false, func, or_, select
from sqlalchemy.orm import Session, contains_eager, selectinload

from cop.auth.permissions import Standing, standing
from cop.challenges.models import Theme
from cop.challenges.search import search_terms
from cop.db import MAX_ID
from cop.errors import NotFound
from cop.mail import follows
from cop.members.models import Region, WorkingGroup
from cop.members.regions import country_name
from cop.members.services import get_public_group
from cop.outcomes.access import OutcomeStanding, is_listed, is_public, readable_by
from cop.outcomes.access import may_review as _may_review
from cop.outcomes.labels import KIND_LABELS
from cop.outcomes.models import (
    Outcome,
    OutcomeKind,
    OutcomeStatus,
    OutcomeVersion,
    outcome_groups,
    outcome_regions,
    outcome_themes,
)

PER_PAGE = 20
# Longer searches are cut: search_terms keeps at most 20 words anyway.
MAX_QUERY = 200
# Page numbers past this many digits are no page of any list.
MAX_PAGE_DIGITS = 6
# How many of the newest outcomes the home and group pages show.
LATEST = 3
# A group section lists at most this many drafts and reviews (most recently changed first).
MAX_WORKING = 100
# NUTS writes Greece as EL; readers may ask for its ISO code.
ISO_TO_NUTS = {"GR": "EL"}
# The filters, in the order the form shows them.
FILTERS = ("group", "kind", "theme", "country", "year")


# -- what the query string asks for ----------------------------------------------------------


@dataclass(frozen=True)
class LibraryFilters:
    """The search and filters as the query string gave them (trimmed, not yet checked)."""

    text: str = ""
    group: str = ""  # a group's slug
    kind: str = ""  # an OutcomeKind value
    theme: str = ""  # a theme's id
    country: str = ""  # a NUTS country code, upper case (GR, Greece's ISO code, read as EL)
    year: str = ""  # of first publication
    withdrawn: bool = False  # include withdrawn outcomes (marked)
    page: int = 1

    @property
    def active(self) -> bool:
        """Whether the list is searched or filtered at all."""
        return bool(
            self.text
            or self.group
            or self.kind
            or self.theme
            or self.country
            or self.year
            or self.withdrawn
        )

    def args(self, **changes) -> dict:
        """The query string that gives these filters (for links to other pages)."""
        values = {
            "q": self.text or None,
            "group": self.group or None,
            "kind": self.kind or None,
            "theme": self.theme or None,
            "country": self.country or None,
            "year": self.year or None,
            "withdrawn": 1 if self.withdrawn else None,
            "page": self.page if self.page > 1 else None,
        }
        values.update(changes)
        if values.get("page") == 1:
            values["page"] = None
        return {name: value for name, value in values.items() if value}


def _no_such_page() -> NotFound:
    return NotFound(_("There is no such page of this list."))


def page_number(value: str | None) -> int:
    """A page number from 1; NotFound for anything else (not a number, zero, negative)."""
    value = (value or "").strip()
    if not value:
        return 1
    if not (value.isascii() and value.isdigit()) or len(value) > MAX_PAGE_DIGITS:
        raise _no_such_page()
    number = int(value)
    if number < 1:
        raise _no_such_page()
    return number


def parse_filters(args) -> LibraryFilters:
    """Read `q`, `group`, `kind`, `theme`, `country`, `year`, `withdrawn` and `page` from a
    query string. NotFound when `page` is no page number; the filters are checked later."""

    def value(name: str, longest: int = 100) -> str:
        # A NUL byte is no text (and PostgreSQL refuses it): a value holding one names
        # nothing, and the filter says so.
        return (args.get(name) or "").replace("\x00", "\ufffd").strip()[:longest]

    return LibraryFilters(
        text=" ".join(value("q", MAX_QUERY * 2).split())[:MAX_QUERY],
        group=value("group"),
        kind=value("kind"),
        theme=value("theme"),
        country=ISO_TO_NUTS.get(value("country").upper(), value("country").upper()),
        year=value("year"),
        withdrawn=value("withdrawn") in ("1", "on", "true", "yes"),
        page=page_number(args.get("page")),
    )


# -- what the filters mean -------------------------------------------------------------------


@dataclass
class _Query:
    """The conditions of a list, by filter; `problems` says, by filter, why a value names
    nothing (that filter's condition is then false)."""

    conditions: dict[str, ColumnElement[bool]] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    theme: Theme | None = None

    def all(self, *, but: str | None = None) -> list[ColumnElement[bool]]:
        return [condition for name, condition in self.conditions.items() if name != but]

    def counted(self, *, but: str) -> list[ColumnElement[bool]]:
        """The conditions the counts beside filter `but`'s choices are read with: the other
        filters, less those whose value names nothing (said next to their field). One bad
        value empties the list, not every other filter's choices."""
        return [
            condition
            for name, condition in self.conditions.items()
            if name != but and name not in self.problems
        ]


def _current_version_join():
    return OutcomeVersion.id == Outcome.current_version_id


def _in_group(group_id) -> ColumnElement[bool]:
    return Outcome.id.in_(
        select(outcome_groups.c.outcome_id).where(outcome_groups.c.group_id == group_id)
    )


def _text_condition(text: str) -> ColumnElement[bool] | None:
    """Every word of `text` in the current version's title, summary, body or the names of
    the authors it credits, whatever its case. The words hold letters and digits only
    (search_terms): no LIKE wildcard."""
    terms = search_terms(text)
    if not terms:
        return None
    return and_(
        *(
            or_(
                OutcomeVersion.title.ilike(f"%{term}%"),
                OutcomeVersion.summary.ilike(f"%{term}%"),
                OutcomeVersion.body.ilike(f"%{term}%"),
                OutcomeVersion.authors_text.ilike(f"%{term}%"),
            )
            for term in terms
        )
    )


def _year(value: str) -> int | None:
    if len(value) == 4 and value.isascii() and value.isdigit() and int(value) >= 1000:
        return int(value)
    return None


def _year_condition(year: int) -> ColumnElement[bool]:
    # A range on the indexed column, in UTC, rather than extract() on every row.
    start = datetime(year, 1, 1, tzinfo=UTC)
    condition = Outcome.first_published_at >= start
    if year < 9999:
        condition = condition & (Outcome.first_published_at < datetime(year + 1, 1, 1, tzinfo=UTC))
    return condition


def _build(session: Session, filters: LibraryFilters, group: WorkingGroup | None) -> _Query:
    """The conditions for `filters`, within `group` when given (its section ignores the group
    filter). One query per group, theme or country asked for, to check it exists."""
    query = _Query()
    query.conditions["base"] = is_public() if filters.withdrawn else is_listed()
    if group is not None:
        query.conditions["group"] = _in_group(group.id)
    elif filters.group:
        group_id = session.scalar(select(WorkingGroup.id).where(WorkingGroup.slug == filters.group))
        if group_id is None:
            query.problems["group"] = _(
                "There is no working group called “%(group)s”.", group=filters.group
            )
        query.conditions["group"] = _in_group(group_id) if group_id is not None else false()
    if filters.kind:
        kind = next((kind for kind in OutcomeKind if kind.value == filters.kind), None)
        if kind is None:
            query.problems["kind"] = _("There is no such kind of outcome.")
        query.conditions["kind"] = OutcomeVersion.kind == kind if kind else false()
    if filters.theme:
        theme_id = int(filters.theme) if filters.theme.isascii() and filters.theme.isdigit() else 0
        theme = session.get(Theme, theme_id) if 0 < theme_id <= MAX_ID else None
        if theme is None or (group is not None and theme.group_id != group.id):
            query.problems["theme"] = _("There is no such theme.")
            query.conditions["theme"] = false()
        else:
            query.theme = theme
            query.conditions["theme"] = Outcome.id.in_(
                select(outcome_themes.c.outcome_id).where(outcome_themes.c.theme_id == theme.id)
            )
    if filters.country:
        code = filters.country
        known = (
            len(code) == 2
            and code.isascii()
            and code.isalpha()
            and session.scalar(select(Region.code).where(Region.country_code == code).limit(1))
        )
        if not known:
            query.problems["country"] = _(
                "There is no EU country with the code “%(code)s”.", code=filters.country
            )
        query.conditions["country"] = (
            Outcome.id.in_(
                select(outcome_regions.c.outcome_id)
                .join(Region, Region.code == outcome_regions.c.region_code)
                .where(Region.country_code == code)
            )
            if known
            else false()
        )
    if filters.year:
        year = _year(filters.year)
        if year is None:
            query.problems["year"] = _("Enter a year of four digits, such as 2025.")
        query.conditions["year"] = _year_condition(year) if year else false()
    text = _text_condition(filters.text)
    if text is not None:
        query.conditions["text"] = text
    return query


def _by_name(name: str) -> str:
    """Names sorted as readers expect: "Österreich" among the O's, not after "Zypern"."""
    return "".join(
        char
        for char in unicodedata.normalize("NFKD", name.casefold())
        if not unicodedata.combining(char)
    )


# -- the counts beside each filter's choices ---------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """One choice of a filter: its value, its label and how many outcomes it would list (with
    the other filters as they are)."""

    value: str
    label: str
    count: int


@dataclass(frozen=True)
class Facets:
    groups: list[Choice]
    kinds: list[Choice]
    themes: list[Choice]
    countries: list[Choice]
    years: list[Choice]


def _matching(query: _Query, but: str):
    """The ids of the outcomes every filter but `but` (and any naming nothing) lets through."""
    return (
        select(Outcome.id)
        .join(OutcomeVersion, _current_version_join())
        .where(*query.counted(but=but))
    )


def _facets(session: Session, query: _Query, filters: LibraryFilters, *, groups: bool) -> Facets:
    """Each filter's choices with their counts: five queries (four without `groups`)."""
    group_choices: list[Choice] = []
    if groups:
        rows = session.execute(
            select(WorkingGroup.slug, WorkingGroup.name, func.count())
            .join(outcome_groups, outcome_groups.c.group_id == WorkingGroup.id)
            .where(outcome_groups.c.outcome_id.in_(_matching(query, "group")))
            .group_by(WorkingGroup.id, WorkingGroup.slug, WorkingGroup.name)
            .order_by(WorkingGroup.name)
        ).all()
        group_choices = [Choice(slug, name, count) for slug, name, count in rows]

    kind_counts = dict(
        session.execute(
            select(OutcomeVersion.kind, func.count())
            .join(Outcome, _current_version_join())
            .where(*query.counted(but="kind"))
            .group_by(OutcomeVersion.kind)
        ).all()
    )
    kinds = [
        Choice(kind.value, str(KIND_LABELS[kind]), kind_counts.get(kind, 0)) for kind in OutcomeKind
    ]

    theme_rows = session.execute(
        select(Theme.id, Theme.name, WorkingGroup.name, func.count())
        .join(outcome_themes, outcome_themes.c.theme_id == Theme.id)
        .join(WorkingGroup, WorkingGroup.id == Theme.group_id)
        .where(outcome_themes.c.outcome_id.in_(_matching(query, "theme")))
        .group_by(Theme.id, Theme.name, WorkingGroup.name)
        .order_by(WorkingGroup.name, Theme.name)
    ).all()
    themes = [
        # Groups may have themes of the same name: the library names the group too.
        Choice(str(theme_id), name if not groups else f"{name} ({group_name})", count)
        for theme_id, name, group_name, count in theme_rows
    ]
    if query.theme is not None and str(query.theme.id) not in {c.value for c in themes}:
        themes.append(Choice(str(query.theme.id), query.theme.name, 0))

    locale = str(get_locale() or "en")
    country_rows = session.execute(
        select(Region.country_code, func.count(func.distinct(outcome_regions.c.outcome_id)))
        .join(outcome_regions, outcome_regions.c.region_code == Region.code)
        .where(outcome_regions.c.outcome_id.in_(_matching(query, "country")))
        .group_by(Region.country_code)
    ).all()
    countries = sorted(
        (Choice(code, country_name(code, locale), count) for code, count in country_rows),
        key=lambda choice: _by_name(choice.label),
    )
    if (
        "country" in query.conditions
        and "country" not in query.problems
        and filters.country not in {c.value for c in countries}
    ):
        countries.append(Choice(filters.country, country_name(filters.country, locale), 0))

    year = extract("year", Outcome.first_published_at)
    year_rows = session.execute(
        select(year, func.count())
        .select_from(Outcome)
        .join(OutcomeVersion, _current_version_join())
        .where(*query.counted(but="year"))
        .group_by(year)
        .order_by(year.desc())
    ).all()
    years = [Choice(str(int(value)), str(int(value)), count) for value, count in year_rows if value]
    if (
        filters.year
        and "year" not in query.problems
        and filters.year not in {c.value for c in years}
    ):
        years.append(Choice(filters.year, filters.year, 0))
        years.sort(key=lambda choice: choice.value, reverse=True)
    return Facets(group_choices, kinds, themes, countries, years)


# -- the list ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeList:
    """A page of outcomes with their current versions and groups loaded, and what the filter
    form shows."""

    filters: LibraryFilters
    problems: dict[str, str]  # filter -> why its value names nothing
    facets: Facets
    outcomes: list[Outcome]
    total: int
    page: int
    pages: int

    @property
    def page_links(self) -> list[int | None]:
        """The page numbers to link to: the first, the last, and two either side of this one;
        None where numbers are left out."""
        shown = sorted(
            {1, self.pages, *range(max(1, self.page - 2), min(self.pages, self.page + 2) + 1)}
        )
        links: list[int | None] = []
        for number in shown:
            if links and number - (links[-1] or 0) > 1:
                links.append(None)
            links.append(number)
        return links


def _page(session: Session, query: _Query, page: int) -> tuple[list[Outcome], int, int]:
    """The outcomes of page `page`, newest first, the number found and the number of pages;
    NotFound past the last page (a list with nothing has one page, empty). Three queries at
    most: the count, the page with its versions, their groups."""
    conditions = query.all()
    total = (
        session.scalar(
            select(func.count())
            .select_from(Outcome)
            .join(OutcomeVersion, _current_version_join())
            .where(*conditions)
        )
        or 0
    )
    pages = max(1, -(-total // PER_PAGE))
    if page > pages:
        raise _no_such_page()
    if not total:
        return [], 0, pages
    outcomes = session.scalars(
        select(Outcome)
        .join(OutcomeVersion, _current_version_join())
        .where(*conditions)
        .options(contains_eager(Outcome.current_version), selectinload(Outcome.groups))
        .order_by(Outcome.first_published_at.desc(), Outcome.id.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    return list(outcomes), total, pages


def _list(
    session: Session, filters: LibraryFilters, group: WorkingGroup | None = None
) -> OutcomeList:
    query = _build(session, filters, group)
    facets = _facets(session, query, filters, groups=group is None)
    outcomes, total, pages = _page(session, query, filters.page)
    return OutcomeList(
        filters=filters,
        problems=query.problems,
        facets=facets,
        outcomes=outcomes,
        total=total,
        page=filters.page,
        pages=pages,
    )


def outcome_library(session: Session, filters: LibraryFilters) -> OutcomeList:
    """The library: the outcomes anyone may read that the filters let through."""
    return _list(session, filters)


@dataclass(frozen=True)
class Freshness:
    """What a list's ETag and Last-Modified are made of."""

    version: tuple
    last_modified: datetime | None


def library_freshness(session: Session, filters: LibraryFilters) -> Freshness:
    """The library's version: when a public page last changed (withdrawals included: they
    change what the library lists) and how many outcomes it lists. One query."""
    listed = is_public() if filters.withdrawn else is_listed()
    changed, count = session.execute(
        select(func.max(Outcome.public_changed_at), func.sum(case((listed, 1), else_=0))).where(
            is_public()
        )
    ).one()
    return Freshness((changed, count or 0), changed)


# -- a group's outcomes --------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupOutcomes:
    group: WorkingGroup
    reader: Standing
    listing: OutcomeList
    # For its members: the outcomes not yet published or being revised, with status.
    working: list[Outcome]
    # For its coordinators: those in review that they may review (not their own).
    to_review: list[Outcome]
    following: bool


@dataclass(frozen=True)
class GroupSection:
    """The group and the reader's standing, read before the page (for its version)."""

    group: WorkingGroup
    reader: Standing
    following: bool
    freshness: Freshness


def group_section(session: Session, reader, slug: str, filters: LibraryFilters) -> GroupSection:
    """The group (NotFound for an unknown slug), the reader's standing, whether they follow
    its new outcomes, and the section's version. Four queries at most."""
    group = get_public_group(session, slug)
    reader_standing = standing(session, reader, group)
    following = reader_standing.member and follows.is_following(
        session, reader, follows.GROUP_OUTCOMES, group.id
    )
    listed = is_public() if filters.withdrawn else is_listed()
    changed, count, updated, working = session.execute(
        select(
            func.max(case((is_public(), Outcome.public_changed_at))),
            func.sum(case((listed, 1), else_=0)),
            func.max(Outcome.updated_at),
            func.count(),
        ).where(_in_group(group.id))
    ).one()
    if reader_standing.member:
        # Members see the drafts and reviews too.
        version = (changed, count or 0, updated, working, reader_standing, following)
        last_modified = max((moment for moment in (changed, updated) if moment), default=None)
    else:
        version = (changed, count or 0, reader_standing)
        last_modified = changed
    return GroupSection(group, reader_standing, following, Freshness(version, last_modified))


def may_review(user, outcome: Outcome) -> bool:
    """Whether a coordinator of one of the outcome's groups may review it (in review, and
    neither one of its authors, who submitted it, nor who changed it since its last
    approval: its `editors`, loaded with it)."""
    person = OutcomeStanding(member=True, coordinates=True, author=user.id in outcome.author_ids)
    return _may_review(person, user, outcome)


def group_outcomes(
    session: Session, reader, section: GroupSection, filters: LibraryFilters
) -> GroupOutcomes:
    """The group's outcomes anyone may read, filtered and searched like the library; for its
    members also the drafts and reviews (one query more), with those the reader may review
    when they coordinate it."""
    group, reader_standing = section.group, section.reader
    # The section is the group's: a group asked for in the query string means nothing here.
    listing = _list(session, replace(filters, group=""), group)
    working: list[Outcome] = []
    to_review: list[Outcome] = []
    if reader_standing.member:
        working = list(
            session.scalars(
                select(Outcome)
                .where(
                    _in_group(group.id),
                    Outcome.status.in_((OutcomeStatus.DRAFT, OutcomeStatus.IN_REVIEW)),
                    readable_by(reader),
                )
                .options(
                    selectinload(Outcome.authors),
                    selectinload(Outcome.groups),
                    selectinload(Outcome.editors),
                )
                .order_by(Outcome.updated_at.desc(), Outcome.id.desc())
                .limit(MAX_WORKING)
            )
        )
        if reader_standing.coordinates:
            to_review = [outcome for outcome in working if may_review(reader, outcome)]
    return GroupOutcomes(
        group=group,
        reader=reader_standing,
        listing=listing,
        working=working,
        to_review=to_review,
        following=section.following,
    )


# -- the newest, for the home and group pages -------------------------------------------------


def _newest(session: Session, *conditions, limit: int = LATEST) -> list[Outcome]:
    return list(
        session.scalars(
            select(Outcome)
            .join(OutcomeVersion, _current_version_join())
            .where(is_listed(), *conditions)
            .options(contains_eager(Outcome.current_version), selectinload(Outcome.groups))
            .order_by(Outcome.first_published_at.desc(), Outcome.id.desc())
            .limit(limit)
        )
    )


def latest_outcomes(session: Session, limit: int = LATEST) -> list[Outcome]:
    """The newest outcomes the library lists, for the home page. Two queries."""
    return _newest(session, limit=limit)


@dataclass(frozen=True)
class OutcomesPanel:
    latest: list[Outcome]
    total: int


def group_panel(session: Session, group: WorkingGroup) -> OutcomesPanel:
    """The group page's "Outcomes" panel: its newest listed outcomes and how many it has
    published. Three queries."""
    total = (
        session.scalar(
            select(func.count()).select_from(Outcome).where(is_listed(), _in_group(group.id))
        )
        or 0
    )
    latest = _newest(session, _in_group(group.id)) if total else []
    return OutcomesPanel(latest=latest, total=total)
