"""What email people want: unsubscribe links (signed tokens), opt-outs kept by address, and a
person's own preferences (how often their digest comes, which kinds of email they get)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cop.db import utcnow
from cop.errors import Invalid, NotAllowed
from cop.mail.kinds import COORDINATION, DIGEST, KINDS, KINDS_BY_CODE, MailKind
from cop.mail.models import DigestPeriod, MailOptOut

# An unsubscribe link keeps working this long after its email was written.
UNSUBSCRIBE_LIFETIME = timedelta(days=365)
_SALT = "cop.unsubscribe"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def normalise_address(address: str) -> str:
    return address.strip().lower()


def unsubscribe_token(address: str, kind: str) -> str:
    """The secret part of the link that stops email of `kind` to `address`."""
    if kind not in KINDS_BY_CODE:
        raise ValueError(f"unknown kind of email: {kind!r}")
    return _serializer().dumps([normalise_address(address), kind])


@dataclass(frozen=True)
class Unsubscription:
    """What an unsubscribe link stops: one kind of email to one address (shown in full: only
    its owner gets the link, and the address is in its token anyway)."""

    address: str
    kind: MailKind


def read_unsubscribe_token(token: str, *, signed_in=None) -> Unsubscription:
    """What a link stops; Invalid when it is forged or expired, NotAllowed when the person
    signed in is someone else than the address it is for. Writes nothing."""
    try:
        address, kind = _serializer().loads(
            token, max_age=int(UNSUBSCRIBE_LIFETIME.total_seconds())
        )
    except SignatureExpired:
        raise Invalid(
            _(
                "This link has expired. Sign in and use your email preferences to choose "
                "what you receive."
            ),
            field="token",
        ) from None
    except (BadSignature, ValueError, TypeError):
        raise Invalid(
            _("This unsubscribe link is not valid. Check that you copied all of it."),
            field="token",
        ) from None
    if not isinstance(address, str) or kind not in KINDS_BY_CODE:
        raise Invalid(
            _("This unsubscribe link is not valid. Check that you copied all of it."),
            field="token",
        )
    if (
        signed_in is not None
        and getattr(signed_in, "is_authenticated", False)
        and normalise_address(signed_in.email) != address
    ):
        raise NotAllowed(
            _(
                "This link is for another email address than yours. Log out to use it, or "
                "choose what you receive in your own email preferences."
            )
        )
    return Unsubscription(address=address, kind=KINDS_BY_CODE[kind])


def already_unsubscribed(session: Session, found: Unsubscription) -> bool:
    """Whether the link's address gets no more email of its kind already: unsubscribed
    before, or (the digest) an account with that address set to never."""
    if is_opted_out(session, found.address, found.kind.code):
        return True
    if found.kind.code != DIGEST:
        return False
    from cop.members.models import User

    period = session.scalar(select(User.digest_period).where(User.email == found.address))
    return period is DigestPeriod.NEVER


def unsubscribe(session: Session, token: str, *, signed_in=None) -> Unsubscription:
    """Use an unsubscribe link: no more email of its kind to its address. Unsubscribing from
    the digest also sets the digest period of the account with that address to never."""
    found = read_unsubscribe_token(token, signed_in=signed_in)
    opt_out(session, found.address, found.kind.code)
    if found.kind.code == DIGEST:
        from cop.members.models import User

        user = session.scalar(select(User).where(User.email == found.address))
        if user is not None:
            user.digest_period = DigestPeriod.NEVER
            session.flush()
    return found


def is_opted_out(session: Session, address: str, kind: str) -> bool:
    return (
        session.scalar(
            select(MailOptOut.id).where(
                MailOptOut.address == normalise_address(address), MailOptOut.kind == kind
            )
        )
        is not None
    )


def opt_out(session: Session, address: str, kind: str) -> bool:
    """Stop email of `kind` to `address`; True if it was not stopped already. Idempotent, also
    when two requests do it at once (the second finds the first's row)."""
    address = normalise_address(address)
    if is_opted_out(session, address, kind):
        return False
    try:
        with session.begin_nested():
            session.add(MailOptOut(address=address, kind=kind, created_at=utcnow()))
            session.flush()
    except IntegrityError:
        return False
    return True


def opt_in(session: Session, address: str, kind: str) -> bool:
    """Send email of `kind` to `address` again; True if it was stopped."""
    result = session.execute(
        delete(MailOptOut).where(
            MailOptOut.address == normalise_address(address), MailOptOut.kind == kind
        )
    )
    return bool(result.rowcount)


def move_opt_outs(session: Session, former: str, new: str) -> None:
    """A person changed their email address: what they stopped stays stopped at the new one."""
    former, new = normalise_address(former), normalise_address(new)
    if former == new:
        return
    kinds = session.scalars(select(MailOptOut.kind).where(MailOptOut.address == former)).all()
    for kind in kinds:
        opt_out(session, new, kind)
    session.execute(delete(MailOptOut).where(MailOptOut.address == former))
    session.flush()


@dataclass(frozen=True)
class EmailPreferences:
    period: DigestPeriod
    # The kinds of email the person gets (the digest is on when the period is not never).
    kinds_on: frozenset[str]


def email_preferences(session: Session, user) -> EmailPreferences:
    """A person's choices, in one query."""
    stopped = set(
        session.scalars(
            select(MailOptOut.kind).where(MailOptOut.address == normalise_address(user.email))
        )
    )
    period = DigestPeriod.NEVER if DIGEST in stopped else user.digest_period
    kinds_on = frozenset(code for code in KINDS_BY_CODE if code not in stopped)
    if period is DigestPeriod.NEVER:
        kinds_on -= {DIGEST}
    return EmailPreferences(period=period, kinds_on=kinds_on)


def coordinates_a_group(session: Session, user) -> bool:
    """Whether the person coordinates a working group now (admins count): one query at most."""
    if getattr(user, "is_admin", False):
        return True
    from cop.members.models import Membership, MembershipStatus, Role

    return (
        session.scalar(
            select(Membership.id)
            .where(
                Membership.user_id == user.id,
                Membership.role == Role.COORDINATOR,
                Membership.status == MembershipStatus.ACTIVE,
            )
            .limit(1)
        )
        is not None
    )


def offered_kinds(session: Session, user) -> tuple[MailKind, ...]:
    """The kinds of email (but the digest) the person chooses among on their preferences
    page: coordinators' notices only for those who coordinate a group."""
    coordinates = coordinates_a_group(session, user)
    return tuple(
        kind for kind in KINDS if kind.code != DIGEST and (kind.code != COORDINATION or coordinates)
    )


def save_preferences(
    session: Session, user, period: str | DigestPeriod | None, kinds_on: Iterable[str]
) -> EmailPreferences:
    """Save a person's own choices: the digest period, and the kinds of email (other than the
    digest, which the period turns on and off) they get among those offered to them
    (offered_kinds). A kind not offered keeps its state: its box was not on the page, so its
    absence says nothing. Nothing changes when a choice is wrong."""
    try:
        period = period if isinstance(period, DigestPeriod) else DigestPeriod(period)
    except ValueError:
        raise Invalid(_("Choose daily, weekly or never."), field="period") from None
    kinds_on = set(kinds_on)
    if kinds_on - set(KINDS_BY_CODE):
        raise Invalid(_("Choose among the kinds of email listed."), field="kinds")
    offered = {kind.code for kind in offered_kinds(session, user)}
    user.digest_period = period
    for code in KINDS_BY_CODE:
        if code == DIGEST:
            if period is not DigestPeriod.NEVER:
                opt_in(session, user.email, code)
        elif code not in offered:
            continue
        elif code in kinds_on:
            opt_in(session, user.email, code)
        else:
            opt_out(session, user.email, code)
    session.flush()
    return email_preferences(session, user)
