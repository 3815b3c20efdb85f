"""Records of the outcomes context: the publications a group (or several) makes of what it
learnt (lessons learnt, policy briefs, meeting reports, case studies), with the records they
draw on, their files, their authors, their review and every version ever published.

An outcome is a working copy (the row of `outcomes`: what its authors edit) and the versions
published from it (`outcome_versions`: what the public reads). Once a version is published the
outcome stays public: its authors may revise the working copy and submit the revision for
review while the public still reads the last published version; withdrawn, its page stays,
marked withdrawn with the reason.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cop.db import Base, UTCDateTime, enum_type, utcnow


class OutcomeKind(enum.Enum):
    LESSONS_LEARNT = "lessons_learnt"
    POLICY_BRIEF = "policy_brief"
    MEETING_REPORT = "meeting_report"
    CASE_STUDY = "case_study"


class OutcomeStatus(enum.Enum):
    """The state of the working copy: draft (being written, or a revision of a published
    outcome), in review (submitted; another coordinator of one of its groups, or an admin,
    approves or returns it), published (the working copy is the current version), withdrawn
    (with a reason; the page stays, marked so)."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


# The licence outcomes are published under unless their authors choose another.
DEFAULT_LICENCE = "CC-BY-4.0"
# SPDX identifier -> name and address, in the order forms offer them.
LICENCES = {
    "CC-BY-4.0": (
        "Creative Commons Attribution 4.0",
        "https://creativecommons.org/licenses/by/4.0/",
    ),
    "CC-BY-SA-4.0": (
        "Creative Commons Attribution-ShareAlike 4.0",
        "https://creativecommons.org/licenses/by-sa/4.0/",
    ),
    "CC0-1.0": ("Creative Commons Zero 1.0", "https://creativecommons.org/publicdomain/zero/1.0/"),
}


def _link_table(name: str, column: str, target: str) -> Table:
    return Table(
        name,
        Base.metadata,
        Column("outcome_id", ForeignKey("outcomes.id", ondelete="CASCADE"), primary_key=True),
        Column(column, ForeignKey(target), primary_key=True, index=True),
    )


# The groups an outcome belongs to (one or more).
outcome_groups = _link_table("outcome_groups", "group_id", "working_groups.id")
# The records it draws on.
outcome_meetings = _link_table("outcome_meetings", "meeting_id", "meetings.id")
outcome_challenges = _link_table("outcome_challenges", "challenge_id", "challenges.id")
outcome_practices = _link_table("outcome_practices", "practice_id", "good_practices.id")
outcome_activities = _link_table("outcome_activities", "activity_id", "activities.id")
outcome_solutions = _link_table("outcome_solutions", "solution_id", "solutions.id")
# Its themes (the library's theme filter).
outcome_themes = _link_table("outcome_themes", "theme_id", "themes.id")
# The regions it concerns: those its authors name and those of the records it draws on
# (kept by the service on every save, so that region pages and the country filter read one
# table).
outcome_regions = _link_table("outcome_regions", "region_code", "regions.code")

# Who changed the working copy (edited it, attached or withdrew a file) since its last
# published version (since it was written, before the first): none of them may review it.
# Filled by the services on each change, cleared at approval.
outcome_editors = Table(
    "outcome_editors",
    Base.metadata,
    Column("outcome_id", ForeignKey("outcomes.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id"), primary_key=True, index=True),
)

# Its authors, in the order they are credited.
outcome_authors = Table(
    "outcome_authors",
    Base.metadata,
    Column("outcome_id", ForeignKey("outcomes.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id"), primary_key=True, index=True),
    Column("position", Integer, nullable=False, default=0),
)


