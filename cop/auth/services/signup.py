"""Signing up, and confirming the email address by a time-limited link."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cop.audit.services import record_change, snapshot
from cop.auth.services.passwords import (
    email_taken,
    hash_password,
    normalise_email,
    validate_password,
)
from cop.auth.services.profile import AUDITED_FIELDS, PersonDetails, apply_person, validate_person
from cop.auth.tokens import LIFETIMES, fingerprint, make_token, read_token
from cop.db import utcnow
from cop.errors import Invalid
from cop.mail.messages import external_url, send_templated, sent_recently
from cop.members.models import User
from cop.members.organisations import apply_choice, resolve_choice


def _taken() -> Invalid:
    return Invalid(
        _(
            "An account already uses this email address. Log in, or reset your password "
            "if you forgot it."
        ),
        field="email",
    )


def confirmation_token(user: User, next_url: str = "") -> str:
    """A link's token, void once the address is confirmed (or changed)."""
    state = fingerprint(user.email, user.email_confirmed_at)
    return make_token("confirm-email", user.id, state, next_url)


def send_confirmation(session: Session, user: User, next_url: str = "") -> None:
    send_templated(
        session,
        to=user.email,
        template="auth_confirm_email",
        language=user.language,
        name=user.name,
        link=external_url("auth.confirm_email", token=confirmation_token(user, next_url)),
        days=LIFETIMES["confirm-email"].days,
    )


def sign_up(
    session: Session,
    *,
    email: str,
    password: str,
    confirmation: str,
    person: PersonDetails,
    next_url: str = "",
) -> User:
    """Create an unconfirmed account and queue the confirmation email.

    `next_url` (a path on this site, checked by the caller) travels inside the
    link, so that the person lands there once confirmed (an invitation, say).
    Everything is checked before anything is written.
    """
    address = normalise_email(email)
    validate_person(session, person)
    validate_password(password, confirmation)
    if email_taken(session, address):
        raise _taken()
    resolve_choice(session, person.organisation_id, person.proposal)

    user = User(email=address, password_hash=hash_password(password), email_confirmed_at=None)
    apply_person(user, person)
    try:
        # In a savepoint: losing a race for the address is a clear message, not a failure.
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError:
        raise _taken() from None
    user.organisation = apply_choice(session, user, person.organisation_id, person.proposal)
    session.flush()
    record_change(
        session,
        actor=user,
        action="user.signed_up",
        record=user,
        summary="Signed up; the email address awaits confirmation",
        after=snapshot(user, AUDITED_FIELDS),
    )
    send_confirmation(session, user, next_url)
    return user


def confirm_email(session: Session, token: str) -> tuple[User, str]:
    """Use a confirmation link: (the person, where they wanted to go next)."""
    user_id, state, next_url = read_token("confirm-email", token)
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise Invalid(_("This link is not valid. Check that you copied all of it."), field="token")
    if state != fingerprint(user.email, user.email_confirmed_at):
        raise Invalid(
            _("This link has already been used. If your address is confirmed, just log in."),
            field="token",
        )
    user.email_confirmed_at = utcnow()
    session.flush()
    record_change(
        session,
        actor=user,
        action="user.email_confirmed",
        record=user,
        summary="Confirmed the email address",
    )
    return user, next_url


def resend_confirmation(session: Session, email: str, next_url: str = "") -> None:
    """Send a new link if an open, unconfirmed account uses this address; say nothing either way."""
    address = normalise_email(email)
    user = session.scalar(select(User).where(User.email == address))
    if (
        user is not None
        and user.email_confirmed_at is None
        and user.is_active
        and not sent_recently(session, user.email, "auth_confirm_email")
    ):
        send_confirmation(session, user, next_url)
