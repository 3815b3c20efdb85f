"""People pages: who takes part in a group, the member directory, profiles, and a person's own data.

Every read here runs a fixed number of SQL statements whatever the number of
members: what a page walks is loaded eagerly, and counts are aggregated in SQL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Any

from flask_babel import gettext as _
from markupsafe import escape
from sqlalchemy import Text, cast, false, func, or_, select, update
from sqlalchemy.orm import Session, contains_eager, joinedload, selectinload

from cop.audit.models import AuditEntry
from cop.audit.services import record_change
from cop.auth.models import LoginAttempt
from cop.auth.permissions import is_signed_in, membership_of, require_member, standing_with
from cop.auth.throttle import verify_current_password
from cop.db import MAX_ID, utcnow
from cop.errors import Conflict, Invalid, NotAllowed, NotFound
from cop.mail.models import OutboxMessage, OutboxStatus
from cop.members.events import DataSection, account_closing, personal_data_requested
from cop.members.models import (
    Helix,
    Invitation,
    Membership,
    MembershipStatus,
    Organisation,
    Region,
    Role,
    User,
    WorkingGroup,
)
from cop.members.services import get_public_group

EXPERTISE_FILTER_MAX = 100
CLOSED_ACCOUNT_ERROR = "account closed"


def _active_members(group: WorkingGroup):
    """The conditions of an active membership of a person whose account is open."""
    return (
        Membership.group_id == group.id,
        Membership.status == MembershipStatus.ACTIVE,
        User.active.is_(True),
        User.closed_at.is_(None),
    )


# -- the public group page -------------------------------------------------------------------


@dataclass(frozen=True)
class Balance:
    """How many active members a group has per helix and per country; counts reveal no names."""

    total: int
    by_helix: list[tuple[Helix | None, int]]  # the four helices in order (zeros too), then None
    by_country: list[tuple[str | None, int]]  # NUTS country codes, largest first


@dataclass(frozen=True)
class GroupPage:
    group: WorkingGroup
    participants: list[ListedPerson]  # listed, active, account open
    balance: Balance
    signed_in: bool
    membership: Membership | None  # the viewer's, whatever its status
    sees_directory: bool  # an active member or an admin
    coordinates: bool  # an active coordinator or an admin: sees the applications queue


@dataclass(frozen=True)
class ListedPerson:
    """A participant as the public group page shows them: a row, not an account."""

    id: int
    name: str
    organisation: str | None  # its name; None when not stated
    helix: Helix | None
    region: Region | None


def list_participants(session: Session, group: WorkingGroup) -> list[ListedPerson]:
    """The active members who consented to be listed publicly, by name.

    Read as plain rows: a group has hundreds of members, and the page needs five
    columns of each, not their accounts.
    """
    rows = session.execute(
        select(User.id, User.name, Organisation.name, Organisation.helix, Region)
        .join(Membership, Membership.user_id == User.id)
        .outerjoin(Organisation, User.organisation_id == Organisation.id)
        .outerjoin(Region, Organisation.region_code == Region.code)
        .where(*_active_members(group), User.listed.is_(True))
        .order_by(User.name, User.id)
    )
    return [ListedPerson(*row) for row in rows]


def group_balance(session: Session, group: WorkingGroup) -> Balance:
    """Counts of every active member (listed or not) by helix and by country, aggregated in SQL."""
    base = (
        select(func.count(Membership.id))
        .select_from(Membership)
        .join(User, Membership.user_id == User.id)
        .outerjoin(Organisation, User.organisation_id == Organisation.id)
        .where(*_active_members(group))
    )
    helix_counts: dict[Helix | None, int] = {
        helix: count
        for count, helix in session.execute(
            base.add_columns(Organisation.helix).group_by(Organisation.helix)
        )
    }
    by_helix: list[tuple[Helix | None, int]] = [(h, helix_counts.get(h, 0)) for h in Helix]
    if helix_counts.get(None):
        by_helix.append((None, helix_counts[None]))
    country_rows = session.execute(
        base.add_columns(Region.country_code)
        .outerjoin(Region, Organisation.region_code == Region.code)
        .group_by(Region.country_code)
    )
    by_country = sorted(
        ((code, count) for count, code in country_rows),
        key=lambda row: (-row[1], row[0] is None, row[0] or ""),
    )
    return Balance(total=sum(helix_counts.values()), by_helix=by_helix, by_country=by_country)


def public_group_page(session: Session, viewer: Any, slug: str) -> GroupPage:
    group = get_public_group(session, slug)
    membership = membership_of(session, viewer, group)
    reader = standing_with(viewer, membership)
    return GroupPage(
        group=group,
        participants=list_participants(session, group),
        balance=group_balance(session, group),
        signed_in=is_signed_in(viewer),
        membership=membership,
        sees_directory=reader.member,
        coordinates=reader.coordinates,
    )


# -- the member directory ---------------------------------------------------------------------


@dataclass(frozen=True)
class DirectoryFilters:
    helix: Helix | None = None
    country: str | None = None  # NUTS country code
    organisation_id: int | None = None
    expertise: str = ""  # contained in the person's expertise, any letter case


@dataclass(frozen=True)
class DirectoryChoices:
    """What the filters may pick from: the countries and organisations of the group's members."""

    countries: list[str]
    organisations: list[tuple[int, str]]


