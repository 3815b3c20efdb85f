"""Personal calendar addresses: make one, show it to its owner, reset it, find its owner."""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from cop import clock
from cop.audit.services import record_change
from cop.auth.permissions import is_signed_in
from cop.calendar.models import CalendarFeedToken
from cop.errors import NotAllowed
from cop.members.models import User

# secrets.token_urlsafe(32): 43 characters of [A-Za-z0-9_-]. Anything else in an address
# is not a token, and is answered without asking the database.
TOKEN_BYTES = 32
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")


def feed_token(session: Session, user) -> CalendarFeedToken | None:
    """The person's calendar address in force, if they made one."""
    if not is_signed_in(user):
        return None
    return session.scalar(
        select(CalendarFeedToken).where(
            CalendarFeedToken.user_id == user.id, CalendarFeedToken.revoked_at.is_(None)
        )
    )


def reset_feed_token(session: Session, user, now: datetime | None = None) -> CalendarFeedToken:
    """Give the person a new calendar address; the one they had (if any) stops working at
    once. Calendar programs subscribed to the old address must be given the new one."""
    if not is_signed_in(user):
        raise NotAllowed(_("Please log in first."))
    now = now or clock.now()
    # Lock the person's row: two resets at once must not leave two addresses in force.
    session.scalar(select(User.id).where(User.id == user.id).with_for_update())
    old = feed_token(session, user)
    if old is not None:
        old.revoked_at = now
        session.flush()
    token = CalendarFeedToken(
        user_id=user.id, token=secrets.token_urlsafe(TOKEN_BYTES), created_at=now
    )
    session.add(token)
    session.flush()
    record_change(
        session,
        actor=user,
        action="calendar.address_reset" if old is not None else "calendar.address_made",
        record=token,
        summary="Reset their calendar address" if old else "Made their calendar address",
    )
    return token


def revoke_feed_tokens(session: Session, user: User, now: datetime) -> None:
    """Stop the person's calendar address (their account is closing)."""
    for token in session.scalars(
        select(CalendarFeedToken).where(
            CalendarFeedToken.user_id == user.id, CalendarFeedToken.revoked_at.is_(None)
        )
    ):
        token.revoked_at = now


def feed_owner(session: Session, token: str) -> User | None:
    """Whose feed a token opens: None for anything that is not an address in force of an
    active account (never said which, so that guessing learns nothing)."""
    if not isinstance(token, str) or not TOKEN_PATTERN.fullmatch(token):
        return None
    found = session.scalar(
        select(CalendarFeedToken)
        .where(CalendarFeedToken.token == token, CalendarFeedToken.revoked_at.is_(None))
        .options(joinedload(CalendarFeedToken.user))
    )
    if found is None or not found.user.is_active:
        return None
    return found.user
