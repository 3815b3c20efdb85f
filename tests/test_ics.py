"""The pure iCalendar builders: time zones written from the tz database, feeds and invitations.

Each file is read back by parsers that share no code with cop (ical.js, vobject) and by
icalendar made to use the file's own VTIMEZONE, and every event must come back at the
instant it was written for: around every daylight-saving change, in zones of both
hemispheres, with half-hour offsets, and in zones whose rules changed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from cop.calendar import ics
from tests.calendar_readers import (
    read_calendar_with_icaljs,
    read_with_icalendar,
    read_with_icaljs,
    read_with_vobject,
)

STAMP = datetime(2026, 1, 1, tzinfo=UTC)

ZONES = [
    "Europe/Brussels",
    "Europe/Helsinki",
    "Atlantic/Reykjavik",
    "Europe/Lisbon",
    "Europe/London",
    "Europe/Dublin",  # negative daylight saving in the tz database: winter is "daylight"
    "Atlantic/Azores",
    "Europe/Chisinau",
    "America/New_York",
    "America/Santiago",  # southern hemisphere, changes at midnight
    "Australia/Lord_Howe",  # half-hour daylight saving
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Africa/Casablanca",  # a change every Ramadan: no yearly rule
    "Asia/Tehran",  # daylight saving abolished in 2022
    "America/Ciudad_Juarez",
    "UTC",
]


def event(number: int, starts_at: datetime, zone: str, hours: float = 1) -> ics.CalendarEvent:
    return ics.CalendarEvent(
        uid=f"test-{number}@cop.test",
        sequence=0,
        status="CONFIRMED",
        summary=f"Event {number}",
        description="",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        timezone=zone,
        created=STAMP,
        last_modified=STAMP,
    )


def instants_around_changes(zone: str, first_year: int, last_year: int) -> list[datetime]:
    """Noon on the 1st and 15th of every month, and 90 minutes either side of every change."""
    tz = ZoneInfo(zone)
    found = []
    for year in range(first_year, last_year + 1):
        for month in range(1, 13):
            for day in (1, 15):
                found.append(datetime(year, month, day, 12, tzinfo=tz).astimezone(UTC))
    start = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    for change in ics.transitions(tz, start, end):
        found += [change.at - timedelta(minutes=90), change.at + timedelta(minutes=90)]
    return sorted(found)


def expected(events: list[ics.CalendarEvent]) -> list[tuple[str, datetime, datetime]]:
    return sorted((e.summary, e.starts_at, e.ends_at) for e in events)


def read_back(reader, data: bytes) -> list[tuple[str, datetime, datetime]]:
    return sorted((e.summary, e.start, e.end) for e in reader(data))


# Zones whose rules changed within the years asked for: Moscow left daylight saving in 2011,
# Sao Paulo in 2019, Tehran in 2022.
CHANGED_RULES = [
    ("Europe/Moscow", 2009, 2012),
    ("America/Sao_Paulo", 2017, 2020),
    ("Asia/Tehran", 2021, 2023),
]


@pytest.mark.parametrize(
    ("zone", "first_year", "last_year"),
    [(zone, 2026, 2028) for zone in ZONES] + CHANGED_RULES,
)
def test_every_reader_reads_every_event_at_its_instant(zone, first_year, last_year):
    events = [
        event(number, instant, zone)
        for number, instant in enumerate(instants_around_changes(zone, first_year, last_year))
    ]
    data = ics.feed(events, name="Zones")
    for reader in (read_with_icaljs, read_with_vobject, read_with_icalendar):
        assert read_back(reader, data) == expected(events), reader.__name__


def test_time_zones_are_yearly_rules_not_lists_of_dates():
    component = ics.vtimezone("Europe/Brussels", 2026, 2027)
    observances = component.subcomponents
    assert [o.name for o in observances] == ["DAYLIGHT", "STANDARD"]
    for observance in observances:
        assert "RDATE" not in observance
        rule = observance["RRULE"]
        assert rule["FREQ"] == ["YEARLY"] and rule["BYDAY"] == ["-1SU"]
        assert "UNTIL" not in rule
    daylight, standard = observances
    assert daylight["RRULE"]["BYMONTH"] == [3] and standard["RRULE"]["BYMONTH"] == [10]
    assert daylight.to_ical().count(b"TZOFFSETTO:+0200") == 1


def test_a_zone_without_daylight_saving_has_one_observance():
    component = ics.vtimezone("Atlantic/Reykjavik", 2026, 2027)
    (observance,) = component.subcomponents
    assert observance.name == "STANDARD"
    assert observance["TZOFFSETFROM"].td == observance["TZOFFSETTO"].td == timedelta(0)


def test_a_rule_that_ended_stops_with_until():
    # Moscow kept daylight saving until 2010: its yearly rules end there, with UNTIL in UTC.
    component = ics.vtimezone("Europe/Moscow", 2010, 2011)
    rules = [o["RRULE"] for o in component.subcomponents if "RRULE" in o]
    assert rules and all("UNTIL" in rule for rule in rules)
    for rule in rules:
        (until,) = rule["UNTIL"]
        assert until.tzinfo is not None and until.utcoffset() == timedelta(0)


def test_a_time_that_happens_twice_is_written_in_utc():
    # 02:30 on 25 October 2026 happens twice in Brussels: written as local time, a program
    # would read the first of the two.
    second = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 CET, the second time
    data = ics.feed([event(1, second, "Europe/Brussels")], name="Twice")
    assert b"DTSTART:20261025T013000Z" in data
    assert read_back(read_with_icaljs, data)[0][1] == second


def test_a_feed_is_the_same_bytes_for_the_same_records():
    events = [event(1, datetime(2027, 1, 14, 9, tzinfo=UTC), "Europe/Brussels")]
    assert ics.feed(events, name="Same") == ics.feed(events, name="Same")


def test_a_feed_names_itself_and_asks_to_be_refreshed():
    data = ics.feed([], name="Innovation Diffusion: meetings", description="Open meetings")
    calendar = Calendar.from_ical(data)
    assert calendar["X-WR-CALNAME"] == "Innovation Diffusion: meetings"
    assert calendar["NAME"] == "Innovation Diffusion: meetings"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in data
    assert b"X-PUBLISHED-TTL:PT1H" in data
    assert "METHOD" not in calendar
    assert data.endswith(b"END:VCALENDAR\r\n")


def test_text_is_escaped_and_long_lines_folded():
    hostile = ics.CalendarEvent(
        **{
            **event(1, datetime(2027, 7, 14, 8, tzinfo=UTC), "Europe/Brussels").__dict__,
            "summary": "Line one\nEND:VEVENT\nBEGIN:VEVENT; a, b \\ c",
            "description": "x" * 500,
        }
    )
    data = ics.feed([hostile], name="Hostile")
    assert data.split(b"\r\n").count(b"BEGIN:VEVENT") == 1
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    (read,) = Calendar.from_ical(data).walk("VEVENT")
    assert str(read["SUMMARY"]) == hostile.summary
    assert str(read["DESCRIPTION"]) == "x" * 500


def test_an_invitation_names_its_organizer_and_attendee():
    meeting = event(7, datetime(2027, 7, 14, 8, tzinfo=UTC), "Europe/Helsinki")
    data = ics.invitation(
        meeting,
        method="REQUEST",
        organizer=ics.Person("Innovation Diffusion", "no-reply@cop.test"),
        attendee=ics.Person("Ana Example", "ana@example.org"),
        stamp=datetime(2027, 6, 1, 10, tzinfo=UTC),
    )
    calendar = read_calendar_with_icaljs(data)
    assert calendar.method == "REQUEST"
    (read,) = calendar.events
    assert (read.uid, read.start) == ("test-7@cop.test", meeting.starts_at)
    (vevent,) = Calendar.from_ical(data).walk("VEVENT")
    assert str(vevent["ORGANIZER"]) == "mailto:no-reply@cop.test"
    assert vevent["ORGANIZER"].params["CN"] == "Innovation Diffusion"
    assert str(vevent["ATTENDEE"]) == "mailto:ana@example.org"
    assert vevent["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    assert vevent["DTSTAMP"].dt == datetime(2027, 6, 1, 10, tzinfo=UTC)


def test_a_cancellation_says_cancelled():
    meeting = event(8, datetime(2027, 1, 14, 9, tzinfo=UTC), "Europe/Brussels")
    data = ics.invitation(
        meeting,
        method="CANCEL",
        organizer=ics.Person("Innovation Diffusion", "no-reply@cop.test"),
        attendee=ics.Person("Ana Example", "ana@example.org"),
        stamp=STAMP,
    )
    calendar = read_calendar_with_icaljs(data)
    assert calendar.method == "CANCEL"
    assert [e.status for e in calendar.events] == ["CANCELLED"]


def test_naive_times_are_refused():
    naive = ics.CalendarEvent(
        **{
            **event(1, datetime(2027, 1, 14, 9, tzinfo=UTC), "UTC").__dict__,
            "created": datetime(2027, 1, 1),
        }
    )
    with pytest.raises(ValueError):
        ics.feed([naive], name="Naive")


def test_a_zone_that_never_differs_from_utc_keeps_its_name():
    data = ics.feed(
        [event(1, datetime(2027, 1, 14, 10, tzinfo=UTC), "Atlantic/Reykjavik")], name="Iceland"
    )
    assert b"DTSTART;TZID=Atlantic/Reykjavik:20270114T100000" in data
    assert b"TZID:Atlantic/Reykjavik" in data
