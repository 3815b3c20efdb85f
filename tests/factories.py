"""Small factories for test data; each builds the least a test needs and flushes."""

from __future__ import annotations

import itertools
from datetime import date

from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from cop.db import utcnow
from cop.members.models import (
    Helix,
    Membership,
    MembershipStatus,
    Organisation,
    OrganisationKind,
    Role,
    User,
    WorkingGroup,
)
from cop.members.services import GroupDetails, create_group

_numbers = itertools.count(1)
# Hashing with scrypt is slow on purpose; tests share one hash of the common password.
_PASSWORD_HASHES: dict[str, str] = {}


def password_hash(password: str) -> str:
    if password not in _PASSWORD_HASHES:
        # A cheap scrypt cost for test accounts only; the app hashes with the full cost.
        _PASSWORD_HASHES[password] = generate_password_hash(password, method="scrypt:1024:8:1")
    return _PASSWORD_HASHES[password]


def make_user(
    session: Session,
    *,
    name: str | None = None,
    email: str | None = None,
    password: str = "correct horse battery staple",
    admin: bool = False,
    active: bool = True,
    organisation: Organisation | None = None,
    listed: bool = False,
    confirmed: bool = True,
) -> User:
    number = next(_numbers)
    user = User(
        name=name or f"Person {number}",
        email=(email or f"person{number}@example.org").lower(),
        password_hash=password_hash(password),
        is_admin=admin,
        active=active,
        organisation=organisation,
        listed=listed,
        email_confirmed_at=utcnow() if confirmed else None,
    )
    session.add(user)
    session.flush()
    return user


def make_group(session: Session, **overrides) -> WorkingGroup:
    number = next(_numbers)
    details = GroupDetails(
        **{
            "slug": f"group-{number}",
            "name": f"Working group {number}",
            "kickoff": date(2023, 6, 1),
            "summary": "A working group of the Community of Practice.",
            **overrides,
        }
    )
    return create_group(session, None, details)


def make_organisation(
    session: Session,
    *,
    name: str | None = None,
    helix: Helix = Helix.ACADEMIA_RESEARCH,
    kind: OrganisationKind = OrganisationKind.UNIVERSITY,
    region_code: str | None = "BE10",
) -> Organisation:
    """An organisation in a real NUTS-2 region (the suite loads the regions once)."""
    organisation = Organisation(
        name=name or f"Organisation {next(_numbers)}",
        helix=helix,
        kind=kind,
        region_code=region_code,
    )
    session.add(organisation)
    session.flush()
    return organisation


def make_membership(
    session: Session,
    user: User,
    group: WorkingGroup,
    *,
    role: Role = Role.MEMBER,
    status: MembershipStatus = MembershipStatus.ACTIVE,
    motivation: str = "I work on innovation diffusion in my region.",
) -> Membership:
    membership = Membership(user=user, group=group, role=role, status=status, motivation=motivation)
    session.add(membership)
    session.flush()
    return membership


# Appended with the membership work; imports here keep the edit to the end of the file.
from datetime import timedelta  # noqa: E402

from cop.members.models import Invitation  # noqa: E402


def make_invitation(
    session: Session,
    group: WorkingGroup,
    *,
    email: str | None = None,
    invited_by: User | None = None,
    message: str = "",
    expires_in: timedelta = timedelta(days=30),
) -> Invitation:
    """An open invitation, written directly (no email); links come from invitation_token()."""
    now = utcnow()
    invitation = Invitation(
        group=group,
        email=(email or f"invitee{next(_numbers)}@example.org").lower(),
        invited_by=invited_by,
        message=message,
        created_at=now,
        expires_at=now + expires_in,
    )
    session.add(invitation)
    session.flush()
    return invitation
