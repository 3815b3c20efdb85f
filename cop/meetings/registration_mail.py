"""The emails about a registration, and the links a person without an account acts by."""

from __future__ import annotations

from datetime import UTC

from flask import current_app
from flask_babel import force_locale
from sqlalchemy.orm import Session

from cop.auth.tokens import fingerprint, make_token
from cop.calendar.ics import Method
from cop.mail.messages import external_url, send_templated
from cop.meetings.ical import invitation_attachment
from cop.meetings.models import (
    Registration,
)

CONFIRM_PURPOSE = "meeting-registration"
CANCEL_PURPOSE = "meeting-cancel"


def guest_link_state(purpose: str, registration: Registration) -> str:
    # A confirmation link works once (the status changes) and only for the latest request
    # (asking again moves `queued_at`); a cancel link for as long as the registration stays
    # this person's.
    if purpose == CONFIRM_PURPOSE:
        queued = registration.queued_at.astimezone(UTC).isoformat()
        return fingerprint(registration.status.value, queued)
    return fingerprint(registration.email, registration.meeting_id)


def guest_token(purpose: str, registration: Registration) -> str:
    """A link for a person without an account: confirm (single use) or cancel their registration."""
    return make_token(purpose, registration.id, guest_link_state(purpose, registration))


def recipient(registration: Registration) -> tuple[str, str | None, str]:
    """(address, language, name) to write to about a registration."""
    if registration.user is not None:
        user = registration.user
        return user.email, user.language, user.name
    return registration.email, registration.language, registration.name


def send_registration_email(
    session: Session,
    registration: Registration,
    template: str,
    *,
    invitation: Method | None = None,
    only_this_person: bool = False,
    **context,
) -> None:
    """Queue one of the meeting emails for a registered person, with the links it needs.

    Templates get `meeting`, `registration`, `name`, `meeting_url` and `cancel_url`
    (the guest's own cancel link, or My meetings for people with an account). With
    `invitation`, the email carries the meeting as a calendar invitation (REQUEST) or
    takes it out of the recipient's calendar (CANCEL: of the meeting, or
    `only_this_person`'s registration).
    """
    to, language, name = recipient(registration)
    attachments = ()
    if invitation is not None:
        with force_locale(language or current_app.config["DEFAULT_LANGUAGE"]):
            attachments = (
                invitation_attachment(registration, invitation, whole_event=not only_this_person),
            )
    meeting = registration.meeting
    links = {"meeting_url": external_url("meetings.meeting", meeting_id=meeting.id)}
    if registration.user_id is None:
        links["cancel_url"] = external_url(
            "meetings.cancel_guest", token=guest_token(CANCEL_PURPOSE, registration)
        )
    else:
        links["cancel_url"] = external_url("meetings.my_meetings")
    send_templated(
        session,
        to=to,
        template=template,
        language=language,
        attachments=attachments,
        meeting=meeting,
        registration=registration,
        name=name,
        **links,
        **context,
    )
