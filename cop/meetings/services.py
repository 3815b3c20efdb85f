"""Coordinators plan and run meetings: create, edit, publish, cancel and postpone them.

Every operation locks the meeting row first (as registration does), so a change
of capacity or date and a registration arriving at the same moment queue behind
each other. People registered for a meeting are emailed what changed, in the
same transaction as the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from cop import clock
from cop.audit.services import record_change, snapshot
from cop.auth.permissions import require_coordinator, require_signed_in
from cop.errors import Conflict, Invalid, NotFound
from cop.mail.messages import external_url, send_templated
from cop.meetings import seats
from cop.meetings.details import (
    CAPACITY_FIELDS,
    MeetingDetails,
    check_plenary_window,
    check_times,
    validate_details,
)
from cop.meetings.labels import MODE_LABELS
from cop.meetings.models import (
    FORMAT_MODES,
    AttendanceMode,
    Meeting,
    MeetingStatus,
    Registration,
    RegistrationStatus,
)
from cop.meetings.registration_mail import send_registration_email
from cop.meetings.reminders import forget_reminders
from cop.members.models import Membership, MembershipStatus, User, WorkingGroup
from cop.validation import check_text

MAX_REASON = 2000

MEETING_FIELDS = (
    "kind",
    "cycle_slot",
    "title",
    "description",
    "starts_at",
    "ends_at",
    "timezone",
    "format",
    "venue",
    "address",
    "online_url",
    "capacity_in_person",
    "capacity_online",
    "registration_opens_at",
    "registration_closes_at",
    "audience",
    "reminder_days",
    "agenda_visibility",
    "minutes_visibility",
    "status",
    "sequence",
    "postponed_from",
    "cancel_reason",
    "published_at",
    "cancelled_at",
)

# What a participant should see, and how the "meeting changed" email names each change (lazy:
# each email is written in its recipient's language).
CHANGED_TITLE = _l("the title")
CHANGED_TIME = _l("the date and time")
CHANGED_FORMAT = _l("the format (in person or online)")
CHANGED_PLACE = _l("the place")
CHANGED_LINK = _l("the online link")
VISIBLE_CHANGES = {
    "title": CHANGED_TITLE,
    "starts_at": CHANGED_TIME,
    "ends_at": CHANGED_TIME,
    "timezone": CHANGED_TIME,
    "format": CHANGED_FORMAT,
    "venue": CHANGED_PLACE,
    "address": CHANGED_PLACE,
    "online_url": CHANGED_LINK,
}

# --- Finding meetings ----------------------------------------------------------------------------


def meeting_to_manage(
    session: Session, actor, meeting_id: int, *, lock: bool = False, load: tuple = ()
) -> Meeting:
    """A meeting its coordinator (or an admin) may change; drafts of others are not there at all.

    `lock` takes the meeting's row lock (for changes); `load` adds loader options (for pages).
    """
    require_signed_in(actor)
    if lock:
        meeting = seats.lock_meeting(session, meeting_id)
    else:
        meeting = session.scalar(
            select(Meeting)
            .where(Meeting.id == meeting_id)
            .options(joinedload(Meeting.group), *load)
        )
        if meeting is None:
            raise NotFound(_("There is no such meeting."))
    if not seats.may_see_meeting(session, actor, meeting):
        raise NotFound(_("There is no such meeting."))
    require_coordinator(session, actor, meeting.group)
    return meeting


def _flush_slot(session: Session, slot: int | None) -> None:
    """Flush; two plenaries written at once for one slot meet the unique index: a clear error."""
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Invalid(
            _(
                "Slot %(slot)s already has a plenary: a second plenary in the same slot is not"
                " possible. Choose another slot.",
                slot=slot,
            ),
            field="cycle_slot",
        ) from None


# --- Creating and editing ------------------------------------------------------------------------


def create_meeting(
    session: Session,
    actor: User,
    group: WorkingGroup,
    details: MeetingDetails,
    now: datetime | None = None,
) -> Meeting:
    """A new meeting of the group, as a draft that only its coordinators see."""
    now = now or clock.now()
    require_signed_in(actor)
    require_coordinator(session, actor, group)
    values = validate_details(session, group, details, now)
    meeting = Meeting(
        group=group,
        status=MeetingStatus.DRAFT,
        sequence=0,
        created_by_id=actor.id,
        **values,
    )
    session.add(meeting)
    _flush_slot(session, values["cycle_slot"])
    record_change(
        session,
        actor=actor,
        action="meeting.created",
        record=meeting,
        summary=f"Created the meeting {meeting.title} of {group.slug}",
        after=snapshot(meeting, MEETING_FIELDS),
    )
    return meeting


def _holding(session: Session, meeting: Meeting, statuses) -> list[Registration]:
    """The meeting's registrations in these statuses, with their people, in arrival order."""
    return list(
        session.scalars(
            select(Registration)
            .where(Registration.meeting_id == meeting.id, Registration.status.in_(statuses))
            .options(joinedload(Registration.user))
            .order_by(Registration.queued_at, Registration.id)
        )
    )


