"""The cycle of plenary meetings, derived from a group's kick-off, duration and meetings per year."""

from __future__ import annotations

import enum
from calendar import monthrange
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from cop.meetings.models import Meeting, MeetingStatus


class SlotTiming(enum.Enum):
    PAST = "past"
    CURRENT = "current"
    UPCOMING = "upcoming"


@dataclass(frozen=True)
class CycleSlot:
    """One plenary slot: a window of the cycle in which one plenary meeting is held."""

    number: int
    starts: date  # first day of the window
    ends: date  # first day after the window

    def timing(self, today: date) -> SlotTiming:
        if today >= self.ends:
            return SlotTiming.PAST
        if today >= self.starts:
            return SlotTiming.CURRENT
        return SlotTiming.UPCOMING

    @property
    def last_day(self) -> date:
        return date.fromordinal(self.ends.toordinal() - 1)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def slot_count(duration_months: int, meetings_per_year: int) -> int:
    return max(1, duration_months * meetings_per_year // 12)


def plenary_count(group) -> int:
    """How many plenary meetings a group's cycle holds."""
    return slot_count(group.duration_months, group.meetings_per_year)


def cycle_slots(kickoff: date, duration_months: int, meetings_per_year: int) -> list[CycleSlot]:
    """Split the group's duration into equal windows, one per plenary (six for 3 years x 2)."""
    count = slot_count(duration_months, meetings_per_year)
    bounds = [add_months(kickoff, round(i * duration_months / count)) for i in range(count + 1)]
    return [CycleSlot(i + 1, bounds[i], bounds[i + 1]) for i in range(count)]


# -- the slots filled from the plenaries --------------------------------------------------------


class SlotState(enum.Enum):
    HELD = "held"  # its plenary is published and over
    PLANNED = "planned"  # a plenary that is not cancelled is set for it, not over yet
    OPEN = "open"  # no plenary yet (or only cancelled ones)
    MISSED = "missed"  # its window passed without a plenary


@dataclass(frozen=True)
class FilledSlot:
    """A slot of the cycle with the plenary that fills it, if any."""

    slot: CycleSlot
    timing: SlotTiming
    state: SlotState
    plenary: Meeting | None  # the slot's plenary that is not cancelled

    @property
    def number(self) -> int:
        return self.slot.number


def fill_slots(
    slots: list[CycleSlot], plenaries: Iterable[Meeting], today: date, now: datetime
) -> list[FilledSlot]:
    """Each slot as held, planned, open or missed, from the group's plenaries.

    A cancelled plenary leaves its slot open (another may be planned there); plenaries
    numbered beyond the cycle's slots are left out. `today` is the date in the group's
    zone (for the windows), `now` the instant (for "over").
    """
    by_slot: dict[int, Meeting] = {}
    for plenary in plenaries:
        if plenary.status is MeetingStatus.CANCELLED or plenary.cycle_slot is None:
            continue
        by_slot.setdefault(plenary.cycle_slot, plenary)
    filled = []
    for slot in slots:
        plenary = by_slot.get(slot.number)
        if plenary is None:
            state = SlotState.MISSED if slot.timing(today) is SlotTiming.PAST else SlotState.OPEN
        elif plenary.status is MeetingStatus.PUBLISHED and now >= plenary.ends_at:
            state = SlotState.HELD
        else:
            state = SlotState.PLANNED
        filled.append(FilledSlot(slot, slot.timing(today), state, plenary))
    return filled