class Outcome(Base):
    """A publication's working copy, its links, and its place in the review workflow."""

    __tablename__ = "outcomes"
    __table_args__ = (
        CheckConstraint(
            "status <> 'withdrawn' OR withdraw_reason <> ''", name="withdrawn_has_reason"
        ),
        CheckConstraint(
            "status <> 'published' OR current_version_id IS NOT NULL",
            name="published_has_version",
        ),
        Index("ix_outcomes_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OutcomeKind] = mapped_column(enum_type(OutcomeKind, "outcome_kind"))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(1000), default="")
    # Markdown, sanitised on render.
    body: Mapped[str] = mapped_column(Text, default="")
    licence: Mapped[str] = mapped_column(String(40), default=DEFAULT_LICENCE)
    status: Mapped[OutcomeStatus] = mapped_column(
        enum_type(OutcomeStatus, "outcome_status"), default=OutcomeStatus.DRAFT
    )
    # The version the public reads: None until the first approval. Set the column (after
    # flushing the version), not the relationship: the relationship is written by a later
    # UPDATE (post_update breaks the outcome <-> version cycle), too late for the check
    # that a published outcome names its version.
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("outcome_versions.id", use_alter=True, name="fk_outcomes_current_version_id")
    )
    # The meeting a meeting report was started from.
    from_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), index=True)
    # Who sent the working copy to review, and when; the word of the reviewer who returned it.
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_comment: Mapped[str] = mapped_column(Text, default="")
    withdraw_reason: Mapped[str] = mapped_column(Text, default="")
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # When the outcome first became public, and when its public page last changed (a new
    # version, a withdrawal): what feeds, sitemaps and Last-Modified headers say.
    first_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    public_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The link tables (groups, themes, regions, the records it draws on) hold what the public
    # reads: for a never-published outcome, its draft's choices; once public, they change
    # only at an approval. A revision's choices wait here meanwhile: a dict of the
    # OutcomeDetails id lists (group_ids, meeting_ids, ..., theme_ids, region_codes); None
    # when no revision is pending.
    pending_links: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    # The regions its authors name (the working copy's); its regions are these and those of
    # the public records it draws on, recomputed at each approval.
    named_regions: Mapped[list | None] = mapped_column(JSON(none_as_null=True))

    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])  # noqa: F821
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])  # noqa: F821
    from_meeting: Mapped[Meeting | None] = relationship(foreign_keys=[from_meeting_id])  # noqa: F821
    current_version: Mapped[OutcomeVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )
    versions: Mapped[list[OutcomeVersion]] = relationship(
        back_populates="outcome",
        foreign_keys="OutcomeVersion.outcome_id",
        order_by="OutcomeVersion.number",
    )
    groups: Mapped[list[WorkingGroup]] = relationship(  # noqa: F821
        secondary=outcome_groups, order_by="WorkingGroup.id"
    )
    authors: Mapped[list[User]] = relationship(  # noqa: F821
        secondary=outcome_authors, order_by=outcome_authors.c.position
    )
    meetings: Mapped[list[Meeting]] = relationship(  # noqa: F821
        secondary=outcome_meetings, order_by="Meeting.starts_at"
    )
    challenges: Mapped[list[Challenge]] = relationship(  # noqa: F821
        secondary=outcome_challenges, order_by="Challenge.id"
    )
    practices: Mapped[list[GoodPractice]] = relationship(  # noqa: F821
        secondary=outcome_practices, order_by="GoodPractice.id"
    )
    activities: Mapped[list[Activity]] = relationship(  # noqa: F821
        secondary=outcome_activities, order_by="Activity.id"
    )
    solutions: Mapped[list[Solution]] = relationship(  # noqa: F821
        secondary=outcome_solutions, order_by="Solution.id"
    )
    themes: Mapped[list[Theme]] = relationship(  # noqa: F821
        secondary=outcome_themes, order_by="Theme.id"
    )
    regions: Mapped[list[Region]] = relationship(  # noqa: F821
        secondary=outcome_regions, order_by="Region.code"
    )
    files: Mapped[list[OutcomeFile]] = relationship(
        back_populates="outcome", order_by="OutcomeFile.id"
    )
    # Who changed the working copy since its last approval (never its reviewers).
    editors: Mapped[list[User]] = relationship(  # noqa: F821
        secondary=outcome_editors, order_by="User.id"
    )

    @property
    def is_public(self) -> bool:
        """Whether anyone may read it: once a version was published (withdrawn or not)."""
        return self.current_version_id is not None

    @property
    def author_ids(self) -> set[int]:
        return {self.created_by_id, *(user.id for user in self.authors)}

    @property
    def editor_ids(self) -> set[int]:
        """Who changed the working copy since its last approval (loads `editors`)."""
        return {user.id for user in self.editors}

    def __repr__(self) -> str:
        return f"<Outcome {self.id}>"


class OutcomeVersion(Base):
    """A published version: the text the public read from its approval until the next one.
    Kept for ever; numbered 1, 2, ... per outcome."""

    __tablename__ = "outcome_versions"
    __table_args__ = (UniqueConstraint("outcome_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcomes.id"))
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[OutcomeKind] = mapped_column(enum_type(OutcomeKind, "outcome_kind"))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(1000), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    licence: Mapped[str] = mapped_column(String(40), default=DEFAULT_LICENCE)
    # The names of the authors who agreed to be listed, as credited when it was published
    # (", "-separated; a later change of name does not rewrite a publication, a closed
    # account's name is taken out), and how many other authors it credits without naming
    # them ("and 2 other members").
    authors_text: Mapped[str] = mapped_column(String(1000), default="")
    unnamed_authors: Mapped[int] = mapped_column(Integer, default=0)
    # The accounts named in authors_text, in its order: whose name to take out when an
    # account is closed.
    named_author_ids: Mapped[list | None] = mapped_column(JSON(none_as_null=True))
    # What changed since the previous version, in the words of who submitted it.
    change_note: Mapped[str] = mapped_column(String(500), default="")
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    outcome: Mapped[Outcome] = relationship(back_populates="versions", foreign_keys=[outcome_id])
    approved_by: Mapped[User] = relationship(foreign_keys=[approved_by_id])  # noqa: F821


class OutcomeFile(Base):
    """A file attached to an outcome (the PDF of a brief, slides, data), kept by content like
    meeting materials. Published with the outcome's next approval (`published_at`), then
    served to the public while the outcome is listed (published, not withdrawn); withdrawn
    itself, never deleted."""

    __tablename__ = "outcome_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcomes.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(64))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When an approval published it: None while it waits for the next one.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    outcome: Mapped[Outcome] = relationship(back_populates="files")

    @property
    def is_published(self) -> bool:
        """Published by an approval and not withdrawn since: what the public may read."""
        return self.published_at is not None and self.withdrawn_at is None
