"""Passwords and authentication. Hashes use scrypt (Werkzeug's default), never plain text."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from cop.audit.services import record_change
from cop.errors import Invalid
from cop.members.models import User

MIN_PASSWORD_LENGTH = 10
# Compared against when the account does not exist, so both paths cost the same time.
_DUMMY_HASH = generate_password_hash("not a real password", method="scrypt")


def normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise Invalid(
            _("Enter a valid email address, such as name@example.org."), field="email"
        ) from None


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(
            _("Use at least %(num)s characters.", num=MIN_PASSWORD_LENGTH), field="password"
        )
    return generate_password_hash(password, method="scrypt")


def authenticate(session: Session, email: str, password: str) -> User:
    """The active user with this email and password; one vague error otherwise."""
    try:
        address = normalise_email(email)
    except Invalid:
        address = ""
    user = session.scalar(select(User).where(User.email == address)) if address else None
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    if not check_password_hash(stored, password) or user is None or not user.active:
        raise Invalid(_("Wrong email or password."), field="password")
    return user


def create_admin(session: Session, *, email: str, name: str, password: str) -> User:
    """Make a site administrator, or promote the existing account with this email."""
    address = normalise_email(email)
    if not name.strip():
        raise Invalid(_("A name is needed."), field="name")
    user = session.scalar(select(User).where(User.email == address))
    if user is None:
        user = User(email=address, name=name.strip(), password_hash=hash_password(password))
        user.is_admin = True
        user.active = True
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
        user.is_admin = True
        user.password_hash = hash_password(password)
        session.flush()
        record_change(
            session,
            actor=None,
            action="user.made_admin",
            record=user,
            summary=f"Made {address} an administrator",
        )
    return user
