"""Organisations: the list people pick from, proposing a new one, and admins merging duplicates.

A merged organisation is never deleted: it points to the one kept
(`merged_into`) and its people move there, so nobody loses their organisation.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload

from cop.audit.services import record_change, snapshot
from cop.auth.permissions import require_admin
from cop.errors import Invalid, NotFound
from cop.members.models import Helix, Organisation, OrganisationKind, Region, User

ORGANISATION_FIELDS = ("name", "helix", "kind", "region_code", "website", "proposed")
MAX_NAME = 200
MAX_WEBSITE = 500
# A merge chain longer than this would be a bug; stop following it rather than loop.
_MAX_MERGE_HOPS = 20


@dataclass(frozen=True)
class OrganisationProposal:
    """A new organisation, as typed by someone who did not find theirs in the list."""

    name: str
    helix: str
    kind: str
    region_code: str
    website: str = ""

    @property
    def given(self) -> bool:
        return bool(self.name.strip())


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_for_picker(session: Session, search: str = "") -> list[Organisation]:
    """Organisations one may choose (merged ones left out), by country then name; one query.

    `search` narrows the list to names or regions containing it, so the picker
    works without JavaScript however long the list grows.
    """
    query = (
        select(Organisation)
        .outerjoin(Region, Organisation.region_code == Region.code)
        .where(Organisation.merged_into_id.is_(None))
        .options(joinedload(Organisation.region))
        .order_by(Region.country_name, Organisation.name, Organisation.id)
    )
    search = search.strip()[:MAX_NAME]
    if search:
        # Lower-cased here too: SQLite's lower() only folds ASCII letters.
        pattern = f"%{_escape_like(search.lower())}%"
        query = query.where(
            Organisation.name.ilike(pattern, escape="\\")
            | Region.name.ilike(pattern, escape="\\")
            | Region.country_name.ilike(pattern, escape="\\")
        )
    return list(session.scalars(query))


def list_regions(session: Session) -> list[Region]:
    """Every NUTS-2 region, by country then name, for the region pickers."""
    return list(session.scalars(select(Region).order_by(Region.country_name, Region.name)))


def _clean_website(website: str) -> str:
    website = website.strip()
    if not website:
        return ""
    if (
        len(website) > MAX_WEBSITE
        or not website.lower().startswith(("https://", "http://"))
        or any(char.isspace() for char in website)
        or len(website.split("//", 1)[1]) < 3
    ):
        raise Invalid(
            _(
                "Enter the web address in full, such as https://www.example.org (at most 500 characters)."
            ),
            field="website",
        )
    return website


def validate_proposal(session: Session, proposal: OrganisationProposal) -> None:
    """Check a proposed organisation without writing anything."""
    name = proposal.name.strip()
    if not name or len(name) > MAX_NAME:
        raise Invalid(
            _("Give the organisation's name (at most %(num)s characters).", num=MAX_NAME),
            field="organisation_name",
        )
    if proposal.helix not in {helix.value for helix in Helix}:
        raise Invalid(_("Choose the organisation's strand of the helix."), field="helix")
    if proposal.kind not in {kind.value for kind in OrganisationKind}:
        raise Invalid(_("Choose the kind of organisation."), field="kind")
    if not proposal.region_code or session.get(Region, proposal.region_code) is None:
        raise Invalid(_("Choose the region the organisation is based in."), field="region")
    _clean_website(proposal.website)
    duplicate = session.scalar(
        select(Organisation).where(
            func.lower(Organisation.name) == name.lower(), Organisation.merged_into_id.is_(None)
        )
    )
    if duplicate is not None:
        raise Invalid(
            _("%(name)s is already listed: choose it from the list instead.", name=duplicate.name),
            field="organisation_name",
        )


def propose_organisation(session: Session, actor, proposal: OrganisationProposal) -> Organisation:
    """Add an organisation someone proposed; it shows as proposed until an admin accepts it."""
    validate_proposal(session, proposal)
    organisation = Organisation(
        name=proposal.name.strip(),
        helix=Helix(proposal.helix),
        kind=OrganisationKind(proposal.kind),
        region_code=proposal.region_code,
        website=_clean_website(proposal.website) or None,
        proposed=True,
    )
    session.add(organisation)
    session.flush()
    record_change(
        session,
        actor=actor,
        action="organisation.proposed",
        record=organisation,
        summary=f"Proposed organisation {organisation.name}",
        after=snapshot(organisation, ORGANISATION_FIELDS),
    )
    return organisation


def _follow_merges(session: Session, organisation: Organisation) -> Organisation:
    hops = 0
    while organisation.merged_into_id is not None and hops < _MAX_MERGE_HOPS:
        organisation = session.get(Organisation, organisation.merged_into_id)
        hops += 1
    return organisation


def resolve_choice(
    session: Session, organisation_id: int | None, proposal: OrganisationProposal | None
) -> Organisation | None:
    """Check a person's choice: the existing organisation chosen, or None for a valid proposal.

    A chosen organisation that was merged meanwhile leads to the one it was merged into.
    """
    proposing = proposal is not None and proposal.given
    if proposing and organisation_id is not None:
        raise Invalid(
            _("Choose an organisation from the list or propose a new one, not both."),
            field="organisation",
        )
    if proposing:
        validate_proposal(session, proposal)
        return None
    if organisation_id is None:
        raise Invalid(
            _("Choose your organisation from the list, or propose it below if it is missing."),
            field="organisation",
        )
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise Invalid(_("Choose an organisation from the list."), field="organisation")
    return _follow_merges(session, organisation)


def apply_choice(
    session: Session,
    actor,
    organisation_id: int | None,
    proposal: OrganisationProposal | None,
) -> Organisation:
    """The organisation a person chose, creating it when they proposed a new one."""
    existing = resolve_choice(session, organisation_id, proposal)
    if existing is not None:
        return existing
    return propose_organisation(session, actor, proposal)


@dataclass(frozen=True)
class OrganisationRow:
    organisation: Organisation
    people: int


def list_for_admin(session: Session, actor) -> list[OrganisationRow]:
    """Every organisation with its number of people: proposed first, merged last; two queries."""
    require_admin(actor)
    people = (
        select(User.organisation_id, func.count(User.id).label("people"))
        .group_by(User.organisation_id)
        .subquery()
    )
    rows = session.execute(
        select(Organisation, func.coalesce(people.c.people, 0))
        .outerjoin(people, people.c.organisation_id == Organisation.id)
        .options(joinedload(Organisation.region), joinedload(Organisation.merged_into))
        .order_by(
            Organisation.merged_into_id.is_not(None),
            Organisation.proposed.desc(),
            func.lower(Organisation.name),
            Organisation.id,
        )
    ).all()
    return [OrganisationRow(organisation, count) for organisation, count in rows]


def _get(session: Session, organisation_id: int) -> Organisation:
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(_("There is no such organisation."))
    return organisation


def accept_organisation(session: Session, actor, organisation_id: int) -> Organisation:
    """An admin confirms a proposed organisation is genuine and no duplicate."""
    require_admin(actor)
    organisation = _get(session, organisation_id)
    if organisation.merged_into_id is not None:
        raise Invalid(_("This organisation was merged into another one."), field="organisation")
    if organisation.proposed:
        organisation.proposed = False
        session.flush()
        record_change(
            session,
            actor=actor,
            action="organisation.accepted",
            record=organisation,
            summary=f"Accepted proposed organisation {organisation.name}",
            before={"proposed": True},
            after={"proposed": False},
        )
    return organisation


def merge_organisations(
    session: Session, actor, duplicate_id: int | None, kept_id: int | None
) -> Organisation:
    """Merge a duplicate into the organisation kept: its people move, it stays with `merged_into`."""
    require_admin(actor)
    if duplicate_id is None:
        raise Invalid(_("Choose the duplicate to merge."), field="duplicate")
    if kept_id is None:
        raise Invalid(_("Choose the organisation to keep."), field="kept")
    duplicate = _get(session, duplicate_id)
    kept = _get(session, kept_id)
    if duplicate.id == kept.id:
        raise Invalid(_("Choose two different organisations."), field="kept")
    if duplicate.merged_into_id is not None:
        raise Invalid(
            _("%(name)s was already merged into another organisation.", name=duplicate.name),
            field="duplicate",
        )
    if kept.merged_into_id is not None:
        raise Invalid(
            _("%(name)s was merged into another organisation: keep that one.", name=kept.name),
            field="kept",
        )
    moved = list(
        session.scalars(
            select(User.id).where(User.organisation_id == duplicate.id).order_by(User.id)
        )
    )
    session.execute(
        update(User).where(User.organisation_id == duplicate.id).values(organisation_id=kept.id)
    )
    # Organisations merged earlier into the duplicate now point straight at the one kept.
    session.execute(
        update(Organisation)
        .where(Organisation.merged_into_id == duplicate.id)
        .values(merged_into_id=kept.id)
    )
    duplicate.merged_into_id = kept.id
    session.flush()
    record_change(
        session,
        actor=actor,
        action="organisation.merged",
        record=duplicate,
        summary=f"Merged {duplicate.name} into {kept.name}; {len(moved)} people moved",
        before={"merged_into_id": None, "people": moved},
        after={"merged_into_id": kept.id, "people": []},
    )
    record_change(
        session,
        actor=actor,
        action="organisation.absorbed",
        record=kept,
        summary=f"{duplicate.name} merged into {kept.name}; {len(moved)} people moved here",
        after={"merged_from_id": duplicate.id, "people_moved": moved},
    )
    return kept
