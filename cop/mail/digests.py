"""Digests: `flask cop send-digests` turns each person's notifications into one email per day or
week (their choice, in their time zone), exactly once however often and concurrently it runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cop.db import utcnow
from cop.mail import follows
from cop.mail.kinds import DIGEST
from cop.mail.messages import send_templated
from cop.mail.models import Digest, DigestPeriod, Notification
from cop.mail.preferences import is_opted_out
from cop.markdown import markdown_to_text

# A detail (a reason, what participants learnt) is quoted up to this length in a digest.
DETAIL_LIMIT = 300

RECORD_LABELS: dict[str, LazyString] = {
    follows.CHALLENGE: _l("Challenge"),
    follows.PRACTICE: _l("Good practice"),
    follows.ACTIVITY: _l("Activity"),
    follows.SUPPORT_REQUEST: _l("Support request"),
    follows.SOLUTION: _l("Solution"),
    follows.OUTCOME: _l("Outcome"),
}

# Each event's sentence: (with its detail, without one). The detail is quoted as %(detail)s.
EVENT_SENTENCES: dict[str, tuple[LazyString | None, LazyString]] = {
    "challenge.accepted": (None, _l("The coordinators accepted this challenge.")),
    "challenge.being_addressed": (None, _l("This challenge is now being addressed.")),
    "challenge.addressed": (None, _l("This challenge is now addressed.")),
    "challenge.closed": (
        _l("This challenge was closed: %(detail)s"),
        _l("This challenge was closed."),
    ),
    "challenge.merged": (
        _l("This challenge was merged into “%(detail)s”."),
        _l("This challenge was merged into another one."),
    ),
    "challenge.endorsed": (
        _l("%(detail)s endorsed this challenge."),
        _l("A region endorsed this challenge."),
    ),
    "challenge.practice_published": (
        _l("A good practice on this challenge was published: “%(detail)s”."),
        _l("A good practice on this challenge was published."),
    ),
    "challenge.support_requested": (
        _l("%(detail)s asked for peer learning on this challenge."),
        _l("A region asked for peer learning on this challenge."),
    ),
    "practice.published": (None, _l("This good practice was published.")),
    "practice.withdrawn": (
        _l("This good practice was withdrawn: %(detail)s"),
        _l("This good practice was withdrawn."),
    ),
    "practice.republished": (None, _l("This good practice was published again.")),
    "activity.planned": (
        None,
        _l("A new peer-learning activity is planned on a challenge you follow."),
    ),
    "activity.expert_added": (
        _l("You are named as an expert in this activity (%(detail)s)."),
        _l("You are named as an expert in this activity."),
    ),
    "activity.changed": (None, _l("The details of this activity changed.")),
    "activity.meeting_added": (
        _l("A meeting was added to this activity: “%(detail)s”."),
        _l("A meeting was added to this activity."),
    ),
    "activity.started": (None, _l("This activity has started.")),
    "activity.output_added": (
        _l("An output was added to this activity: “%(detail)s”."),
        _l("An output was added to this activity."),
    ),
    "activity.completed": (
        _l("This activity is completed. What participants learnt: %(detail)s"),
        _l("This activity is completed."),
    ),
    "activity.cancelled": (
        _l("This activity was cancelled: %(detail)s"),
        _l("This activity was cancelled."),
    ),
    "support_request.new_activity": (
        _l("A new activity answers this request: “%(detail)s”."),
        _l("A new activity answers this request."),
    ),
    "support_request.linked": (
        _l("This request was linked to the activity “%(detail)s”."),
        _l("This request was linked to an activity."),
    ),
    "support_request.declined": (
        _l("This request was declined: %(detail)s"),
        _l("This request was declined."),
    ),
    "solution.created": (None, _l("A new solution answers a challenge you follow.")),
    "solution.owner_named": (None, _l("You are named as an owner of this solution.")),
    "solution.changed": (None, _l("The details of this solution changed.")),
    "solution.stage_changed.co_development": (
        _l("This solution is back in co-development: %(detail)s"),
        _l("This solution is back in co-development."),
    ),
    "solution.stage_changed.support": (
        _l("This solution moved to the support stage. %(detail)s"),
        _l("This solution moved to the support stage."),
    ),
    "solution.stage_changed.deployment": (
        _l("This solution is being deployed. %(detail)s"),
        _l("This solution is being deployed."),
    ),
    "solution.stage_changed.monitoring": (
        _l("This solution is being monitored. %(detail)s"),
        _l("This solution is being monitored."),
    ),
    "solution.stage_changed.completed": (
        _l("This solution is completed. %(detail)s"),
        _l("This solution is completed."),
    ),
    "solution.stage_changed.discontinued": (
        _l("This solution is discontinued: %(detail)s"),
        _l("This solution is discontinued."),
    ),
    "solution.published": (None, _l("This solution is now public.")),
    "solution.milestone_done": (
        _l("A milestone of this solution was reached: “%(detail)s”."),
        _l("A milestone of this solution was reached."),
    ),
    # A progress update: its status is in the event (cop.solutions.updates.update_event), so
    # that each reader's digest says it in their language; the detail is the narrative's start.
    "solution.update_posted.on_track": (
        _l("Progress update: on track. %(detail)s"),
        _l("Progress update: on track."),
    ),
    "solution.update_posted.at_risk": (
        _l("Progress update: at risk. %(detail)s"),
        _l("Progress update: at risk."),
    ),
    "solution.update_posted.off_track": (
        _l("Progress update: off track. %(detail)s"),
        _l("Progress update: off track."),
    ),
    # Outcomes (cop.outcomes.services): a group's new outcome reaches the followers of the
    # group's new outcomes; the others reach the outcome's followers (its authors first).
    "outcome.published": (None, _l("A new outcome is published.")),
    "outcome.revised": (
        _l("A new version of this outcome is published: %(detail)s"),
        _l("A new version of this outcome is published."),
    ),
    "outcome.withdrawn": (
        _l("This outcome was withdrawn: %(detail)s"),
        _l("This outcome was withdrawn."),
    ),
    "outcome.submitted": (None, _l("This outcome is submitted for your review.")),
    "outcome.returned": (
        _l("This outcome was returned to its authors: %(detail)s"),
        _l("This outcome was returned to its authors."),
    ),
}
UNKNOWN_EVENT = _l("It was updated.")


# The events whose detail is Markdown (what participants learnt); the others' are plain text
# (titles, names, reasons), quoted as typed.
MARKDOWN_DETAILS = frozenset(
    {
        "activity.completed",
        "solution.update_posted.on_track",
        "solution.update_posted.at_risk",
        "solution.update_posted.off_track",
    }
)


def detail_text(detail: str | None, *, markdown: bool = False) -> str:
    """A detail as the plain-text digest quotes it: on one line, its Markdown (with
    `markdown`) read as text (no "**" nor "#"), cut at a word to DETAIL_LIMIT characters
    with an ellipsis."""
    text = " ".join((markdown_to_text(detail) if markdown else detail or "").split())
    if len(text) <= DETAIL_LIMIT:
        return text
    cut = text[: DETAIL_LIMIT - 1]
    if " " in cut[DETAIL_LIMIT // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.") + "…"


def event_sentence(event: str, detail: str = "") -> str:
    """One sentence saying what happened, in the current language, quoting the detail."""
    with_detail, plain = EVENT_SENTENCES.get(event, (None, UNKNOWN_EVENT))
    detail = detail_text(detail, markdown=event in MARKDOWN_DETAILS)
    if with_detail is not None and detail:
        return str(with_detail) % {"detail": detail}
    return str(plain)


@dataclass
class DigestRecord:
    """The news of one record in a digest: its latest title and address, what happened."""

    target: str
    title: str
    url: str
    events: list[tuple[str, str]] = field(default_factory=list)  # (event, detail)

    @property
    def label(self) -> LazyString:
        return RECORD_LABELS.get(self.target, _l("Record"))


def group_by_record(notifications: list[Notification]) -> list[DigestRecord]:
    """The notifications grouped by record, records in the order of their first news."""
    base = current_app.config["BASE_URL"]
    records: dict[tuple[str, int], DigestRecord] = {}
    for note in notifications:
        record = records.setdefault(
            (note.target, note.target_id), DigestRecord(note.target, note.title, "")
        )
        record.title, record.url = note.title, base + note.path
        record.events.append((note.event, note.detail))
    return list(records.values())


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def period_key(period: DigestPeriod, now: datetime, timezone: str | None) -> str:
    """The person's day ("2026-11-26") or ISO week ("2026-W48") at `now`, in their time zone."""
    local = now.astimezone(_zone(timezone)).date()
    if period is DigestPeriod.WEEKLY:
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    return local.isoformat()