@dataclass(frozen=True)
class Directory:
    group: WorkingGroup
    memberships: list[Membership]  # user, organisation and region loaded
    filtered: bool


def directory_choices(session: Session, viewer: Any, group: WorkingGroup) -> DirectoryChoices:
    require_member(session, viewer, group)
    countries = session.scalars(
        select(Region.country_code)
        .select_from(Membership)
        .join(User, Membership.user_id == User.id)
        .join(Organisation, User.organisation_id == Organisation.id)
        .join(Region, Organisation.region_code == Region.code)
        .where(*_active_members(group))
        .distinct()
        .order_by(Region.country_code)
    )
    organisations = session.execute(
        select(Organisation.id, Organisation.name)
        .select_from(Membership)
        .join(User, Membership.user_id == User.id)
        .join(Organisation, User.organisation_id == Organisation.id)
        .where(*_active_members(group))
        .distinct()
        .order_by(Organisation.name, Organisation.id)
    )
    return DirectoryChoices(
        countries=list(countries),
        organisations=[(organisation_id, name) for organisation_id, name in organisations],
    )


def list_directory(
    session: Session, viewer: Any, group: WorkingGroup, filters: DirectoryFilters
) -> Directory:
    """Every active member of the group, with contact details: for its members and admins only."""
    require_member(session, viewer, group)
    if len(filters.expertise) > EXPERTISE_FILTER_MAX:
        raise Invalid(
            _("Use at most %(num)s characters.", num=EXPERTISE_FILTER_MAX), field="expertise"
        )
    query = (
        select(Membership)
        .join(Membership.user)
        .outerjoin(User.organisation)
        .outerjoin(Organisation.region)
        .where(*_active_members(group))
        .options(
            contains_eager(Membership.user)
            .contains_eager(User.organisation)
            .contains_eager(Organisation.region)
        )
        .order_by(User.name, User.id)
    )
    if filters.helix is not None:
        query = query.where(Organisation.helix == filters.helix)
    if filters.country:
        query = query.where(Region.country_code == filters.country)
    if filters.organisation_id is not None:
        query = query.where(Organisation.id == filters.organisation_id)
    expertise = filters.expertise.strip()
    if expertise:
        query = query.where(User.expertise.icontains(expertise, autoescape=True))
    filtered = bool(
        filters.helix or filters.country or filters.organisation_id is not None or expertise
    )
    return Directory(
        group=group, memberships=list(session.scalars(query).unique()), filtered=filtered
    )


# -- my groups ---------------------------------------------------------------------------------


def list_my_memberships(session: Session, viewer: Any) -> list[Membership]:
    """The person's memberships in every group, whatever their status, by group name."""
    if not is_signed_in(viewer):
        raise NotAllowed(_("Please log in first."))
    return list(
        session.scalars(
            select(Membership)
            .join(Membership.group)
            .where(Membership.user_id == viewer.id)
            .options(contains_eager(Membership.group))
            .order_by(WorkingGroup.name, WorkingGroup.id)
        )
    )


# -- profiles ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    person: User
    groups: list[Membership]  # the person's active memberships, with their group
    # The full profile (with email) for people who work with them; the public one otherwise.
    shows_email: bool


