"""Seats per attendance mode and the waiting list: locking, counting, promoting, capacity.

Capacity is enforced inside the database transaction: every service that gives
or frees a seat first locks the meeting row (`SELECT ... FOR UPDATE` on
PostgreSQL; on SQLite every write transaction already starts with `BEGIN
IMMEDIATE`), then counts and writes. Concurrent registrations therefore queue
behind each other and never confirm more people than there are seats; the
time of arrival is read once the lock is held, so the waiting list's order is
the order in which registrations were written.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from cop import clock
from cop.audit.services import record_change, snapshot
from cop.auth.permissions import is_coordinator
from cop.db import MAX_ID
from cop.errors import Invalid, NotFound
from cop.meetings.models import (
    AttendanceMode,
    Meeting,
    MeetingStatus,
    Registration,
    RegistrationStatus,
)
from cop.meetings.registration_mail import send_registration_email

REGISTRATION_FIELDS = ("mode", "status", "needs", "confirmed_at", "cancelled_at", "attended_at")
# Statuses that count as "registered": a second registration is refused while one of these holds.
HOLDING = (RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)


def lock_meeting(session: Session, meeting_id: int) -> Meeting:
    """The meeting, locked for the rest of the transaction: seat counts taken now stay true."""
    if not 0 < meeting_id <= MAX_ID:
        raise NotFound(_("There is no such meeting."))
    meeting = session.scalar(
        select(Meeting)
        .where(Meeting.id == meeting_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if meeting is None:
        raise NotFound(_("There is no such meeting."))
    return meeting


def lock_registration(session: Session, registration_id: int) -> Registration:
    """A registration with its meeting locked first (always meeting, then registration)."""
    if not 0 < registration_id <= MAX_ID:
        raise NotFound(_("There is no such registration."))
    meeting_id = session.scalar(
        select(Registration.meeting_id).where(Registration.id == registration_id)
    )
    if meeting_id is None:
        raise NotFound(_("There is no such registration."))
    lock_meeting(session, meeting_id)
    return session.scalar(
        select(Registration)
        .where(Registration.id == registration_id)
        .options(joinedload(Registration.user))
        .execution_options(populate_existing=True)
    )


def may_see_meeting(session: Session, viewer, meeting: Meeting) -> bool:
    """Meetings once published are public (cancelled ones too); drafts, and drafts cancelled
    before publication, only for the group's coordinators."""
    if meeting.public:
        return True
    return is_coordinator(session, viewer, meeting.group)


def is_over(meeting: Meeting, now: datetime) -> bool:
    return now >= meeting.ends_at


def registration_window(meeting: Meeting) -> tuple[datetime | None, datetime]:
    """When registration opens (None: as soon as the meeting is published) and closes."""
    closes = meeting.registration_closes_at or meeting.starts_at
    return meeting.registration_opens_at, min(closes, meeting.starts_at)


