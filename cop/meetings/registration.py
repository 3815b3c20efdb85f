"""Registering for meetings with an account: who may register and when, what a reader's
registration stands at, cancelling, coordinators' decisions, and purging needs after the meeting."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cop import clock
from cop.audit.services import record_change, snapshot
from cop.auth.permissions import is_coordinator, is_member, is_signed_in, require_coordinator
from cop.errors import Conflict, Invalid, NotAllowed, NotFound
from cop.meetings.models import (
    AttendanceMode,
    Audience,
    Meeting,
    MeetingStatus,
    Registration,
    RegistrationStatus,
)
from cop.meetings.registration_mail import send_registration_email
from cop.meetings.seats import (
    HOLDING,
    REGISTRATION_FIELDS,
    confirmed_counts,
    is_over,
    lock_meeting,
    lock_registration,
    may_see_meeting,
    promote_from_waitlist,
    registration_window,
    take_seat_or_queue,
    waitlist_positions,
)
from cop.meetings.times import format_instant
from cop.members.models import User
from cop.validation import check_text

MAX_NEEDS = 1000
MAX_NAME = 200


def find_registration(session: Session, user, meeting: Meeting) -> Registration | None:
    if not is_signed_in(user):
        return None
    return session.scalar(
        select(Registration).where(
            Registration.meeting_id == meeting.id, Registration.user_id == user.id
        )
    )


@dataclass
class RegistrationState:
    """What the meeting page says about registering, for one viewer."""

    meeting: Meeting
    registration: Registration | None
    position: int | None  # on the waiting list
    # Why registering is not possible now (None: it is); shown instead of the form.
    closed_reason: str | None
    # Seats left per mode (None: no limit).
    seats_left: dict[AttendanceMode, int | None] = field(default_factory=dict)
    may_register: bool = False
    needs_account: bool = False  # a members-only meeting seen by someone not signed in
    # Signed in, but not a member of the group of a members-only meeting.
    not_member: bool = False
    # The viewer holds a registration they may still cancel (the meeting is not over).
    may_cancel: bool = False
    # The registration window: opens (None: on publication) and closes.
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    over: bool = False

    @property
    def holding(self) -> bool:
        return self.registration is not None and self.registration.status in HOLDING

    @property
    def confirmed(self) -> bool:
        return (
            self.registration is not None
            and self.registration.status is RegistrationStatus.CONFIRMED
        )


def registration_state(
    session: Session, viewer, meeting: Meeting, now: datetime | None = None
) -> RegistrationState:
    """The viewer's registration and whether they may register now (a fixed number of queries)."""
    now = now or clock.now()
    registration = find_registration(session, viewer, meeting)
    counts = confirmed_counts(session, [meeting.id])
    seats_left = {}
    for mode in meeting.modes:
        capacity = meeting.capacity(mode)
        seats_left[mode] = (
            None if capacity is None else max(0, capacity - counts.get((meeting.id, mode), 0))
        )
    position = None
    if registration is not None and registration.status is RegistrationStatus.WAITLISTED:
        position = waitlist_positions(session, [registration]).get(registration.id)
    try:
        check_registration_open(meeting, now)
        closed_reason = None
    except Invalid as error:
        closed_reason = error.message
    holding = registration is not None and registration.status in HOLDING
    signed_in = is_signed_in(viewer)
    allowed = meeting.audience is Audience.OPEN or (
        signed_in and is_member(session, viewer, meeting.group)
    )
    opens, closes = registration_window(meeting)
    over = is_over(meeting, now)
    return RegistrationState(
        meeting=meeting,
        registration=registration,
        position=position,
        closed_reason=closed_reason,
        seats_left=seats_left,
        may_register=closed_reason is None and not holding and allowed,
        needs_account=meeting.audience is Audience.MEMBERS and not signed_in,
        not_member=signed_in and not allowed,
        may_cancel=holding and not over,
        opens_at=opens,
        closes_at=closes,
        over=over,
    )


def check_registration_open(meeting: Meeting, now: datetime) -> None:
    """Invalid, with the reason and the window, unless people may register at `now`."""
    if meeting.status is MeetingStatus.DRAFT:
        raise Invalid(_("This meeting is not published yet: registration has not opened."))
    if meeting.status is MeetingStatus.CANCELLED:
        raise Invalid(_("This meeting has been cancelled."))
    if is_over(meeting, now):
        raise Invalid(_("This meeting is over: registration is closed."))
    if now >= meeting.starts_at:
        raise Invalid(_("This meeting has already started: registration is closed."))
    opens, closes = registration_window(meeting)
    zone = meeting.timezone
    if opens is not None and now < opens:
        raise Invalid(
            _(
                "Registration opens on %(opens)s and closes on %(closes)s.",
                opens=format_instant(opens, zone),
                closes=format_instant(closes, zone),
            )
        )
    if now >= closes:
        if opens is not None:
            raise Invalid(
                _(
                    "Registration was open from %(opens)s to %(closes)s: it is closed now.",
                    opens=format_instant(opens, zone),
                    closes=format_instant(closes, zone),
                )
            )
        raise Invalid(_("Registration closed on %(closes)s.", closes=format_instant(closes, zone)))


