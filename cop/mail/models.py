"""The outbox (every email is a row here, written in the transaction of the change that caused
it), and what people follow: follows, notifications, digests and unsubscriptions."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cop.db import Base, UTCDateTime, enum_type, utcnow


class OutboxStatus(enum.Enum):
    PENDING = "pending"  # waiting for its first or next attempt
    SENDING = "sending"  # claimed by a sender; back to pending if the sender died
    SENT = "sent"
    FAILED = "failed"  # refused for good or out of attempts; kept for the record


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_due", "status", "next_attempt_at"),
        Index("ix_outbox_messages_recipient", "recipient", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    # What the message is (the template it came from, e.g. "auth_reset_password"), if known.
    kind: Mapped[str | None] = mapped_column(String(60))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    # Extra headers, such as List-Unsubscribe.
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    status: Mapped[OutboxStatus] = mapped_column(
        enum_type(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    attachments: Mapped[list[OutboxAttachment]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="OutboxAttachment.id"
    )


class OutboxAttachment(Base):
    __tablename__ = "outbox_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(200))
    data: Mapped[bytes] = mapped_column(LargeBinary)

    message: Mapped[OutboxMessage] = relationship(back_populates="attachments")


class DigestPeriod(enum.Enum):
    """How often a person hears of what they follow: one digest a day, a week, or none."""

    DAILY = "daily"
    WEEKLY = "weekly"
    NEVER = "never"


class Follow(Base):
    """A person following a record (a challenge, a practice, an activity, a support request):
    its changes reach them as notifications. `target` names the kind of record."""

    __tablename__ = "follows"
    __table_args__ = (
        UniqueConstraint("user_id", "target", "target_id"),
        Index("ix_follows_target", "target", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    target: Mapped[str] = mapped_column(String(30))
    target_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Notification(Base):
    """One change one person should hear about, written in the change's transaction and
    handled once: put in a digest, or set aside when the person takes no digest."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_pending", "user_id", "handled_at"),
        Index("ix_notifications_target", "target", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    target: Mapped[str] = mapped_column(String(30))
    target_id: Mapped[int] = mapped_column(Integer)
    # What happened ("challenge.accepted"); the digest words it in the reader's language.
    event: Mapped[str] = mapped_column(String(60))
    # The record's title and address when it happened, and a detail such as a reason.
    title: Mapped[str] = mapped_column(String(300))
    path: Mapped[str] = mapped_column(String(300))
    detail: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("digests.id"), index=True)


class Digest(Base):
    """The one digest email of a person and period ("2026-11-26", "2026-W48"): the unique
    key is what makes `flask cop send-digests` send it once however often it runs."""

    __tablename__ = "digests"
    __table_args__ = (UniqueConstraint("user_id", "period_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    period: Mapped[DigestPeriod] = mapped_column(enum_type(DigestPeriod, "digest_period"))
    period_key: Mapped[str] = mapped_column(String(12))
    outbox_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MailOptOut(Base):
    """An address that asked to receive no more email of one kind (cop.mail.kinds). Kept by
    address, so that people without an account (meeting guests) can unsubscribe too."""

    __tablename__ = "mail_opt_outs"
    __table_args__ = (UniqueConstraint("address", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
