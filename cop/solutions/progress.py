"""Progress toward an indicator's target, computed from its baseline, its target and the latest
measurement (never typed), and the series of measurements the charts draw. Pure: no database."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from babel.numbers import get_decimal_symbol
from flask_babel import get_locale
from flask_babel import gettext as _

from cop.errors import Invalid

MAX_NUMBER_TEXT = 50
# The largest value an indicator takes, either way: 15 digits before the decimal point (no
# count, euro amount or rate a region measures comes near it; beyond, pages could not print
# it exactly).
LARGEST = 999_999_999_999_999

# A plain decimal number, with an optional exponent: "12", "-3.5", ".5", "1e6".
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
# What people type for "not a number" and "infinity", which Python's float() would accept.
_NOT_FINITE = frozenset({"nan", "inf", "infinity", "∞"})
# Spaces people put between thousands: ordinary, no-break and narrow no-break.
_THOUSANDS_SPACES = re.compile(r"[ \u00a0\u202f\u2009']")


def parse_number(text, field: str) -> float:
    """The finite number typed in `field`, or Invalid with a message saying what to type.

    Accepts "1,5" as 1.5 (a decimal comma), spaces or apostrophes between thousands ("12 500",
    "12'500"), and with both separators the last one as the decimal one ("1,234.5",
    "1.234,5"); "1,500" is read as the reader's language writes it (see _groups_thousands). Refuses empty text, words, NaN and infinities (also those that only a too
    large exponent makes: "1e400"). Numbers (not text) are checked the same way."""
    if isinstance(text, bool):
        raise Invalid(_("Enter a number, such as 12 or 3.5."), field=field)
    try:
        number = float(text) if isinstance(text, int | float) else _parse_text(text, field)
    except OverflowError:  # an int too large for a float
        number = math.inf
    if not math.isfinite(number):
        raise Invalid(
            _("Enter a number, such as 12 or 3.5: not “NaN” nor an infinity."), field=field
        )
    if abs(number) > LARGEST:
        raise Invalid(
            _("Enter a number of at most 15 digits before the decimal point."), field=field
        )
    return number


def _groups_thousands(text: str, separator: str) -> bool:
    """Whether the one `separator` in "1,500" or "12.500" groups thousands: it does unless it
    is the decimal symbol of the reader's language (so "1,500" is fifteen hundred in English,
    one and a half in French; "1.500" the other way round). "0,500" and "1,5" are decimals."""
    if not re.fullmatch(rf"[+-]?[1-9]\d{{0,2}}{re.escape(separator)}\d{{3}}", text):
        return False
    return separator != decimal_symbol()


def decimal_symbol() -> str:
    """The decimal symbol of the reader's language: "." in English, "," in French."""
    try:
        return get_decimal_symbol(get_locale() or "en")
    except (TypeError, ValueError):
        return "."


def _parse_text(text: str | None, field: str) -> float:
    cleaned = _THOUSANDS_SPACES.sub("", (text or "").strip())
    if not cleaned:
        raise Invalid(_("Please fill in this field."), field=field)
    if len(cleaned) > MAX_NUMBER_TEXT:
        raise Invalid(_("Enter a number, such as 12 or 3.5."), field=field)
    if cleaned.lstrip("+-").lower() in _NOT_FINITE:
        raise Invalid(
            _("Enter a number, such as 12 or 3.5: not “NaN” nor an infinity."), field=field
        )
    if "," in cleaned and "." in cleaned:
        # The separator that comes last is the decimal one; the other groups thousands.
        thousands = "," if cleaned.rfind(",") < cleaned.rfind(".") else "."
        cleaned = cleaned.replace(thousands, "").replace(",", ".")
    elif "," in cleaned or "." in cleaned:
        separator = "," if "," in cleaned else "."
        if cleaned.count(separator) > 1 or _groups_thousands(cleaned, separator):
            cleaned = cleaned.replace(separator, "")  # "1,234,567", "1.234.567"
        else:
            cleaned = cleaned.replace(separator, ".")
    if not _NUMBER.fullmatch(cleaned):
        raise Invalid(_("Enter a number, such as 12 or 3.5."), field=field)
    return float(cleaned)


def progress(baseline: float, target: float, latest: float) -> float:
    """The fraction of the way from the baseline to the target that the latest value has
    come: 0.0 at the baseline, 1.0 at the target, below 0 when it moved the wrong way, above 1
    beyond the target. The direction is the one from baseline to target (the indicator's
    form refuses a target on the wrong side of its direction, and one equal to the baseline).

    Higher is better, baseline 10, target 50, latest 30: (30 - 10) / (50 - 10) = 0.5.
    Lower is better, baseline 40, target 10, latest 25: (25 - 40) / (10 - 40) = 0.5.
    Baseline 0, target 200, latest 50: 50 / 200 = 0.25."""
    if target == baseline:
        raise ValueError("an indicator's target differs from its baseline")
    return (latest - baseline) / (target - baseline)


@dataclass
class Series:
    """The measurements of an indicator in one region (`region_code` None: for the whole
    solution), oldest first, with the latest value and the progress it makes."""

    region_code: str | None
    region: object | None = None  # the Region record, when the measurements had it
    points: list[tuple[date, float]] = field(default_factory=list)
    latest: float | None = None
    latest_on: date | None = None
    progress: float | None = None


def indicator_series(indicator, measurements: Iterable | None = None) -> list[Series]:
    """The indicator's series, one per region that has measurements: the whole solution's
    first, then the regions by code. Withdrawn measurements are left out; `measurements`
    defaults to the indicator's own (load them with it)."""
    if measurements is None:
        measurements = indicator.measurements
    kept = sorted(
        (m for m in measurements if m.withdrawn_at is None),
        key=lambda m: (m.measured_on, m.id or 0),
    )
    by_region: dict[str | None, Series] = {}
    for measurement in kept:
        series = by_region.get(measurement.region_code)
        if series is None:
            series = by_region[measurement.region_code] = Series(
                region_code=measurement.region_code,
                region=getattr(measurement, "region", None),
            )
        series.points.append((measurement.measured_on, measurement.value))
    for series in by_region.values():
        series.latest_on, series.latest = series.points[-1]
        series.progress = progress(indicator.baseline_value, indicator.target_value, series.latest)
    return sorted(
        by_region.values(), key=lambda s: (s.region_code is not None, s.region_code or "")
    )


def headline(indicator, series: list[Series]) -> float | None:
    """The indicator's progress: its whole-solution series' if it has one, else the mean of
    its regions' progress; None before any measurement."""
    for one in series:
        if one.region_code is None:
            return one.progress
    regional = [one.progress for one in series if one.progress is not None]
    if not regional:
        return None
    return sum(regional) / len(regional)
