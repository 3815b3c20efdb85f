"""Who comes to a meeting: the coordinators' participant list and export, check-in, My meetings.

Every read runs a fixed number of SQL statements whatever the number of
registrations: people, organisations and regions are loaded eagerly, waiting
list positions and the helix and country counts are worked out from the rows
already loaded. Dietary and access needs are never shown once the meeting is over.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager, joinedload

from cop import clock
from cop.audit.services import audited
from cop.auth.permissions import is_signed_in, require_coordinator
from cop.db import MAX_ID
from cop.errors import Invalid, NotAllowed, NotFound
from cop.meetings.labels import MODE_LABELS, REGISTRATION_STATUS_LABELS
from cop.meetings.models import (
    AttendanceMode,
    Meeting,
    MeetingStatus,
    Registration,
    RegistrationStatus,
)
from cop.meetings.seats import HOLDING, is_over, lock_registration, waitlist_positions
from cop.meetings.times import format_instant
from cop.members.labels import helix_label, localized_country_name, region_label
from cop.members.models import Helix, Organisation, Region, User

# Attendance is checked in from shortly before the start (people arrive early) until
# some weeks after the end (coordinators fill it in from a signed sheet).
CHECK_IN_OPENS_BEFORE = timedelta(hours=1)
CHECK_IN_CLOSES_AFTER = timedelta(days=30)
# How the list is ordered: who comes, who waits, who has not confirmed their email, who left.
STATUS_ORDER = {
    RegistrationStatus.CONFIRMED: 0,
    RegistrationStatus.WAITLISTED: 1,
    RegistrationStatus.PENDING: 2,
    RegistrationStatus.CANCELLED: 3,
}
# A spreadsheet reads a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Participant:
    """One registration as the coordinators see it: a member's details come from their profile."""

    registration: Registration
    name: str
    email: str
    person_id: int | None  # None: registered without an account
    organisation: str
    helix: Helix | None
    region: Region | None
    position: int | None  # on the waiting list of its mode
    needs: str | None  # None once the meeting is over: needs are never shown then

    @property
    def mode(self) -> AttendanceMode:
        return self.registration.mode

    @property
    def status(self) -> RegistrationStatus:
        return self.registration.status

    @property
    def attended(self) -> bool:
        return self.registration.attended_at is not None

    @property
    def country_code(self) -> str | None:
        return self.region.country_code if self.region is not None else None


@dataclass(frozen=True)
class ModeCount:
    mode: AttendanceMode
    confirmed: int
    waiting: int
    capacity: int | None


@dataclass(frozen=True)
class ParticipantList:
    meeting: Meeting
    participants: list[Participant]
    by_mode: list[ModeCount]
    confirmed: int
    by_helix: list[tuple[Helix | None, int]]  # confirmed people: the four helices, then unknown
    by_country: list[tuple[str | None, int]]  # confirmed people, largest first
    shows_needs: bool  # False once the meeting is over
    may_change: bool  # registrations may still be cancelled or confirmed by hand
    may_check_in: bool  # within the check-in window
    check_in_opens: datetime
    check_in_closes: datetime


def check_in_window(meeting: Meeting) -> tuple[datetime, datetime]:
    return meeting.starts_at - CHECK_IN_OPENS_BEFORE, meeting.ends_at + CHECK_IN_CLOSES_AFTER


def _participant(registration: Registration, position: int | None, shows_needs: bool):
    user = registration.user
    if user is not None:
        organisation = user.organisation
        name, email, person_id = user.name, user.email, user.id
        organisation_name = organisation.name if organisation else ""
        helix = organisation.helix if organisation else None
        region = organisation.region if organisation else None
    else:
        name, email, person_id = registration.name, registration.email, None
        organisation_name, helix, region = registration.organisation_name, None, registration.region
    return Participant(
        registration=registration,
        name=name,
        email=email,
        person_id=person_id,
        organisation=organisation_name,
        helix=helix,
        region=region,
        position=position,
        needs=registration.needs if shows_needs else None,
    )