def confirmed_counts(
    session: Session, meeting_ids: list[int]
) -> dict[tuple[int, AttendanceMode], int]:
    """Confirmed registrations per (meeting, mode), in one query."""
    if not meeting_ids:
        return {}
    rows = session.execute(
        select(Registration.meeting_id, Registration.mode, func.count())
        .where(
            Registration.meeting_id.in_(meeting_ids),
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .group_by(Registration.meeting_id, Registration.mode)
    )
    return {(meeting_id, mode): count for meeting_id, mode, count in rows}


def waitlist_positions(session: Session, registrations: list[Registration]) -> dict[int, int]:
    """The place (1, 2, ...) of each waitlisted registration on its mode's list, in one query."""
    waiting = [r for r in registrations if r.status is RegistrationStatus.WAITLISTED]
    if not waiting:
        return {}
    ranked = (
        select(
            Registration.id.label("id"),
            func.row_number()
            .over(
                partition_by=(Registration.meeting_id, Registration.mode),
                order_by=(Registration.queued_at, Registration.id),
            )
            .label("position"),
        )
        .where(
            Registration.meeting_id.in_({r.meeting_id for r in waiting}),
            Registration.status == RegistrationStatus.WAITLISTED,
        )
        .subquery()
    )
    rows = session.execute(
        select(ranked.c.id, ranked.c.position).where(ranked.c.id.in_([r.id for r in waiting]))
    )
    return {row.id: row.position for row in rows}


def _seat_counts(session: Session, meeting: Meeting, mode: AttendanceMode) -> tuple[int, int]:
    """(confirmed, waiting) registrations of a mode, in one query."""
    confirmed, waiting = session.execute(
        select(
            func.count().filter(Registration.status == RegistrationStatus.CONFIRMED),
            func.count().filter(Registration.status == RegistrationStatus.WAITLISTED),
        ).where(Registration.meeting_id == meeting.id, Registration.mode == mode)
    ).one()
    return confirmed or 0, waiting or 0


def _confirmed_count(session: Session, meeting: Meeting, mode: AttendanceMode) -> int:
    return _seat_counts(session, meeting, mode)[0]


def take_seat_or_queue(
    session: Session, meeting: Meeting, registration: Registration, now: datetime
) -> None:
    """Confirm the registration if its mode has a free seat, else put it at the end of the list.

    The caller holds the meeting's lock. People already waiting go first: should a
    seat be free while someone waits (a coordinator's change), they are promoted
    before the newcomer is counted.
    """
    registration.queued_at = now
    registration.cancelled_at = None
    capacity = meeting.capacity(registration.mode)
    seat = capacity is None
    if not seat:
        confirmed, waiting = _seat_counts(session, meeting, registration.mode)
        if waiting and confirmed < capacity:
            promote_from_waitlist(session, meeting, registration.mode, now)
            confirmed = _confirmed_count(session, meeting, registration.mode)
        seat = confirmed < capacity
    if seat:
        registration.status = RegistrationStatus.CONFIRMED
        registration.confirmed_at = now
    else:
        registration.status = RegistrationStatus.WAITLISTED
        registration.confirmed_at = None
    session.flush()


def promote_from_waitlist(
    session: Session, meeting: Meeting, mode: AttendanceMode, now: datetime | None = None
) -> list[Registration]:
    """Confirm waiting people of a mode, first come first served, while seats are free.

    The caller holds the meeting's lock. Each promoted person is emailed. Nobody
    is promoted into a meeting that is not published or has started.
    """
    now = now or clock.now()
    if meeting.status is not MeetingStatus.PUBLISHED or now >= meeting.starts_at:
        return []
    capacity = meeting.capacity(mode)
    free = None if capacity is None else capacity - _confirmed_count(session, meeting, mode)
    if free is not None and free <= 0:
        return []
    query = (
        select(Registration)
        .where(
            Registration.meeting_id == meeting.id,
            Registration.mode == mode,
            Registration.status == RegistrationStatus.WAITLISTED,
        )
        .order_by(Registration.queued_at, Registration.id)
        .options(joinedload(Registration.user))
    )
    if free is not None:
        query = query.limit(free)
    promoted = list(session.scalars(query))
    for registration in promoted:
        before = snapshot(registration, REGISTRATION_FIELDS)
        registration.status = RegistrationStatus.CONFIRMED
        registration.confirmed_at = now
        record_change(
            session,
            actor=None,
            action="registration.promoted",
            record=registration,
            summary=f"Promoted from the waiting list of meeting {meeting.id}",
            before=before,
            after=snapshot(registration, REGISTRATION_FIELDS),
        )
        send_registration_email(session, registration, "meeting_promoted", invitation="REQUEST")
    session.flush()
    return promoted


def change_capacity(
    session: Session,
    meeting: Meeting,
    mode: AttendanceMode,
    capacity: int | None,
    now: datetime | None = None,
) -> list[Registration]:
    """Set a mode's capacity; raising it promotes waiting people. The caller holds the lock.

    Lowering it below the number of confirmed people is refused: nobody loses a
    confirmed seat silently. Returns the people promoted.
    """
    field_name = "capacity_in_person" if mode is AttendanceMode.IN_PERSON else "capacity_online"
    if capacity is not None and capacity < 1:
        raise Invalid(
            _("Enter a number of seats of at least 1, or leave it empty for no limit."),
            field=field_name,
        )
    confirmed = _confirmed_count(session, meeting, mode)
    if capacity is not None and capacity < confirmed:
        raise Invalid(
            ngettext(
                "%(num)s person is already confirmed for this mode: the capacity cannot go"
                " below %(num)s. Cancel the registration first if the seat must go.",
                "%(num)s people are already confirmed for this mode: the capacity cannot go"
                " below %(num)s. Cancel registrations first if seats must go.",
                confirmed,
            ),
            field=field_name,
        )
    setattr(meeting, field_name, capacity)
    session.flush()
    return promote_from_waitlist(session, meeting, mode, now)
