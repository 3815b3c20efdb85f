"""Records of the meetings context: meetings, their agenda and materials, registrations, reminders."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cop.db import Base, UTCDateTime, enum_type, utcnow


class MeetingKind(enum.Enum):
    PLENARY = "plenary"
    WEBINAR = "webinar"
    WORKSHOP = "workshop"
    STUDY_VISIT = "study_visit"
    PEER_REVIEW_VISIT = "peer_review_visit"


class MeetingFormat(enum.Enum):
    IN_PERSON = "in_person"
    ONLINE = "online"
    HYBRID = "hybrid"


class Audience(enum.Enum):
    """Who may register: the group's members, or anyone (with or without an account)."""

    MEMBERS = "members"
    OPEN = "open"


class MeetingStatus(enum.Enum):
    """Draft (coordinators only) -> published -> cancelled. A postponed meeting stays
    published with its new date; `postponed_from` keeps the date it had."""

    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class AttendanceMode(enum.Enum):
    IN_PERSON = "in_person"
    ONLINE = "online"


class RegistrationStatus(enum.Enum):
    """Pending: an anonymous registration whose email is not confirmed yet (holds no seat)."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class Visibility(enum.Enum):
    PUBLIC = "public"
    MEMBERS = "members"


class MaterialKind(enum.Enum):
    FILE = "file"
    LINK = "link"
    RECORDING = "recording"


# The modes a format offers, in the order forms show them.
FORMAT_MODES = {
    MeetingFormat.IN_PERSON: (AttendanceMode.IN_PERSON,),
    MeetingFormat.ONLINE: (AttendanceMode.ONLINE,),
    MeetingFormat.HYBRID: (AttendanceMode.IN_PERSON, AttendanceMode.ONLINE),
}


class Meeting(Base):
    """Every dated gathering of a group: a plenary of the cycle, a webinar, a workshop, a visit.

    Start and end are instants (UTC); `timezone` is the IANA zone the meeting is
    planned in, used to show and export its wall-clock times. `sequence` rises on
    every change a participant should see (time, place, link, status), as calendar
    programs expect.
    """

    __tablename__ = "meetings"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("cycle_slot IS NULL OR cycle_slot BETWEEN 1 AND 120", name="slot_range"),
        CheckConstraint(
            "(kind = 'plenary') = (cycle_slot IS NOT NULL)", name="slot_only_for_plenaries"
        ),
        CheckConstraint(
            "capacity_in_person IS NULL OR capacity_in_person > 0",
            name="capacity_in_person_positive",
        ),
        CheckConstraint(
            "capacity_online IS NULL OR capacity_online > 0", name="capacity_online_positive"
        ),
        CheckConstraint("sequence >= 0", name="sequence_not_negative"),
        # At most one plenary per slot of a group's cycle, unless it was cancelled.
        Index(
            "uq_meetings_plenary_slot",
            "group_id",
            "cycle_slot",
            unique=True,
            sqlite_where=text("cycle_slot IS NOT NULL AND status <> 'cancelled'"),
            postgresql_where=text("cycle_slot IS NOT NULL AND status <> 'cancelled'"),
        ),
        Index("ix_meetings_group_starts", "group_id", "starts_at"),
        Index("ix_meetings_starts_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id"))
    kind: Mapped[MeetingKind] = mapped_column(enum_type(MeetingKind, "meeting_kind"))
    cycle_slot: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64))
    format: Mapped[MeetingFormat] = mapped_column(enum_type(MeetingFormat, "meeting_format"))
    venue: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    # Shown only to people confirmed for the meeting (and its coordinators).
    online_url: Mapped[str] = mapped_column(String(500), default="")
    # None: no limit for that mode.
    capacity_in_person: Mapped[int | None] = mapped_column(Integer)
    capacity_online: Mapped[int | None] = mapped_column(Integer)
    # None: registration opens on publication and closes when the meeting starts.
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    audience: Mapped[Audience] = mapped_column(
        enum_type(Audience, "meeting_audience"), default=Audience.MEMBERS
    )
    status: Mapped[MeetingStatus] = mapped_column(
        enum_type(MeetingStatus, "meeting_status"), default=MeetingStatus.DRAFT
    )
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    # Days before the start at which registered people are reminded, e.g. "7,1".
    reminder_days: Mapped[str] = mapped_column(String(40), default="7,1")
    agenda_visibility: Mapped[Visibility] = mapped_column(
        enum_type(Visibility, "agenda_visibility"), default=Visibility.PUBLIC
    )
    minutes: Mapped[str] = mapped_column(Text, default="")
    minutes_visibility: Mapped[Visibility] = mapped_column(
        enum_type(Visibility, "minutes_visibility"), default=Visibility.MEMBERS
    )
    postponed_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    group: Mapped[WorkingGroup] = relationship()  # noqa: F821
    created_by: Mapped[User | None] = relationship()  # noqa: F821
    agenda_items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting",
        order_by="(AgendaItem.starts_at, AgendaItem.id)",
        cascade="all, delete-orphan",
    )
    materials: Mapped[list[Material]] = relationship(
        back_populates="meeting", order_by="Material.id"
    )

    @hybrid_property
    def public(self) -> bool:
        """Whether the meeting was ever published: then everyone may read it, cancelled or not.
        A draft, or a draft cancelled before publication, is for its coordinators only."""
        return self.published_at is not None

    @public.inplace.expression
    @classmethod
    def _public_expression(cls):
        return cls.published_at.is_not(None)

    @property
    def modes(self) -> tuple[AttendanceMode, ...]:
        return FORMAT_MODES[self.format]

    def capacity(self, mode: AttendanceMode) -> int | None:
        return self.capacity_in_person if mode is AttendanceMode.IN_PERSON else self.capacity_online

    def __repr__(self) -> str:
        return f"<Meeting {self.id}>"


class AgendaItem(Base):
    """One point of a meeting's agenda: when, what, who speaks."""

    __tablename__ = "agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    title: Mapped[str] = mapped_column(String(200))
    speakers: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")

    meeting: Mapped[Meeting] = relationship(back_populates="agenda_items")


