"""Registering for meetings: seats per attendance mode, the waiting list, and who may register.

Capacity is enforced inside the database transaction: every service that gives
or frees a seat first locks the meeting row (`SELECT ... FOR UPDATE` on
PostgreSQL; on SQLite every write transaction already starts with `BEGIN
IMMEDIATE`), then counts and writes. Concurrent registrations therefore queue
behind each other and never confirm more people than there are seats; the
time of arrival is read once the lock is held, so the waiting list's order is
the order in which registrations were written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from cop import clock
from cop.audit.services import record_change, snapshot
from cop.auth.permissions import is_coordinator, is_member, is_signed_in, require_coordinator
from cop.auth.tokens import LIFETIMES, fingerprint, make_token, read_token
from cop.db import MAX_ID
from cop.errors import Conflict, Invalid, NotAllowed, NotFound
from cop.mail.messages import RESEND_PAUSE, external_url, send_templated
from cop.meetings.models import (
    AttendanceMode,
    Audience,
    Meeting,
    MeetingStatus,
    Registration,
    RegistrationStatus,
)
from cop.meetings.times import format_instant
from cop.meetings.validation import check_email, check_text
from cop.members.models import Region, User

MAX_NEEDS = 1000
MAX_NAME = 200
REGISTRATION_FIELDS = ("mode", "status", "needs", "confirmed_at", "cancelled_at", "attended_at")
# Statuses that count as "registered": a second registration is refused while one of these holds.
HOLDING = (RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)
CONFIRM_PURPOSE = "meeting-registration"
CANCEL_PURPOSE = "meeting-cancel"


# --- Reading ------------------------------------------------------------------------------------


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


# --- Rules --------------------------------------------------------------------------------------


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


def _check_mode(meeting: Meeting, mode: AttendanceMode | str | None) -> AttendanceMode:
    try:
        mode = AttendanceMode(mode) if not isinstance(mode, AttendanceMode) else mode
    except ValueError:
        mode = None
    if mode not in meeting.modes:
        raise Invalid(_("Choose how you will attend."), field="mode")
    return mode


# --- Seats and the waiting list -----------------------------------------------------------------


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


def _take_seat_or_queue(
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
        send_registration_email(session, registration, "meeting_promoted")
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


# --- Registering --------------------------------------------------------------------------------


def _insert_registration(session: Session, **values) -> Registration:
    try:
        with session.begin_nested():
            registration = Registration(**values)
            session.add(registration)
            session.flush()
    except IntegrityError:
        raise Conflict(_("You are already registered for this meeting.")) from None
    return registration


def _members_only(meeting: Meeting) -> NotAllowed:
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
        raise _members_only(meeting)
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
    mode = _check_mode(meeting, mode)
    needs = check_text(needs, "needs", MAX_NEEDS, refuse_control=True)
    before = snapshot(registration, REGISTRATION_FIELDS) if registration is not None else None
    if registration is None:
        registration = _insert_registration(
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
    _take_seat_or_queue(session, meeting, registration, now)
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
        raise _members_only(meeting)
    check_registration_open(meeting, now)
    name = check_text(details.name, "name", MAX_NAME, required=True, refuse_control=True)
    email = check_email(details.email)
    organisation_name = check_text(
        details.organisation_name, "organisation_name", MAX_NAME, refuse_control=True
    )
    region_code = (details.region_code or "").strip() or None
    if region_code is not None and (
        len(region_code) > 8 or session.get(Region, region_code) is None
    ):
        raise Invalid(_("Choose a region from the list."), field="region_code")
    mode = _check_mode(meeting, details.mode)
    needs = check_text(details.needs, "needs", MAX_NEEDS, refuse_control=True)
    if session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        raise Invalid(
            _("This email address belongs to an account: please log in to register."),
            field="email",
        )
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
        registration = _insert_registration(session, meeting=meeting, email=email, **values)
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


def _guest_state(purpose: str, registration: Registration) -> str:
    # A confirmation link works once (the status changes) and only for the latest request
    # (asking again moves `queued_at`); a cancel link for as long as the registration stays
    # this person's.
    if purpose == CONFIRM_PURPOSE:
        queued = registration.queued_at.astimezone(UTC).isoformat()
        return fingerprint(registration.status.value, queued)
    return fingerprint(registration.email, registration.meeting_id)


def guest_token(purpose: str, registration: Registration) -> str:
    """A link for a person without an account: confirm (single use) or cancel their registration."""
    return make_token(purpose, registration.id, _guest_state(purpose, registration))


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
        if state != _guest_state(purpose, registration):
            # Asking to register again sent a newer link; this one no longer counts.
            raise Invalid(
                _(
                    "This link was replaced by a newer one: use the link in the latest email"
                    " we sent you."
                ),
                field="token",
            )
    elif state != _guest_state(purpose, registration):
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
    _take_seat_or_queue(session, meeting, registration, now)
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


# --- Cancelling and coordinators' decisions -----------------------------------------------------


def _cancel(
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
    was_pending = registration.status is RegistrationStatus.PENDING
    _cancel(
        session,
        actor,
        registration,
        now,
        "Cancelled their registration" if own else "Cancelled a participant's registration",
    )
    if not own and not was_pending:
        send_registration_email(session, registration, "meeting_registration_cancelled")
    return registration


def cancel_guest_registration(
    session: Session, token: str, now: datetime | None = None
) -> Registration:
    """Cancel a registration without an account from the link in its confirmation email."""
    registration = read_guest_token(session, CANCEL_PURPOSE, token, lock=True)
    now = now or clock.now()
    _cancel(session, None, registration, now, "Cancelled a registration without an account")
    return registration


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
            _cancel(session, person, registration, now, "Cancelled: the account was closed")
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
    send_registration_email(session, registration, "meeting_promoted")
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


# --- Emails -------------------------------------------------------------------------------------


def recipient(registration: Registration) -> tuple[str, str | None, str]:
    """(address, language, name) to write to about a registration."""
    if registration.user is not None:
        user = registration.user
        return user.email, user.language, user.name
    return registration.email, registration.language, registration.name


def send_registration_email(
    session: Session, registration: Registration, template: str, **context
) -> None:
    """Queue one of the meeting emails for a registered person, with the links it needs.

    Templates get `meeting`, `registration`, `name`, `meeting_url` and `cancel_url`
    (the guest's own cancel link, or My meetings for people with an account).
    """
    to, language, name = recipient(registration)
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
        meeting=meeting,
        registration=registration,
        name=name,
        **links,
        **context,
    )


def send_seat_email(session: Session, registration: Registration) -> None:
    """Tell a person whether they have a seat or a place on the waiting list."""
    if registration.status is RegistrationStatus.CONFIRMED:
        send_registration_email(session, registration, "meeting_registered")
    else:
        position = waitlist_positions(session, [registration]).get(registration.id)
        send_registration_email(session, registration, "meeting_waitlisted", position=position)
