"""Resetting a forgotten password by a single-use link valid for two hours."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from cop.audit.services import record_change
from cop.auth.services.passwords import hash_password, normalise_email, validate_password
from cop.auth.tokens import LIFETIMES, fingerprint, make_token, read_token
from cop.db import utcnow
from cop.errors import Invalid
from cop.mail.messages import external_url, send_templated, sent_recently
from cop.members.models import User


def _reset_state(user: User) -> str:
    # The password hash changes with the reset: that is what makes the link single-use.
    return fingerprint(user.email, user.password_hash, user.session_version)


def reset_token(user: User) -> str:
    return make_token("reset-password", user.id, _reset_state(user))


def request_password_reset(session: Session, email: str) -> None:
    """Email a reset link if an open account uses this address; the caller says the same either way."""
    address = normalise_email(email)
    user = session.scalar(select(User).where(User.email == address))
    if (
        user is None
        or not user.is_active
        or sent_recently(session, user.email, "auth_reset_password")
    ):
        return
    send_templated(
        session,
        to=user.email,
        template="auth_reset_password",
        language=user.language,
        name=user.name,
        link=external_url("auth.reset_password", token=reset_token(user)),
        hours=int(LIFETIMES["reset-password"].total_seconds() // 3600),
    )


def check_reset_token(session: Session, token: str) -> User:
    """The account a reset link is for, if the link is genuine, recent and unused."""
    user_id, state, _extra = read_token("reset-password", token)
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise Invalid(_("This link is not valid. Check that you copied all of it."), field="token")
    if state != _reset_state(user):
        raise Invalid(
            _("This link has already been used. Ask for a new one if you need it."), field="token"
        )
    return user


def reset_password(session: Session, token: str, password: str, confirmation: str) -> User:
    """Set a new password from a reset link; every session of the account is logged out.

    Using the link proves the person reads the mailbox, so the address counts as confirmed.
    """
    user = check_reset_token(session, token)
    validate_password(password, confirmation)
    user.password_hash = hash_password(password)
    user.session_version += 1
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    session.flush()
    record_change(
        session,
        actor=user,
        action="user.password_reset",
        record=user,
        summary="Reset the password by an emailed link",
    )
    return user
