"""Records of the activities context: peer-learning activities, the experts and outputs of each,
and the support requests regions send for peer learning on a challenge."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cop.db import Base, UTCDateTime, enum_type, utcnow


class ActivityKind(enum.Enum):
    PEER_REVIEW = "peer_review"
    STUDY_VISIT = "study_visit"
    WORKSHOP = "workshop"
    EXPERT_MISSION = "expert_mission"
    WEBINAR_SERIES = "webinar_series"


class ActivityStatus(enum.Enum):
    """Planned -> running -> completed (with an evaluation); or cancelled with a reason.
    Cancelled activities are kept, and say why."""

    PLANNED = "planned"
    RUNNING = "running"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


activity_challenges = Table(
    "activity_challenges",
    Base.metadata,
    Column("activity_id", ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True),
    Column("challenge_id", ForeignKey("challenges.id"), primary_key=True, index=True),
)

# The regions taking part besides the host.
activity_regions = Table(
    "activity_regions",
    Base.metadata,
    Column("activity_id", ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True),
    Column("region_code", ForeignKey("regions.code"), primary_key=True, index=True),
)

# The meetings (visits, workshops, webinars) an activity is held as.
activity_meetings = Table(
    "activity_meetings",
    Base.metadata,
    Column("activity_id", ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True),
    Column("meeting_id", ForeignKey("meetings.id"), primary_key=True, index=True),
)


class Activity(Base):
    """A peer-learning activity a group runs with regions on its challenges: a peer review of a
    region's policy, a study visit, a workshop, an expert mission or a webinar series."""

    __tablename__ = "activities"
    __table_args__ = (
        Index("ix_activities_group_status", "group_id", "status"),
        CheckConstraint(
            "status <> 'completed' OR (evaluation_learnt <> '' AND evaluation_changes <> '')",
            name="completed_has_evaluation",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id"))
    kind: Mapped[ActivityKind] = mapped_column(enum_type(ActivityKind, "activity_kind"))
    title: Mapped[str] = mapped_column(String(200))
    # Markdown: what the activity is for and how it runs.
    purpose: Mapped[str] = mapped_column(Text, default="")
    host_region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    status: Mapped[ActivityStatus] = mapped_column(
        enum_type(ActivityStatus, "activity_status"), default=ActivityStatus.PLANNED
    )
    # The short evaluation written on completion.
    evaluation_learnt: Mapped[str] = mapped_column(Text, default="")
    evaluation_changes: Mapped[str] = mapped_column(Text, default="")
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    group: Mapped[WorkingGroup] = relationship()  # noqa: F821
    host_region: Mapped[Region | None] = relationship()  # noqa: F821
    created_by: Mapped[User | None] = relationship()  # noqa: F821
    challenges: Mapped[list[Challenge]] = relationship(  # noqa: F821
        secondary=activity_challenges, order_by="Challenge.id"
    )
    regions: Mapped[list[Region]] = relationship(  # noqa: F821
        secondary=activity_regions, order_by="Region.code"
    )
    meetings: Mapped[list[Meeting]] = relationship(  # noqa: F821
        secondary=activity_meetings, order_by="(Meeting.starts_at, Meeting.id)"
    )
    experts: Mapped[list[ActivityExpert]] = relationship(
        back_populates="activity", order_by="ActivityExpert.id", cascade="all, delete-orphan"
    )
    outputs: Mapped[list[ActivityOutput]] = relationship(
        back_populates="activity", order_by="ActivityOutput.id"
    )

    def __repr__(self) -> str:
        return f"<Activity {self.id}>"


class ActivityExpert(Base):
    """A member taking part in an activity as an expert, with their role in it
    ("peer reviewer", "host", "rapporteur")."""

    __tablename__ = "activity_experts"
    __table_args__ = (UniqueConstraint("activity_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    activity: Mapped[Activity] = relationship(back_populates="experts")
    user: Mapped[User] = relationship()  # noqa: F821


class OutputKind(enum.Enum):
    PRACTICE = "practice"  # a good practice documented from the activity
    DOCUMENT = "document"  # a report, slides, a recording: a link


class ActivityOutput(Base):
    """What an activity produced: a good practice of the group, or a document (a link).
    Withdrawn, never deleted."""

    __tablename__ = "activity_outputs"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'practice') = (practice_id IS NOT NULL)", name="practice_output_has_practice"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    kind: Mapped[OutputKind] = mapped_column(enum_type(OutputKind, "activity_output_kind"))
    practice_id: Mapped[int | None] = mapped_column(ForeignKey("good_practices.id"), index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    url: Mapped[str] = mapped_column(String(500), default="")
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    activity: Mapped[Activity] = relationship(back_populates="outputs")
    practice: Mapped[GoodPractice | None] = relationship()  # noqa: F821


class SupportStatus(enum.Enum):
    """Open until a coordinator answers: with a new activity, by linking an existing one, or by
    declining with a reason. An answer is given once."""

    OPEN = "open"
    NEW_ACTIVITY = "new_activity"
    LINKED = "linked"
    DECLINED = "declined"


class SupportRequest(Base):
    """A member asking, for their region, for peer learning on a challenge of the group."""

    __tablename__ = "support_requests"
    __table_args__ = (
        Index("ix_support_requests_group_status", "group_id", "status"),
        CheckConstraint(
            "(status IN ('new_activity', 'linked')) = (activity_id IS NOT NULL)",
            name="answer_has_activity",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id"))
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # What the region needs, and by when (free text such as "before our S3 revision").
    need: Mapped[str] = mapped_column(Text)
    wanted_by: Mapped[date | None] = mapped_column(Date)
    status: Mapped[SupportStatus] = mapped_column(
        enum_type(SupportStatus, "support_status"), default=SupportStatus.OPEN
    )
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"), index=True)
    # The coordinator's answer: why it was declined, or a word with the activity.
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    group: Mapped[WorkingGroup] = relationship()  # noqa: F821
    challenge: Mapped[Challenge] = relationship()  # noqa: F821
    region: Mapped[Region] = relationship()  # noqa: F821
    requester: Mapped[User] = relationship(foreign_keys=[requester_id])  # noqa: F821
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])  # noqa: F821
    activity: Mapped[Activity | None] = relationship()

    def __repr__(self) -> str:
        return f"<SupportRequest {self.id}>"
