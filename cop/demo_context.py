"""What the demo's loaders of activities and solutions share: the people, regions and
coordinator they name, the days they date records on (counted from the day of loading), and
audit rows dated in the past, as the services would have written them then."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from cop.audit.services import record_change
from cop.members.models import Region, User

COORDINATOR = "coordinator@example.org"

# A day of the demo: a date, or a number of days from the day of loading (negative: before).
When = date | int


@dataclass
class DemoContext:
    session: Session
    report: object
    now: datetime
    people: dict[str, User]
    regions: dict[str, Region]
    coordinator: User | None

    @classmethod
    def load(cls, session: Session, report, now: datetime, locals_: Iterable[str]) -> DemoContext:
        """The context of a loader naming the demo people `locals_` ("member" for
        member@example.org); the coordinator is always there."""
        emails = [f"{local}@example.org" for local in {*locals_, "coordinator"}]
        return cls(
            session=session,
            report=report,
            now=now,
            people={
                person.email: person
                for person in session.scalars(select(User).where(User.email.in_(emails)))
            },
            regions={region.code: region for region in session.scalars(select(Region))},
            coordinator=session.scalar(select(User).where(User.email == COORDINATOR)),
        )

    @property
    def today(self) -> date:
        return self.now.date()

    def day(self, when: When) -> date:
        return when if isinstance(when, date) else (self.now + timedelta(days=when)).date()

    def at(self, when: When, hour: int = 10) -> datetime:
        """The instant of `when` at `hour` UTC, never later than an hour before loading."""
        return min(datetime.combine(self.day(when), time(hour), UTC), self.now - timedelta(hours=1))

    def person(self, local: str) -> User | None:
        return self.people.get(f"{local}@example.org")

    def audit(
        self,
        action,
        record,
        summary,
        when: When | datetime,
        *,
        actor=None,
        before=None,
        after=None,
    ) -> None:
        """An audit row dated `when` (an instant, or a day at 10:00 UTC), by `actor` (the
        coordinator unless named)."""
        entry = record_change(
            self.session,
            actor=actor or self.coordinator,
            action=action,
            record=record,
            summary=summary,
            before=before,
            after=after,
        )
        entry.at = when if isinstance(when, datetime) else self.at(when)