class Material(Base):
    """A file, link or recording of a meeting. Withdrawn, never deleted."""

    __tablename__ = "meeting_materials"
    __table_args__ = (
        CheckConstraint("(kind = 'file') = (storage_key IS NOT NULL)", name="file_has_storage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    kind: Mapped[MaterialKind] = mapped_column(enum_type(MaterialKind, "material_kind"))
    title: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(500), default="")
    # Files: the original name, its type and size, and where the bytes are kept
    # (the SHA-256 of the content, under the instance folder).
    filename: Mapped[str] = mapped_column(String(255), default="")
    content_type: Mapped[str] = mapped_column(String(120), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    storage_key: Mapped[str | None] = mapped_column(String(64))
    visibility: Mapped[Visibility] = mapped_column(
        enum_type(Visibility, "material_visibility"), default=Visibility.PUBLIC
    )
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    meeting: Mapped[Meeting] = relationship(back_populates="materials")


class Registration(Base):
    """A person's place at a meeting, in one attendance mode.

    Members register with their account; for an open meeting, anyone may register
    with a name and an email confirmed by a link (`user_id` is then empty). One row
    per person and meeting: cancelling and registering again reuse it. The waiting
    list of a mode is its waitlisted rows in `queued_at` order.
    """

    __tablename__ = "registrations"
    __table_args__ = (
        Index(
            "uq_registrations_meeting_user",
            "meeting_id",
            "user_id",
            unique=True,
            sqlite_where=text("user_id IS NOT NULL"),
            postgresql_where=text("user_id IS NOT NULL"),
        ),
        Index(
            "uq_registrations_meeting_email",
            "meeting_id",
            "email",
            unique=True,
            sqlite_where=text("user_id IS NULL"),
            postgresql_where=text("user_id IS NULL"),
        ),
        Index("ix_registrations_meeting_status", "meeting_id", "status", "mode", "queued_at"),
        CheckConstraint("user_id IS NOT NULL OR email <> ''", name="someone_registered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # For registrations without an account (open meetings).
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    organisation_name: Mapped[str] = mapped_column(String(200), default="")
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    # Consent to appear by name among the meeting's participants (people without an
    # account; members' consent is their profile's).
    listed: Mapped[bool] = mapped_column(Boolean, default=False)
    # The language emails to a person without an account are written in.
    language: Mapped[str | None] = mapped_column(String(8))
    mode: Mapped[AttendanceMode] = mapped_column(enum_type(AttendanceMode, "attendance_mode"))
    status: Mapped[RegistrationStatus] = mapped_column(
        enum_type(RegistrationStatus, "registration_status")
    )
    # Dietary or access needs: purged once the meeting is over.
    needs: Mapped[str] = mapped_column(Text, default="")
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Check-in by a coordinator during or after the meeting.
    attended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    meeting: Mapped[Meeting] = relationship()
    user: Mapped[User | None] = relationship()  # noqa: F821
    region: Mapped[Region | None] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<Registration {self.id}>"


class ReminderSent(Base):
    """That a registration's reminder N days before its meeting was written to the outbox.

    The unique key is what makes `flask cop send-reminders` send each reminder once.
    """

    __tablename__ = "meeting_reminders"
    __table_args__ = (UniqueConstraint("registration_id", "days_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"))
    days_before: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
