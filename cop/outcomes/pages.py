"""What the outcome pages show: one outcome for one reader (the version the public reads, or
the working copy for its groups' members), a past version, and the choices of the forms.

Each read runs a fixed number of SQL statements whatever the number of versions, authors,
files or linked records: what a page walks is loaded eagerly, and the reader's standing in
each of its groups comes from one query. What a reader may not see is left out here, not in
the template: the working copy (for the public), linked records that are not public
(members-only solutions and meetings, unpublished practices, proposed or closed challenges),
withdrawn files and files waiting for the next approval (but for its groups' members, who
see them marked so), and a withdrawn outcome's files.

The public reads the link tables (what the last approval published); the members reading
the working copy (`?working=1`) see a pending revision's choices."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import select, true
from sqlalchemy.orm import Session, joinedload, load_only, selectinload

from cop.activities.models import Activity
from cop.auth.permissions import Standing, is_signed_in, standing_with
from cop.challenges.models import Challenge, GoodPractice, PracticeStatus, Theme
from cop.challenges.search import PUBLIC_CHALLENGES
from cop.errors import NotFound
from cop.mail.messages import external_url
from cop.meetings.models import Meeting
from cop.members.models import Membership, MembershipStatus, Region, User, WorkingGroup
from cop.outcomes.access import (
    OutcomeStanding,
    may_edit,
    may_read,
    may_review,
    may_withdraw,
)
from cop.outcomes.labels import credited_names, version_credit
from cop.outcomes.models import LICENCES, Outcome, OutcomeFile, OutcomeStatus, OutcomeVersion
from cop.outcomes.services import kept_links, links_changed, working_links
from cop.solutions.models import Solution

PUBLISHER = "S3 Community of Practice"
# How many records of each kind the form offers (newest first), besides those linked already.
FORM_CHOICES = 60


@dataclass(frozen=True)
class Author:
    name: str
    person_id: int | None  # their profile, for people who agreed to be listed


@dataclass(frozen=True)
class OutcomePage:
    outcome: Outcome
    person: OutcomeStanding
    version: OutcomeVersion | None  # the version shown, None for the working copy
    working_copy: bool  # the page shows the working copy (to members of its groups)
    has_revision: bool  # published, and its working copy differs from what the public reads
    links_changed: bool  # the revision changes its links (groups, records, themes, regions)
    authors: list[Author]
    versions: list[OutcomeVersion]  # oldest first
    files: list[OutcomeFile]  # in force (the public: published ones only)
    groups: list[WorkingGroup]
    meetings: list[Meeting]  # those the reader may read
    challenges: list[Challenge]
    practices: list[GoodPractice]
    activities: list[Activity]
    solutions: list[Solution]
    themes: list[Theme]
    regions: list[Region]
    may_edit: bool
    may_submit: bool
    may_review: bool
    may_withdraw: bool
    may_manage_files: bool

    @property
    def text(self):
        """What the page reads the kind, title, summary, body and licence from."""
        return self.outcome if self.version is None else self.version

    @property
    def withdrawn(self) -> bool:
        return self.outcome.status is OutcomeStatus.WITHDRAWN

    @property
    def licence(self) -> tuple[str, str]:
        return LICENCES.get(self.text.licence, (self.text.licence, ""))

    @property
    def current(self) -> bool:
        """The version shown is the one the public reads now."""
        return self.version is not None and self.version.id == self.outcome.current_version_id

    @property
    def cache_version(self) -> tuple:
        """What changes whenever what this page shows changes (its ETag's version)."""
        outcome = self.outcome
        linked = [
            (type(record).__name__, record.id, record.updated_at)
            for records in (
                self.meetings,
                self.challenges,
                self.practices,
                self.activities,
                self.solutions,
            )
            for record in records
        ]
        return (
            outcome.id,
            outcome.status.value if self.person.member else self.withdrawn,
            outcome.current_version_id,
            # (The working copy's changes are no change to the public's page.)
            outcome.updated_at if self.person.member else None,
            outcome.public_changed_at,
            self.version.id if self.version else None,
            self.version.authors_text if self.version else None,
            self.version.unnamed_authors if self.version else None,
            self.working_copy,
            tuple((f.id, f.withdrawn_at, f.published_at) for f in self.files),
            tuple(linked),
            tuple(group.id for group in self.groups),
            tuple(region.code for region in self.regions),
            tuple(theme.id for theme in self.themes),
            # What members read besides: the authors (in order), a pending revision, who
            # may review it, and what the reader may do.
            tuple((a.person_id, a.name) for a in self.authors) if self.person.member else (),
            tuple(user.id for user in outcome.authors) if self.person.member else (),
            json.dumps(outcome.pending_links, sort_keys=True) if self.person.member else None,
            tuple(sorted(outcome.editor_ids)) if self.person.coordinates else (),
            outcome.submitted_by_id if self.person.member else None,
            self.person,
            self.may_edit,
            self.may_submit,
            self.may_review,
            self.may_withdraw,
        )

    @property
    def last_modified(self) -> datetime | None:
        moments = [self.outcome.public_changed_at]
        if self.person.member or self.outcome.public_changed_at is None:
            moments.append(self.outcome.updated_at)
        moments += [
            record.updated_at
            for records in (self.meetings, self.challenges, self.practices, self.solutions)
            for record in records
        ]
        return max((moment for moment in moments if moment is not None), default=None)


# What the outcome's page and forms walk: its groups, authors, files, links and editors.
WITH_LINKS = (
    selectinload(Outcome.groups),
    selectinload(Outcome.authors),
    selectinload(Outcome.files),
    selectinload(Outcome.meetings),
    selectinload(Outcome.challenges),
    selectinload(Outcome.practices),
    selectinload(Outcome.activities),
    selectinload(Outcome.solutions),
    selectinload(Outcome.themes),
    selectinload(Outcome.regions),
    selectinload(Outcome.editors).load_only(User.id),
)


def _find_loaded(session: Session, outcome_id: int, *options) -> Outcome:
    outcome = session.scalar(
        select(Outcome).where(Outcome.id == outcome_id).options(*WITH_LINKS, *options)
    )
    if outcome is None:
        raise NotFound(_("There is no such outcome."))
    return outcome


def _load(session: Session, outcome_id: int) -> Outcome:
    return _find_loaded(
        session,
        outcome_id,
        joinedload(Outcome.current_version),
        selectinload(Outcome.versions).options(
            load_only(
                OutcomeVersion.id,
                OutcomeVersion.outcome_id,
                OutcomeVersion.number,
                OutcomeVersion.title,
                OutcomeVersion.change_note,
                OutcomeVersion.published_at,
            )
        ),
    )


def _standings(session: Session, reader, outcome: Outcome) -> dict[int, Standing]:
    """The reader's standing in each of the outcome's groups, from one query."""
    group_ids = [group.id for group in outcome.groups]
    if not is_signed_in(reader):
        return {group_id: Standing(False, False) for group_id in group_ids}
    if reader.is_admin:
        return {group_id: Standing(True, True) for group_id in group_ids}
    memberships = {
        membership.group_id: membership
        for membership in session.scalars(
            select(Membership).where(
                Membership.user_id == reader.id, Membership.group_id.in_(group_ids)
            )
        )
    }
    return {group_id: standing_with(reader, memberships.get(group_id)) for group_id in group_ids}


def _person(reader, outcome: Outcome, standings: dict[int, Standing]) -> OutcomeStanding:
    """As access.outcome_standing says, from the standings already read."""
    return OutcomeStanding(
        member=any(s.member for s in standings.values()),
        coordinates=any(s.coordinates for s in standings.values()),
        author=is_signed_in(reader) and reader.id in outcome.author_ids,
    )


def _author(user: User, member: bool) -> Author:
    listed = user.listed and user.is_active
    return Author(name=user.name, person_id=user.id if listed else None)


def _readable_links(links: dict, reader, standings: dict[int, Standing]) -> dict:
    """The records the outcome draws on (`links`: each link's name -> its records) that the
    reader may read, as each package says."""
    admin = is_signed_in(reader) and reader.is_admin

    def member(group_id: int) -> bool:
        return admin or standings.get(group_id, Standing(False, False)).member

    def coordinates(group_id: int) -> bool:
        return admin or standings.get(group_id, Standing(False, False)).coordinates

    reader_id = reader.id if is_signed_in(reader) else None
    return {
        "meetings": [m for m in links["meetings"] if m.public or coordinates(m.group_id)],
        "challenges": [
            c for c in links["challenges"] if c.status in PUBLIC_CHALLENGES or member(c.group_id)
        ],
        "practices": [
            p
            for p in links["practices"]
            if p.status is PracticeStatus.PUBLISHED
            or (reader_id is not None and p.author_id == reader_id)
            or coordinates(p.group_id)
        ],
        "activities": list(links["activities"]),
        "solutions": [s for s in links["solutions"] if s.public or member(s.group_id)],
    }


def _files(outcome: Outcome, person: OutcomeStanding) -> list[OutcomeFile]:
    """The files the reader sees with it: its groups' members every file in force (those
    waiting for the next approval marked so by the page); the public only the published
    ones, and none once the outcome is withdrawn."""
    if person.member:
        return [f for f in outcome.files if f.withdrawn_at is None]
    if outcome.status is OutcomeStatus.WITHDRAWN:
        return []
    return [f for f in outcome.files if f.is_published]


def outcome_page(
    session: Session, reader, outcome_id: int, *, working: bool = False, number: int | None = None
) -> OutcomePage:
    """The outcome as `reader` may read it: the current version for everyone once published
    (a past version with `number`), its working copy for the members of its groups (always
    before the first publication; with `working` after). NotFound for a reader who may not
    read it. Fifteen queries at most (and one per kind of record a pending revision names,
    for a member reading the working copy)."""
    outcome = _load(session, outcome_id)
    standings = _standings(session, reader, outcome)
    person = _person(reader, outcome, standings)
    if not may_read(person, outcome):
        raise NotFound(_("There is no such outcome."))
    version = outcome.current_version
    if number is not None:
        version = next((v for v in outcome.versions if v.number == number), None)
        if version is None:
            raise NotFound(_("This outcome has no such version."))
        if version.id != outcome.current_version_id:
            # The page's text: the whole version (the list loaded only its heading).
            version = session.get(OutcomeVersion, version.id, populate_existing=True)
    working_copy = version is None or (working and person.member and number is None)
    if working_copy:
        version = None
    has_revision = outcome.is_public and outcome.status in (
        OutcomeStatus.DRAFT,
        OutcomeStatus.IN_REVIEW,
    )
    editable = may_edit(person, outcome)
    if working_copy and outcome.pending_links is not None:
        links = working_links(session, outcome)
    else:
        links = {
            "groups": list(outcome.groups),
            "meetings": outcome.meetings,
            "challenges": outcome.challenges,
            "practices": outcome.practices,
            "activities": outcome.activities,
            "solutions": outcome.solutions,
            "themes": list(outcome.themes),
            "regions": list(outcome.regions),
        }
    return OutcomePage(
        outcome=outcome,
        person=person,
        version=version,
        working_copy=working_copy,
        has_revision=has_revision,
        links_changed=has_revision and links_changed(outcome),
        authors=[_author(user, person.member) for user in outcome.authors],
        versions=list(outcome.versions),
        files=_files(outcome, person),
        groups=links["groups"],
        themes=links["themes"],
        regions=links["regions"],
        may_edit=editable,
        may_submit=editable and outcome.status is OutcomeStatus.DRAFT,
        may_review=is_signed_in(reader) and may_review(person, reader, outcome),
        may_withdraw=may_withdraw(person, outcome),
        may_manage_files=editable,
        **_readable_links(links, reader, standings),
    )


def json_ld(page: OutcomePage) -> dict:
    """The schema.org Report the outcome page describes to search engines: its current
    version only (a working copy is never described)."""
    outcome = page.outcome
    version = page.version
    if version is None:
        return {}
    name, licence_url = page.licence
    data = {
        "@context": "https://schema.org",
        "@type": "Report",
        "headline": version.title,
        "name": version.title,
        "description": version.summary,
        "url": external_url("outcomes.outcome", outcome_id=outcome.id),
        "datePublished": outcome.first_published_at.isoformat()
        if outcome.first_published_at
        else None,
        "dateModified": (outcome.public_changed_at or version.published_at).isoformat(),
        # Only the authors who agreed to be listed are named; the credit says how many others.
        "author": [{"@type": "Person", "name": name} for name in credited_names(version)],
        "creditText": version_credit(version),
        "license": licence_url or name,
        "publisher": {"@type": "Organization", "name": PUBLISHER},
        "inLanguage": current_app.config.get("BABEL_DEFAULT_LOCALE", "en"),
        "genre": str(_kind_label(version)),
        "version": str(version.number),
        "isAccessibleForFree": True,
        "about": [group.name for group in page.groups],
    }
    if page.withdrawn:
        data["creativeWorkStatus"] = "Withdrawn"
    return {key: value for key, value in data.items() if value not in (None, "", [])}


def _kind_label(version: OutcomeVersion):
    from cop.outcomes.labels import KIND_LABELS

    return KIND_LABELS[version.kind]


def page_url(outcome: Outcome) -> str:
    return external_url("outcomes.outcome", outcome_id=outcome.id)


# -- the forms ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormChoices:
    groups: list[WorkingGroup]  # the groups the person may put it in, and those it has
    members: list[User]  # its authors in credit order, then its groups' active members by name
    meetings: list[Meeting]
    challenges: list[Challenge]
    practices: list[GoodPractice]
    activities: list[Activity]
    solutions: list[Solution]
    themes: list[Theme]
    regions: list[Region]


def _newest(session: Session, model, group_ids, readable, linked: list, order) -> list:
    """The groups' records of `model` the person may read, newest first, at most
    FORM_CHOICES of them, and those linked already; one query."""
    query = (
        select(model)
        .where(model.group_id.in_(group_ids), readable)
        .order_by(order.desc(), model.id.desc())
        .limit(FORM_CHOICES)
    )
    records = list(session.scalars(query))
    present = {record.id for record in records}
    return records + [record for record in linked if record.id not in present]


def form_choices(
    session: Session, actor, groups: list[WorkingGroup], outcome: Outcome | None = None
) -> FormChoices:
    """What the outcome form offers: the records of `groups` (the outcome's, or the group it
    is written in) the person may read, and what the outcome has already (its link tables'
    records and those of a pending revision). Nine queries (and one per kind of record a
    pending revision names)."""
    group_ids = [group.id for group in groups]
    admin = actor.is_admin
    memberships = list(
        session.scalars(
            select(Membership).where(
                Membership.user_id == actor.id, Membership.status == MembershipStatus.ACTIVE
            )
        )
    )
    coordinated = [m.group_id for m in memberships if m.role.value == "coordinator"]
    mine = [m.group_id for m in memberships]
    offered = select(WorkingGroup).where(WorkingGroup.archived.is_(False))
    if not admin:
        offered = offered.where(WorkingGroup.id.in_(mine))
    choosable = list(session.scalars(offered.order_by(WorkingGroup.name)))
    present = {group.id for group in choosable}
    choosable += [group for group in groups if group.id not in present]
    members = list(
        session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.group_id.in_(group_ids), Membership.status == MembershipStatus.ACTIVE)
            .distinct()
            .order_by(User.name, User.id)
        )
    )
    # The form lists them in the order they are credited: its authors first (the person
    # writing a new one), then the others by name, each ticked one after them.
    if outcome is not None:
        first = list(outcome.authors)
    else:
        me = next((user for user in members if user.id == actor.id), None)
        if me is None and admin:  # (admins may write in any group)
            me = session.get(User, actor.id)
        first = [me] if me is not None else []
    ahead = {user.id for user in first}
    members = first + [user for user in members if user.id not in ahead]
    coordinated_here = group_ids if admin else [g for g in group_ids if g in coordinated]

    kept = kept_links(session, outcome) if outcome is not None else {}

    def linked(name: str) -> list:
        return list(kept.get(name, ()))

    return FormChoices(
        groups=choosable,
        members=members,
        meetings=_newest(
            session,
            Meeting,
            group_ids,
            Meeting.public | Meeting.group_id.in_(coordinated_here),
            linked("meetings"),
            Meeting.starts_at,
        ),
        challenges=_newest(
            session, Challenge, group_ids, true(), linked("challenges"), Challenge.created_at
        ),
        practices=_newest(
            session,
            GoodPractice,
            group_ids,
            (GoodPractice.status == PracticeStatus.PUBLISHED)
            | (GoodPractice.author_id == actor.id)
            | GoodPractice.group_id.in_(coordinated_here),
            linked("practices"),
            GoodPractice.created_at,
        ),
        activities=_newest(
            session, Activity, group_ids, true(), linked("activities"), Activity.created_at
        ),
        solutions=_newest(
            session, Solution, group_ids, true(), linked("solutions"), Solution.created_at
        ),
        themes=_newest(
            session,
            Theme,
            group_ids,
            Theme.retired_at.is_(None),
            linked("themes"),
            Theme.created_at,
        ),
        regions=list(session.scalars(select(Region).order_by(Region.country_code, Region.name))),
    )


def outcome_for_form(session: Session, outcome_id: int) -> Outcome:
    """An outcome with its groups, authors and links loaded, for its forms (the view checks
    who may use them; the services check again)."""
    return _find_loaded(session, outcome_id)


def version_path(outcome: Outcome, number: int) -> str:
    return url_for("outcomes.outcome_version", outcome_id=outcome.id, number=number)
