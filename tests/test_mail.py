"""The email outbox: messages are queued with the change that causes them and reach a real
SMTP server exactly once, through outages, refusals and senders that die mid-run."""

from __future__ import annotations

import socket
from collections import Counter
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from cop.db import utcnow
from cop.errors import Invalid
from cop.mail.models import OutboxAttachment, OutboxMessage, OutboxStatus
from cop.mail.services import (
    STALE_CLAIM,
    Attachment,
    SMTPSettings,
    SMTPTransport,
    queue_email,
    retry_delay,
    send_pending,
)
from cop.members.models import User
from tests.factories import make_user

SENDER = "cop <no-reply@example.org>"  # MAIL_SENDER in the test app (tests/conftest.py)
ICS = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
    b"UID:meeting-1@cop.test\r\nSUMMARY:Kick-off\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


# --- A real SMTP server on 127.0.0.1 that keeps what it is given ---------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Recorder:
    """aiosmtpd handler: accepts everything unless told otherwise, and records every DATA."""

    def __init__(self) -> None:
        self.refuse: dict[str, str] = {}  # recipient address -> reply to its RCPT TO
        self.refused: list[str] = []  # every recipient refused, in order
        self.data_replies: list[str] = []  # replies for the next DATA commands, then "250 OK"
        self.attempts: list[tuple[object, str]] = []  # (envelope, reply) for every DATA

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            self.refused.append(address)
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        reply = self.data_replies.pop(0) if self.data_replies else "250 OK"
        self.attempts.append((envelope, reply))
        return reply


