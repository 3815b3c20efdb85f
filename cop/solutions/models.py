"""Records of the solutions context: the solutions a group co-develops, supports, deploys and
monitors for its challenges, with their milestones, indicators, measurements and the progress
updates their owners post."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cop.db import Base, UTCDateTime, enum_type, utcnow


class SolutionStage(enum.Enum):
    """Co-development -> support -> deployment -> monitoring -> completed, in that order (a
    move back needs a reason); or discontinued, with a reason, from any stage."""

    CO_DEVELOPMENT = "co_development"
    SUPPORT = "support"
    DEPLOYMENT = "deployment"
    MONITORING = "monitoring"
    COMPLETED = "completed"
    DISCONTINUED = "discontinued"


# The stages in their order; discontinued stands outside it.
STAGE_ORDER = (
    SolutionStage.CO_DEVELOPMENT,
    SolutionStage.SUPPORT,
    SolutionStage.DEPLOYMENT,
    SolutionStage.MONITORING,
    SolutionStage.COMPLETED,
)
# The stages in which a solution is worked on, and owes its progress updates.
ACTIVE_STAGES = STAGE_ORDER[:-1]


class UpdateStatus(enum.Enum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"


class Direction(enum.Enum):
    """Which way an indicator should move: up (jobs, adopters) or down (lead time, cost)."""

    HIGHER = "higher"
    LOWER = "lower"


solution_challenges = Table(
    "solution_challenges",
    Base.metadata,
    Column("solution_id", ForeignKey("solutions.id", ondelete="CASCADE"), primary_key=True),
    Column("challenge_id", ForeignKey("challenges.id"), primary_key=True, index=True),
)

# The regions where the solution is deployed.
solution_regions = Table(
    "solution_regions",
    Base.metadata,
    Column("solution_id", ForeignKey("solutions.id", ondelete="CASCADE"), primary_key=True),
    Column("region_code", ForeignKey("regions.code"), primary_key=True, index=True),
)

# The members who own the solution with its owner.
solution_co_owners = Table(
    "solution_co_owners",
    Base.metadata,
    Column("solution_id", ForeignKey("solutions.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id"), primary_key=True, index=True),
)


class Solution(Base):
    """A solution the group co-develops for one or more of its challenges, owned by a member,
    deployed in regions. Members see it from the start; the public once a coordinator marks
    it public (never its internal notes)."""

    __tablename__ = "solutions"
    __table_args__ = (
        Index("ix_solutions_group_stage", "group_id", "stage"),
        CheckConstraint(
            "stage <> 'discontinued' OR discontinue_reason <> ''", name="discontinued_has_reason"
        ),
        CheckConstraint(
            "planned_end_on IS NULL OR starts_on IS NULL OR planned_end_on >= starts_on",
            name="ends_after_start",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id"))
    title: Mapped[str] = mapped_column(String(200))
    # Markdown: what the solution is and how it answers its challenges.
    description: Mapped[str] = mapped_column(Text, default="")
    # For the group's members only: never on public pages, feeds or exports.
    internal_notes: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    stage: Mapped[SolutionStage] = mapped_column(
        enum_type(SolutionStage, "solution_stage"), default=SolutionStage.CO_DEVELOPMENT
    )
    discontinue_reason: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date | None] = mapped_column(Date)
    planned_end_on: Mapped[date | None] = mapped_column(Date)
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    # The status of the latest progress update, kept here for lists and the dashboard.
    status: Mapped[UpdateStatus | None] = mapped_column(enum_type(UpdateStatus, "update_status"))
    last_update_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    discontinued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    group: Mapped[WorkingGroup] = relationship()  # noqa: F821
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])  # noqa: F821
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])  # noqa: F821
    co_owners: Mapped[list[User]] = relationship(  # noqa: F821
        secondary=solution_co_owners, order_by="User.id"
    )
    challenges: Mapped[list[Challenge]] = relationship(  # noqa: F821
        secondary=solution_challenges, order_by="Challenge.id"
    )
    regions: Mapped[list[Region]] = relationship(  # noqa: F821
        secondary=solution_regions, order_by="Region.code"
    )
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="solution", order_by="(Milestone.due_on, Milestone.id)"
    )
    indicators: Mapped[list[Indicator]] = relationship(
        back_populates="solution", order_by="Indicator.id"
    )
    updates: Mapped[list[ProgressUpdate]] = relationship(
        back_populates="solution",
        order_by="(ProgressUpdate.reported_on.desc(), ProgressUpdate.id.desc())",
    )

    @property
    def owner_ids(self) -> set[int]:
        return {self.owner_id, *(user.id for user in self.co_owners)}

    def __repr__(self) -> str:
        return f"<Solution {self.id}>"


class Milestone(Base):
    """A step of a solution with its due date; done on a date, or withdrawn (kept)."""

    __tablename__ = "milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    solution_id: Mapped[int] = mapped_column(ForeignKey("solutions.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    solution: Mapped[Solution] = relationship(back_populates="milestones")


class Indicator(Base):
    """What shows that a solution works: a value with its unit, the way it should move, its
    baseline and its target, for the whole solution or for one of its deploying regions.
    Progress toward the target is computed from the measurements, never typed."""

    __tablename__ = "indicators"
    __table_args__ = (
        CheckConstraint("target_value <> baseline_value", name="target_differs_from_baseline"),
        CheckConstraint("target_on > baseline_on", name="target_after_baseline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    solution_id: Mapped[int] = mapped_column(ForeignKey("solutions.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(40))
    direction: Mapped[Direction] = mapped_column(enum_type(Direction, "indicator_direction"))
    baseline_value: Mapped[float] = mapped_column(Float)
    baseline_on: Mapped[date] = mapped_column(Date)
    target_value: Mapped[float] = mapped_column(Float)
    target_on: Mapped[date] = mapped_column(Date)
    # One deploying region, or None for the whole solution.
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    solution: Mapped[Solution] = relationship(back_populates="indicators")
    region: Mapped[Region | None] = relationship()  # noqa: F821
    measurements: Mapped[list[Measurement]] = relationship(
        back_populates="indicator", order_by="(Measurement.measured_on, Measurement.id)"
    )


class Measurement(Base):
    """A dated value of an indicator, in one region (or for the whole solution), with where it
    comes from. Withdrawn when wrong, never deleted."""

    __tablename__ = "measurements"
    __table_args__ = (Index("ix_measurements_indicator_on", "indicator_id", "measured_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id"))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    measured_on: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(500), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    indicator: Mapped[Indicator] = relationship(back_populates="measurements")
    region: Mapped[Region | None] = relationship()  # noqa: F821


class ProgressUpdate(Base):
    """An owner's dated word on how the solution goes: on track, at risk or off track, what
    happened, and what help is needed."""

    __tablename__ = "progress_updates"
    __table_args__ = (Index("ix_progress_updates_solution_on", "solution_id", "reported_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    solution_id: Mapped[int] = mapped_column(ForeignKey("solutions.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reported_on: Mapped[date] = mapped_column(Date)
    status: Mapped[UpdateStatus] = mapped_column(enum_type(UpdateStatus, "update_status"))
    narrative: Mapped[str] = mapped_column(Text)
    help_needed: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    solution: Mapped[Solution] = relationship(back_populates="updates")
    author: Mapped[User] = relationship()  # noqa: F821


class UpdateReminder(Base):
    """An owner was reminded that the solution's progress update is overdue, for the period
    starting on `due_on`: the unique key makes `flask cop send-reminders` remind once per
    period however often it runs."""

    __tablename__ = "update_reminders"
    __table_args__ = (UniqueConstraint("solution_id", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    solution_id: Mapped[int] = mapped_column(ForeignKey("solutions.id"))
    due_on: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
