"""The one clock services read the current time from, so that tests (and the demo) can fix it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from zoneinfo import ZoneInfo

from cop.db import utcnow

_fixed: datetime | None = None


def now() -> datetime:
    """The current instant (UTC, aware), or the fixed one while `fixed_at` is in effect."""
    return _fixed if _fixed is not None else utcnow()


def today(timezone: str = "UTC") -> date:
    """The current date in `timezone` (an IANA name, such as a group's): a date people type
    ("measured on", "done on") is not in the future if it is not after this."""
    return now().astimezone(ZoneInfo(timezone)).date()


@contextmanager
def fixed_at(instant: datetime) -> Iterator[datetime]:
    """Fix the clock at `instant` for the duration of a block (tests, benchmarks)."""
    global _fixed
    if instant.tzinfo is None:
        raise ValueError("the clock is fixed at an aware datetime")
    previous, _fixed = _fixed, instant
    try:
        yield instant
    finally:
        _fixed = previous
