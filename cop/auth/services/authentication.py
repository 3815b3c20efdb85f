"""Logging in, with throttling, and making the first administrator."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from cop.audit.services import record_change
from cop.auth import throttle
from cop.auth.services.passwords import hash_password, normalise_email
from cop.db import utcnow
from cop.errors import Invalid
from cop.members.models import User


@cache
def _dummy_hash() -> str:
    """Compared against when the account does not exist, so both paths cost the same time.

    Made on first use, not at import: scrypt is slow on purpose, and every command and
    worker start would pay for it.
    """
    return generate_password_hash("not a real password", method="scrypt")


class Unconfirmed(Invalid):
    """The password is right, but the account's email address is not confirmed yet."""


def password_matches(user: User | None, password: str) -> bool:
    """Whether `password` is the user's; as slow for a missing user or password as for a real one."""
    stored = user.password_hash if user is not None and user.password_hash else _dummy_hash()
    return check_password_hash(stored, password) and user is not None and bool(user.password_hash)


def authenticate(
    session: Session,
    email: str,
    password: str,
    *,
    address: str = "unknown",
    now: datetime | None = None,
) -> User:
    """The open, confirmed account with this email and password; one vague error otherwise.

    Refused with TooManyAttempts when failures for the email or from `address`
    pile up; each try that is not refused adds a LoginAttempt row to the session.
    """
    now = now or utcnow()
    try:
        key = normalise_email(email)
    except Invalid:
        key = email.strip().lower()[:254]
    throttle.check_allowed(session, email=key, address=address, now=now)
    user = session.scalar(select(User).where(User.email == key)) if "@" in key else None
    if not password_matches(user, password) or not user.is_active:
        throttle.record_attempt(session, email=key, address=address, succeeded=False, now=now)
        raise Invalid(_("Wrong email or password."), field="password")
    if user.email_confirmed_at is None:
        raise Unconfirmed(
            _(
                "Your email address is not confirmed yet. Open the link we emailed you, "
                "or ask for a new one."
            ),
            field="email",
        )
    throttle.record_attempt(session, email=key, address=address, succeeded=True, now=now)
    return user


def create_admin(session: Session, *, email: str, name: str, password: str) -> User:
    """Make a site administrator, or promote the existing account with this email.

    Whoever runs the command vouches for the address, so it counts as confirmed.
    """
    address = normalise_email(email)
    if not name.strip() or len(name.strip()) > 200:
        raise Invalid(_("A name of 1 to 200 characters is needed."), field="name")
    user = session.scalar(select(User).where(User.email == address))
    if user is None:
        user = User(email=address, name=name.strip(), password_hash=hash_password(password))
        user.is_admin = True
        user.active = True
        user.email_confirmed_at = utcnow()
        session.add(user)
        session.flush()
        record_change(
            session,
            actor=None,
            action="user.created_admin",
            record=user,
            summary=f"Created administrator {address}",
        )
    else:
        if user.closed_at is not None:
            raise Invalid(_("This account was closed; use another email address."), field="email")
        user.is_admin = True
        user.active = True
        user.password_hash = hash_password(password)
        user.session_version += 1  # the new password ends every other session
        if user.email_confirmed_at is None:
            user.email_confirmed_at = utcnow()
        session.flush()
        record_change(
            session,
            actor=None,
            action="user.made_admin",
            record=user,
            summary=f"Made {address} an administrator",
        )
    return user
