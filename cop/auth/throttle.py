"""Login throttling: failed attempts for an email or from an address first slow down, then lock, the next ones.

Every try is a LoginAttempt row, written in the transaction of the attempt.
Within WINDOW, SLOW_AFTER failures make the next try wait a delay that doubles
with each further failure (up to MAX_DELAY) after the last failure; LOCK_AFTER
failures lock logging in for LOCK_FOR after the last one. A success clears
the count of its email (failures before it no longer count), never the count
of its address: otherwise one could unlock an address by logging in to an
account of one's own. Refused tries are not recorded, so hammering a locked
account does not extend its lock forever.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from cop.auth.models import LoginAttempt
from cop.db import utcnow
from cop.errors import DomainError

WINDOW = timedelta(minutes=15)
SLOW_AFTER = 5
LOCK_AFTER = 20
LOCK_FOR = timedelta(minutes=15)
FIRST_DELAY = timedelta(seconds=5)
MAX_DELAY = timedelta(seconds=60)
# Rows older than this are pruned on each successful login: only the last half hour matters.
KEEP = timedelta(days=1)


class TooManyAttempts(DomainError):
    """Logging in is refused for now; `retry_after` says for how many seconds."""

    status_code = 429

    def __init__(self, message: str, retry_after: int, field: str | None = "password") -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Verdict:
    wait_seconds: int = 0
    locked: bool = False

    @property
    def allowed(self) -> bool:
        return self.wait_seconds == 0


def delay_after(failures: int) -> timedelta:
    """How long to wait after the last failure, once `failures` failures are in the window."""
    if failures < SLOW_AFTER:
        return timedelta(0)
    return min(FIRST_DELAY * 2 ** (failures - SLOW_AFTER), MAX_DELAY)


def judge(failures: list[datetime], now: datetime) -> Verdict:
    """The verdict for one key (email or address), given its failures, most recent first."""
    if not failures:
        return Verdict()
    last = failures[0]
    if len(failures) >= LOCK_AFTER and last - failures[LOCK_AFTER - 1] <= WINDOW:
        locked_until = last + LOCK_FOR
        if now < locked_until:
            return Verdict(_seconds(locked_until - now), locked=True)
    recent = [at for at in failures if at >= now - WINDOW]
    allowed_at = last + delay_after(len(recent))
    if recent and now < allowed_at:
        return Verdict(_seconds(allowed_at - now))
    return Verdict()


def _seconds(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))


def _failures(session: Session, column, key: str, since: datetime) -> list[datetime]:
    return list(
        session.scalars(
            select(LoginAttempt.at)
            .where(column == key, LoginAttempt.succeeded.is_(False), LoginAttempt.at >= since)
            .order_by(LoginAttempt.at.desc())
            .limit(LOCK_AFTER)
        )
    )


def verdict_for(session: Session, *, email: str, address: str, now: datetime) -> Verdict:
    """The stricter of the verdicts for the email and for the address."""
    horizon = now - WINDOW - LOCK_FOR
    last_success = session.scalar(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.email == email, LoginAttempt.succeeded.is_(True)
        )
    )
    since = max(horizon, last_success) if last_success is not None else horizon
    verdicts = [
        judge(_failures(session, LoginAttempt.email, email, since), now),
        judge(_failures(session, LoginAttempt.address, address, horizon), now),
    ]
    return max(verdicts, key=lambda verdict: (verdict.locked, verdict.wait_seconds))


def check_allowed(session: Session, *, email: str, address: str, now: datetime | None = None):
    """Raise TooManyAttempts, with a message saying how long to wait, when a try is refused."""
    verdict = verdict_for(session, email=email, address=address, now=now or utcnow())
    if verdict.locked:
        minutes = math.ceil(verdict.wait_seconds / 60)
        raise TooManyAttempts(
            _(
                "Too many failed attempts: logging in is locked for %(minutes)s more minutes. "
                "Try again later, or reset your password.",
                minutes=minutes,
            ),
            retry_after=verdict.wait_seconds,
        )
    if not verdict.allowed:
        raise TooManyAttempts(
            _(
                "Too many failed attempts. Wait %(seconds)s seconds before trying again.",
                seconds=verdict.wait_seconds,
            ),
            retry_after=verdict.wait_seconds,
        )


def record_attempt(
    session: Session,
    *,
    email: str,
    address: str,
    succeeded: bool,
    now: datetime | None = None,
) -> LoginAttempt:
    """Add one attempt to the caller's transaction; a success also prunes old rows."""
    now = now or utcnow()
    attempt = LoginAttempt(email=email[:254], address=address[:64], at=now, succeeded=succeeded)
    session.add(attempt)
    if succeeded:
        session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - KEEP))
    session.flush()
    return attempt


def verify_current_password(
    session: Session, user, password: str, *, address: str = "unknown", now: datetime | None = None
) -> bool:
    """Check a signed-in person's password (to change their email, say), throttled like logging in.

    A wrong password adds a failed attempt to the caller's transaction, which the
    caller commits even though it refuses the change.
    """
    now = now or utcnow()
    check_allowed(session, email=user.email, address=address, now=now)
    if password and user.password_hash and check_password_hash(user.password_hash, password):
        return True
    record_attempt(session, email=user.email, address=address, succeeded=False, now=now)
    return False