def person_profile(session: Session, viewer: Any, person_id: int) -> Profile:
    """A person's profile as the viewer may see it.

    In full for themselves, admins, members who share an active group with
    them and coordinators of a group they applied to; without email to anyone
    when they consented to be listed and are active in some group. Closed
    accounts are gone (404).
    """
    if not 0 < person_id <= MAX_ID:
        raise NotFound(_("There is no person at this address."))
    person = session.scalar(
        select(User)
        .where(User.id == person_id)
        .options(
            joinedload(User.organisation).joinedload(Organisation.region),
            selectinload(User.memberships).joinedload(Membership.group),
        )
    )
    if person is None or person.closed_at is not None:
        raise NotFound(_("There is no person at this address."))
    active = [m for m in person.memberships if m.status is MembershipStatus.ACTIVE]
    active.sort(key=lambda m: (m.group.name, m.group.id))
    if _works_with(session, viewer, person):
        return Profile(person=person, groups=active, shows_email=True)
    if person.listed and person.active and active:
        return Profile(person=person, groups=active, shows_email=False)
    raise NotAllowed(
        _("This profile is visible to the members of the working groups this person belongs to.")
    )


def _works_with(session: Session, viewer: Any, person: User) -> bool:
    if not is_signed_in(viewer):
        return False
    if viewer.is_admin or viewer.id == person.id:
        return True
    mine = session.scalars(
        select(Membership).where(
            Membership.user_id == viewer.id, Membership.status == MembershipStatus.ACTIVE
        )
    ).all()
    my_groups = {m.group_id for m in mine}
    coordinated = {m.group_id for m in mine if m.role is Role.COORDINATOR}
    for membership in person.memberships:
        if membership.status is MembershipStatus.ACTIVE and membership.group_id in my_groups:
            return True
        # Coordinators decide applications, so they see who applies.
        if membership.status is MembershipStatus.APPLIED and membership.group_id in coordinated:
            return True
    return False


# -- your data ---------------------------------------------------------------------------------


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None else None


def _messages_to(*emails: str):
    """Outbox rows addressed to one of these emails, written bare or as "Name <email>"."""
    recipient = func.lower(OutboxMessage.recipient)
    return or_(
        *(
            condition
            for email in emails
            for condition in (
                recipient == email.lower(),
                recipient.endswith(f"<{email.lower()}>", autoescape=True),
            )
        )
    )


def _require_self(viewer: Any, person: User) -> None:
    if not is_signed_in(viewer) or viewer.id != person.id:
        raise NotAllowed(_("Only the person themselves may do this."))


@dataclass(frozen=True)
class PersonalData:
    """Everything cop holds about a person, ready for the page and the JSON download."""

    person: User
    memberships: list[Membership]
    invitations: list[Invitation]
    actions: list[AuditEntry]  # changes the person made
    account_changes: list[AuditEntry]  # changes made to the person's account
    emails: list[OutboxMessage]
    login_attempts: list[LoginAttempt]
    # What other packages hold about the person (meeting registrations, say).
    sections: list[DataSection] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        person = self.person
        organisation = person.organisation
        return {
            "source": "cop, the collaboration platform of the S3 Community of Practice",
            "exported_at": utcnow().isoformat(),
            "profile": {
                "id": person.id,
                "email": person.email,
                "name": person.name,
                "position": person.position,
                "expertise": person.expertise,
                "language": person.language,
                "timezone": person.timezone,
                "listed_publicly": person.listed,
                "contactable": person.contactable,
                "digest_period": person.digest_period.value,
                "admin": person.is_admin,
                "active": person.active,
                "email_confirmed_at": _iso(person.email_confirmed_at),
                "created_at": _iso(person.created_at),
                "updated_at": _iso(person.updated_at),
                "closed_at": _iso(person.closed_at),
            },
            "organisation": None
            if organisation is None
            else {
                "id": organisation.id,
                "name": organisation.name,
                "helix": organisation.helix.value,
                "kind": organisation.kind.value,
                "region_code": organisation.region_code,
                "region": organisation.region.name if organisation.region else None,
                "country_code": organisation.region.country_code if organisation.region else None,
                "website": organisation.website,
            },
            "memberships": [
                {
                    "group": m.group.slug,
                    "group_name": m.group.name,
                    "role": m.role.value,
                    "status": m.status.value,
                    "motivation": m.motivation,
                    "decision_note": m.decision_note,
                    "decided_by": m.decided_by.name if m.decided_by else None,
                    "decided_at": _iso(m.decided_at),
                    "created_at": _iso(m.created_at),
                    "updated_at": _iso(m.updated_at),
                }
                for m in self.memberships
            ],
            "invitations": [
                {
                    "group": i.group.slug,
                    "message": i.message,
                    "created_at": _iso(i.created_at),
                    "expires_at": _iso(i.expires_at),
                    "accepted_at": _iso(i.accepted_at),
                    "revoked_at": _iso(i.revoked_at),
                }
                for i in self.invitations
            ],
            "changes_you_made": [_audit_json(entry) for entry in self.actions],
            "changes_to_your_account": [_audit_json(entry) for entry in self.account_changes],
            # Subjects, dates and states only: the bodies were sent to the person already.
            "emails_to_you": [
                {
                    "subject": message.subject,
                    "created_at": _iso(message.created_at),
                    "status": message.status.value,
                    "sent_at": _iso(message.sent_at),
                }
                for message in self.emails
            ],
            "login_attempts": [
                {"at": _iso(a.at), "address": a.address, "succeeded": a.succeeded}
                for a in self.login_attempts
            ],
            **{section.key: list(section.records) for section in self.sections},
        }


