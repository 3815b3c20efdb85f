"""Wall-clock times in a meeting's time zone: reading what a coordinator typed, and showing it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.dates import format_date, format_datetime, format_time
from flask_babel import get_locale
from flask_babel import gettext as _

from cop.errors import Invalid


@lru_cache(maxsize=1)
def timezone_names() -> tuple[str, ...]:
    """The IANA zones a meeting may be planned in (Europe first: that is where groups meet)."""
    names = sorted(
        name for name in available_timezones() if "/" in name and not name.startswith("Etc/")
    )
    return tuple(sorted(names, key=lambda name: (not name.startswith("Europe/"), name)))


def zone(name: str, field: str = "timezone") -> ZoneInfo:
    """The zone called `name`; Invalid when there is no such IANA zone."""
    try:
        if name and name in timezone_names():
            return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        pass
    raise Invalid(_("Choose a time zone from the list, such as Europe/Brussels."), field=field)


def local_to_utc(local: datetime, zone_name: str, field: str) -> datetime:
    """The instant a naive wall-clock time means in a zone.

    A time that does not exist there (skipped when clocks go forward) is refused
    rather than silently moved; of a time that happens twice (clocks go back) the
    first is meant.
    """
    tz = zone(zone_name)
    aware = local.replace(tzinfo=tz, fold=0)
    back = aware.astimezone(UTC).astimezone(tz)
    if back.replace(tzinfo=None) != local.replace(tzinfo=None):
        raise Invalid(
            _(
                "%(time)s does not exist in %(zone)s: the clocks go forward then."
                " Choose another time.",
                time=local.strftime("%Y-%m-%d %H:%M"),
                zone=zone_name,
            ),
            field=field,
        )
    return aware.astimezone(UTC)


def utc_to_local(instant: datetime, zone_name: str) -> datetime:
    """The naive wall-clock time of an instant in a zone (what a form field shows)."""
    return instant.astimezone(ZoneInfo(zone_name)).replace(tzinfo=None)


# Date patterns per language: English and French write "mardi 16 février 2027", German
# "Dienstag, 16. Februar 2027" (CLDR's own "full" dates would turn English American).
DATE_PATTERNS = {
    "en": {"day": "EEEE d MMMM y", "date": "d MMMM y", "short_day": "EEE d MMM"},
    "fr": {"day": "EEEE d MMMM y", "date": "d MMMM y", "short_day": "EEE d MMM"},
    "de": {"day": "EEEE, d. MMMM y", "date": "d. MMMM y", "short_day": "EEE, d. MMM"},
}


def date_pattern(name: str) -> str:
    """The pattern called `name` ("day", "date", "short_day") in the current language."""
    language = str(get_locale() or "en").split("_")[0]
    return DATE_PATTERNS.get(language, DATE_PATTERNS["en"])[name]


def day_label(value: date | datetime, zone_name: str | None = None) -> str:
    """A date as meeting and activity pages write it ("19 November 2024", in the current
    language); an instant is read on the wall calendar of `zone_name` (UTC without one)."""
    if isinstance(value, datetime):
        try:
            zone = ZoneInfo(zone_name or "UTC")
        except (ValueError, KeyError):
            zone = ZoneInfo("UTC")
        value = value.astimezone(zone).date()
    return format_date(value, date_pattern("date"), locale=get_locale())


def format_when(starts: datetime, ends: datetime, zone_name: str, *, with_zone: bool = True) -> str:
    """'Tuesday 3 March 2026, 10:00–16:30 (Europe/Brussels)', in the current language.

    A meeting over several days shows both dates.
    """
    tz = ZoneInfo(zone_name)
    locale = get_locale()
    local_start, local_end = starts.astimezone(tz), ends.astimezone(tz)
    if local_start.date() == local_end.date():
        text = _(
            "%(day)s, %(start)s–%(end)s",
            day=format_datetime(local_start, date_pattern("day"), tzinfo=tz, locale=locale),
            start=format_time(local_start, "HH:mm", tzinfo=tz, locale=locale),
            end=format_time(local_end, "HH:mm", tzinfo=tz, locale=locale),
        )
    else:
        pattern = date_pattern("day") + ", HH:mm"
        text = _(
            "%(start)s to %(end)s",
            start=format_datetime(local_start, pattern, tzinfo=tz, locale=locale),
            end=format_datetime(local_end, pattern, tzinfo=tz, locale=locale),
        )
    return f"{text} ({zone_name})" if with_zone else text


def format_instant(instant: datetime, zone_name: str) -> str:
    """'3 March 2026, 10:00 (Europe/Brussels)', in the current language."""
    tz = ZoneInfo(zone_name)
    local = format_datetime(
        instant.astimezone(tz), date_pattern("date") + ", HH:mm", tzinfo=tz, locale=get_locale()
    )
    return f"{local} ({zone_name})"


def same_wall_clock(starts: datetime, ends: datetime, zone_a: str, zone_b: str) -> bool:
    """Whether a meeting reads the same in two zones (Rome and Brussels, say): no need to show
    it twice."""
    a, b = ZoneInfo(zone_a), ZoneInfo(zone_b)
    return all(
        instant.astimezone(a).replace(tzinfo=None) == instant.astimezone(b).replace(tzinfo=None)
        for instant in (starts, ends)
    )