def _positions(registrations: list[Registration]) -> dict[int, int]:
    """Waiting-list places from rows already loaded (the same order as `waitlist_positions`)."""
    positions: dict[int, int] = {}
    places: Counter = Counter()
    waiting = [r for r in registrations if r.status is RegistrationStatus.WAITLISTED]
    for registration in sorted(waiting, key=lambda r: (r.queued_at, r.id)):
        places[registration.mode] += 1
        positions[registration.id] = places[registration.mode]
    return positions


def _load_meeting(session: Session, meeting_id: int) -> Meeting:
    meeting = None
    if 0 < meeting_id <= MAX_ID:
        meeting = session.scalar(
            select(Meeting).where(Meeting.id == meeting_id).options(joinedload(Meeting.group))
        )
    if meeting is None:
        raise NotFound(_("There is no such meeting."))
    return meeting


def list_participants(
    session: Session, actor, meeting_id: int, now: datetime | None = None
) -> ParticipantList:
    """Every registration of a meeting with the person's details: for the group's coordinators."""
    now = now or clock.now()
    meeting = _load_meeting(session, meeting_id)
    if not is_signed_in(actor):
        raise NotAllowed(_("Please log in first."))
    require_coordinator(session, actor, meeting.group)
    registrations = list(
        session.scalars(
            select(Registration)
            .where(Registration.meeting_id == meeting.id)
            .options(
                joinedload(Registration.user)
                .joinedload(User.organisation)
                .joinedload(Organisation.region),
                joinedload(Registration.region),
            )
        ).unique()
    )
    shows_needs = not is_over(meeting, now)
    positions = _positions(registrations)
    participants = [_participant(r, positions.get(r.id), shows_needs) for r in registrations]
    participants.sort(
        key=lambda p: (
            STATUS_ORDER[p.status],
            p.mode.value if p.status is RegistrationStatus.WAITLISTED else "",
            p.position or 0,
            p.name.casefold(),
            p.registration.id,
        )
    )
    confirmed = [p for p in participants if p.status is RegistrationStatus.CONFIRMED]
    helices = Counter(p.helix for p in confirmed)
    by_helix: list[tuple[Helix | None, int]] = [(h, helices.get(h, 0)) for h in Helix]
    if helices.get(None):
        by_helix.append((None, helices[None]))
    countries = Counter(p.country_code for p in confirmed)
    by_mode = [
        ModeCount(
            mode=mode,
            confirmed=sum(1 for p in confirmed if p.mode is mode),
            waiting=sum(
                1
                for p in participants
                if p.mode is mode and p.status is RegistrationStatus.WAITLISTED
            ),
            capacity=meeting.capacity(mode),
        )
        for mode in meeting.modes
    ]
    opens, closes = check_in_window(meeting)
    return ParticipantList(
        meeting=meeting,
        participants=participants,
        by_mode=by_mode,
        confirmed=len(confirmed),
        by_helix=by_helix,
        by_country=sorted(
            countries.items(), key=lambda row: (-row[1], row[0] is None, row[0] or "")
        ),
        shows_needs=shows_needs,
        may_change=meeting.status is MeetingStatus.PUBLISHED and not is_over(meeting, now),
        may_check_in=meeting.status is MeetingStatus.PUBLISHED and opens <= now <= closes,
        check_in_opens=opens,
        check_in_closes=closes,
    )


# -- the CSV export --------------------------------------------------------------------------


