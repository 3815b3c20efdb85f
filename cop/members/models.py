"""Records of the members context: working groups and user accounts."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cop.db import Base, UTCDateTime, utcnow


class WorkingGroup(Base):
    """A working group of the Community of Practice, with the parameters of its meeting cycle."""

    __tablename__ = "working_groups"
    __table_args__ = (
        CheckConstraint("duration_months BETWEEN 1 AND 120", name="duration_months_range"),
        CheckConstraint("meetings_per_year BETWEEN 1 AND 12", name="meetings_per_year_range"),
        CheckConstraint("slug <> ''", name="slug_not_empty"),
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
    language: Mapped[str | None] = mapped_column(String(8))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # Flask-Login's protocol.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    def __repr__(self) -> str:
        return f"<User {self.id}>"
