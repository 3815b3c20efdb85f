"""Permission checks, used by services (always) and by views that guard whole pages.

Roles: anonymous, signed in, and per working group applicant, member and
coordinator; site admins may do everything a coordinator may.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from cop.errors import NotAllowed
from cop.extensions import login_manager
from cop.members.models import Membership, MembershipStatus, Role, User, WorkingGroup


def is_signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def require_signed_in(user) -> None:
    if not is_signed_in(user):
        raise NotAllowed(_("Please log in first."))


def require_admin(user) -> None:
    if not is_signed_in(user) or not user.is_admin:
        raise NotAllowed(_("Only site administrators may do this."))


def membership_of(session: Session, user, group: WorkingGroup) -> Membership | None:
    if not is_signed_in(user):
        return None
    return session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.group_id == group.id)
    )


@dataclass(frozen=True)
class Standing:
    """What a person is to a group: an active member (sees members-only records), a coordinator."""

    member: bool
    coordinates: bool


def standing_with(user, membership: Membership | None) -> Standing:
    """The standing a person's membership of a group gives them (already loaded, or None);
    admins count as members and coordinators everywhere."""
    if is_signed_in(user) and user.is_admin:
        return Standing(member=True, coordinates=True)
    active = membership is not None and membership.status is MembershipStatus.ACTIVE
    return Standing(member=active, coordinates=active and membership.role is Role.COORDINATOR)


def standing(session: Session, user, group: WorkingGroup) -> Standing:
    """The person's standing in a group, in one query at most."""
    if is_signed_in(user) and user.is_admin:
        return standing_with(user, None)
    return standing_with(user, membership_of(session, user, group))


def is_member(session: Session, user, group: WorkingGroup) -> bool:
    """An active member or coordinator of the group (admins count as members everywhere)."""
    return standing(session, user, group).member


def is_coordinator(session: Session, user, group: WorkingGroup) -> bool:
    return standing(session, user, group).coordinates


def require_member(session: Session, user, group: WorkingGroup) -> None:
    if not is_member(session, user, group):
        raise NotAllowed(_("Only members of %(group)s may do this.", group=group.name))


def require_coordinator(session: Session, user, group: WorkingGroup) -> None:
    if not is_coordinator(session, user, group):
        raise NotAllowed(_("Only coordinators of %(group)s may do this.", group=group.name))


def groups_of(user_id: int, *, role: Role | None = None) -> Select:
    """The ids of the groups the person is an active member of (in `role`), as a subquery."""
    query = select(Membership.group_id).where(
        Membership.user_id == user_id, Membership.status == MembershipStatus.ACTIVE
    )
    return query if role is None else query.where(Membership.role == role)


def members_of(group_id: int) -> Select:
    """The ids of the group's active members, as a subquery."""
    return select(Membership.user_id).where(
        Membership.group_id == group_id, Membership.status == MembershipStatus.ACTIVE
    )


def is_member_anywhere(session: Session, user: User) -> bool:
    """Active in at least one group: may see the member directory."""
    if not is_signed_in(user):
        return False
    if user.is_admin:
        return True
    return (
        session.scalar(
            select(Membership.id)
            .where(Membership.user_id == user.id, Membership.status == MembershipStatus.ACTIVE)
            .limit(1)
        )
        is not None
    )


def login_required(view):
    """Anonymous people are sent to log in, then back."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return wrapped


def admin_required(view):
    """Anonymous people are sent to log in; signed-in people who are not admins get a 403."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        require_admin(current_user)
        return view(*args, **kwargs)

    return wrapped
