"""Site administrators' operations on working groups: overview, archiving, coordinators.

Creating a group is `cop.members.services.create_group`, which checks the admin itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from cop.audit.services import audited
from cop.auth import services as auth_services  # a module: auth.services imports members
from cop.auth.permissions import require_admin
from cop.db import utcnow
from cop.errors import Conflict, Invalid, NotFound
from cop.mail.messages import external_url, send_templated
from cop.members.membership import MEMBERSHIP_FIELDS, get_group, put_membership
from cop.members.models import Membership, MembershipStatus, Role, User, WorkingGroup
from cop.members.services import GROUP_FIELDS


@dataclass(frozen=True)
class GroupOverview:
    group: WorkingGroup
    members: int  # active, coordinators included
    coordinators: int
    pending: int  # applications awaiting a decision


def _tally(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def list_all_groups(session: Session, actor) -> list[GroupOverview]:
    """Every group, archived ones last, with its counts: one query whatever the number."""
    require_admin(actor)
    active = Membership.status == MembershipStatus.ACTIVE
    rows = session.execute(
        select(
            WorkingGroup,
            _tally(active),
            _tally(active & (Membership.role == Role.COORDINATOR)),
            _tally(Membership.status == MembershipStatus.APPLIED),
        )
        .outerjoin(Membership, Membership.group_id == WorkingGroup.id)
        .group_by(WorkingGroup.id)
        .order_by(WorkingGroup.archived, WorkingGroup.name, WorkingGroup.id)
    ).all()
    return [GroupOverview(group, int(m), int(c), int(p)) for group, m, c, p in rows]


def get_group_for_admin(session: Session, actor, slug: str) -> WorkingGroup:
    require_admin(actor)
    return get_group(session, slug)


def _set_archived(session: Session, actor, slug: str, archived: bool) -> WorkingGroup:
    require_admin(actor)
    group = get_group(session, slug)
    if group.archived is archived:
        raise Conflict(
            _("%(group)s is already archived.", group=group.name)
            if archived
            else _("%(group)s is not archived.", group=group.name)
        )
    with audited(
        session,
        actor=actor,
        action="group.archived" if archived else "group.unarchived",
        record=group,
        fields=GROUP_FIELDS,
        summary=f"{'Archived' if archived else 'Reopened'} working group {group.name}",
    ):
        group.archived = archived
    return group


def archive_group(session: Session, actor, slug: str) -> WorkingGroup:
    """A group that has completed its work: its pages stay, it takes no new members."""
    return _set_archived(session, actor, slug, True)


def unarchive_group(session: Session, actor, slug: str) -> WorkingGroup:
    return _set_archived(session, actor, slug, False)


def appoint_coordinator(session: Session, actor, slug: str, email: str) -> Membership:
    """Make an existing account an active coordinator of the group, joining it if needed."""
    require_admin(actor)
    group = get_group(session, slug)
    if len((email or "").strip()) > 254:
        raise Invalid(_("Use at most %(num)s characters.", num=254), field="email")
    address = auth_services.normalise_email(email or "")
    person = session.scalar(select(User).where(func.lower(User.email) == address))
    if person is None or not person.is_active:
        raise Invalid(
            _("No active account uses this email address. Invite the person first."),
            field="email",
        )
    membership = session.scalar(
        select(Membership).where(Membership.user_id == person.id, Membership.group_id == group.id)
    )
    if (
        membership is not None
        and membership.status is MembershipStatus.ACTIVE
        and membership.role is Role.COORDINATOR
    ):
        raise Invalid(
            _("This person already coordinates %(group)s.", group=group.name), field="email"
        )
    # Someone not yet active is admitted by this decision; an active member keeps theirs.
    admitted = membership is None or membership.status is not MembershipStatus.ACTIVE
    decision = {"decided_by_id": actor.id, "decided_at": utcnow()} if admitted else {}
    membership = put_membership(
        session,
        membership,
        actor=actor,
        person=person,
        group=group,
        action="membership.coordinator_appointed",
        summary=f"Appointed user {person.id} coordinator of {group.slug}",
        status=MembershipStatus.ACTIVE,
        role=Role.COORDINATOR,
        **decision,
    )
    send_templated(
        session,
        to=person.email,
        template="membership_coordinator",
        language=person.language,
        group=group,
        person=person,
        queue_url=external_url("members.applications", slug=group.slug),
        group_url=external_url("site.group", slug=group.slug),
    )
    return membership


def remove_coordinator(session: Session, actor, slug: str, user_id: int) -> Membership:
    """A coordinator steps down to a plain member of the group."""
    require_admin(actor)
    group = get_group(session, slug)
    membership = session.scalar(
        select(Membership).where(
            Membership.user_id == user_id,
            Membership.group_id == group.id,
            Membership.role == Role.COORDINATOR,
            Membership.status == MembershipStatus.ACTIVE,
        )
    )
    if membership is None:
        raise NotFound(_("This person does not coordinate %(group)s.", group=group.name))
    with audited(
        session,
        actor=actor,
        action="membership.coordinator_removed",
        record=membership,
        fields=MEMBERSHIP_FIELDS,
        summary=f"Removed user {user_id} as coordinator of {group.slug}",
    ):
        membership.role = Role.MEMBER
    return membership
