"""A person's own account: profile and consent, password, and email address (confirmed again)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from zoneinfo import available_timezones

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cop.audit.services import record_change, snapshot
from cop.auth import throttle
from cop.auth.permissions import require_signed_in
from cop.auth.services.passwords import (
    email_taken,
    hash_password,
    normalise_email,
    validate_password,
)
from cop.auth.tokens import LIFETIMES, fingerprint, make_token, read_token
from cop.db import utcnow
from cop.errors import Invalid, NotAllowed
from cop.mail.messages import external_url, send_templated
from cop.mail.preferences import move_opt_outs
from cop.members.events import listing_withdrawn
from cop.members.models import User
from cop.members.organisations import OrganisationProposal, apply_choice, resolve_choice

MAX_NAME = 200
MAX_POSITION = 200
MAX_EXPERTISE = 5000
# Recorded with their values in the audit log; name and expertise only by name in the
# summary, so that closing an account can leave no trace of them there.
AUDITED_FIELDS = ("organisation_id", "position", "language", "timezone", "listed", "contactable")
PERSONAL_FIELDS = ("name", "expertise")


@dataclass(frozen=True)
class PersonDetails:
    """What a person says about themselves, at sign-up and on their profile page."""

    name: str
    organisation_id: int | None = None
    proposal: OrganisationProposal | None = None
    position: str = ""
    expertise: str = ""
    language: str = "en"
    timezone: str = "Europe/Brussels"
    listed: bool = False
    # Consent to be suggested to other members as someone to contact (cop.activities.matching).
    contactable: bool = False


@cache
def known_timezones() -> frozenset[str]:
    """The IANA time zones this system knows; read once, since listing them reads the disk."""
    return frozenset(available_timezones())


def validate_person(session: Session, details: PersonDetails) -> None:
    """Check everything but the organisation choice (see `resolve_choice`)."""
    name = details.name.strip()
    if not name or len(name) > MAX_NAME:
        raise Invalid(_("Give your name (at most %(num)s characters).", num=MAX_NAME), field="name")
    if len(details.position.strip()) > MAX_POSITION:
        raise Invalid(_("Use at most %(num)s characters.", num=MAX_POSITION), field="position")
    if len(details.expertise.strip()) > MAX_EXPERTISE:
        raise Invalid(_("Use at most %(num)s characters.", num=MAX_EXPERTISE), field="expertise")
    if details.language not in current_app.config["LANGUAGES"]:
        raise Invalid(_("Choose one of the languages in the list."), field="language")
    if details.timezone not in known_timezones():
        raise Invalid(_("Choose a time zone such as Europe/Brussels."), field="timezone")


def apply_person(user: User, details: PersonDetails) -> None:
    user.name = details.name.strip()
    user.position = details.position.strip()
    user.expertise = details.expertise.strip()
    user.language = details.language
    user.timezone = details.timezone
    user.listed = details.listed
    user.contactable = details.contactable


def update_profile(session: Session, actor, user: User, details: PersonDetails) -> User:
    """Change one's own profile and consent to be listed and to be suggested as a contact."""
    require_signed_in(actor)
    if actor.id != user.id:
        raise NotAllowed(_("You may only change your own profile."))
    validate_person(session, details)
    resolve_choice(session, details.organisation_id, details.proposal)
    before = snapshot(user, AUDITED_FIELDS)
    personal_before = {field: getattr(user, field) for field in PERSONAL_FIELDS}
    apply_person(user, details)
    user.organisation = apply_choice(session, actor, details.organisation_id, details.proposal)
    session.flush()
    after = snapshot(user, AUDITED_FIELDS)
    changed = [field for field in AUDITED_FIELDS if before[field] != after[field]]
    changed += [
        field for field in PERSONAL_FIELDS if personal_before[field] != getattr(user, field)
    ]
    if before["listed"] and not user.listed:
        listing_withdrawn.send(user, session=session, now=utcnow())
    if changed:
        # A former name stays in the account's own log (closing the account scrubs it there),
        # so that closing can find where the old name was written.
        if personal_before["name"] != user.name:
            before["name"], after["name"] = personal_before["name"], user.name
        record_change(
            session,
            actor=actor,
            action="user.profile_updated",
            record=user,
            summary="Updated the profile: " + ", ".join(changed),
            before=before,
            after=after,
        )
    return user


