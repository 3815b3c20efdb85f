"""Search and filters over a group's challenges and good practices.

The text is matched by the database's own full-text index (migration 0007_challenge_search):
FTS5 on SQLite, a tsvector column with a GIN index on PostgreSQL, both kept up to date by the
database itself whenever a row is written. Whatever a person types becomes a list of words
(letters and digits only), each matched as the start of a word, all of them required: no
operator, quote or wildcard of either search syntax can get through, so any text gives results
or an empty list, never an error. Filters with values that name nothing give an empty list.

Each search runs a fixed number of queries, however many records there are: one for the page
and the number found, and the eager loads of the page's records. What keeps them fast over tens
of thousands of records (measured with `make bench` and tests/test_challenge_scale.py):

- Filters are `IN (subquery)` on indexed columns, never correlated EXISTS: each subquery runs
  once, over a composite index that holds both columns (migration 0008_search_indexes). A
  correlated EXISTS with OR (the helix filter) also made PostgreSQL's planner estimate costs
  in the hundreds of thousands, which switches its JIT compiler on: 40 ms spent compiling a
  query that runs in 10.
- The page is chosen on narrow rows (ids and sort keys), then only its records are read: the
  wide rows (descriptions, the practices' texts) are never sorted.
- One statement gives the page and the number found: the filters run once (a materialised
  CTE), not once for a count and again for the page.
"""

from __future__ import annotations

import enum
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    Float,
    Integer,
    and_,
    case,
    false,
    func,
    literal_column,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.orm import Session, joinedload, selectinload

from cop.challenges.models import (
    Challenge,
    ChallengeStatus,
    Endorsement,
    GoodPractice,
    PracticeStatus,
    challenge_regions,
    challenge_themes,
    practice_themes,
)
from cop.db import MAX_ID
from cop.members.models import Helix, Organisation, Region, User, WorkingGroup

# At most this many words are searched, each cut to this many characters (a longer word still
# finds the words it starts); the rest of a long text is ignored.
MAX_TERMS = 20
MAX_TERM_LENGTH = 60
MAX_TEXT_LENGTH = 4000
PER_PAGE = 25
MAX_PER_PAGE = 100

# Letters and digits: no underscore, no punctuation, no operator of FTS5 or tsquery.
WORD = re.compile(r"[^\W_]+")

# Challenges anyone may see; members of the group see every status.
PUBLIC_CHALLENGES = (
    ChallengeStatus.ACCEPTED,
    ChallengeStatus.BEING_ADDRESSED,
    ChallengeStatus.ADDRESSED,
)

T = TypeVar("T")


@dataclass(frozen=True)
class SearchPage(Generic[T]):
    """One page of results: `page` counts from 1; `pages` is at least 1, even with no result."""

    items: list[T]
    total: int
    page: int
    pages: int
    per_page: int

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def search_terms(query: str | None) -> list[str]:
    """The words searched for in `query`, lower case, each once, in order (at most MAX_TERMS)."""
    if not query:
        return []
    normalised = unicodedata.normalize("NFKC", str(query)[:MAX_TEXT_LENGTH]).lower()
    terms: list[str] = []
    for word in WORD.findall(normalised):
        term = word[:MAX_TERM_LENGTH]
        if term not in terms:
            terms.append(term)
            if len(terms) == MAX_TERMS:
                break
    return terms


def fts5_query(terms: Sequence[str]) -> str:
    """An FTS5 query: each term a quoted phrase matched as a prefix, all required."""
    return " ".join(f'"{term}"*' for term in terms)


def tsquery(terms: Sequence[str]) -> str:
    """A PostgreSQL tsquery: each term a prefix (`:*`), all required (`&`)."""
    return " & ".join(f"{term}:*" for term in terms)


# --- filter values: anything a query string may hold -------------------------------------------


class _Nothing(Exception):
    """A filter value that names nothing: the search has no result."""


