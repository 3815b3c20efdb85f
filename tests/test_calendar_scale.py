"""A group's feed of 1,000 meetings: built in as many SQL queries as a feed of 10, every event
written out whole. The data is the calendar bench's (bench/calendar.py), written in bulk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

from bench.calendar import CALENDAR_ZONES, load_calendar_world
from cop import clock
from cop.meetings.models import MeetingStatus

NOW = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)


def left_the_feed(row: dict) -> bool:
    """Cancelled, and over 30 days after its planned end."""
    return row["status"] is MeetingStatus.CANCELLED and row["ends_at"] + timedelta(days=30) <= NOW


def test_a_group_feed_of_1000_meetings_takes_the_queries_of_one_of_10(
    app, session, client, count_queries
):
    world = load_calendar_world(session, NOW)
    session.commit()
    first_ten = [world.rows[place] for place in world.ids]
    path = f"/calendar/{world.slug}.ics"

    with clock.fixed_at(NOW):
        assert client.get(path).status_code == 200  # anything a first request loads once
        with count_queries() as ten:
            small = client.get(path)
        world.add_the_rest()
        session.commit()
        with count_queries() as thousand:
            large = client.get(path)

    assert small.status_code == large.status_code == 200
    assert len(world.ids) == len(world.rows) == 1000
    assert thousand.count == ten.count <= 3, thousand.statements
    assert len(first_ten) == 10
    assert small.data.count(b"BEGIN:VEVENT") == sum(not left_the_feed(r) for r in first_ten)

    # Cancelled meetings stay (marked) until 30 days after their end, then leave: some of each.
    rows = {world.ids[place]: row for place, row in enumerate(world.rows)}
    kept = {meeting_id: row for meeting_id, row in rows.items() if not left_the_feed(row)}
    cancelled_kept = [r for r in kept.values() if r["status"] is MeetingStatus.CANCELLED]
    assert 0 < len(kept) < 1000 and cancelled_kept

    body = large.data
    assert all(len(line) <= 75 for line in body.split(b"\r\n")), "a line is not folded"
    calendar = icalendar.Calendar.from_ical(body)
    zones = [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")]
    assert sorted(zones) == sorted(CALENDAR_ZONES)
    events = calendar.walk("VEVENT")
    assert len(events) == len(kept) == body.count(b"BEGIN:VEVENT")
    seen = set()
    for event in events:
        uid = str(event["UID"])
        assert uid.startswith("meeting-") and uid.endswith("@cop.test"), uid
        meeting_id = int(uid.removeprefix("meeting-").removesuffix("@cop.test"))
        assert meeting_id not in seen
        seen.add(meeting_id)
        row = kept[meeting_id]
        cancelled = row["status"] is MeetingStatus.CANCELLED
        assert str(event["STATUS"]) == ("CANCELLED" if cancelled else "CONFIRMED")
        assert str(event["SUMMARY"]).startswith("Cancelled: ") == cancelled
        assert row["title"] in str(event["SUMMARY"])
        assert int(event["SEQUENCE"]) == row["sequence"]
        starts, ends = event.decoded("DTSTART"), event.decoded("DTEND")
        assert (starts, ends) == (row["starts_at"], row["ends_at"])
        if "TZID" in event["DTSTART"].params:
            # The wall-clock time of the meeting's own zone, defined in the file.
            assert event["DTSTART"].params["TZID"] == event["DTEND"].params["TZID"]
            assert event["DTSTART"].params["TZID"] == row["timezone"] in zones
        else:
            # In UTC only when the wall-clock time happens twice (the hour clocks go back).
            local = row["starts_at"].astimezone(ZoneInfo(row["timezone"]))
            assert local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()
            assert event["DTSTART"].to_ical().endswith(b"Z")
        for stamp in ("DTSTAMP", "CREATED", "LAST-MODIFIED"):
            assert event.decoded(stamp).utcoffset() == timedelta(0), stamp
        assert event.decoded("LAST-MODIFIED") == row["updated_at"]
        assert str(event["URL"]) == f"http://cop.test/meetings/{meeting_id}"
        assert str(event["TRANSP"]) == "OPAQUE"
        assert "https://meet.example.org" not in str(event["DESCRIPTION"])  # no online link
    assert seen == set(kept)


def test_a_personal_feed_of_200_meetings_takes_the_queries_of_one_of_10(
    app, session, client, count_queries
):
    world = load_calendar_world(session, NOW)
    session.commit()
    first_ten = [world.rows[place] for place in world.ids]
    path = f"/calendar/u/{world.token}.ics"

    with clock.fixed_at(NOW):
        assert client.get(path).status_code == 200
        with count_queries() as ten:
            small = client.get(path)
        world.add_the_rest()
        session.commit()
        with count_queries() as two_hundred:
            large = client.get(path)

    assert small.status_code == large.status_code == 200
    assert len(world.registered_for) == 200
    assert two_hundred.count == ten.count, two_hundred.statements
    assert small.data.count(b"BEGIN:VEVENT") == sum(not left_the_feed(r) for r in first_ten)
    expected = sum(not left_the_feed(world.rows[place]) for place in world.registered_for)
    assert large.data.count(b"BEGIN:VEVENT") == expected > 150
    assert b"waiting list" in large.data.replace(b"\r\n ", b"")