def _check_current_password(session: Session, user: User, password: str, address: str) -> None:
    if not throttle.verify_current_password(session, user, password, address=address):
        raise Invalid(_("This is not your current password."), field="current_password")


def change_password(
    session: Session,
    user: User,
    current_password: str,
    password: str,
    confirmation: str,
    *,
    address: str = "unknown",
) -> User:
    """A new password; every other session of the account is logged out."""
    require_signed_in(user)
    _check_current_password(session, user, current_password, address)
    validate_password(password, confirmation)
    if password == current_password:
        raise Invalid(_("Choose a password different from the current one."), field="password")
    user.password_hash = hash_password(password)
    user.session_version += 1
    session.flush()
    record_change(
        session, actor=user, action="user.password_changed", record=user, summary="Changed password"
    )
    return user


def _email_change_state(user: User, new_address: str) -> str:
    # Used once the address changes; void as soon as the password changes too.
    return fingerprint(user.email, new_address, user.session_version)


def request_email_change(
    session: Session, user: User, current_password: str, new_email: str, *, address: str = "unknown"
) -> str:
    """Send a confirmation link to the new address; the address changes only when it is used."""
    require_signed_in(user)
    _check_current_password(session, user, current_password, address)
    address = normalise_email(new_email)
    if address == user.email:
        raise Invalid(_("This is already your email address."), field="email")
    if email_taken(session, address, except_user_id=user.id):
        raise Invalid(_("Another account already uses this email address."), field="email")
    token = make_token("change-email", user.id, _email_change_state(user, address), address)
    hours = int(LIFETIMES["change-email"].total_seconds() // 3600)
    send_templated(
        session,
        to=address,
        template="auth_change_email",
        language=user.language,
        name=user.name,
        link=external_url("auth.confirm_email_change", token=token),
        hours=hours,
    )
    # The current address hears of it too, in case someone else is at the keyboard.
    send_templated(
        session,
        to=user.email,
        template="auth_email_change_requested",
        language=user.language,
        name=user.name,
        new_address=address,
        link=external_url("auth.request_reset"),
    )
    record_change(
        session,
        actor=user,
        action="user.email_change_requested",
        record=user,
        summary="Asked to change the email address; a confirmation link was sent",
    )
    return address


def confirm_email_change(session: Session, token: str) -> User:
    """Use an email-change link: the address changes and other sessions are logged out."""
    user_id, state, address = read_token("change-email", token)
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise Invalid(_("This link is not valid. Check that you copied all of it."), field="token")
    if state != _email_change_state(user, address):
        raise Invalid(
            _("This link has already been used, or a newer change replaced it."), field="token"
        )
    if email_taken(session, address, except_user_id=user.id):
        raise Invalid(_("Another account now uses this email address."), field="token")
    former = user.email
    try:
        # In a savepoint, so that losing a race for the address leaves the transaction usable.
        with session.begin_nested():
            user.email = address
            user.email_confirmed_at = utcnow()
            user.session_version += 1
            session.flush()
    except IntegrityError:
        raise Invalid(_("Another account now uses this email address."), field="token") from None
    # What the person stopped receiving stays stopped at their new address.
    move_opt_outs(session, former, address)
    record_change(
        session,
        actor=user,
        action="user.email_changed",
        record=user,
        summary="Changed the email address (confirmed by a link sent to it)",
        # Kept in the account's own log, so that closing it also scrubs mail to the old address.
        before={"email": former},
        after={"email": address},
    )
    return user