def _id(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise _Nothing from None
    if not 0 < number <= MAX_ID:
        raise _Nothing
    return number


def _code(value: Any, longest: int) -> str | None:
    if value is None or value == "":
        return None
    code = str(value).strip().upper()
    if not code or len(code) > longest or not code.isascii() or not code.isalnum():
        raise _Nothing
    return code


E = TypeVar("E", bound=enum.Enum)


def _member(enum_class: type[E], value: Any) -> E | None:
    if value is None or value == "":
        return None
    if isinstance(value, enum_class):
        return value
    try:
        return enum_class(str(value).strip())
    except ValueError:
        raise _Nothing from None


def _page_number(value: Any) -> int:
    """A page number from 1, whatever was typed, whose OFFSET fits a 32-bit integer (a number
    past the last page gives the last page)."""
    try:
        return min(max(1, int(str(value).strip())), MAX_ID // MAX_PER_PAGE)
    except (TypeError, ValueError):
        return 1


def _per_page(value: Any) -> int:
    try:
        return min(MAX_PER_PAGE, max(1, int(str(value).strip())))
    except (TypeError, ValueError):
        return PER_PAGE


# --- the text match, per database ---------------------------------------------------------------

# A sort key and whether it sorts descending.
Order = list[tuple[Any, bool]]


@dataclass(frozen=True)
class _TextMatch:
    """What finds the records with every term: a FROM to join (on SQLite) or a condition (on
    PostgreSQL), and the relevance to sort by."""

    join: tuple | None  # (a FROM, its ON clause)
    condition: Any | None
    relevance: tuple[Any, bool]  # a sort key, and whether larger is better


def _text_match(session: Session, table: str, id_column, terms: list[str]) -> _TextMatch:
    if session.get_bind().dialect.name == "postgresql":
        query = func.to_tsquery(literal_column("'cop_search'::regconfig"), tsquery(terms))
        vector = literal_column(f"{table}.search_vector")
        return _TextMatch(None, vector.op("@@")(query), (func.ts_rank(vector, query), True))
    # The FTS5 table's rows are the searched table's, by rowid; bm25 is smaller when better,
    # the title weighing ten times what the other fields do. `table` is one of ours, never
    # the reader's; the reader's words are a bound parameter.
    hits = (
        text(
            f"SELECT rowid AS id, bm25({table}_fts, 10.0) AS score"  # noqa: S608
            f" FROM {table}_fts WHERE {table}_fts MATCH :fts_query"
        )
        .bindparams(fts_query=fts5_query(terms))
        .columns(id=Integer, score=Float)
        # Materialised: the full-text query runs once. As a plain subquery SQLite may drive
        # the join from the group's index and run the MATCH again for every row (seconds).
        .cte(f"{table}_hits")
        .prefix_with("MATERIALIZED")
    )
    return _TextMatch((hits, hits.c.id == id_column), None, (hits.c.score, False))


def _sorted(keys: Order) -> list:
    return [key.desc() if descending else key.asc() for key, descending in keys]


def _run(
    session: Session,
    entity,
    table: str,
    conditions: list,
    terms: list[str],
    newest: Order,
    page: Any,
    per_page: Any,
    loads: list,
) -> SearchPage:
    size, number = _per_page(per_page), _page_number(page)
    found = select(entity.id.label("id"))
    order = list(newest)
    if terms:
        match = _text_match(session, table, entity.id, terms)
        if match.join is not None:
            found = found.join(*match.join)
        if match.condition is not None:
            conditions = [*conditions, match.condition]
        order = [match.relevance, *newest]
    found = found.where(and_(*conditions))
    items, total = _page_of(session, entity, found, order, size, number, loads)
    pages = max(1, math.ceil(total / size))
    return SearchPage(items=items, total=total, page=min(number, pages), pages=pages, per_page=size)


def _page_of(session: Session, entity, found, order: Order, size: int, number: int, loads: list):
    """Page `number` of the records `found` selects (by id), or the last page when there are
    fewer, with how many there are in all: one statement, in which the filters run once over
    narrow rows (ids and sort keys) and only the page's records are read whole."""
    keys = [key.label(f"key_{place}") for place, (key, _) in enumerate(order)]
    matched = found.add_columns(*keys).cte("matched").prefix_with("MATERIALIZED")
    counted = (
        select(func.count().label("total"))
        .select_from(matched)
        .cte("counted")
        .prefix_with("MATERIALIZED")
    )
    wanted = (number - 1) * size
    last = (counted.c.total - 1) // size * size
    chosen = (
        select(matched, counted.c.total)
        .join(counted, true())  # one row: the number found, beside each record
        .order_by(*_sorted([(matched.c[f"key_{n}"], down) for n, (_, down) in enumerate(order)]))
        .limit(size)
        .offset(select(case((last < wanted, last), else_=wanted)).scalar_subquery())
        .subquery("chosen")
    )
    rows = session.execute(
        select(entity, chosen.c.total)
        .join(chosen, chosen.c.id == entity.id)
        .order_by(*_sorted([(chosen.c[f"key_{n}"], down) for n, (_, down) in enumerate(order)]))
        .options(*loads)
    ).all()
    return [record for record, _ in rows], (rows[0].total if rows else 0)


def _empty(page: Any, per_page: Any) -> SearchPage:
    return SearchPage(items=[], total=0, page=1, pages=1, per_page=_per_page(per_page))


def _group_id(group: WorkingGroup | int) -> int:
    return group if isinstance(group, int) else group.id


def _regions_of(country_code: str):
    return select(Region.code).where(Region.country_code == country_code)


# --- challenges ---------------------------------------------------------------------------------


def search_challenges(
    session: Session,
    group: WorkingGroup | int,
    *,
    members: bool = False,
    text: str | None = None,
    theme_id: Any = None,
    country: Any = None,
    region: Any = None,
    helix: Any = None,
    status: Any = None,
    page: Any = 1,
    per_page: Any = PER_PAGE,
) -> SearchPage[Challenge]:
    """A page of the group's challenges matching the text and filters, best match first (or
    newest first without text). `members`: the reader is an active member, a coordinator or an
    admin, who sees every status; others see accepted, being addressed and addressed ones.

    `region` is a NUTS-2 code and `country` a NUTS country code among the regions facing the
    challenge; `helix`: raised or endorsed by someone from an organisation of that helix.
    Three queries when something is found: the page with the number found, themes, regions.
    """
    try:
        theme = _id(theme_id)
        country_code = _code(country, 2)
        region_code = _code(region, 8)
        wanted_helix = _member(Helix, helix)
        wanted_status = _member(ChallengeStatus, status)
    except _Nothing:
        return _empty(page, per_page)

    conditions: list = [Challenge.group_id == _group_id(group)]
    if not members:
        conditions.append(Challenge.status.in_(PUBLIC_CHALLENGES))
    if wanted_status is not None:
        if not members and wanted_status not in PUBLIC_CHALLENGES:
            conditions.append(false())
        conditions.append(Challenge.status == wanted_status)
    if theme is not None:
        conditions.append(
            Challenge.id.in_(
                select(challenge_themes.c.challenge_id).where(challenge_themes.c.theme_id == theme)
            )
        )
    if region_code is not None:
        conditions.append(
            Challenge.id.in_(
                select(challenge_regions.c.challenge_id).where(
                    challenge_regions.c.region_code == region_code
                )
            )
        )
    if country_code is not None:
        conditions.append(
            Challenge.id.in_(
                select(challenge_regions.c.challenge_id).where(
                    challenge_regions.c.region_code.in_(_regions_of(country_code))
                )
            )
        )
    if wanted_helix is not None:
        people = select(User.id).join(Organisation, Organisation.id == User.organisation_id)
        people = people.where(Organisation.helix == wanted_helix)
        conditions.append(
            or_(
                Challenge.raised_by_id.in_(people),
                Challenge.id.in_(
                    select(Endorsement.challenge_id).where(Endorsement.user_id.in_(people))
                ),
            )
        )
    return _run(
        session,
        Challenge,
        "challenges",
        conditions,
        search_terms(text),
        # Without text: the ranks the group agreed first, then the newest.
        [
            (Challenge.priority.is_(None), False),
            (Challenge.priority, False),
            (Challenge.created_at, True),
            (Challenge.id, True),
        ],
        page,
        per_page,
        [selectinload(Challenge.themes), selectinload(Challenge.regions)],
    )


# --- good practices -----------------------------------------------------------------------------


def search_practices(
    session: Session,
    group: WorkingGroup | int,
    *,
    coordinator: bool = False,
    author_id: int | None = None,
    text: str | None = None,
    theme_id: Any = None,
    country: Any = None,
    region: Any = None,
    helix: Any = None,
    status: Any = None,
    page: Any = 1,
    per_page: Any = PER_PAGE,
) -> SearchPage[GoodPractice]:
    """A page of the group's good practices matching the text and filters, best match first (or
    newest first without text). Everyone sees published practices; `author_id` adds that
    person's own in any state, `coordinator` (the group's coordinators, admins) every one.

    `region` and `country` are the practice's region's; `helix` its organisation's.
    Two queries when something is found: the page with the number found (region and
    organisation joined), themes.
    """
    try:
        theme = _id(theme_id)
        country_code = _code(country, 2)
        region_code = _code(region, 8)
        wanted_helix = _member(Helix, helix)
        wanted_status = _member(PracticeStatus, status)
    except _Nothing:
        return _empty(page, per_page)

    conditions: list = [GoodPractice.group_id == _group_id(group)]
    if not coordinator:
        visible = GoodPractice.status == PracticeStatus.PUBLISHED
        if author_id is not None:
            visible = or_(visible, GoodPractice.author_id == author_id)
        conditions.append(visible)
    if wanted_status is not None:
        conditions.append(GoodPractice.status == wanted_status)
    if theme is not None:
        conditions.append(
            GoodPractice.id.in_(
                select(practice_themes.c.practice_id).where(practice_themes.c.theme_id == theme)
            )
        )
    if region_code is not None:
        conditions.append(GoodPractice.region_code == region_code)
    if country_code is not None:
        conditions.append(GoodPractice.region_code.in_(_regions_of(country_code)))
    if wanted_helix is not None:
        conditions.append(
            GoodPractice.organisation_id.in_(
                select(Organisation.id).where(Organisation.helix == wanted_helix)
            )
        )
    return _run(
        session,
        GoodPractice,
        "good_practices",
        conditions,
        search_terms(text),
        [
            (func.coalesce(GoodPractice.published_at, GoodPractice.created_at), True),
            (GoodPractice.id, True),
        ],
        page,
        per_page,
        [
            joinedload(GoodPractice.region),
            joinedload(GoodPractice.organisation),
            selectinload(GoodPractice.themes),
        ],
    )