def _audit_json(entry: AuditEntry) -> dict[str, Any]:
    return {
        "at": _iso(entry.at),
        "action": entry.action,
        "record_type": entry.record_type,
        "record_id": entry.record_id,
        "summary": entry.summary,
        "before": entry.before,
        "after": entry.after,
    }


def personal_data(session: Session, viewer: Any, person: User) -> PersonalData:
    """Everything cop holds about the person, for themselves only."""
    _require_self(viewer, person)
    person = session.scalar(
        select(User)
        .where(User.id == person.id)
        .options(joinedload(User.organisation).joinedload(Organisation.region))
    )
    memberships = session.scalars(
        select(Membership)
        .where(Membership.user_id == person.id)
        .options(joinedload(Membership.group), joinedload(Membership.decided_by))
        .order_by(Membership.created_at, Membership.id)
    ).all()
    invitations = session.scalars(
        select(Invitation)
        .where(
            or_(
                func.lower(Invitation.email) == person.email,
                Invitation.accepted_by_id == person.id,
            )
        )
        .options(joinedload(Invitation.group))
        .order_by(Invitation.created_at, Invitation.id)
    ).all()
    actions = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.actor_id == person.id)
        .order_by(AuditEntry.at, AuditEntry.id)
    ).all()
    account_changes = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.record_type == User.__tablename__, AuditEntry.record_id == str(person.id))
        .order_by(AuditEntry.at, AuditEntry.id)
    ).all()
    emails = session.scalars(
        select(OutboxMessage)
        .where(_messages_to(person.email))
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
    ).all()
    attempts = session.scalars(
        select(LoginAttempt)
        .where(func.lower(LoginAttempt.email) == person.email)
        .order_by(LoginAttempt.at, LoginAttempt.id)
    ).all()
    return PersonalData(
        person=person,
        memberships=list(memberships),
        invitations=list(invitations),
        actions=list(actions),
        account_changes=list(account_changes),
        emails=list(emails),
        login_attempts=list(attempts),
        sections=[
            section
            for _receiver, section in personal_data_requested.send(person, session=session)
            if section is not None
        ],
    )


# -- closing an account ------------------------------------------------------------------------


