"""Signals other packages answer when something happens to a person's account.

`members` is the base every other package builds on, so it does not import
them: a package that keeps records about people (meetings' registrations, say)
connects a receiver here instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from blinker import Namespace

_signals = Namespace()

# Sent while an account is being closed, inside the closing transaction, with
# `session` and `now`; receivers end what the person still holds (seats, say).
account_closing = _signals.signal("account-closing")

# Sent when a person withdraws their consent to be listed, inside that transaction, with
# `session` and `now`: receivers take their name off public records that credit it.
listing_withdrawn = _signals.signal("listing-withdrawn")

# Sent to gather what a package holds about a person, with `session`; each
# receiver returns a DataSection (or None when it holds nothing).
personal_data_requested = _signals.signal("personal-data-requested")


@dataclass(frozen=True)
class DataSection:
    """A package's part of a person's data: a titled table for the page, rows for the JSON."""

    key: str  # the JSON key, e.g. "meeting_registrations"
    title: str
    columns: tuple[str, ...]  # headings, translated
    rows: tuple[tuple[str, ...], ...]  # the cells, as text, in the order of `columns`
    records: tuple[dict[str, Any], ...]  # the same rows for the JSON download
