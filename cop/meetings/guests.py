"""Registering for an open meeting without an account: the details, the emailed link that
confirms it, and cancelling by the link in the confirmation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from cop import clock
from cop.audit.services import record_change, snapshot
from cop.auth.services.passwords import normalise_email
from cop.auth.tokens import LIFETIMES, read_token
from cop.db import MAX_ID
from cop.errors import Invalid, NotFound
from cop.mail.messages import RESEND_PAUSE, external_url, send_templated
from cop.meetings.models import (
    AttendanceMode,
    Audience,
    Registration,
    RegistrationStatus,
)
from cop.meetings.registration import (
    MAX_NAME,
    MAX_NEEDS,
    cancel_holding,
    check_mode,
    check_registration_open,
    insert_registration,
    members_only,
    send_cancelled_email,
    send_seat_email,
)
from cop.meetings.registration_mail import (
    CANCEL_PURPOSE,
    CONFIRM_PURPOSE,
    guest_link_state,
    guest_token,
)
from cop.meetings.seats import (
    HOLDING,
    REGISTRATION_FIELDS,
    lock_meeting,
    lock_registration,
    may_see_meeting,
    take_seat_or_queue,
)
from cop.members.models import Region, User
from cop.validation import MAX_EMAIL, Problems, check_text


@dataclass(frozen=True)
class GuestDetails:
    """What a person without an account gives to register for an open meeting."""

    name: str
    email: str
    organisation_name: str
    region_code: str | None
    mode: AttendanceMode | str | None
    needs: str = ""
    listed: bool = False
    language: str | None = None


def register_guest(
    session: Session, meeting_id: int, details: GuestDetails, now: datetime | None = None
) -> Registration:
    """Register someone without an account for an open meeting, pending their email's confirmation.

    An address that belongs to an account must log in instead. The pending
    registration holds no seat: the seat (or the place in the waiting list) is
    taken when the emailed link is followed.
    """
    meeting = lock_meeting(session, meeting_id)
    now = now or clock.now()
    if not may_see_meeting(session, None, meeting):
        raise NotFound(_("There is no such meeting."))
    if meeting.audience is not Audience.OPEN:
        raise members_only(meeting)
    check_registration_open(meeting, now)
    problems = Problems()
    name = problems.check(
        check_text, details.name, "name", MAX_NAME, required=True, refuse_control=True
    )
    # The form accounts store addresses in, so that an account's address is recognised.
    email = problems.check(
        check_text, details.email, "email", MAX_EMAIL, required=True, refuse_control=True
    )
    if email is not None:
        email = problems.check(normalise_email, email)
    organisation_name = problems.check(
        check_text, details.organisation_name, "organisation_name", MAX_NAME, refuse_control=True
    )
    region_code = (details.region_code or "").strip() or None
    if region_code is not None and (
        len(region_code) > 8 or session.get(Region, region_code) is None
    ):
        problems.add(_("Choose a region from the list."), "region_code")
    mode = problems.check(check_mode, meeting, details.mode)
    needs = problems.check(check_text, details.needs, "needs", MAX_NEEDS, refuse_control=True)
    if (
        email is not None
        and session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None
    ):
        problems.add(
            _("This email address belongs to an account: please log in to register."), "email"
        )
    problems.raise_found()
    registration = session.scalar(
        select(Registration).where(
            Registration.meeting_id == meeting.id,
            Registration.user_id.is_(None),
            Registration.email == email,
        )
    )
    if registration is not None and registration.status in (
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.WAITLISTED,
    ):
        raise Invalid(
            _("This email address is already registered for this meeting."), field="email"
        )
    values = dict(
        name=name,
        organisation_name=organisation_name,
        region_code=region_code,
        mode=mode,
        needs=needs,
        listed=bool(details.listed),
        language=details.language,
        status=RegistrationStatus.PENDING,
        queued_at=now,
        confirmed_at=None,
        cancelled_at=None,
        attended_at=None,
    )
    # Asking again within a few minutes updates the details but sends no second email, and
    # keeps the link already sent working.
    resend = registration is None or not (
        registration.status is RegistrationStatus.PENDING
        and registration.queued_at > now - RESEND_PAUSE
    )
    if not resend:
        values["queued_at"] = registration.queued_at
    before = snapshot(registration, REGISTRATION_FIELDS) if registration is not None else None
    if registration is None:
        registration = insert_registration(session, meeting=meeting, email=email, **values)
    else:
        for key, value in values.items():
            setattr(registration, key, value)
        session.flush()
    record_change(
        session,
        actor=None,
        action="registration.requested",
        record=registration,
        summary=f"Registration without an account for meeting {meeting.id}, awaiting confirmation",
        before=before,
        after=snapshot(registration, REGISTRATION_FIELDS),
    )
    if resend:
        send_templated(
            session,
            to=email,
            template="meeting_confirm_registration",
            language=registration.language,
            meeting=meeting,
            registration=registration,
            confirm_url=external_url(
                "meetings.confirm_guest", token=guest_token(CONFIRM_PURPOSE, registration)
            ),
            meeting_url=external_url("meetings.meeting", meeting_id=meeting.id),
            days=LIFETIMES[CONFIRM_PURPOSE].days,
        )
    return registration


def read_guest_token(
    session: Session, purpose: str, token: str, *, lock: bool = False
) -> Registration:
    """The registration a guest link is for; Invalid (with the reason) for a forged, expired
    or used link. `lock` takes the meeting's lock first, for a service about to change seats."""
    registration_id, state, _extra = read_token(purpose, token)
    invalid = Invalid(_("This link is not valid. Check that you copied all of it."), field="token")
    if not 0 < registration_id <= MAX_ID:
        raise invalid
    if lock:
        try:
            registration = lock_registration(session, registration_id)
        except NotFound:
            raise invalid from None
    else:
        registration = session.scalar(
            select(Registration)
            .where(Registration.id == registration_id)
            .options(joinedload(Registration.meeting))
        )
        if registration is None:
            raise invalid
    if registration.user_id is not None:
        raise invalid
    if purpose == CONFIRM_PURPOSE:
        if registration.status in (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED):
            raise Invalid(
                _("You have already confirmed this registration: this link works only once."),
                field="token",
            )
        if registration.status is RegistrationStatus.CANCELLED:
            raise Invalid(
                _("This registration was cancelled: register again from the meeting's page."),
                field="token",
            )
        if state != guest_link_state(purpose, registration):
            # Asking to register again sent a newer link; this one no longer counts.
            raise Invalid(
                _(
                    "This link was replaced by a newer one: use the link in the latest email"
                    " we sent you."
                ),
                field="token",
            )
    elif state != guest_link_state(purpose, registration):
        raise invalid
    if purpose == CANCEL_PURPOSE and registration.status not in HOLDING:
        raise Invalid(_("This registration is already cancelled."), field="token")
    return registration


def confirm_guest(session: Session, token: str, now: datetime | None = None) -> Registration:
    """Follow the emailed link: the registration takes a seat or a place on the waiting list."""
    registration = read_guest_token(session, CONFIRM_PURPOSE, token, lock=True)
    now = now or clock.now()
    meeting = registration.meeting
    check_registration_open(meeting, now)
    before = snapshot(registration, REGISTRATION_FIELDS)
    take_seat_or_queue(session, meeting, registration, now)
    record_change(
        session,
        actor=None,
        action="registration.created",
        record=registration,
        summary=f"Confirmed a registration without an account for meeting {meeting.id}",
        before=before,
        after=snapshot(registration, REGISTRATION_FIELDS),
    )
    send_seat_email(session, registration)
    return registration


def cancel_guest_registration(
    session: Session, token: str, now: datetime | None = None
) -> Registration:
    """Cancel a registration without an account from the link in its confirmation email."""
    registration = read_guest_token(session, CANCEL_PURPOSE, token, lock=True)
    now = now or clock.now()
    status = registration.status
    cancel_holding(session, None, registration, now, "Cancelled a registration without an account")
    send_cancelled_email(session, registration, status, by_coordinator=False)
    return registration