class SMTPSink:
    """An SMTP server that can be stopped and started again on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.handler = Recorder()
        self._controller: Controller | None = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        assert not self.running
        self._controller = Controller(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            server_hostname="sink.test",
            ready_timeout=5,
        )
        self._controller.start()

    def stop(self) -> None:
        assert self._controller is not None
        self._controller.stop()
        self._controller = None

    @property
    def envelopes(self) -> list:
        """Envelopes of the messages the server accepted."""
        return [envelope for envelope, reply in self.handler.attempts if reply.startswith("250")]

    @property
    def received(self) -> list[EmailMessage]:
        return [parse(envelope) for envelope in self.envelopes]

    def count_by_message_id(self) -> Counter:
        return Counter(message["Message-ID"] for message in self.received)

    def received_by(self, address: str) -> list[EmailMessage]:
        return [parse(e) for e in self.envelopes if e.rcpt_tos == [address]]


def parse(envelope) -> EmailMessage:
    return message_from_bytes(envelope.content, policy=policy.default)


# --- Helpers -------------------------------------------------------------------------------


def send(app, session, **kwargs):
    """One sending run, as the `send-mail` command does it but with a chosen clock."""
    return send_pending(session, SMTPTransport(SMTPSettings.from_config(app.config)), **kwargs)


def queue(session, to: str, subject: str = "Hello", **kwargs) -> OutboxMessage:
    return queue_email(session, to=to, subject=subject, text=f"Text for {to}", **kwargs)


def fresh(session, *messages: OutboxMessage) -> None:
    """Reload rows another session (the command's) may have changed."""
    for message in messages:
        session.refresh(message)


def header_id(message: OutboxMessage) -> str:
    return f"<{message.message_id}@example.org>"


def outbox_count(session) -> int:
    return session.scalar(select(func.count()).select_from(OutboxMessage))


def send_mail(runner, *args: str, server_down: bool = False):
    """Run `flask cop send-mail`; it exits 1 (for cron to alert) when the server was unavailable."""
    result = runner.invoke(args=["cop", "send-mail", *args])
    if server_down:
        assert result.exit_code == 1, result.output
        assert "The mail server could not take messages" in result.stderr
    else:
        assert result.exception is None, result.output
    return result


# --- The key scenario ----------------------------------------------------------------------


def test_mail_survives_an_smtp_outage_each_message_delivered_exactly_once(
    app, session, runner, sink
):
    before = [queue(session, f"before{n}@example.org") for n in range(2)]
    session.commit()

    # The server is up: both go out.
    result = send_mail(runner)
    assert result.stdout == "Mail: 2 sent, 0 to retry, 0 failed.\n"
    assert sink.count_by_message_id() == {header_id(m): 1 for m in before}

    # The server goes down; more mail is queued meanwhile.
    sink.stop()
    during = [queue(session, f"during{n}@example.org") for n in range(2)]
    session.commit()
    started = utcnow()

    result = send_mail(runner, server_down=True)
    assert result.stdout == "Mail: 0 sent, 1 to retry, 0 failed.\n"
    assert "ConnectionRefusedError" in result.stderr
    fresh(session, *during)
    first, second = during
    assert first.status == OutboxStatus.PENDING
    assert first.attempts == 1
    assert "ConnectionRefusedError" in first.last_error
    assert first.next_attempt_at > utcnow()
    assert first.next_attempt_at - first.last_attempt_at == retry_delay(1) == timedelta(minutes=1)
    assert first.last_attempt_at >= started - timedelta(seconds=1)
    # The run stopped at the unreachable server: the next message waits, not charged an attempt.
    assert (second.status, second.attempts, second.last_error) == (OutboxStatus.PENDING, 0, None)

    # Run again at once: the first is not retried before its time; the second gets its try.
    first_retry_at = first.next_attempt_at
    result = send_mail(runner, server_down=True)
    assert result.stdout == "Mail: 0 sent, 1 to retry, 0 failed.\n"
    fresh(session, *during)
    assert (first.attempts, first.next_attempt_at) == (1, first_retry_at)
    assert second.status == OutboxStatus.PENDING
    assert second.attempts == 1
    assert "ConnectionRefusedError" in second.last_error
    assert second.next_attempt_at > utcnow()

    # And again: nothing is due, nothing is tried.
    result = send_mail(runner)
    assert result.stdout == "Mail: 0 sent, 0 to retry, 0 failed.\n"
    fresh(session, *during)
    assert [m.attempts for m in during] == [1, 1]
    assert all(m.status == OutboxStatus.PENDING for m in during)
    assert len(sink.handler.attempts) == 2  # nothing reached the server while it was down

    # The server is back, on the same port; the retries come due.
    sink.start()
    later = max(m.next_attempt_at for m in during) + timedelta(seconds=1)
    report = send(app, session, now=later)
    assert (report.sent, report.retrying, report.failed) == (2, 0, 0)

    # Further runs, now and much later, send nothing twice.
    assert send_mail(runner).stdout == "Mail: 0 sent, 0 to retry, 0 failed.\n"
    assert send(app, session, now=later + timedelta(days=2)).sent == 0

    everything = before + during
    assert sink.count_by_message_id() == {header_id(m): 1 for m in everything}
    assert sorted(e.rcpt_tos[0] for e in sink.envelopes) == sorted(m.recipient for m in everything)
    fresh(session, *everything)
    assert all(m.status == OutboxStatus.SENT for m in everything)
    assert [m.attempts for m in everything] == [1, 1, 2, 2]
    assert all(m.last_error is None and m.sent_at is not None for m in everything)


# --- What arrives ------------------------------------------------------------------------


def test_html_alternative_attachment_and_extra_headers_arrive_with_a_stable_message_id(
    app, session, sink
):
    row = queue_email(
        session,
        to="Zoë Example <zoe@example.org>",
        subject="Réunion: kick-off on 1 June",
        text="You are invited to the kick-off.",
        html="<p>You are <b>invited</b> to the kick-off.</p>",
        attachments=[Attachment("invite.ics", "text/calendar; method=REQUEST", ICS)],
        headers={
            "List-Unsubscribe": "<https://cop.test/unsubscribe/abc>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    session.commit()
    # The server takes the message in, then says "later" the first time.
    sink.handler.data_replies.append("451 4.3.0 try again later")

    report = send(app, session)
    assert (report.sent, report.retrying) == (0, 1)
    session.refresh(row)
    assert row.status == OutboxStatus.PENDING
    assert "451" in row.last_error and "try again later" in row.last_error
    assert sink.received == []

    report = send(app, session, now=row.next_attempt_at)
    assert report.sent == 1

    assert len(sink.handler.attempts) == 2
    first_try = parse(sink.handler.attempts[0][0])
    (delivered,) = sink.received_by("zoe@example.org")
    # Same identity on every attempt, so a recipient's client can drop a duplicate.
    assert delivered["Message-ID"] == first_try["Message-ID"] == header_id(row)
    assert delivered["Date"] == first_try["Date"]
    assert delivered["Date"].datetime == row.created_at.replace(microsecond=0)

    envelope = sink.envelopes[0]
    assert envelope.mail_from == "no-reply@example.org"
    assert envelope.rcpt_tos == ["zoe@example.org"]
    assert delivered["From"] == SENDER
    assert delivered["To"].addresses[0].display_name == "Zoë Example"
    assert delivered["To"].addresses[0].addr_spec == "zoe@example.org"
    assert delivered["Subject"] == "Réunion: kick-off on 1 June"
    assert delivered["Auto-Submitted"] == "auto-generated"
    assert delivered["List-Unsubscribe"] == "<https://cop.test/unsubscribe/abc>"
    assert delivered["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    assert delivered.get_content_type() == "multipart/mixed"
    body, attachment = delivered.iter_parts()
    assert body.get_content_type() == "multipart/alternative"
    text, html, invitation = body.iter_parts()
    assert text.get_content_type() == "text/plain"
    assert text.get_content().strip() == "You are invited to the kick-off."
    assert html.get_content_type() == "text/html"
    assert html.get_content().strip() == "<p>You are <b>invited</b> to the kick-off.</p>"
    # A calendar invitation is also an alternative of the body (where Outlook and Gmail look
    # for it), its bytes kept as they are; the attached copy is a plain file.
    assert invitation.get_content_type() == "text/calendar"
    assert invitation.get_param("method") == "REQUEST"
    assert invitation.get_payload(decode=True) == ICS
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content_type() == "application/ics"
    assert attachment.get_payload(decode=True) == ICS


def test_a_plain_message_is_a_single_text_part(app, session, sink):
    row = queue(session, "uma@example.org", subject="Your account")
    session.commit()

    send(app, session)

    (message,) = sink.received_by("uma@example.org")
    assert message["Message-ID"] == header_id(row)
    assert not message.is_multipart()
    assert message.get_content_type() == "text/plain"
    assert message.get_content().strip() == "Text for uma@example.org"
    assert message["List-Unsubscribe"] is None


# --- Refusals ------------------------------------------------------------------------------


def test_a_permanent_refusal_fails_after_one_attempt_and_the_others_still_go(app, session, sink):
    sink.handler.refuse["nobody@example.org"] = "550 no such user"
    refused = queue(session, "nobody@example.org")
    others = [queue(session, f"member{n}@example.org") for n in range(2)]
    session.commit()

    report = send(app, session)

    assert (report.sent, report.retrying, report.failed) == (2, 0, 1)
    assert sink.count_by_message_id() == {header_id(m): 1 for m in others}
    session.refresh(refused)
    assert refused.status == OutboxStatus.FAILED
    assert refused.attempts == 1
    assert "550" in refused.last_error and "no such user" in refused.last_error
    assert refused.sent_at is None

    # A failed message is kept for the record but never tried again.
    send(app, session, now=utcnow() + timedelta(days=3))
    session.refresh(refused)
    assert (refused.status, refused.attempts) == (OutboxStatus.FAILED, 1)
    assert sink.handler.refused == ["nobody@example.org"]


def test_temporary_refusals_are_retried_with_back_off_until_max_attempts_then_failed(
    app, session, sink
):
    sink.handler.refuse["busy@example.org"] = "451 4.2.1 mailbox busy, try later"
    busy = queue(session, "busy@example.org")
    other = queue(session, "other@example.org")
    session.commit()
    now = utcnow()

    report = send(app, session, max_attempts=3, now=now)
    # The busy mailbox does not hold up the next message.
    assert (report.sent, report.retrying, report.failed) == (1, 1, 0)
    assert sink.count_by_message_id() == {header_id(other): 1}
    session.refresh(busy)
    assert (busy.status, busy.attempts) == (OutboxStatus.PENDING, 1)
    assert busy.next_attempt_at == now + timedelta(minutes=1)

    # Not before its time.
    assert send(app, session, max_attempts=3, now=now + timedelta(seconds=59)).retrying == 0
    assert sink.handler.refused == ["busy@example.org"]

    now = busy.next_attempt_at
    assert send(app, session, max_attempts=3, now=now).retrying == 1
    session.refresh(busy)
    assert (busy.status, busy.attempts) == (OutboxStatus.PENDING, 2)
    assert busy.next_attempt_at == now + timedelta(minutes=2)

    report = send(app, session, max_attempts=3, now=busy.next_attempt_at)
    assert (report.retrying, report.failed) == (0, 1)
    session.refresh(busy)
    assert (busy.status, busy.attempts) == (OutboxStatus.FAILED, 3)
    assert "451" in busy.last_error and "mailbox busy" in busy.last_error

    assert send(app, session, max_attempts=3, now=now + timedelta(days=1)).failed == 0
    assert sink.handler.refused == ["busy@example.org"] * 3
    assert sink.count_by_message_id() == {header_id(other): 1}


def test_a_server_closing_the_connection_ends_the_run_without_charging_the_rest(app, session, sink):
    sink.handler.refuse["first@example.org"] = "421 4.3.2 service shutting down"
    first = queue(session, "first@example.org")
    second = queue(session, "second@example.org")
    session.commit()

    report = send(app, session)

    assert (report.sent, report.retrying, report.failed) == (0, 1, 0)
    session.refresh(first)
    session.refresh(second)
    assert (first.status, first.attempts) == (OutboxStatus.PENDING, 1)
    assert "421" in first.last_error
    assert (second.status, second.attempts, second.last_error) == (OutboxStatus.PENDING, 0, None)

    assert send(app, session).sent == 1  # the next run takes the second; the first is not due
    assert sink.count_by_message_id() == {header_id(second): 1}


def test_the_command_gives_up_after_mail_max_attempts(app, session, runner, sink):
    app.config["MAIL_MAX_ATTEMPTS"] = 1
    sink.handler.refuse["busy@example.org"] = "451 4.2.1 mailbox busy, try later"
    busy = queue(session, "busy@example.org")
    session.commit()

    result = send_mail(runner)

    assert result.stdout == "Mail: 0 sent, 0 to retry, 1 failed.\n"
    session.refresh(busy)
    assert (busy.status, busy.attempts) == (OutboxStatus.FAILED, 1)


def test_a_message_that_cannot_be_built_fails_without_stopping_the_run(app, session, sink):
    # A Message-ID in the extra headers clashes with the one every message gets.
    broken = queue(session, "broken@example.org", headers={"Message-ID": "<mine@example.org>"})
    fine = queue(session, "fine@example.org")
    session.commit()

    report = send(app, session)

    assert (report.sent, report.failed) == (1, 1)
    assert sink.count_by_message_id() == {header_id(fine): 1}
    session.refresh(broken)
    assert (broken.status, broken.attempts) == (OutboxStatus.FAILED, 1)
    assert "Message-ID" in broken.last_error
    assert send(app, session, now=utcnow() + STALE_CLAIM + timedelta(days=1)).failed == 0


# --- The outbox is part of the caller's transaction ---------------------------------------


def test_mail_queued_in_a_rolled_back_transaction_is_never_sent(app, session, sink):
    make_user(session, email="newcomer@example.org")
    queue(session, "newcomer@example.org", subject="Welcome")
    queue(session, "ada@example.org", subject="A newcomer joined")
    session.flush()
    assert outbox_count(session) == 2
    session.rollback()

    assert outbox_count(session) == 0
    assert session.scalar(select(func.count()).select_from(OutboxAttachment)) == 0
    assert session.scalar(select(User).where(User.email == "newcomer@example.org")) is None
    assert send(app, session).sent == 0
    assert sink.handler.attempts == []

    # The same change committed sends both.
    make_user(session, email="newcomer@example.org")
    queue(session, "newcomer@example.org", subject="Welcome")
    queue(session, "ada@example.org", subject="A newcomer joined")
    session.commit()
    assert send(app, session).sent == 2
    assert sorted(m["Subject"] for m in sink.received) == ["A newcomer joined", "Welcome"]


@pytest.mark.parametrize(
    ("to", "subject", "field", "headers"),
    [
        ("not-an-address", "Hello", "email", None),
        ("", "Hello", "email", None),
        ("Eve Example", "Hello", "email", None),
        ("victim@example.org\nBcc: everyone@example.org", "Hello", "email", None),
        ("victim@example.org\r\nBcc: everyone@example.org", "Hello", "email", None),
        ("victim@example.org", "Hello\nBcc: everyone@example.org", "subject", None),
        ("victim@example.org", "Hello\r\n\r\nA body of my own", "subject", None),
        ("victim@example.org", "Hello\rthere", "subject", None),
        (
            "victim@example.org",
            "Hello",
            "headers",
            {"List-Unsubscribe": "<https://cop.test/u>\r\nBcc: everyone@example.org"},
        ),
        ("victim@example.org", "Hello", "headers", {"X-Evil\nBcc": "everyone@example.org"}),
    ],
)
def test_queue_email_refuses_bad_recipients_and_header_injection(
    app, session, sink, to, subject, field, headers
):
    with pytest.raises(Invalid) as refused:
        queue_email(session, to=to, subject=subject, text="Hi", headers=headers)

    assert refused.value.field == field
    assert not session.new
    session.commit()
    assert outbox_count(session) == 0
    assert send(app, session).sent == 0
    assert sink.handler.attempts == []


# --- A sender that died ------------------------------------------------------------------


class SenderDied(BaseException):
    """Stands for the process being killed while it talks to the server."""


class DyingTransport(SMTPTransport):
    def send(self, email):
        raise SenderDied


def test_a_claim_left_by_a_dead_sender_is_taken_up_after_the_stale_period(app, session, sink):
    row = queue(session, "uma@example.org")
    session.commit()
    died_at = utcnow()

    with pytest.raises(SenderDied):
        send_pending(session, DyingTransport(SMTPSettings.from_config(app.config)), now=died_at)
    session.refresh(row)
    assert (row.status, row.attempts, row.last_attempt_at) == (OutboxStatus.SENDING, 1, died_at)

    # Another sender does not touch it while the first might still be working on it.
    report = send(app, session, now=died_at + STALE_CLAIM - timedelta(seconds=1))
    assert report.sent == 0
    session.refresh(row)
    assert (row.status, row.attempts) == (OutboxStatus.SENDING, 1)
    assert sink.received == []

    report = send(app, session, now=died_at + STALE_CLAIM)
    assert report.sent == 1
    session.refresh(row)
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 2)

    send(app, session, now=died_at + STALE_CLAIM * 10)
    assert sink.count_by_message_id() == {header_id(row): 1}


# --- Back-off and the command ------------------------------------------------------------


def test_retry_delay_doubles_from_one_minute_and_stops_at_six_hours():
    assert [retry_delay(n) for n in range(1, 10)] == [
        timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 64, 128, 256)
    ]
    assert retry_delay(0) == timedelta(minutes=1)
    assert retry_delay(10) == timedelta(hours=6)
    assert retry_delay(11) == timedelta(hours=6)
    # Stale claims and a raised MAIL_MAX_ATTEMPTS can take attempts far beyond ten.
    assert retry_delay(100) == timedelta(hours=6)
    assert retry_delay(10_000) == timedelta(hours=6)


def test_the_command_prints_a_summary_and_the_errors(app, session, runner, sink):
    sink.handler.refuse["nobody@example.org"] = "550 no such user"
    sink.handler.refuse["busy@example.org"] = "451 4.2.1 mailbox busy"
    refused = queue(session, "nobody@example.org")
    busy = queue(session, "busy@example.org")
    fine = [queue(session, f"member{n}@example.org") for n in range(2)]
    session.commit()

    result = send_mail(runner)

    assert result.exit_code == 0
    assert result.stdout == "Mail: 2 sent, 1 to retry, 1 failed.\n"
    errors = result.stderr.splitlines()
    assert len(errors) == 2
    assert errors[0].startswith(f"  message {refused.id}: SMTPRecipientsRefused")
    assert "550" in errors[0] and "no such user" in errors[0]
    assert errors[1].startswith(f"  message {busy.id}: SMTPRecipientsRefused")
    assert "451" in errors[1]
    assert sink.count_by_message_id() == {header_id(m): 1 for m in fine}


def test_the_command_sends_at_most_limit_messages_per_run(app, session, runner, sink):
    rows = [queue(session, f"member{n}@example.org") for n in range(3)]
    session.commit()

    assert send_mail(runner, "--limit", "2").stdout == "Mail: 2 sent, 0 to retry, 0 failed.\n"
    assert sink.count_by_message_id() == {header_id(m): 1 for m in rows[:2]}

    assert send_mail(runner, "--limit", "2").stdout == "Mail: 1 sent, 0 to retry, 0 failed.\n"
    assert sink.count_by_message_id() == {header_id(m): 1 for m in rows}


def test_queue_email_refuses_several_recipients_and_overlong_ones(session):
    for to in ("a@example.org, b@example.org", f"{'N' * 260} <n@example.org>"):
        with pytest.raises(Invalid):
            queue_email(session, to=to, subject="Hello", text="Body")
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("problem", ["login required", "sender refused"])
def test_a_misconfigured_server_keeps_every_message_for_later(app, session, problem):
    """A refusal that concerns the server or cop's settings is not the message's fault."""

    class Handler:
        async def handle_MAIL(self, server, session_, envelope, address, options):
            if problem == "sender refused":
                return "553 5.7.1 Sender address rejected"
            envelope.mail_from = address
            return "250 OK"

        async def handle_DATA(self, server, session_, envelope):
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(
        Handler(),
        hostname="127.0.0.1",
        port=port,
        auth_required=problem == "login required",
        auth_require_tls=False,
    )
    controller.start()
    try:
        messages = [queue(session, f"member{n}@example.org") for n in range(3)]
        session.commit()
        transport = SMTPTransport(
            SMTPSettings(
                host="127.0.0.1", port=port, sender="cop <no-reply@example.org>", timeout=2
            )
        )
        report = send_pending(session, transport, max_attempts=1)
    finally:
        controller.stop()

    assert report.server_unavailable
    assert (report.sent, report.failed) == (0, 0)
    statuses = [fresh_status(session, m) for m in messages]
    assert statuses == [
        (OutboxStatus.PENDING, 1),
        (OutboxStatus.PENDING, 0),
        (OutboxStatus.PENDING, 0),
    ]


def fresh_status(session, message):
    session.refresh(message)
    return message.status, message.attempts


def test_the_outbox_command_shows_the_newest_messages(runner, session):
    queue_email(
        session, to="reader@example.org", subject="Confirm your address", text="Open http://x/1"
    )
    queue_email(session, to="other@example.org", subject="Something else", text="Body")
    session.commit()

    listed = runner.invoke(args=["cop", "outbox", "--to", "Reader@example.org", "--show"])

    assert listed.exit_code == 0, listed.output
    assert "to reader@example.org: Confirm your address" in listed.output
    assert "Open http://x/1" in listed.output
    assert "Something else" not in listed.output
    empty = runner.invoke(args=["cop", "outbox", "--to", "nobody@example.org"])
    assert "The outbox holds no such message." in empty.output
