"""Queueing email in the outbox, and sending what is due over SMTP with retries and back-off."""

from __future__ import annotations

import contextlib
import smtplib
import ssl
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, getaddresses, parseaddr

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from cop.db import utcnow
from cop.errors import Invalid
from cop.mail.models import OutboxAttachment, OutboxMessage, OutboxStatus

# A message claimed by a sender that died is offered again after this long.
STALE_CLAIM = timedelta(minutes=15)
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # may carry parameters: "text/calendar; method=REQUEST"
    data: bytes


def queue_email(
    session: Session,
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    attachments: Iterable[Attachment] = (),
    headers: dict[str, str] | None = None,
    kind: str | None = None,
) -> OutboxMessage:
    """Write one email to the outbox in the caller's transaction; `flask cop send-mail` sends it."""
    if "\n" in to or "\r" in to or len(getaddresses([to])) != 1:
        raise Invalid(f"not one email address: {to!r}", field="email")
    name, address = parseaddr(to)
    recipient = formataddr((name, address)) if name else address
    if "@" not in address or len(recipient) > 254:
        raise Invalid(f"not an email address of at most 254 characters: {to!r}", field="email")
    if "\n" in subject or "\r" in subject:
        raise Invalid("an email subject is one line", field="subject")
    for header, value in (headers or {}).items():
        if any(c in header or c in value for c in "\r\n"):
            raise Invalid(f"an email header is one line: {header!r}", field="headers")
    message = OutboxMessage(
        message_id=uuid.uuid4().hex,
        recipient=recipient,
        subject=subject[:300],
        kind=kind,
        body_text=text,
        body_html=html,
        headers=dict(headers or {}),
        status=OutboxStatus.PENDING,
        next_attempt_at=utcnow(),
        attachments=[
            OutboxAttachment(filename=a.filename, content_type=a.content_type, data=a.data)
            for a in attachments
        ],
    )
    session.add(message)
    session.flush()
    return message


def retry_delay(attempts: int) -> timedelta:
    """Back-off after the given number of failed attempts: 1, 2, 4 ... minutes, at most 6 hours."""
    # Past 2**16 minutes the cap applies anyway; bounding the exponent keeps timedelta in range.
    delay = FIRST_RETRY * (2 ** min(max(0, attempts - 1), 16))
    return min(delay, LONGEST_RETRY)