@dataclass
class DigestReport:
    sent: int = 0  # digests queued
    set_aside: int = 0  # people who take no digest: their news marked handled, no email
    waiting: int = 0  # people who had this period's digest already: news waits for the next


def _mark_handled(session: Session, user_id: int, up_to: int, now: datetime, digest_id=None):
    return session.execute(
        update(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.handled_at.is_(None),
            Notification.id <= up_to,
        )
        .values(handled_at=now, digest_id=digest_id)
        .execution_options(synchronize_session=False)
    )


def _wants_digest(session: Session, user) -> bool:
    address = user.email.lower()
    return (
        user.is_active
        and user.digest_period is not DigestPeriod.NEVER
        and not address.endswith(".invalid")
        and not is_opted_out(session, address, DIGEST)
    )


def _readable_news(session: Session, user, up_to: int, now: datetime) -> bool:
    """Set aside (handled, in no digest) the news of records the person may no longer read,
    such as a support request of a group they have left since; whether any news is left."""
    pending = session.execute(
        select(Notification.id, Notification.target, Notification.target_id).where(
            Notification.user_id == user.id,
            Notification.handled_at.is_(None),
            Notification.id <= up_to,
        )
    ).all()
    wanted: dict[str, set[int]] = {}
    for _, target, target_id in pending:
        wanted.setdefault(target, set()).add(target_id)
    allowed = {
        (target, record_id)
        for target, ids in wanted.items()
        for record_id in follows.readable(session, user, target, ids)
    }
    hidden = [id_ for id_, target, target_id in pending if (target, target_id) not in allowed]
    if hidden:
        session.execute(
            update(Notification)
            .where(Notification.id.in_(hidden), Notification.handled_at.is_(None))
            .values(handled_at=now)
            .execution_options(synchronize_session=False)
        )
    return len(hidden) < len(pending)