@dataclass
class _Scrubber:
    """Replaces a closed account's names and emails (current and former) wherever cop wrote them."""

    names: list[str]
    emails: list[str]
    new_name: str
    new_email: str
    _rules: list[tuple[re.Pattern[str], str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.names = list(dict.fromkeys(n.strip() for n in self.names if n and n.strip()))
        self.emails = list(dict.fromkeys(e.strip().lower() for e in self.emails if e and e.strip()))
        # Longest first, so that "Jana Nováková" goes before a former "Jana".
        for email in sorted(self.emails, key=len, reverse=True):
            self._rules.append((re.compile(re.escape(email), re.IGNORECASE), self.new_email))
        for name in sorted(self.names, key=len, reverse=True):
            # Whole names only, so that "Ana" does not change "Analysis".
            for variant in self._stored_forms(name):
                pattern = re.compile(r"(?<!\w)" + re.escape(variant) + r"(?!\w)", re.IGNORECASE)
                self._rules.append((pattern, self.new_name))

    @staticmethod
    def _stored_forms(name: str) -> list[str]:
        """A name as text, as HTML bodies escape it, and as JSON columns store it."""
        return list(dict.fromkeys([name, str(escape(name)), json.dumps(name)[1:-1]]))

    def needles(self) -> list[str]:
        """The strings whose presence marks a row for scrubbing."""
        forms = [form for name in self.names for form in self._stored_forms(name)]
        return list(dict.fromkeys([*self.emails, *forms]))

    def text(self, value: str | None) -> str | None:
        if not value:
            return value
        for pattern, replacement in self._rules:
            value = pattern.sub(replacement, value)
        return value

    def json(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {key: self.json(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.json(item) for item in value]
        return value


# Free-text fields of the account that its change log may hold; cleared when it closes.
PERSONAL_KEYS = ("position", "expertise")


def _clear_personal(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if not isinstance(values, dict):
        return values
    return {key: ("" if key in PERSONAL_KEYS else value) for key, value in values.items()}


def _former_identities(session: Session, person: User) -> tuple[list[str], list[str]]:
    """The names and emails the account had before, as its own change log recorded them."""
    names, emails = [person.name], [person.email]
    entries = session.scalars(
        select(AuditEntry).where(
            AuditEntry.record_type == User.__tablename__, AuditEntry.record_id == str(person.id)
        )
    )
    for entry in entries:
        for values in (entry.before or {}, entry.after or {}):
            if isinstance(values.get("name"), str):
                names.append(values["name"])
            if isinstance(values.get("email"), str) and "@" in values["email"]:
                emails.append(values["email"])
    return names, emails


def _mentions(column, needles: list[str]):
    return or_(*(column.icontains(needle, autoescape=True) for needle in needles))


def _refuse_leaving_a_group_without_coordinator(session: Session, person: User) -> None:
    """As when leaving a group: its last coordinator must hand over first."""
    coordinated = session.scalars(
        select(Membership)
        .where(
            Membership.user_id == person.id,
            Membership.role == Role.COORDINATOR,
            Membership.status == MembershipStatus.ACTIVE,
        )
        .options(selectinload(Membership.group))
    ).all()
    for membership in coordinated:
        others = session.scalar(
            select(func.count())
            .select_from(Membership)
            .join(User, User.id == Membership.user_id)
            .where(
                Membership.group_id == membership.group_id,
                Membership.role == Role.COORDINATOR,
                Membership.status == MembershipStatus.ACTIVE,
                Membership.user_id != person.id,
                User.closed_at.is_(None),
            )
        )
        if not others and not membership.group.archived:
            raise Invalid(
                _(
                    "You are the last coordinator of %(group)s: appoint another coordinator, "
                    "or ask a site administrator, before closing your account.",
                    group=membership.group.name,
                ),
                field="password",
            )


def close_account(
    session: Session, viewer: Any, person: User, password: str, *, address: str = "unknown"
) -> None:
    """Close the person's own account after they confirm their password.

    Their name and email are replaced wherever cop wrote them (profile, audit
    log, outbox, invitations, login attempts), their open memberships end and
    their pending email is cancelled; the groups' records stay, attributed to
    "Former member #<id>". Changing the session version logs them out everywhere.
    """
    _require_self(viewer, person)
    if person.closed_at is not None:
        raise Conflict(_("This account is already closed."))
    if not password or not person.password_hash:
        raise Invalid(_("Enter your current password."), field="password")
    if not verify_current_password(session, person, password, address=address):
        raise Invalid(_("This is not your current password."), field="password")

    _refuse_leaving_a_group_without_coordinator(session, person)
    # Other packages end what the person still holds (a seat at a meeting frees up for the
    # next person waiting) while the account still has its name for their emails.
    account_closing.send(person, session=session, now=utcnow())
    names, emails = _former_identities(session, person)
    new_name, new_email = f"Former member #{person.id}", f"closed-{person.id}@invalid"
    # Their own rows lose their names and emails; other people's rows lose only the exact
    # email addresses (distinctive), never a name, which other people may share.
    scrub = _Scrubber(names=names, emails=emails, new_name=new_name, new_email=new_email)
    scrub_addresses = _Scrubber(names=[], emails=emails, new_name=new_name, new_email=new_email)
    address_needles = scrub_addresses.needles()

    memberships = session.scalars(select(Membership).where(Membership.user_id == person.id)).all()
    for membership in memberships:
        membership.motivation = scrub.text(membership.motivation) or ""
        membership.decision_note = scrub.text(membership.decision_note) or ""
        if membership.status in (MembershipStatus.ACTIVE, MembershipStatus.APPLIED):
            before = membership.status.value
            membership.status = MembershipStatus.LEFT
            membership.role = Role.MEMBER
            record_change(
                session,
                actor=person,
                action="membership.left",
                record=membership,
                summary=f"Membership #{membership.id} ended: the account was closed",
                before={"status": before},
                after={"status": MembershipStatus.LEFT.value},
            )

    membership_ids = [str(m.id) for m in memberships]
    theirs = or_(
        AuditEntry.actor_id == person.id,
        (AuditEntry.record_type == User.__tablename__) & (AuditEntry.record_id == str(person.id)),
        (AuditEntry.record_type == Membership.__tablename__)
        & AuditEntry.record_id.in_(membership_ids)
        if membership_ids
        else false(),
    )
    entries = session.scalars(
        select(AuditEntry).where(
            or_(
                theirs,
                _mentions(AuditEntry.summary, address_needles),
                _mentions(cast(AuditEntry.before, Text), address_needles),
                _mentions(cast(AuditEntry.after, Text), address_needles),
            )
        )
    ).all()
    for entry in entries:
        own = (
            entry.actor_id == person.id
            or (entry.record_type == User.__tablename__ and entry.record_id == str(person.id))
            or (entry.record_type == Membership.__tablename__ and entry.record_id in membership_ids)
        )
        about_them = entry.record_type == User.__tablename__ and entry.record_id == str(person.id)
        cleaner = scrub if own else scrub_addresses
        entry.summary = (cleaner.text(entry.summary) or "")[:500]
        entry.before = cleaner.json(_clear_personal(entry.before) if about_them else entry.before)
        entry.after = cleaner.json(_clear_personal(entry.after) if about_them else entry.after)

    messages = session.scalars(
        select(OutboxMessage).where(
            or_(
                _messages_to(*scrub.emails),
                _mentions(OutboxMessage.recipient, address_needles),
                _mentions(OutboxMessage.body_text, address_needles),
                _mentions(OutboxMessage.body_html, address_needles),
            )
        )
    ).all()
    addressed_to_them = _address_matcher(scrub.emails)
    for message in messages:
        # Mail to them loses their name too; other people's mail only their address.
        cleaner = scrub_addresses
        if addressed_to_them(message.recipient):
            cleaner = scrub
            # Also drops their display name, which email headers may hold encoded.
            message.recipient = new_email
            if message.status is OutboxStatus.PENDING:
                message.status = OutboxStatus.FAILED
                message.last_error = CLOSED_ACCOUNT_ERROR
        message.subject = cleaner.text(message.subject) or ""
        message.body_text = cleaner.text(message.body_text) or ""
        message.body_html = cleaner.text(message.body_html)

    invitations = session.scalars(
        select(Invitation).where(func.lower(Invitation.email).in_(scrub.emails))
    ).all()
    for invitation in invitations:
        invitation.email = new_email
        invitation.message = scrub.text(invitation.message) or ""

    session.execute(
        update(LoginAttempt)
        .where(func.lower(LoginAttempt.email).in_(scrub.emails))
        .values(email=new_email)
        .execution_options(synchronize_session=False)
    )

    person.name = new_name
    person.email = new_email
    person.position = ""
    person.expertise = ""
    person.password_hash = None
    person.listed = False
    person.is_admin = False
    person.active = False
    person.closed_at = utcnow()
    person.session_version = (person.session_version or 1) + 1
    session.flush()
    record_change(
        session,
        actor=person,
        action="user.closed",
        record=person,
        summary=f"Closed account #{person.id}",
        after={"closed_at": person.closed_at, "active": False},
    )
    session.flush()


def _address_matcher(emails: list[str]) -> Callable[[str], bool]:
    wanted = {email.lower() for email in emails}

    def matches(recipient: str) -> bool:
        address = parseaddr(recipient)[1].lower()
        return address in wanted or recipient.lower() in wanted

    return matches