def check_mode(meeting: Meeting, mode: AttendanceMode | str | None) -> AttendanceMode:
    try:
        mode = AttendanceMode(mode) if not isinstance(mode, AttendanceMode) else mode
    except ValueError:
        mode = None
    if mode not in meeting.modes:
        raise Invalid(_("Choose how you will attend."), field="mode")
    return mode


def insert_registration(session: Session, **values) -> Registration:
    try:
        with session.begin_nested():
            registration = Registration(**values)
            session.add(registration)
            session.flush()
    except IntegrityError:
        raise Conflict(_("You are already registered for this meeting.")) from None
    return registration


def members_only(meeting: Meeting) -> NotAllowed:
    return NotAllowed(
        _("Only members of %(group)s may register for this meeting.", group=meeting.group.name)
    )


def register_member(
    session: Session,
    actor: User,
    meeting_id: int,
    *,
    mode: AttendanceMode | str | None,
    needs: str = "",
    now: datetime | None = None,
) -> Registration:
    """Register a signed-in person: a seat in their mode, or a place on its waiting list."""
    if not is_signed_in(actor):
        raise NotAllowed(_("Please log in first."))
    meeting = lock_meeting(session, meeting_id)
    # Read the time once the lock is held: arrival order is the order of the writes.
    now = now or clock.now()
    if not may_see_meeting(session, actor, meeting):
        raise NotFound(_("There is no such meeting."))
    if meeting.audience is Audience.MEMBERS and not is_member(session, actor, meeting.group):
        raise members_only(meeting)
    registration = find_registration(session, actor, meeting)
    if registration is not None and registration.status in HOLDING:
        raise Invalid(_("You are already registered for this meeting."))
    guest = session.scalar(
        select(Registration.id).where(
            Registration.meeting_id == meeting.id,
            Registration.user_id.is_(None),
            Registration.email == actor.email.lower(),
            Registration.status.in_(HOLDING),
        )
    )
    if guest is not None:
        raise Invalid(
            _(
                "Your email address is already registered for this meeting without an account."
                " Cancel that registration from the link in its email first."
            )
        )
    check_registration_open(meeting, now)
    mode = check_mode(meeting, mode)
    needs = check_text(needs, "needs", MAX_NEEDS, refuse_control=True)
    before = snapshot(registration, REGISTRATION_FIELDS) if registration is not None else None
    if registration is None:
        registration = insert_registration(
            session,
            meeting=meeting,
            user=actor,
            mode=mode,
            needs=needs,
            status=RegistrationStatus.PENDING,
            queued_at=now,
        )
    else:
        registration.mode, registration.needs = mode, needs
        registration.attended_at = None
    take_seat_or_queue(session, meeting, registration, now)
    record_change(
        session,
        actor=actor,
        action="registration.created",
        record=registration,
        summary=f"Registered for meeting {meeting.id}",
        before=before,
        after=snapshot(registration, REGISTRATION_FIELDS),
    )
    send_seat_email(session, registration)
    return registration


def cancel_holding(
    session: Session, actor, registration: Registration, now: datetime, summary: str
) -> list[Registration]:
    meeting = registration.meeting
    if registration.status not in HOLDING:
        raise Invalid(_("This registration is already cancelled."))
    if is_over(meeting, now):
        raise Invalid(_("This meeting is over: its registrations can no longer change."))
    before = snapshot(registration, REGISTRATION_FIELDS)
    held_seat = registration.status is RegistrationStatus.CONFIRMED
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = now
    registration.confirmed_at = None
    session.flush()
    record_change(
        session,
        actor=actor,
        action="registration.cancelled",
        record=registration,
        summary=summary,
        before=before,
        after=snapshot(registration, REGISTRATION_FIELDS),
    )
    if held_seat:
        return promote_from_waitlist(session, meeting, registration.mode, now)
    return []


def cancel_registration(
    session: Session, actor, registration_id: int, now: datetime | None = None
) -> Registration:
    """Cancel one's own registration (or, as a coordinator, anyone's); the first waiting person
    of that mode takes the freed seat. A person whose registration a coordinator cancels is
    told by email."""
    if not is_signed_in(actor):
        raise NotAllowed(_("Please log in first."))
    registration = lock_registration(session, registration_id)
    now = now or clock.now()
    own = registration.user_id == actor.id
    if not own and not is_coordinator(session, actor, registration.meeting.group):
        # Someone else's registration: as if it did not exist.
        raise NotFound(_("There is no such registration."))
    status = registration.status
    cancel_holding(
        session,
        actor,
        registration,
        now,
        "Cancelled their registration" if own else "Cancelled a participant's registration",
    )
    send_cancelled_email(session, registration, status, by_coordinator=not own)
    return registration