def _counts_by_mode(session: Session, meeting: Meeting, statuses) -> dict[AttendanceMode, int]:
    rows = session.execute(
        select(Registration.mode, func.count())
        .where(Registration.meeting_id == meeting.id, Registration.status.in_(statuses))
        .group_by(Registration.mode)
    )
    return dict(rows.all())


def _check_seats_kept(session: Session, meeting: Meeting, values: dict) -> None:
    """Refuse, before anything changes, an edit that would drop a registered person's place."""
    registered = _counts_by_mode(session, meeting, seats.HOLDING)
    new_modes = FORMAT_MODES[values["format"]]
    for mode in meeting.modes:
        if mode not in new_modes and registered.get(mode):
            raise Invalid(
                ngettext(
                    "%(num)s person is registered to attend this way (%(mode)s): keep a format"
                    " that offers it, or cancel the registration first.",
                    "%(num)s people are registered to attend this way (%(mode)s): keep a format"
                    " that offers it, or cancel their registrations first.",
                    registered[mode],
                    mode=_mode_label(mode),
                ),
                field="format",
            )
    confirmed = _counts_by_mode(session, meeting, (RegistrationStatus.CONFIRMED,))
    for mode, field in CAPACITY_FIELDS.items():
        capacity = values[field]
        if capacity is not None and capacity < confirmed.get(mode, 0):
            raise Invalid(
                ngettext(
                    "%(num)s person is already confirmed for this mode: the capacity cannot go"
                    " below %(num)s. Cancel the registration first if the seat must go.",
                    "%(num)s people are already confirmed for this mode: the capacity cannot go"
                    " below %(num)s. Cancel registrations first if seats must go.",
                    confirmed[mode],
                ),
                field=field,
            )


def _mode_label(mode: AttendanceMode) -> str:
    return str(MODE_LABELS[mode])


def _visible_changes(before: dict, after: dict) -> list:
    """The changes a participant should hear about, named once each, in a stable order."""
    names: list = []
    for field, label in VISIBLE_CHANGES.items():
        if before[field] != after[field] and not any(label is name for name in names):
            names.append(label)
    return names


def _email_change(
    session: Session,
    meeting: Meeting,
    registrations: list[Registration],
    changes: list,
    *,
    postponed_from: datetime | None = None,
) -> None:
    for registration in registrations:
        send_registration_email(
            session,
            registration,
            "meeting_changed",
            changes=changes,
            postponed_from=postponed_from,
            with_online_link=registration.status is RegistrationStatus.CONFIRMED,
            invitation="REQUEST" if registration.status is RegistrationStatus.CONFIRMED else None,
        )


@dataclass
class MeetingUpdate:
    """What an edit did: the changes participants were told about, how many people were
    emailed, and who moved from the waiting list to a seat."""

    meeting: Meeting
    changes: list
    emailed: int
    promoted: list[Registration]


