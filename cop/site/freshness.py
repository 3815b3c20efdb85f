"""The version of the public record pages (home, group, meeting, challenge, practice and
solution pages) for their conditional answers: one query, honest for every page at once.

These pages each read a dozen tables (a group page: its meetings, challenges, practices,
activities, solutions, outcomes, listed members...), and what they show also moves with the
clock (a meeting starts, ends, its registration opens or closes). Rather than a version per
page that would miss one of them, the version is the whole site's: the count and newest change
of every table the pages read, the newest audit entry (every change people rely on writes
one), how many meetings have started, ended, opened and closed registration by now, and the
day. Any change anywhere renews every page's ETag: readers then get the page again, never a
stale one; between changes, which is most of the time, they get 304s.

Signed-in readers' pages hold a form token (the header's log-out form, follow buttons): their
version also changes every hour, so that a kept page's token is never near its expiry."""

from __future__ import annotations

import time
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cop import clock
from cop.activities.models import Activity
from cop.audit.models import AuditEntry
from cop.auth.permissions import is_signed_in
from cop.challenges.models import Challenge, Endorsement, GoodPractice, PracticeLink, Theme
from cop.mail.models import Follow
from cop.meetings.models import AgendaItem, Material, Meeting, Registration
from cop.members.models import GroupLink, Membership, Organisation, User, WorkingGroup
from cop.outcomes.models import Outcome, OutcomeFile
from cop.solutions.models import Indicator, Measurement, Milestone, ProgressUpdate, Solution


def _count(entity):
    return select(func.count()).select_from(entity).scalar_subquery()


def _newest(column):
    return select(func.max(column)).scalar_subquery()


# The moments at which a meeting's pages change by themselves.
CLOCKED = (
    Meeting.starts_at,
    Meeting.ends_at,
    Meeting.registration_opens_at,
    Meeting.registration_closes_at,
)


def _passed(moment, now):
    """The latest of these moments already passed: the page changed then, with no record
    changing."""
    return select(func.max(moment)).where(moment <= now).scalar_subquery()


# The row read last, by database, and when (monotonic seconds): within
# PUBLIC_VERSION_SECONDS of reading it, the pages of this process reuse it rather than count
# every table again; a change then shows at most that many seconds late.
_last_read: dict[str, tuple[float, tuple]] = {}


def site_version(session: Session, reader=None) -> tuple[tuple, datetime | None]:
    """(version, last modified) of the public record pages, in one query (none when this
    process read it less than PUBLIC_VERSION_SECONDS ago)."""
    now = clock.now()
    row = _recent_row(session, now)
    # The day (overdue updates, due milestones) and, for signed-in readers, the hour.
    period = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if is_signed_in(reader):
        period = now.replace(minute=0, second=0, microsecond=0)
    moments = [value for value in row if isinstance(value, datetime)] + [period]
    version = [value.isoformat() if isinstance(value, datetime) else value for value in row]
    version.append(period.isoformat())
    return tuple(version), max(moments, default=None)


def _recent_row(session: Session, now: datetime) -> tuple:
    keep = current_app.config.get("PUBLIC_VERSION_SECONDS", 0)
    key = str(session.get_bind().engine.url)
    if keep > 0:
        read_at, row = _last_read.get(key, (None, None))
        if read_at is not None and time.monotonic() - read_at < keep:
            return row
    row = _read_row(session, now)
    if keep > 0:
        _last_read[key] = (time.monotonic(), row)
    return row


def _read_row(session: Session, now: datetime) -> tuple:
    counted = (
        WorkingGroup,
        GroupLink,
        Membership,
        User,
        Organisation,
        Meeting,
        AgendaItem,
        Material,
        Registration,
        Theme,
        Challenge,
        Endorsement,
        GoodPractice,
        PracticeLink,
        Activity,
        Solution,
        Indicator,
        Measurement,
        Milestone,
        ProgressUpdate,
        Outcome,
        OutcomeFile,
        Follow,
    )
    changed = (
        WorkingGroup.updated_at,
        Membership.updated_at,
        User.updated_at,
        Organisation.updated_at,
        Meeting.updated_at,
        Material.created_at,
        Material.withdrawn_at,
        Registration.updated_at,
        Theme.updated_at,
        Challenge.updated_at,
        Endorsement.created_at,
        GoodPractice.updated_at,
        PracticeLink.created_at,
        PracticeLink.withdrawn_at,
        Activity.updated_at,
        Solution.updated_at,
        Indicator.created_at,
        Indicator.withdrawn_at,
        Measurement.created_at,
        Measurement.withdrawn_at,
        Milestone.created_at,
        Milestone.withdrawn_at,
        ProgressUpdate.created_at,
        Outcome.updated_at,
        Outcome.public_changed_at,
        OutcomeFile.created_at,
        OutcomeFile.withdrawn_at,
        Follow.created_at,
    )
    row = session.execute(
        select(
            *(_count(entity) for entity in counted),
            _newest(AuditEntry.id),
            *(_passed(moment, now) for moment in CLOCKED),
            *(_newest(column) for column in changed),
        )
    ).one()
    return tuple(row)
