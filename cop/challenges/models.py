"""Records of the challenges context: themes, implementation challenges and their
endorsements, and good practices with their review."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cop.db import Base, UTCDateTime, enum_type, utcnow


class Theme(Base):
    """A critical aspect a group works on (say, SMEs' adoption of new technologies); challenges
    and practices are filed under themes. Retired, never deleted: records keep their themes."""

    __tablename__ = "themes"
    __table_args__ = (UniqueConstraint("group_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # The order the group's pages list its themes in.
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    group: Mapped[WorkingGroup] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<Theme {self.id}>"


class ChallengeStatus(enum.Enum):
    """Proposed -> accepted -> being addressed -> addressed; or merged into another challenge,
    or closed with a reason. Merged and closed challenges are kept, and say why."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    BEING_ADDRESSED = "being_addressed"
    ADDRESSED = "addressed"
    MERGED = "merged"
    CLOSED = "closed"


# Challenges that may still be endorsed, prioritised and linked to practices.
OPEN_CHALLENGES = (
    ChallengeStatus.PROPOSED,
    ChallengeStatus.ACCEPTED,
    ChallengeStatus.BEING_ADDRESSED,
    ChallengeStatus.ADDRESSED,
)

# The search's filters read the second columns of these indexes alone (cop.challenges.search).
challenge_themes = Table(
    "challenge_themes",
    Base.metadata,
    Column("challenge_id", ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id"), primary_key=True),
    Index("ix_challenge_themes_theme_id_challenge_id", "theme_id", "challenge_id"),
)

challenge_regions = Table(
    "challenge_regions",
    Base.metadata,
    Column("challenge_id", ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True),
    Column("region_code", ForeignKey("regions.code"), primary_key=True),
    Index("ix_challenge_regions_region_code_challenge_id", "region_code", "challenge_id"),
)


class Challenge(Base):
    """An implementation challenge regions share, raised by a member (at a meeting, often).

    `priority` is the rank the group agreed (1 first), or None while unranked; a merged
    challenge points to the one it was merged into, whose endorsements it now counts.
    """

    __tablename__ = "challenges"
    __table_args__ = (
        CheckConstraint("priority IS NULL OR priority > 0", name="priority_positive"),
        CheckConstraint(
            "(status = 'merged') = (merged_into_id IS NOT NULL)", name="merged_has_target"
        ),
        CheckConstraint("merged_into_id IS NULL OR merged_into_id <> id", name="not_into_itself"),
        # One challenge per rank in a group.
        Index(
            "uq_challenges_group_priority",
            "group_id",
            "priority",
            unique=True,
            sqlite_where=text("priority IS NOT NULL"),
            postgresql_where=text("priority IS NOT NULL"),
        ),
        Index("ix_challenges_group_status", "group_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ChallengeStatus] = mapped_column(
        enum_type(ChallengeStatus, "challenge_status"), default=ChallengeStatus.PROPOSED
    )
    priority: Mapped[int | None] = mapped_column(Integer)
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    raised_at_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), index=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("challenges.id"), index=True)
    # Why it was closed (or merged), as the coordinator wrote it.
    decision_note: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    group: Mapped[WorkingGroup] = relationship()  # noqa: F821
    raised_by: Mapped[User | None] = relationship()  # noqa: F821
    raised_at_meeting: Mapped[Meeting | None] = relationship()  # noqa: F821
    merged_into: Mapped[Challenge | None] = relationship(remote_side="Challenge.id")
    themes: Mapped[list[Theme]] = relationship(
        secondary=challenge_themes, order_by="(Theme.position, Theme.id)"
    )
    regions: Mapped[list[Region]] = relationship(  # noqa: F821
        secondary=challenge_regions, order_by="Region.code"
    )
    endorsements: Mapped[list[Endorsement]] = relationship(
        back_populates="challenge",
        foreign_keys="Endorsement.challenge_id",
        order_by="Endorsement.id",
    )

    def __repr__(self) -> str:
        return f"<Challenge {self.id}>"


class Endorsement(Base):
    """A member saying "my region faces this too", once per member and challenge. When a
    challenge is merged its endorsements move to the one it was merged into, keeping where
    they were given (`given_on_id`)."""

    __tablename__ = "endorsements"
    __table_args__ = (
        UniqueConstraint("challenge_id", "user_id"),
        # The search's helix filter reads the challenges people endorsed from it alone.
        Index("ix_endorsements_user_id_challenge_id", "user_id", "challenge_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The endorser's region when they endorsed (their organisation's, or the one they chose).
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    given_on_id: Mapped[int] = mapped_column(ForeignKey("challenges.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    challenge: Mapped[Challenge] = relationship(
        back_populates="endorsements", foreign_keys=[challenge_id]
    )
    user: Mapped[User] = relationship()  # noqa: F821
    region: Mapped[Region | None] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<Endorsement {self.id}>"


class PracticeStatus(enum.Enum):
    """Draft (its author only) -> submitted -> published by a coordinator's validation, or
    returned to its author with comments; published practices may be withdrawn."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


practice_themes = Table(
    "practice_themes",
    Base.metadata,
    Column("practice_id", ForeignKey("good_practices.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id"), primary_key=True),
    Index("ix_practice_themes_theme_id_practice_id", "theme_id", "practice_id"),
)

practice_challenges = Table(
    "practice_challenges",
    Base.metadata,
    Column("practice_id", ForeignKey("good_practices.id", ondelete="CASCADE"), primary_key=True),
    Column("challenge_id", ForeignKey("challenges.id"), primary_key=True, index=True),
)


class GoodPractice(Base):
    """What a region did about a problem, documented so that others can learn from it: the
    fields Interreg Europe's policy learning platform asks for, validated by a coordinator
    before it is published."""

    __tablename__ = "good_practices"
    __table_args__ = (Index("ix_good_practices_group_status", "group_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id"))
    title: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    problem: Mapped[str] = mapped_column(Text, default="")
    what_was_done: Mapped[str] = mapped_column(Text, default="")
    resources: Mapped[str] = mapped_column(Text, default="")
    timescale: Mapped[str] = mapped_column(String(200), default="")
    evidence: Mapped[str] = mapped_column(Text, default="")
    difficulties: Mapped[str] = mapped_column(Text, default="")
    transferability: Mapped[str] = mapped_column(Text, default="")
    # Whom to ask about it; the email only ever shown to signed-in members.
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    status: Mapped[PracticeStatus] = mapped_column(
        enum_type(PracticeStatus, "practice_status"), default=PracticeStatus.DRAFT
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    validated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    group: Mapped[WorkingGroup] = relationship()  # noqa: F821
    region: Mapped[Region | None] = relationship()  # noqa: F821
    organisation: Mapped[Organisation | None] = relationship()  # noqa: F821
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])  # noqa: F821
    validated_by: Mapped[User | None] = relationship(foreign_keys=[validated_by_id])  # noqa: F821
    themes: Mapped[list[Theme]] = relationship(
        secondary=practice_themes, order_by="(Theme.position, Theme.id)"
    )
    challenges: Mapped[list[Challenge]] = relationship(
        secondary=practice_challenges, order_by="Challenge.id"
    )
    links: Mapped[list[PracticeLink]] = relationship(
        back_populates="practice", order_by="PracticeLink.id"
    )
    reviews: Mapped[list[PracticeReview]] = relationship(
        back_populates="practice", order_by="PracticeReview.id"
    )

    def __repr__(self) -> str:
        return f"<GoodPractice {self.id}>"


class PracticeLink(Base):
    """A web page or a file about a practice (files are stored as meetings' materials are:
    by the SHA-256 of their content). Withdrawn, never deleted."""

    __tablename__ = "practice_links"
    __table_args__ = (
        CheckConstraint("(url <> '') <> (storage_key IS NOT NULL)", name="link_or_file"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("good_practices.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(500), default="")
    filename: Mapped[str] = mapped_column(String(255), default="")
    content_type: Mapped[str] = mapped_column(String(120), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    storage_key: Mapped[str | None] = mapped_column(String(64))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    practice: Mapped[GoodPractice] = relationship(back_populates="links")


class ReviewDecision(enum.Enum):
    PUBLISHED = "published"
    RETURNED = "returned"
    COMMENT = "comment"


class PracticeReview(Base):
    """A coordinator's word on a submitted practice: published, or returned with what to
    change; the author sees every one of them."""

    __tablename__ = "practice_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("good_practices.id"), index=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[ReviewDecision] = mapped_column(enum_type(ReviewDecision, "review_decision"))
    comments: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    practice: Mapped[GoodPractice] = relationship(back_populates="reviews")
    reviewer: Mapped[User | None] = relationship()  # noqa: F821