def update_meeting(
    session: Session,
    actor: User,
    meeting_id: int,
    details: MeetingDetails,
    now: datetime | None = None,
) -> MeetingUpdate:
    """Change a meeting's details. A change participants should see raises `sequence` and,
    once the meeting is published, emails everyone confirmed or waiting what changed.

    Capacity goes through `registration.change_capacity`: raising it promotes waiting
    people; lowering it below the confirmed count is refused.
    """
    now = now or clock.now()
    meeting = meeting_to_manage(session, actor, meeting_id, lock=True)
    if meeting.status is MeetingStatus.CANCELLED:
        raise Invalid(_("This meeting is cancelled: it can no longer change."))
    values = validate_details(session, meeting.group, details, now, meeting=meeting)
    _check_seats_kept(session, meeting, values)

    before = snapshot(meeting, MEETING_FIELDS)
    before_start, before_end = meeting.starts_at, meeting.ends_at
    capacities = {field: values.pop(field) for field in CAPACITY_FIELDS.values()}
    for name, value in values.items():
        setattr(meeting, name, value)
    changes = _visible_changes(before, snapshot(meeting, MEETING_FIELDS))
    if changes:
        meeting.sequence += 1
    if meeting.starts_at != before_start:
        move_agenda(meeting, meeting.starts_at - before_start)
        forget_reminders(session, meeting)
    _flush_slot(session, meeting.cycle_slot)
    promoted: list[Registration] = []
    for mode, field in CAPACITY_FIELDS.items():
        if mode in meeting.modes:
            if capacities[field] != getattr(meeting, field):
                promoted += seats.change_capacity(session, meeting, mode, capacities[field], now)
        else:
            setattr(meeting, field, None)
    session.flush()
    record_change(
        session,
        actor=actor,
        action="meeting.updated",
        record=meeting,
        summary=f"Edited the meeting {meeting.title}",
        before=before,
        after=snapshot(meeting, MEETING_FIELDS),
    )
    registered: list[Registration] = []
    # Once a meeting is over, edits are corrections of the record: nobody is emailed.
    if changes and meeting.status is MeetingStatus.PUBLISHED and now < before_end:
        registered = _holding(
            session, meeting, (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)
        )
        _email_change(session, meeting, registered, changes)
    return MeetingUpdate(meeting, changes, len(registered), promoted)


# --- Publishing, cancelling, postponing ----------------------------------------------------------


def _announce(session: Session, meeting: Meeting) -> int:
    """Email the group's active members (coordinators included) that the meeting is announced."""
    people = session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.group_id == meeting.group_id, Membership.status == MembershipStatus.ACTIVE
        )
        .order_by(User.id)
    )
    meeting_url = external_url("meetings.meeting", meeting_id=meeting.id)
    sent = 0
    for person in people:
        if not person.is_active:
            continue
        message = send_templated(
            session,
            to=person.email,
            template="meeting_announced",
            language=person.language,
            meeting=meeting,
            group=meeting.group,
            name=person.name,
            meeting_url=meeting_url,
            with_online_link=False,
        )
        sent += message is not None
    return sent


def publish_meeting(
    session: Session,
    actor: User,
    meeting_id: int,
    *,
    announce: bool = False,
    now: datetime | None = None,
) -> Meeting:
    """Make a draft public; with `announce`, email the group's active members about it."""
    now = now or clock.now()
    meeting = meeting_to_manage(session, actor, meeting_id, lock=True)
    if meeting.status is not MeetingStatus.DRAFT:
        raise Conflict(_("This meeting is already published or cancelled."))
    if announce and now >= meeting.starts_at:
        raise Invalid(
            _("This meeting has already started: there is nobody to invite any more."),
            field="announce",
        )
    before = snapshot(meeting, MEETING_FIELDS)
    meeting.status = MeetingStatus.PUBLISHED
    meeting.published_at = now
    # Its status changed (tentative to confirmed in its coordinators' calendars).
    meeting.sequence += 1
    session.flush()
    record_change(
        session,
        actor=actor,
        action="meeting.published",
        record=meeting,
        summary=f"Published the meeting {meeting.title}"
        + (" and announced it to the group" if announce else ""),
        before=before,
        after=snapshot(meeting, MEETING_FIELDS),
    )
    if announce:
        _announce(session, meeting)
    return meeting


