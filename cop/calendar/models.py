"""The one record of the calendar package: the secret addresses of personal feeds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cop.db import Base, UTCDateTime, utcnow


class CalendarFeedToken(Base):
    """The secret part of a person's calendar address (/calendar/u/<token>.ics).

    Calendar programs cannot log in, so the address itself is the key. A person has at
    most one address in force; resetting it revokes the old one (kept, with when), and
    the old address then answers like one that never existed. The token is shown to its
    owner again on their page, so it is kept as it is: it opens no more than the feed,
    whose content the database holds anyway.
    """

    __tablename__ = "calendar_feed_tokens"
    __table_args__ = (
        Index(
            "uq_calendar_feed_tokens_user_active",
            "user_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<CalendarFeedToken {self.id}>"
