"""What the good-practice pages show: a group's practices for one reader, filtered and paginated,
and one practice. Each read runs a fixed number of SQL statements whatever the number of
practices, themes, challenges or links: what a page walks is loaded eagerly. What a reader may
not see (drafts of others, the contact's email, challenges not public) is left out here."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from cop.auth.permissions import Standing, is_signed_in, standing
from cop.challenges.challenge_pages import (
    CountryRegions,
    country_choices,
    named_filters,
    place_choices,
    region_asked,
)
from cop.challenges.models import (
    OPEN_CHALLENGES,
    Challenge,
    ChallengeStatus,
    GoodPractice,
    PracticeReview,
    PracticeStatus,
    Theme,
)
from cop.challenges.practices import may_see_practice, practice_to_review
from cop.challenges.search import search_practices
from cop.challenges.themes import group_themes
from cop.errors import NotFound
from cop.members.membership import get_group
from cop.members.models import Helix, Region, User, WorkingGroup

PER_PAGE = 25
MAX_PAGE = 10_000

# The challenges anyone may read; members of the group read them all.
PUBLIC_CHALLENGES = (
    ChallengeStatus.ACCEPTED,
    ChallengeStatus.BEING_ADDRESSED,
    ChallengeStatus.ADDRESSED,
)

# The longest search text read from a query string.
MAX_QUERY = 200

# What a practice is still to its author: theirs to finish, or with the coordinators.
UNPUBLISHED = (PracticeStatus.DRAFT, PracticeStatus.SUBMITTED, PracticeStatus.RETURNED)


def _listed():
    """What a list of practices walks: region, organisation, themes."""
    return (
        joinedload(GoodPractice.region),
        joinedload(GoodPractice.organisation),
        selectinload(GoodPractice.themes),
    )


# -- a group's practices ----------------------------------------------------------------------


@dataclass(frozen=True)
class PracticeFilters:
    """Filters as asked for; a value that names nothing is dropped, never an error (as on the
    challenge list)."""

    theme_id: int | None = None
    country: str | None = None
    text: str = ""
    helix: Helix | None = None
    region: str | None = None

    @classmethod
    def parse(
        cls,
        theme: str | None,
        country: str | None,
        text: str | None = None,
        helix: str | None = None,
        region: str | None = None,
    ) -> PracticeFilters:
        theme = (theme or "").strip()
        country = (country or "").strip().upper()
        helix = (helix or "").strip()
        return cls(
            theme_id=int(theme) if theme.isascii() and theme.isdigit() and len(theme) < 10
            else None,
            country=country if len(country) == 2 and country.isascii() and country.isalpha()
            else None,
            text=" ".join((text or "").split())[:MAX_QUERY],
            helix=next((h for h in Helix if h.value == helix), None),
            region=region_asked(region),
        )  # fmt: skip

    @property
    def active(self) -> bool:
        """Whether the list is searched or filtered at all."""
        return bool(self.text or self.theme_id or self.country or self.region or self.helix)

    def args(self, **changes) -> dict:
        """The query string that gives these filters (for links to other pages)."""
        values = {
            "q": self.text or None,
            "theme": self.theme_id,
            "country": self.country,
            "region": self.region,
            "helix": self.helix.value if self.helix else None,
        }
        values.update(changes)
        return {name: value for name, value in values.items() if value}


@dataclass(frozen=True)
class PracticeListing:
    group: WorkingGroup
    member: bool
    coordinates: bool
    practices: list[GoodPractice]  # published, newest first: this page of them
    total: int
    page: int
    pages: int
    filters: PracticeFilters  # as applied: values that name nothing dropped
    themes: list[Theme]
    # (code, name in the reader's language) of the published practices' regions, by name
    countries: list[tuple[str, str]]
    places: list[CountryRegions]  # the same countries, with the published practices' regions
    mine: list[GoodPractice]  # the reader's own practices not published
    waiting: list[GoodPractice]  # submitted ones, for coordinators


def group_practices(
    session: Session, viewer, slug: str, filters: PracticeFilters, page: int = 1
) -> PracticeListing:
    group = get_group(session, slug)
    reader = standing(session, viewer, group)
    published = select(GoodPractice).where(
        GoodPractice.group_id == group.id, GoodPractice.status == PracticeStatus.PUBLISHED
    )
    themes = group_themes(session, group)
    filters = named_filters(session, filters, themes)
    # The published practices, found by the full-text search and the filters.
    found = search_practices(
        session,
        group,
        text=filters.text,
        theme_id=filters.theme_id,
        country=filters.country,
        region=filters.region,
        helix=filters.helix,
        page=page,
        per_page=PER_PAGE,
    )
    practices, total, page, pages = found.items, found.total, found.page, found.pages
    # The regions of published practices, and the one asked for (shown chosen, though none is
    # there).
    offered = published.with_only_columns(GoodPractice.region_code)
    if filters.region:
        offered = select(Region.code).where(
            or_(Region.code.in_(offered), Region.code == filters.region)
        )
    places = place_choices(session, among=offered)
    mine: list[GoodPractice] = []
    if reader.member and is_signed_in(viewer):
        mine = list(
            session.scalars(
                select(GoodPractice)
                .where(
                    GoodPractice.group_id == group.id,
                    GoodPractice.author_id == viewer.id,
                    GoodPractice.status.in_(UNPUBLISHED),
                )
                .options(*_listed())
                .order_by(GoodPractice.updated_at.desc(), GoodPractice.id.desc())
            )
        )
    waiting: list[GoodPractice] = []
    if reader.coordinates:
        waiting = list(
            session.scalars(
                select(GoodPractice)
                .where(
                    GoodPractice.group_id == group.id,
                    GoodPractice.status == PracticeStatus.SUBMITTED,
                )
                .options(*_listed(), joinedload(GoodPractice.author))
                .order_by(GoodPractice.submitted_at, GoodPractice.id)
            )
        )
    return PracticeListing(
        group=group,
        member=reader.member,
        coordinates=reader.coordinates,
        practices=practices,
        total=total,
        page=page,
        pages=pages,
        filters=filters,
        themes=themes,
        countries=country_choices(places, filters.country),
        places=places,
        mine=mine,
        waiting=waiting,
    )


# -- one practice -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PracticePage:
    practice: GoodPractice
    member: bool
    coordinates: bool
    is_author: bool
    sees_contact_email: bool  # signed-in active members of the group (and its coordinators)
    challenges: list[Challenge]  # linked ones the reader may see
    links: list  # links and files not withdrawn
    reviews: list[PracticeReview]  # for the author and the coordinators, else empty
    author: User | None  # who documented it: for the group's coordinators, who review it
    may_edit: bool
    may_submit: bool
    may_withdraw: bool
    may_take_back: bool  # its author, while it waits for review
    may_publish_again: bool  # the coordinators, once it is withdrawn


def _load_practice(session: Session, practice_id: int) -> GoodPractice:
    """The practice with everything its page shows, in a fixed number of statements."""
    practice = session.scalar(
        select(GoodPractice)
        .where(GoodPractice.id == practice_id)
        .options(
            joinedload(GoodPractice.group),
            joinedload(GoodPractice.region),
            joinedload(GoodPractice.organisation),
            joinedload(GoodPractice.author),
            selectinload(GoodPractice.themes),
            selectinload(GoodPractice.challenges),
            selectinload(GoodPractice.links),
            selectinload(GoodPractice.reviews).joinedload(PracticeReview.reviewer),
        )
    )
    if practice is None:
        raise NotFound(_("There is no such good practice."))
    return practice


def _page(practice: GoodPractice, viewer, reader: Standing) -> PracticePage:
    is_author = is_signed_in(viewer) and practice.author_id == viewer.id
    shown = OPEN_CHALLENGES + (ChallengeStatus.MERGED, ChallengeStatus.CLOSED)
    if not reader.member:
        shown = PUBLIC_CHALLENGES
    status = practice.status
    return PracticePage(
        practice=practice,
        member=reader.member,
        coordinates=reader.coordinates,
        is_author=is_author,
        sees_contact_email=is_signed_in(viewer) and reader.member,
        challenges=[c for c in practice.challenges if c.status in shown],
        links=[link for link in practice.links if link.withdrawn_at is None],
        reviews=list(practice.reviews) if (is_author or reader.coordinates) else [],
        author=practice.author if reader.coordinates else None,
        may_edit=(reader.coordinates and status is not PracticeStatus.WITHDRAWN)
        or (is_author and status in (PracticeStatus.DRAFT, PracticeStatus.RETURNED)),
        may_submit=(is_author or reader.coordinates)
        and status in (PracticeStatus.DRAFT, PracticeStatus.RETURNED),
        may_withdraw=(is_author or reader.coordinates) and status is PracticeStatus.PUBLISHED,
        may_take_back=is_author and status is PracticeStatus.SUBMITTED,
        may_publish_again=reader.coordinates and status is PracticeStatus.WITHDRAWN,
    )


def practice_page(session: Session, viewer, practice_id: int) -> PracticePage:
    practice = _load_practice(session, practice_id)
    reader = standing(session, viewer, practice.group)
    is_author = is_signed_in(viewer) and practice.author_id == viewer.id
    visible = practice.status is PracticeStatus.PUBLISHED or is_author or reader.coordinates
    if not visible:
        raise NotFound(_("There is no such good practice."))
    return _page(practice, viewer, reader)


def review_page(session: Session, viewer, practice_id: int) -> PracticePage:
    """The practice as a coordinator reviews it: every field, the contact's email, its author
    and earlier reviews, so that the decision is taken on the page itself."""
    practice = practice_to_review(session, viewer, practice_id)  # its coordinators' only
    return _page(
        _load_practice(session, practice.id), viewer, standing(session, viewer, practice.group)
    )


def visible_practice(session: Session, viewer, practice_id: int) -> GoodPractice:
    """A practice the viewer may see, else not found."""
    practice = session.get(GoodPractice, practice_id)
    if practice is None or not may_see_practice(session, viewer, practice):
        raise NotFound(_("There is no such good practice."))
    return practice


# -- the form's choices ---------------------------------------------------------------------------


def open_challenges(session: Session, group: WorkingGroup) -> list[Challenge]:
    """The group's open challenges, which a practice may answer (its members see them all)."""
    return list(
        session.scalars(
            select(Challenge)
            .where(Challenge.group_id == group.id, Challenge.status.in_(OPEN_CHALLENGES))
            .order_by(Challenge.priority.is_(None), Challenge.priority, Challenge.id)
        )
    )