def _digest_for(session: Session, user_id: int, now: datetime, report: DigestReport) -> None:
    """One person's digest of this period, in one transaction committed here."""
    from cop.members.models import User

    user = session.get(User, user_id)
    up_to = session.scalar(
        select(func.max(Notification.id)).where(
            Notification.user_id == user_id, Notification.handled_at.is_(None)
        )
    )
    if user is None or up_to is None:  # another run got there first
        session.rollback()
        return
    if not _wants_digest(session, user) or not _readable_news(session, user, up_to, now):
        _mark_handled(session, user_id, up_to, now)
        session.commit()
        report.set_aside += 1
        return
    digest = Digest(
        user_id=user_id,
        period=user.digest_period,
        period_key=period_key(user.digest_period, now, user.timezone),
        created_at=now,
    )
    try:
        # The unique (user, period key) is what sends a digest once: a second run, even one
        # running at this very moment, fails here and sends nothing.
        with session.begin_nested():
            session.add(digest)
            session.flush()
    except IntegrityError:
        session.rollback()
        report.waiting += 1
        return
    if _mark_handled(session, user_id, up_to, now, digest.id).rowcount == 0:
        session.rollback()
        return
    news = list(
        session.scalars(
            select(Notification)
            .where(Notification.digest_id == digest.id)
            .order_by(Notification.id)
        )
    )
    message = send_templated(
        session,
        to=user.email,
        template="digest",
        language=user.language,
        name=user.name,
        records=group_by_record(news),
        count=len(news),
        weekly=user.digest_period is DigestPeriod.WEEKLY,
        describe=event_sentence,
    )
    digest.outbox_message_id = message.id if message is not None else None
    session.commit()
    report.sent += 1


def send_digests(session: Session, now: datetime | None = None) -> DigestReport:
    """Queue one digest for each person with news not yet handled (a job: it commits as it
    goes, one person at a time). Links are built on BASE_URL: run it in a request context."""
    now = now or utcnow()
    report = DigestReport()
    people = list(
        session.scalars(
            select(Notification.user_id)
            .where(Notification.handled_at.is_(None))
            .distinct()
            .order_by(Notification.user_id)
        )
    )
    session.rollback()  # no transaction (on SQLite, no write lock) held between people
    for user_id in people:
        _digest_for(session, user_id, now, report)
    return report
