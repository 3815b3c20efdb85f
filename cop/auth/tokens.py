"""Signed, time-limited links (confirmation, password reset, email change, invitation).

A token carries a purpose, a record id and a fingerprint of the state it was
issued for (for example the password hash for a reset). Once that state
changes, the fingerprint no longer matches: that is what makes a link
single-use. Tampered, expired and reused links are refused alike.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from cop.errors import Invalid

LIFETIMES = {
    "confirm-email": timedelta(days=3),
    "reset-password": timedelta(hours=2),
    "change-email": timedelta(days=1),
    "invitation": timedelta(days=30),
    # A person without an account confirms a meeting registration, and may cancel it
    # from the link in their confirmation until the meeting (at most a year ahead).
    "meeting-registration": timedelta(days=3),
    "meeting-cancel": timedelta(days=400),
}


def fingerprint(*parts: object) -> str:
    """A short digest of the state a link is valid for."""
    text = "\x1f".join("" if part is None else str(part) for part in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    if purpose not in LIFETIMES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"cop.{purpose}")


def make_token(purpose: str, record_id: int, state: str, extra: str = "") -> str:
    return _serializer(purpose).dumps([record_id, state, extra])


def read_token(purpose: str, token: str) -> tuple[int, str, str]:
    """(record id, state fingerprint, extra) of a valid token; Invalid otherwise."""
    from flask_babel import gettext as _

    try:
        record_id, state, extra = _serializer(purpose).loads(
            token, max_age=int(LIFETIMES[purpose].total_seconds())
        )
    except SignatureExpired:
        raise Invalid(_("This link has expired. Ask for a new one."), field="token") from None
    except (BadSignature, ValueError, TypeError):
        raise Invalid(
            _("This link is not valid. Check that you copied all of it."), field="token"
        ) from None
    if not isinstance(record_id, int):
        raise Invalid(_("This link is not valid. Check that you copied all of it."), field="token")
    return record_id, str(state), str(extra)