def send_cancelled_email(
    session: Session, registration: Registration, status: RegistrationStatus, *, by_coordinator
) -> None:
    """Confirm a cancelled registration to its person; one who held a seat also gets the
    meeting taken out of their calendar (the invitation they had, cancelled). Nothing for a
    registration whose email was never confirmed."""
    if status is RegistrationStatus.PENDING:
        return
    send_registration_email(
        session,
        registration,
        "meeting_registration_cancelled",
        invitation="CANCEL" if status is RegistrationStatus.CONFIRMED else None,
        only_this_person=True,
        by_coordinator=by_coordinator,
    )


def end_registrations_of_closed_account(session: Session, person: User, now: datetime) -> int:
    """Cancel a closing account's registrations for meetings not over yet (each freed seat goes
    to the next person waiting) and blank the needs it gave. Returns how many were cancelled."""
    meeting_ids = session.scalars(
        select(Registration.meeting_id)
        .join(Meeting, Meeting.id == Registration.meeting_id)
        .where(
            Registration.user_id == person.id,
            Registration.status.in_(HOLDING),
            Meeting.ends_at > now,
        )
        .order_by(Registration.meeting_id)
    ).all()
    for meeting_id in meeting_ids:
        lock_meeting(session, meeting_id)
        registration = session.scalar(
            select(Registration).where(
                Registration.meeting_id == meeting_id, Registration.user_id == person.id
            )
        )
        if registration.status in HOLDING:
            cancel_holding(session, person, registration, now, "Cancelled: the account was closed")
    session.execute(
        update(Registration)
        .where(Registration.user_id == person.id, Registration.needs != "")
        .values(needs="")
        .execution_options(synchronize_session="fetch")
    )
    return len(meeting_ids)


def confirm_by_hand(
    session: Session, actor, registration_id: int, now: datetime | None = None
) -> Registration:
    """A coordinator confirms a person on the waiting list, even beyond the capacity.

    Registrations still awaiting their email's confirmation are not confirmed by
    hand: their address is unproven, and the confirmation carries the online link.
    """
    registration = lock_registration(session, registration_id)
    now = now or clock.now()
    meeting = registration.meeting
    require_coordinator(session, actor, meeting.group)
    if registration.status is not RegistrationStatus.WAITLISTED:
        raise Invalid(_("Only people on the waiting list can be confirmed by hand."))
    if is_over(meeting, now) or meeting.status is not MeetingStatus.PUBLISHED:
        raise Invalid(_("Registrations of this meeting can no longer change."))
    before = snapshot(registration, REGISTRATION_FIELDS)
    registration.status = RegistrationStatus.CONFIRMED
    registration.confirmed_at = now
    session.flush()
    record_change(
        session,
        actor=actor,
        action="registration.confirmed_by_hand",
        record=registration,
        summary=f"Confirmed by a coordinator for meeting {meeting.id}",
        before=before,
        after=snapshot(registration, REGISTRATION_FIELDS),
    )
    send_registration_email(session, registration, "meeting_promoted", invitation="REQUEST")
    return registration


def purge_past_needs(session: Session, now: datetime | None = None) -> int:
    """Blank the dietary and access needs of every registration whose meeting has ended.

    One audit row per meeting says how many were purged (not what they said).
    Returns the number of registrations purged.
    """
    now = now or clock.now()
    ended = select(Meeting.id).where(Meeting.ends_at <= now).scalar_subquery()
    counts = dict(
        session.execute(
            select(Registration.meeting_id, func.count())
            .where(Registration.meeting_id.in_(ended), Registration.needs != "")
            .group_by(Registration.meeting_id)
        ).all()
    )
    if not counts:
        return 0
    session.execute(
        update(Registration)
        .where(Registration.meeting_id.in_(list(counts)), Registration.needs != "")
        .values(needs="")
        .execution_options(synchronize_session="fetch")
    )
    for meeting in session.scalars(select(Meeting).where(Meeting.id.in_(list(counts)))):
        record_change(
            session,
            actor=None,
            action="registration.needs_purged",
            record=meeting,
            summary=f"Purged the needs of {counts[meeting.id]} registrations after the meeting",
            after={"registrations_purged": counts[meeting.id]},
        )
    session.flush()
    return sum(counts.values())


def send_seat_email(session: Session, registration: Registration) -> None:
    """Tell a person whether they have a seat or a place on the waiting list."""
    if registration.status is RegistrationStatus.CONFIRMED:
        send_registration_email(session, registration, "meeting_registered", invitation="REQUEST")
    else:
        position = waitlist_positions(session, [registration]).get(registration.id)
        send_registration_email(session, registration, "meeting_waitlisted", position=position)