def safe_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: one that would start a formula gets a leading quote."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def participant_rows(listing: ParticipantList) -> list[list[str]]:
    """The participant list as spreadsheet rows (a header first), every cell formula-safe."""
    header = [
        _("Name"),
        _("Email"),
        _("Organisation"),
        _("Helix"),
        _("Region"),
        _("Country"),
        _("Mode"),
        _("Status"),
        _("Waiting-list position"),
        _("Dietary or access needs"),
        _("Attended"),
    ]
    rows = [header]
    for p in listing.participants:
        rows.append(
            [
                safe_cell(cell)
                for cell in (
                    p.name,
                    p.email,
                    p.organisation,
                    helix_label(p.helix) if p.helix is not None else "",
                    region_label(p.region) if p.region is not None else "",
                    localized_country_name(p.country_code) if p.country_code else "",
                    MODE_LABELS[p.mode],
                    REGISTRATION_STATUS_LABELS[p.status],
                    p.position or "",
                    p.needs or "",
                    _("Yes") if p.attended else "",
                )
            ]
        )
    return rows


# -- attendance --------------------------------------------------------------------------------


def check_in(
    session: Session, actor, registration_id: int, attended: bool, now: datetime | None = None
) -> Registration:
    """A coordinator marks a confirmed person as attended (or not), during or after the meeting."""
    registration = lock_registration(session, registration_id)
    now = now or clock.now()
    meeting = registration.meeting
    require_coordinator(session, actor, meeting.group)
    if meeting.status is not MeetingStatus.PUBLISHED:
        raise Invalid(_("Attendance is recorded only for meetings that take place."))
    opens, closes = check_in_window(meeting)
    if not opens <= now <= closes:
        raise Invalid(
            _(
                "Attendance can be recorded from %(opens)s to %(closes)s.",
                opens=format_instant(opens, meeting.timezone),
                closes=format_instant(closes, meeting.timezone),
            )
        )
    if registration.status is not RegistrationStatus.CONFIRMED:
        raise Invalid(_("Only confirmed participants can be checked in."))
    with audited(
        session,
        actor=actor,
        action="registration.attendance",
        record=registration,
        fields=("attended_at",),
        summary=f"{'Checked in' if attended else 'Marked not attended'} at meeting {meeting.id}",
    ):
        if attended:
            registration.attended_at = registration.attended_at or now
        else:
            registration.attended_at = None
    return registration


# -- my meetings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MyMeeting:
    registration: Registration
    position: int | None  # on the waiting list
    may_cancel: bool

    @property
    def meeting(self) -> Meeting:
        return self.registration.meeting


# Past meetings My meetings shows unless the person asks for all of them.
PAST_SHOWN = 20


@dataclass(frozen=True)
class MyMeetings:
    upcoming: list[MyMeeting]  # soonest first; with registrations one cancelled
    past: list[MyMeeting]  # latest first; registrations one held only
    past_total: int  # how many past meetings there are in all (`past` may show fewer)


def my_meetings(
    session: Session, viewer, now: datetime | None = None, *, all_past: bool = False
) -> MyMeetings:
    """The meetings a person registered for, upcoming and past (the latest PAST_SHOWN unless
    `all_past`), in two queries."""
    if not is_signed_in(viewer):
        raise NotAllowed(_("Please log in first."))
    now = now or clock.now()
    registrations = list(
        session.scalars(
            select(Registration)
            .join(Registration.meeting)
            .where(Registration.user_id == viewer.id, Meeting.public)
            .options(contains_eager(Registration.meeting).joinedload(Meeting.group))
            .order_by(Meeting.starts_at, Meeting.id)
        ).unique()
    )
    positions = waitlist_positions(session, registrations)
    upcoming, past = [], []
    for registration in registrations:
        meeting = registration.meeting
        over = is_over(meeting, now)
        if over and registration.status is RegistrationStatus.CANCELLED:
            continue
        row = MyMeeting(
            registration=registration,
            position=positions.get(registration.id),
            may_cancel=not over and registration.status in HOLDING,
        )
        (past if over else upcoming).append(row)
    past.reverse()
    return MyMeetings(
        upcoming=upcoming, past=past if all_past else past[:PAST_SHOWN], past_total=len(past)
    )