def cancel_meeting(
    session: Session, actor: User, meeting_id: int, reason: str, now: datetime | None = None
) -> Meeting:
    """Cancel a meeting, saying why; everyone registered is emailed. Registrations are kept."""
    now = now or clock.now()
    meeting = meeting_to_manage(session, actor, meeting_id, lock=True)
    if meeting.status is MeetingStatus.CANCELLED:
        raise Conflict(_("This meeting is already cancelled."))
    if now >= meeting.ends_at:
        raise Invalid(_("This meeting is over: it can no longer be cancelled."))
    reason = check_text(reason, "reason", MAX_REASON, required=True)
    before = snapshot(meeting, MEETING_FIELDS)
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancelled_at = now
    meeting.cancel_reason = reason
    meeting.sequence += 1
    session.flush()
    record_change(
        session,
        actor=actor,
        action="meeting.cancelled",
        record=meeting,
        summary=f"Cancelled the meeting {meeting.title}",
        before=before,
        after=snapshot(meeting, MEETING_FIELDS),
    )
    for registration in _holding(session, meeting, seats.HOLDING):
        send_registration_email(
            session,
            registration,
            "meeting_cancelled",
            reason=reason,
            with_online_link=False,
            invitation="CANCEL" if registration.status is RegistrationStatus.CONFIRMED else None,
        )
    return meeting


def postpone_meeting(
    session: Session,
    actor: User,
    meeting_id: int,
    starts_local: datetime | None,
    ends_local: datetime | None,
    now: datetime | None = None,
) -> Meeting:
    """Move a published meeting to a new date (wall-clock times in its zone); everyone
    registered is emailed the new date. `postponed_from` keeps the date first announced."""
    now = now or clock.now()
    meeting = meeting_to_manage(session, actor, meeting_id, lock=True)
    if meeting.status is not MeetingStatus.PUBLISHED:
        raise Invalid(
            _("Only a published meeting is postponed; edit a draft's date instead.")
            if meeting.status is MeetingStatus.DRAFT
            else _("This meeting is cancelled: it can no longer change.")
        )
    if now >= meeting.ends_at:
        raise Invalid(_("This meeting is over: it can no longer be postponed."))
    starts_at, ends_at = check_times(starts_local, ends_local, meeting.timezone, now, future=True)
    if starts_at == meeting.starts_at and ends_at == meeting.ends_at:
        raise Invalid(_("Choose a date and time other than the current one."), field="starts_at")
    if starts_at < meeting.starts_at:
        raise Invalid(
            _(
                "A postponed meeting starts later than planned. To bring it forward, edit its"
                " date instead."
            ),
            field="starts_at",
        )
    check_plenary_window(meeting.group, meeting.kind, meeting.cycle_slot, starts_at, "starts_at")
    if meeting.registration_opens_at is not None and meeting.registration_opens_at >= starts_at:
        raise Invalid(
            _(
                "Registration opens after this new start: change the registration dates first"
                " (edit the meeting)."
            ),
            field="starts_at",
        )
    before = snapshot(meeting, MEETING_FIELDS)
    previous_start = meeting.starts_at
    if meeting.postponed_from is None:
        meeting.postponed_from = previous_start
    meeting.starts_at = starts_at
    meeting.ends_at = ends_at
    move_agenda(meeting, starts_at - previous_start)
    if meeting.registration_closes_at is not None and meeting.registration_closes_at > starts_at:
        meeting.registration_closes_at = None
    meeting.sequence += 1
    forget_reminders(session, meeting)
    session.flush()
    record_change(
        session,
        actor=actor,
        action="meeting.postponed",
        record=meeting,
        summary=f"Postponed the meeting {meeting.title}",
        before=before,
        after=snapshot(meeting, MEETING_FIELDS),
    )
    _email_change(
        session,
        meeting,
        _holding(session, meeting, seats.HOLDING),
        [CHANGED_TIME],
        postponed_from=previous_start,
    )
    return meeting


def move_agenda(meeting: Meeting, shift: timedelta) -> None:
    """Move the agenda with its meeting: each item keeps its place in the day's programme."""
    if shift:
        for item in meeting.agenda_items:
            item.starts_at = item.starts_at + shift
