"""Passwords and email addresses: the rules they follow, and hashing with scrypt (never plain text)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from cop.errors import Invalid
from cop.members.models import User

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1000
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent.parent / "common_passwords.txt"


def normalise_email(email: str, field: str = "email") -> str:
    """The address in the form it is stored and compared in: validated, lower case."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise Invalid(
            _("Enter a valid email address, such as name@example.org."), field=field
        ) from None


def email_taken(session: Session, address: str, *, except_user_id: int | None = None) -> bool:
    """Whether an account already uses this (normalised, so lower-case) address."""
    query = select(User.id).where(User.email == address)
    if except_user_id is not None:
        query = query.where(User.id != except_user_id)
    return session.scalar(query.limit(1)) is not None


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


def is_common_password(password: str) -> bool:
    return password.strip().lower() in common_passwords()


def validate_password(
    password: str,
    confirmation: str | None = None,
    *,
    field: str = "password",
    confirm_field: str = "confirm",
) -> None:
    """At least MIN_PASSWORD_LENGTH characters, not a common password, confirmed when asked."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(_("Use at least %(num)s characters.", num=MIN_PASSWORD_LENGTH), field=field)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise Invalid(_("Use at most %(num)s characters.", num=MAX_PASSWORD_LENGTH), field=field)
    if is_common_password(password):
        raise Invalid(
            _(
                "This password is one of the most common ones, which are guessed first. Choose another."
            ),
            field=field,
        )
    if confirmation is not None and confirmation != password:
        raise Invalid(_("The two passwords do not match."), field=confirm_field)


def hash_password(password: str) -> str:
    """Check the password against the rules, then hash it."""
    validate_password(password)
    return generate_password_hash(password, method="scrypt")
