"""What meetings do when something happens to a person's account (see cop.members.events)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from cop.meetings.labels import MODE_LABELS, REGISTRATION_STATUS_LABELS, meeting_when
from cop.meetings.models import Registration
from cop.meetings.registration import end_registrations_of_closed_account
from cop.members.events import DataSection, account_closing, personal_data_requested
from cop.members.models import User


@account_closing.connect
def _free_the_seats(person: User, *, session: Session, now: datetime) -> None:
    end_registrations_of_closed_account(session, person, now)


@personal_data_requested.connect
def _registrations_of(person: User, *, session: Session) -> DataSection:
    registrations = session.scalars(
        select(Registration)
        .where(Registration.user_id == person.id)
        .options(joinedload(Registration.meeting))
        .order_by(Registration.created_at, Registration.id)
    ).all()
    return DataSection(
        key="meeting_registrations",
        title=_("Meeting registrations"),
        columns=(_("Meeting"), _("When"), _("Attendance"), _("Status"), _("Needs you gave")),
        rows=tuple(
            (
                r.meeting.title,
                meeting_when(r.meeting),
                str(MODE_LABELS[r.mode]),
                str(REGISTRATION_STATUS_LABELS[r.status]),
                r.needs,
            )
            for r in registrations
        ),
        records=tuple(
            {
                "meeting_id": r.meeting_id,
                "meeting": r.meeting.title,
                "starts_at": r.meeting.starts_at.isoformat(),
                "mode": r.mode.value,
                "status": r.status.value,
                "needs": r.needs,
                "registered_at": r.created_at.isoformat(),
                "confirmed_at": r.confirmed_at.isoformat() if r.confirmed_at else None,
                "cancelled_at": r.cancelled_at.isoformat() if r.cancelled_at else None,
                "attended_at": r.attended_at.isoformat() if r.attended_at else None,
            }
            for r in registrations
        ),
    )
