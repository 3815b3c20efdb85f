"""Reminders before a meeting: each confirmed person is emailed N days before, once per reminder.

`flask cop send-reminders` runs this as often as cron likes. A reminder is
recorded in `meeting_reminders` (unique per registration and number of days)
in the same transaction as its email in the outbox, so however often it runs,
and even when two runs overlap, each reminder is sent once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from cop import clock
from cop.meetings.details import MAX_REMINDER_DAYS
from cop.meetings.models import (
    Meeting,
    MeetingStatus,
    Registration,
    RegistrationStatus,
    ReminderSent,
)
from cop.meetings.registration_mail import send_registration_email
from cop.meetings.seats import lock_meeting


def parse_reminder_days(value: str | None) -> list[int]:
    """The days before a meeting its reminders go out, largest first ("7,1" -> [7, 1]).

    Empty means no reminder (the coordinator turned them off); parts that are not whole
    numbers from 0 to MAX_REMINDER_DAYS are ignored rather than stopping every reminder
    (the meeting form refuses them anyway).
    """
    days = set()
    for part in str(value).split(","):
        part = part.strip()
        if part.isdigit() and int(part) <= MAX_REMINDER_DAYS:
            days.add(int(part))
    return sorted(days, reverse=True)


def due_days(meeting: Meeting, now: datetime) -> list[int]:
    """The meeting's reminder points that `now` has reached (the meeting not started yet)."""
    if now >= meeting.starts_at:
        return []
    return [
        days
        for days in parse_reminder_days(meeting.reminder_days)
        if now >= meeting.starts_at - timedelta(days=days)
    ]


def _remind_meeting(session: Session, meeting_id: int, now: datetime) -> int:
    """Queue the reminders due for one meeting; returns how many emails were queued.

    The meeting is locked so that nobody's seat changes under the batch, and its status
    and date are read again: it may have been cancelled or postponed since the first look.
    """
    meeting = lock_meeting(session, meeting_id)
    if meeting.status is not MeetingStatus.PUBLISHED:
        return 0
    due = due_days(meeting, now)
    if not due:
        return 0
    registrations = session.scalars(
        select(Registration)
        .where(
            Registration.meeting_id == meeting.id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .options(joinedload(Registration.user))
        .order_by(Registration.id)
    ).all()
    sent = {
        (registration_id, days)
        for registration_id, days in session.execute(
            select(ReminderSent.registration_id, ReminderSent.days_before)
            .join(Registration, ReminderSent.registration_id == Registration.id)
            .where(Registration.meeting_id == meeting.id)
        )
    }
    queued = 0
    for registration in registrations:
        # A reminder point that passed before the person had their seat is not owed: the
        # confirmation they got then said everything a reminder would.
        seated = registration.confirmed_at or registration.created_at
        owed = [
            days
            for days in due
            if (registration.id, days) not in sent
            and meeting.starts_at - timedelta(days=days) >= seated
        ]
        if not owed:
            continue
        try:
            with session.begin_nested():
                session.add_all(
                    ReminderSent(registration_id=registration.id, days_before=days, sent_at=now)
                    for days in owed
                )
                session.flush()
        except IntegrityError:
            continue  # another run recorded it first: that run sends the email
        # Several points due at once (the command did not run for a while): one email.
        send_registration_email(session, registration, "meeting_reminder")
        queued += 1
    session.flush()
    return queued


def send_reminders(session: Session, now: datetime | None = None) -> int:
    """Queue every reminder that is due; returns how many emails were queued.

    Commits after each meeting, so a long run keeps what it did if it stops half way.
    """
    now = now or clock.now()
    candidates = session.execute(
        select(Meeting.id, Meeting.starts_at, Meeting.reminder_days)
        .where(Meeting.status == MeetingStatus.PUBLISHED, Meeting.starts_at > now)
        .order_by(Meeting.starts_at, Meeting.id)
    ).all()
    queued = 0
    for meeting_id, starts_at, reminder_days in candidates:
        days = parse_reminder_days(reminder_days)
        if not any(now >= starts_at - timedelta(days=d) for d in days):
            continue
        queued += _remind_meeting(session, meeting_id, now)
        session.commit()
    return queued


def forget_reminders(session: Session, meeting: Meeting) -> None:
    """Forget which reminders a meeting's people had, when it moves to another date: each
    reminder then goes out again, counted from the new start. (Bookkeeping rows, not records
    anyone relies on; the audit log keeps the change of date.)"""
    registrations = select(Registration.id).where(Registration.meeting_id == meeting.id)
    session.execute(
        delete(ReminderSent)
        .where(ReminderSent.registration_id.in_(registrations))
        .execution_options(synchronize_session=False)
    )
