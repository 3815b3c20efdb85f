"""What the calendar package does when something happens to an account (cop.members.events)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from cop.calendar.models import CalendarFeedToken
from cop.calendar.services import revoke_feed_tokens
from cop.members.events import DataSection, account_closing, personal_data_requested
from cop.members.models import User


@account_closing.connect
def _stop_the_feed(person: User, *, session: Session, now: datetime) -> None:
    revoke_feed_tokens(session, person, now)


@personal_data_requested.connect
def _calendar_addresses_of(person: User, *, session: Session) -> DataSection | None:
    tokens = session.scalars(
        select(CalendarFeedToken)
        .where(CalendarFeedToken.user_id == person.id)
        .order_by(CalendarFeedToken.created_at, CalendarFeedToken.id)
    ).all()
    if not tokens:
        return None
    # The addresses themselves are secrets: an export may travel, so it says only when.
    return DataSection(
        key="calendar_addresses",
        title=_("Calendar addresses"),
        columns=(_("Made"), _("Stopped")),
        rows=tuple(
            (t.created_at.isoformat(), t.revoked_at.isoformat() if t.revoked_at else _("In use"))
            for t in tokens
        ),
        records=tuple(
            {
                "created_at": t.created_at.isoformat(),
                "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
            }
            for t in tokens
        ),
    )
