"""Digests: each person's notifications become one email per day or week, in their time zone,
exactly once however often (and, on PostgreSQL, however concurrently) the job runs."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.pool import NullPool

from cop import create_app
from cop.db import get_db, get_session, make_engine
from cop.mail import follows
from cop.mail.digests import UNKNOWN_EVENT, event_sentence, period_key, send_digests
from cop.mail.models import Digest, DigestPeriod, Notification, OutboxMessage
from cop.mail.preferences import opt_out
from cop.members.models import User
from tests.conftest import is_postgres
from tests.factories import make_user
from tests.test_registration_concurrency import high_water_marks, remove_rows_above

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)

EVENT_CODES = (
    "challenge.accepted",
    "challenge.being_addressed",
    "challenge.addressed",
    "challenge.closed",
    "challenge.merged",
    "challenge.endorsed",
    "challenge.practice_published",
    "challenge.support_requested",
    "practice.published",
    "practice.withdrawn",
    "practice.republished",
    "activity.planned",
    "activity.changed",
    "activity.meeting_added",
    "activity.started",
    "activity.completed",
    "activity.cancelled",
    "support_request.new_activity",
    "support_request.linked",
    "support_request.declined",
)


def news(session, person, *, record=(follows.CHALLENGE, 1), event="challenge.accepted", **kw):
    """A notification for `person` (as if they followed the record)."""
    kind, record_id = record
    values = {
        "title": f"{kind.title()} {record_id}",
        "path": f"/{kind}s/{record_id}",
        **kw,
    }
    [row] = follows.notify(session, record=record, event=event, also_users=[person.id], **values)
    return row


def digests_sent(session) -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "digest").order_by(OutboxMessage.id)
        )
    )


def run(app, session, now=NOW):
    with app.test_request_context():
        return send_digests(session, now=now)


def test_a_digest_gathers_each_persons_news_grouped_by_record(app, session):
    ines = make_user(session, name="Ines", email="ines@example.org")
    omar = make_user(session, name="Omar", email="omar@example.org")
    news(
        session,
        ines,
        record=(follows.CHALLENGE, 7),
        event="challenge.accepted",
        title="SMEs adopt little technology",
    )
    news(
        session,
        ines,
        record=(follows.PRACTICE, 3),
        event="practice.withdrawn",
        title="Innovation vouchers",
        path="/practices/3",
        detail="Outdated figures",
    )
    news(
        session,
        ines,
        record=(follows.CHALLENGE, 7),
        event="challenge.endorsed",
        title="SMEs adopt little technology",
        detail="Lombardia",
    )
    news(
        session,
        omar,
        record=(follows.ACTIVITY, 5),
        event="activity.completed",
        title="Peer review in Navarra",
        path="/activities/5",
        detail="Vouchers need a light application.",
    )
    session.commit()

    report = run(app, session)

    assert (report.sent, report.waiting, report.set_aside) == (2, 0, 0)
    sent = {message.recipient: message for message in digests_sent(session)}
    assert set(sent) == {"ines@example.org", "omar@example.org"}
    body = sent["ines@example.org"].body_text
    assert sent["ines@example.org"].subject == "Your daily news from the S3 Community of Practice"
    assert "Hello Ines," in body
    # One entry per record, with both of its news, in the order the first news came.
    assert body.count("SMEs adopt little technology") == 1
    challenge = body.index("Challenge: SMEs adopt little technology")
    practice = body.index("Good practice: Innovation vouchers")
    assert challenge < practice
    assert "http://cop.test/challenges/7" in body
    assert "http://cop.test/practices/3" in body
    assert "- The coordinators accepted this challenge." in body
    assert "- Lombardia endorsed this challenge." in body
    assert "- This good practice was withdrawn: Outdated figures" in body
    assert "Omar" not in body and "Navarra" not in body
    assert (
        "- This activity is completed. What participants learnt: Vouchers need a light "
        "application." in sent["omar@example.org"].body_text
    )
    # The digest is a kind people can unsubscribe from.
    assert (
        sent["ines@example.org"]
        .headers["List-Unsubscribe"]
        .startswith("<http://cop.test/unsubscribe/")
    )
    notes = session.scalars(select(Notification).where(Notification.user_id == ines.id)).all()
    digest = session.scalar(select(Digest).where(Digest.user_id == ines.id))
    assert digest.period_key == "2026-11-26"
    assert digest.outbox_message_id == sent["ines@example.org"].id
    assert {(note.digest_id, note.handled_at) for note in notes} == {(digest.id, NOW)}


def test_running_twice_sends_one_digest_and_later_news_waits_for_the_next_period(app, session):
    ines = make_user(session, email="ines@example.org")
    news(session, ines)
    session.commit()

    run(app, session)
    late = news(session, ines, event="challenge.addressed")
    session.commit()
    again = run(app, session, NOW + timedelta(hours=3))

    assert (again.sent, again.waiting) == (0, 1)
    assert len(digests_sent(session)) == 1
    session.refresh(late)
    assert late.handled_at is None

    next_day = run(app, session, NOW + timedelta(days=1))

    assert next_day.sent == 1
    messages = digests_sent(session)
    assert len(messages) == 2
    assert "This challenge is now addressed." in messages[1].body_text
    assert "accepted" not in messages[1].body_text
    assert run(app, session, NOW + timedelta(days=1, hours=1)).sent == 0
    assert len(digests_sent(session)) == 2


def test_weekly_and_daily_periods_are_counted_in_the_persons_time_zone():
    # Sunday 23:30 in UTC is already Monday in Brussels: a new day, a new ISO week.
    late_sunday = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)

    assert period_key(DigestPeriod.DAILY, late_sunday, "UTC") == "2026-11-29"
    assert period_key(DigestPeriod.DAILY, late_sunday, "Europe/Brussels") == "2026-11-30"
    assert period_key(DigestPeriod.WEEKLY, late_sunday, "UTC") == "2026-W48"
    assert period_key(DigestPeriod.WEEKLY, late_sunday, "Europe/Brussels") == "2026-W49"
    # A time zone the system does not know counts in UTC rather than failing.
    assert period_key(DigestPeriod.DAILY, late_sunday, "Mars/Olympus") == "2026-11-29"


def test_a_weekly_reader_gets_one_digest_a_week(app, session):
    wendy = make_user(session, email="wendy@example.org")
    wendy.digest_period = DigestPeriod.WEEKLY
    wendy.timezone = "Europe/Brussels"
    news(session, wendy)
    session.commit()

    monday = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert run(app, session, monday).sent == 1
    news(session, wendy, event="challenge.addressed")
    session.commit()
    assert run(app, session, monday + timedelta(days=3)).waiting == 1
    assert run(app, session, monday + timedelta(days=7)).sent == 1

    keys = session.scalars(
        select(Digest.period_key).where(Digest.user_id == wendy.id).order_by(Digest.id)
    ).all()
    assert keys == ["2026-W48", "2026-W49"]
    messages = digests_sent(session)
    assert messages[0].subject == "Your weekly news from the S3 Community of Practice"


@pytest.mark.parametrize("why", ["never", "opted_out", "closed", "disabled"])
def test_people_who_take_no_digest_have_their_news_set_aside_without_email(app, session, why):
    person = make_user(session, email="quiet@example.org")
    if why == "never":
        person.digest_period = DigestPeriod.NEVER
    elif why == "opted_out":
        opt_out(session, "Quiet@Example.org", "digest")
    elif why == "closed":
        person.closed_at = NOW
        person.email = f"closed-{person.id}@closed.invalid"
    else:
        person.active = False
    note = news(session, person)
    session.commit()

    report = run(app, session)

    assert (report.sent, report.set_aside) == (0, 1)
    assert digests_sent(session) == []
    assert session.scalar(select(func.count(Digest.id))) == 0
    session.refresh(note)
    assert note.handled_at == NOW and note.digest_id is None
    # Handled once: the next run has nothing to do for them.
    assert run(app, session, NOW + timedelta(days=1)).set_aside == 0


def test_every_event_is_worded_and_an_unknown_one_is_an_update(app):
    with app.test_request_context():
        for code in EVENT_CODES:
            sentence = event_sentence(code, "Lombardia")
            assert sentence != str(UNKNOWN_EVENT), code
            assert "%(" not in sentence, code
        assert event_sentence("challenge.closed", "Out of scope") == (
            "This challenge was closed: Out of scope"
        )
        assert event_sentence("challenge.closed", "") == "This challenge was closed."
        assert event_sentence("meeting.moved_to_the_moon", "x") == "It was updated."
        # A long detail is quoted shortened, on one line.
        long = event_sentence("activity.completed", "word\n" * 200)
        assert len(long) < 400 and "\n" not in long and long.endswith("…")


def test_the_command_says_what_it_did(app, runner, session):
    ines = make_user(session, email="ines@example.org")
    quiet = make_user(session, email="quiet@example.org")
    quiet.digest_period = DigestPeriod.NEVER
    news(session, ines)
    news(session, quiet)
    session.commit()

    first = runner.invoke(args=["cop", "send-digests"])
    second = runner.invoke(args=["cop", "send-digests"])

    assert first.exit_code == 0, first.output
    assert "Digests: 1 queued, 0 already sent this period" in first.output
    assert "1 set aside" in first.output
    assert "Digests: 0 queued" in second.output
    [message] = digests_sent(session)
    assert "http://cop.test/challenges/1" in message.body_text


# --- Two runs at the same time (PostgreSQL) -------------------------------------------------------


@pytest.fixture
def shared_app(migrated):
    if not is_postgres(migrated):
        pytest.skip("SQLite runs one writer at a time; concurrent runs are tested on PostgreSQL")
    app = create_app(
        {
            "DATABASE_URL": migrated,
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-that-is-long-enough-for-tests",
            "BASE_URL": "http://cop.test",
            "MAIL_SENDER": "cop <no-reply@example.org>",
        }
    )
    engine = make_engine(migrated, poolclass=NullPool)
    get_db(app).sessionmaker.configure(bind=engine)
    marks = high_water_marks(engine)
    try:
        yield app
    finally:
        remove_rows_above(engine, marks)
        get_db(app).engine.dispose()
        engine.dispose()


def test_two_runs_at_once_send_each_digest_once(shared_app):
    with shared_app.test_request_context():
        session = get_session()
        people = [make_user(session) for _ in range(20)]
        for person in people:
            for event in ("challenge.accepted", "challenge.addressed"):
                news(session, person, event=event)
        session.commit()
        ids = [person.id for person in people]

    barrier = threading.Barrier(2, timeout=60)
    reports = []

    def job():
        with shared_app.test_request_context():
            barrier.wait()
            reports.append(send_digests(get_session(), now=NOW))

    threads = [threading.Thread(target=job) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sum(report.sent for report in reports) == 20, reports
    with shared_app.test_request_context():
        session = get_session()
        counts = dict(
            session.execute(
                select(OutboxMessage.recipient, func.count())
                .where(OutboxMessage.kind == "digest")
                .group_by(OutboxMessage.recipient)
            ).all()
        )
        emails = session.scalars(select(User.email).where(User.id.in_(ids))).all()
        assert counts == dict.fromkeys(emails, 1)
        unhandled = session.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id.in_(ids), Notification.handled_at.is_(None)
            )
        )
        assert unhandled == 0


def test_a_markdown_detail_is_quoted_as_plain_text_and_shortened(app):
    with app.test_request_context():
        sentence = event_sentence(
            "activity.completed", "# Lessons\n\nVouchers work **before** coaching:\n\n- a\n- b"
        )
        assert sentence == (
            "This activity is completed. What participants learnt: Lessons Vouchers work before"
            " coaching: - a - b"
        )
        long = event_sentence("activity.completed", "**word** " * 100)
        assert "*" not in long and long.endswith("word…")
        quoted = long.split(": ", 1)[1]
        assert len(quoted) <= 300
        # A plain detail (a title) is quoted as typed, its stars kept.
        assert event_sentence("activity.output_added", "R*D 2*3") == (
            "An output was added to this activity: “R*D 2*3”."
        )


def test_news_of_what_the_person_may_no_longer_read_is_set_aside(app, session):
    """Someone who left the group between a change and the digest does not read of its
    members-only records: their news is set aside; public news still comes."""
    from cop.challenges.models import ChallengeStatus
    from cop.members.models import MembershipStatus
    from tests.factories import make_challenge, make_group, make_membership, make_support_request

    group = make_group(session)
    leaver = make_user(session, name="Lea Leaver")
    membership = make_membership(session, leaver, group)
    public = make_challenge(session, group, status=ChallengeStatus.ACCEPTED, title="Public")
    closed = make_challenge(session, group, status=ChallengeStatus.CLOSED, title="Closed")
    request = make_support_request(session, public, leaver)
    news(session, leaver, record=(follows.SUPPORT_REQUEST, request.id),
         event="support_request.declined", detail="Internal reason")  # fmt: skip
    news(session, leaver, record=(follows.CHALLENGE, closed.id), event="challenge.closed",
         detail="Members-only reason")  # fmt: skip
    membership.status = MembershipStatus.LEFT
    session.commit()

    report = run(app, session)

    assert report.sent == 0 and report.set_aside == 1
    assert digests_sent(session) == []
    assert (
        session.scalar(
            select(func.count()).select_from(Notification).where(Notification.handled_at.is_(None))
        )
        == 0
    )

    news(session, leaver, record=(follows.CHALLENGE, public.id), event="challenge.addressed")
    news(session, leaver, record=(follows.SUPPORT_REQUEST, request.id),
         event="support_request.linked", detail="Another secret")  # fmt: skip
    session.commit()
    run(app, session, now=NOW + timedelta(days=1))
    (digest,) = digests_sent(session)
    assert f"http://cop.test/challenges/{public.id}" in digest.body_text
    assert "support_requests" not in digest.body_text
    assert "Another secret" not in digest.body_text and "Internal reason" not in digest.body_text
