"""The calendar readers themselves: each parser reads a hand-written calendar as intended.

The calendar-export tests trust tests.calendar_readers to report what ical.js, calcurse,
icalendar and vobject make of a file. These tests pin that down on files written by hand: correct
VTIMEZONEs for three zones with events in winter and summer, and wrong files each reader must
catch (or, where a parser cannot, the behaviour the export tests must know about).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from tests.calendar_readers import (
    ReaderUnavailableError,
    ReadEvent,
    read_calendar_with_icaljs,
    read_with_calcurse,
    read_with_icalendar,
    read_with_icaljs,
    read_with_vobject,
)

Reader = Callable[[bytes], list[ReadEvent]]

READERS = [
    pytest.param(read_with_icaljs, id="ical.js"),
    pytest.param(read_with_calcurse, id="calcurse"),
    pytest.param(read_with_icalendar, id="icalendar"),
    pytest.param(read_with_vobject, id="vobject"),
]
# The readers that keep UID, STATUS and SEQUENCE (calcurse keeps none of them).
READERS_WITH_UIDS = [param for param in READERS if param.id != "calcurse"]

BRUSSELS = """\
BEGIN:VTIMEZONE
TZID:Europe/Brussels
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
"""

HELSINKI = """\
BEGIN:VTIMEZONE
TZID:Europe/Helsinki
BEGIN:DAYLIGHT
TZOFFSETFROM:+0200
TZOFFSETTO:+0300
TZNAME:EEST
DTSTART:19700329T030000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0300
TZOFFSETTO:+0200
TZNAME:EET
DTSTART:19701025T040000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
"""

REYKJAVIK = """\
BEGIN:VTIMEZONE
TZID:Atlantic/Reykjavik
BEGIN:STANDARD
TZOFFSETFROM:+0000
TZOFFSETTO:+0000
TZNAME:GMT
DTSTART:19700101T000000
END:STANDARD
END:VTIMEZONE
"""

# Brussels with the summer-time onsets as ONE comma-separated RDATE list (valid iCalendar) and
# the winter-time onsets as one RDATE line each.
BRUSSELS_COMMA_RDATE = """\
BEGIN:VTIMEZONE
TZID:Europe/Brussels
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:20251026T030000
RDATE:20261025T030000
RDATE:20271031T030000
END:STANDARD
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:20260329T020000
RDATE:20260329T020000,20270328T020000
END:DAYLIGHT
END:VTIMEZONE
"""


def event(summary: str, tzid: str, day: str, *extra: str) -> str:
    """A VEVENT from 10:00 to 11:30 local time on ``day`` ("20270114") in the zone ``tzid``."""
    lines = [
        "BEGIN:VEVENT",
        f"UID:{summary.lower().replace(' ', '-')}@test",
        "DTSTAMP:20260101T000000Z",
        f"DTSTART;TZID={tzid}:{day}T100000",
        f"DTEND;TZID={tzid}:{day}T113000",
        f"SUMMARY:{summary}",
        *extra,
        "END:VEVENT",
    ]
    return "\n".join(lines) + "\n"


def calendar(*components: str, method: str | None = "PUBLISH") -> bytes:
    """A VCALENDAR of the components, with CRLF line ends as RFC 5545 wants."""
    head = "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//cop//calendar readers test//EN\n"
    if method:
        head += f"METHOD:{method}\n"
    text = head + "".join(components) + "END:VCALENDAR\n"
    return text.replace("\n", "\r\n").encode()


def utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


def read_times(reader: Reader, data: bytes) -> list[tuple[str, datetime, datetime]]:
    return sorted((read.summary, read.start, read.end) for read in reader(data))


THREE_ZONES = calendar(
    BRUSSELS,
    HELSINKI,
    REYKJAVIK,
    event("Brussels January", "Europe/Brussels", "20270114"),
    event("Brussels July", "Europe/Brussels", "20270714", "STATUS:CONFIRMED", "SEQUENCE:2"),
    event("Helsinki January", "Europe/Helsinki", "20270114"),
    event("Helsinki July", "Europe/Helsinki", "20270714"),
    event("Reykjavik January", "Atlantic/Reykjavik", "20270114"),
    event("Reykjavik July", "Atlantic/Reykjavik", "20270714", "STATUS:CANCELLED", "SEQUENCE:1"),
)

THREE_ZONES_IN_UTC = sorted(
    [
        ("Brussels January", utc("2027-01-14 09:00"), utc("2027-01-14 10:30")),
        ("Brussels July", utc("2027-07-14 08:00"), utc("2027-07-14 09:30")),
        ("Helsinki January", utc("2027-01-14 08:00"), utc("2027-01-14 09:30")),
        ("Helsinki July", utc("2027-07-14 07:00"), utc("2027-07-14 08:30")),
        ("Reykjavik January", utc("2027-01-14 10:00"), utc("2027-01-14 11:30")),
        ("Reykjavik July", utc("2027-07-14 10:00"), utc("2027-07-14 11:30")),
    ]
)


@pytest.mark.parametrize("reader", READERS)
def test_every_reader_reads_each_zone_in_winter_and_summer(reader: Reader) -> None:
    assert read_times(reader, THREE_ZONES) == THREE_ZONES_IN_UTC


@pytest.mark.parametrize("reader", READERS_WITH_UIDS)
def test_readers_keep_uid_status_and_sequence(reader: Reader) -> None:
    read = {event.uid: (event.status, event.sequence) for event in reader(THREE_ZONES)}
    assert read == {
        "brussels-january@test": (None, None),
        "brussels-july@test": ("CONFIRMED", 2),
        "helsinki-january@test": (None, None),
        "helsinki-july@test": (None, None),
        "reykjavik-january@test": (None, None),
        "reykjavik-july@test": ("CANCELLED", 1),
    }


def test_icaljs_reports_the_calendar_method() -> None:
    assert read_calendar_with_icaljs(THREE_ZONES).method == "PUBLISH"
    assert read_calendar_with_icaljs(calendar(REYKJAVIK, method=None)).method is None


def test_calcurse_keeps_cancelled_events_and_ignores_the_method() -> None:
    """calcurse imports a cancelled event, even in a METHOD:CANCEL file, like any other."""
    cancelled = calendar(
        REYKJAVIK,
        event("Called off", "Atlantic/Reykjavik", "20270714", "STATUS:CANCELLED", "SEQUENCE:1"),
        method="CANCEL",
    )
    assert read_with_calcurse(cancelled) == [
        ReadEvent(
            summary="Called off",
            start=utc("2027-07-14 10:00"),
            end=utc("2027-07-14 11:30"),
            uid=None,
            status=None,
        )
    ]


COMMA_RDATE = calendar(
    BRUSSELS_COMMA_RDATE,
    event("January 2027", "Europe/Brussels", "20270114"),
    event("July 2026", "Europe/Brussels", "20260714"),
    event("July 2027", "Europe/Brussels", "20270714"),
)


@pytest.mark.parametrize(
    ("reader", "july_2027"),
    [
        # ical.js and vobject read only the first date of the list, so the 2027 summer time never
        # starts for them: July 2027 comes out an hour late, and a test comparing with the
        # stored times fails, as it must for a file that relies on such lists.
        pytest.param(read_with_icaljs, "2027-07-14 09:00", id="ical.js"),
        pytest.param(read_with_vobject, "2027-07-14 09:00", id="vobject"),
        # icalendar's dateutil reads the whole list; calcurse ignores VTIMEZONEs altogether and
        # uses the system's Europe/Brussels. Both read the file right and so cannot catch this.
        pytest.param(read_with_icalendar, "2027-07-14 08:00", id="icalendar"),
        pytest.param(read_with_calcurse, "2027-07-14 08:00", id="calcurse"),
    ],
)
def test_comma_separated_rdate_list_in_a_vtimezone(reader: Reader, july_2027: str) -> None:
    starts = {summary: start for summary, start, _ in read_times(reader, COMMA_RDATE)}
    assert starts == {
        "January 2027": utc("2027-01-14 09:00"),
        "July 2026": utc("2026-07-14 08:00"),
        "July 2027": utc(july_2027),
    }


# Brussels as if it were two hours further east: a wrong VTIMEZONE under a real TZID.
WRONG_BRUSSELS = calendar(
    BRUSSELS.replace("+0200", "+0400").replace("+0100", "+0300"),
    event("January", "Europe/Brussels", "20270114"),
    event("July", "Europe/Brussels", "20270714"),
)


@pytest.mark.parametrize("reader", READERS_WITH_UIDS)
def test_a_wrong_vtimezone_shows_as_wrong_utc_times(reader: Reader) -> None:
    """The readers use the file's VTIMEZONE, not the system's zone of the same name."""
    assert read_times(reader, WRONG_BRUSSELS) == [
        ("January", utc("2027-01-14 07:00"), utc("2027-01-14 08:30")),
        ("July", utc("2027-07-14 06:00"), utc("2027-07-14 07:30")),
    ]


def test_calcurse_reads_the_system_zone_whatever_the_vtimezone_says() -> None:
    assert read_times(read_with_calcurse, WRONG_BRUSSELS) == [
        ("January", utc("2027-01-14 09:00"), utc("2027-01-14 10:30")),
        ("July", utc("2027-07-14 08:00"), utc("2027-07-14 09:30")),
    ]


def test_calcurse_refuses_a_tzid_the_system_does_not_know() -> None:
    """calcurse would read it as UTC without a word: the reader says so instead."""
    made_up = calendar(
        BRUSSELS.replace("Europe/Brussels", "Europe/Bruxelles"),
        event("January", "Europe/Bruxelles", "20270114"),
    )
    with pytest.raises(AssertionError, match="Europe/Bruxelles"):
        read_with_calcurse(made_up)
    # The others read the file's own definition of it.
    assert read_times(read_with_icaljs, made_up) == [
        ("January", utc("2027-01-14 09:00"), utc("2027-01-14 10:30"))
    ]


def _without_first_end_vevent(data: bytes) -> bytes:
    return data.replace(b"END:VEVENT\r\n", b"", 1)


MALFORMED = [
    pytest.param(b"hello\r\nworld\r\nEND:VCALENDAR\r\n", id="not-icalendar"),
    # calcurse silently drops the unfinished event and imports the rest, exiting 0.
    pytest.param(_without_first_end_vevent(THREE_ZONES), id="event-never-ends"),
    pytest.param(THREE_ZONES[: THREE_ZONES.index(b"BEGIN:VEVENT")], id="cut-short"),
]


@pytest.mark.parametrize("data", MALFORMED)
@pytest.mark.parametrize("reader", READERS)
def test_a_malformed_file_raises(reader: Reader, data: bytes) -> None:
    with pytest.raises(AssertionError):
        reader(data)


def test_calcurse_skips_a_summary_with_a_line_break() -> None:
    two_lines = calendar(
        REYKJAVIK,
        event(r"First\nsecond", "Atlantic/Reykjavik", "20270114"),
    )
    with pytest.raises(AssertionError, match="line break in summary"):
        read_with_calcurse(two_lines)


ALL_DAY = calendar(
    "BEGIN:VEVENT\nUID:day@test\nDTSTAMP:20260101T000000Z\nDTSTART;VALUE=DATE:20270114\n"
    "DTEND;VALUE=DATE:20270115\nSUMMARY:All day\nEND:VEVENT\n"
)
FLOATING = calendar(
    "BEGIN:VEVENT\nUID:float@test\nDTSTAMP:20260101T000000Z\nDTSTART:20270114T100000\n"
    "DTEND:20270114T110000\nSUMMARY:Floating\nEND:VEVENT\n"
)
NO_VTIMEZONE = calendar(event("January", "Europe/Brussels", "20270114"))


@pytest.mark.parametrize("reader", READERS)
def test_an_all_day_event_raises(reader: Reader) -> None:
    with pytest.raises(AssertionError):
        reader(ALL_DAY)


@pytest.mark.parametrize("data", [FLOATING, NO_VTIMEZONE], ids=["floating", "no-vtimezone"])
@pytest.mark.parametrize("reader", READERS_WITH_UIDS)
def test_a_time_not_tied_to_utc_or_a_vtimezone_raises(reader: Reader, data: bytes) -> None:
    with pytest.raises(AssertionError):
        reader(data)


def test_calcurse_reads_a_floating_time_as_utc() -> None:
    assert read_times(read_with_calcurse, FLOATING) == [
        ("Floating", utc("2027-01-14 10:00"), utc("2027-01-14 11:00"))
    ]


@pytest.mark.parametrize("reader", [read_with_calcurse, read_with_icaljs])
def test_a_missing_tool_is_an_error_not_a_skip(
    reader: Reader, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("shutil.which", lambda _name: None)
    with pytest.raises(ReaderUnavailableError, match="make test"):
        reader(THREE_ZONES)