@dataclass(frozen=True)
class SMTPSettings:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    use_ssl: bool = False
    timeout: int = 20

    @classmethod
    def from_config(cls, config: dict) -> SMTPSettings:
        return cls(
            host=config["SMTP_HOST"],
            port=config["SMTP_PORT"],
            sender=config["MAIL_SENDER"],
            username=config["SMTP_USERNAME"],
            password=config["SMTP_PASSWORD"],
            starttls=config["SMTP_STARTTLS"],
            use_ssl=config["SMTP_SSL"],
            timeout=config["SMTP_TIMEOUT"],
        )


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    """The MIME message for an outbox row; the same Message-ID on every attempt."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "cop.invalid"
    email["Message-ID"] = f"<{message.message_id}@{domain}>"
    email["Auto-Submitted"] = "auto-generated"
    for name, value in (message.headers or {}).items():
        email[name] = value
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    attachments = [(a, *_content_type(a.content_type)) for a in message.attachments]
    # A calendar invitation (text/calendar with a METHOD) is also an alternative of the
    # body, where Outlook and Gmail look for it to offer "add to calendar" and to apply
    # updates and cancellations; the attached file serves every other program.
    for index, (attachment, maintype, subtype, params) in enumerate(attachments):
        if (maintype, subtype) == ("text", "calendar") and "method" in params:
            # As bytes, so that its lines keep the CRLF endings iCalendar requires; the
            # attached copy is then a plain file, so that no program applies it twice.
            email.add_alternative(
                attachment.data, maintype="text", subtype="calendar", params=params
            )
            attachments[index] = (attachment, "application", "ics", {})
    for attachment, maintype, subtype, params in attachments:
        email.add_attachment(
            attachment.data,
            maintype=maintype,
            subtype=subtype,
            filename=attachment.filename,
            params=params,
        )
    return email


def _content_type(value: str) -> tuple[str, str, dict[str, str]]:
    """'text/calendar; charset=utf-8; method=REQUEST' -> ('text', 'calendar', {...})."""
    kind, _, params_text = value.partition(";")
    maintype, _, subtype = kind.strip().partition("/")
    params = {}
    for param in params_text.split(";"):
        key, _, text = param.strip().partition("=")
        if key:
            params[key.lower()] = text.strip('"')
    return maintype.lower(), subtype.lower(), params


class SMTPTransport:
    """One SMTP connection, opened on first use and closed at the end of a sending run."""

    def __init__(self, settings: SMTPSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def send(self, email: EmailMessage) -> None:
        if self._smtp is None:
            try:
                self._smtp = self._connect()
            except (smtplib.SMTPException, OSError) as error:
                raise ServerProblem(f"{type(error).__name__}: {error}") from error
        self._smtp.send_message(email)

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.use_ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            if s.starttls:
                smtp.starttls(context=ssl.create_default_context())
        if s.username:
            smtp.login(s.username, s.password or "")
        return smtp

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._smtp = None


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    # The server could not take messages; the rest of the due ones wait for the next run.
    server_unavailable: bool = False
    errors: list[str] = field(default_factory=list)


class ServerProblem(Exception):
    """Connecting, greeting or logging in to the mail server failed: no message is to blame."""


# Replies about the server or cop's settings (login, STARTTLS, sender address), not a message.
SERVER_ERRORS = (
    ServerProblem,
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    smtplib.SMTPHeloError,
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPNotSupportedError,
    smtplib.SMTPSenderRefused,
)


def _is_server_failure(error: Exception) -> bool:
    """The server cannot take any message now: keep them all, retry later, stop this run."""
    if isinstance(error, SERVER_ERRORS):
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return any(code == 421 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code == 421
    # smtplib's exceptions are OSErrors too; a refusal of one message is not a server failure.
    return isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException)


def _is_permanent(error: Exception) -> bool:
    """A refusal of this very message (bad recipient, rejected content): retrying cannot help."""
    if isinstance(error, ValueError):
        # The message itself cannot be built (a clashing header).
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return False


def _due(session: Session, now: datetime, limit: int) -> list[int]:
    return list(
        session.scalars(
            select(OutboxMessage.id)
            .where(
                or_(
                    (OutboxMessage.status == OutboxStatus.PENDING)
                    & (OutboxMessage.next_attempt_at <= now),
                    (OutboxMessage.status == OutboxStatus.SENDING)
                    & (OutboxMessage.last_attempt_at <= now - STALE_CLAIM),
                )
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
    )


def _claim(session: Session, message_id: int, now: datetime) -> OutboxMessage | None:
    """Mark a due message as being sent, unless another sender got there first."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            or_(
                (OutboxMessage.status == OutboxStatus.PENDING)
                & (OutboxMessage.next_attempt_at <= now),
                (OutboxMessage.status == OutboxStatus.SENDING)
                & (OutboxMessage.last_attempt_at <= now - STALE_CLAIM),
            ),
        )
        .values(
            status=OutboxStatus.SENDING,
            last_attempt_at=now,
            attempts=OutboxMessage.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    session.commit()
    if result.rowcount != 1:
        return None
    return session.get(OutboxMessage, message_id, populate_existing=True)


def send_pending(
    session: Session,
    transport: SMTPTransport,
    *,
    max_attempts: int = 10,
    now: datetime | None = None,
    limit: int = 500,
) -> SendReport:
    """Send every due message once, committing after each, and schedule retries for failures.

    This is a job, not a domain operation, so it commits as it goes: a message is
    claimed (committed) before it is handed to SMTP and marked sent right after,
    so a second sender running at the same time never sends it again. When the
    server cannot be reached, the run stops and the rest wait for the next run.
    """
    now = now or utcnow()
    report = SendReport()
    try:
        for message_id in _due(session, now, limit):
            message = _claim(session, message_id, now)
            if message is None:
                continue
            try:
                transport.send(build_email(message, transport.settings.sender))
            except (
                ServerProblem,
                TimeoutError,
                smtplib.SMTPException,
                OSError,
                ValueError,
            ) as error:
                text = f"{type(error).__name__}: {error}"[:1000]
                message.last_error = text
                report.errors.append(f"message {message.id}: {text}")
                server_failure = _is_server_failure(error)
                # A server that is down or misconfigured never uses up a message's attempts.
                if not server_failure and (
                    _is_permanent(error) or message.attempts >= max_attempts
                ):
                    message.status = OutboxStatus.FAILED
                    report.failed += 1
                else:
                    message.status = OutboxStatus.PENDING
                    message.next_attempt_at = now + retry_delay(message.attempts)
                    report.retrying += 1
                session.commit()
                if server_failure:
                    report.server_unavailable = True
                    transport.close()
                    break
                continue
            message.status = OutboxStatus.SENT
            message.sent_at = utcnow()
            message.last_error = None
            session.commit()
            report.sent += 1
    finally:
        transport.close()
    return report
