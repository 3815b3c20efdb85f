"""Read an .ics file back with independent parsers, so tests can check what calendars will show.

A calendar export is only right if the programs people use read the times we meant. The tests
therefore feed every generated file to several parsers that share no code with each other and
compare the UTC times each one reads back with the stored UTC times:

- ``read_with_icaljs``: ical.js, Thunderbird's parser (npm package pinned by package-lock.json);
- ``read_with_calcurse``: Debian's calcurse, an independent C parser;
- ``read_with_icalendar``: the Python ``icalendar`` library the export is written with, but made
  to resolve every TZID with the file's own VTIMEZONE rather than the system's zoneinfo;
- ``read_with_vobject``: the Python ``vobject`` library, again with the file's own VTIMEZONE.

Each reader returns one ``ReadEvent`` per VEVENT (the event's own DTSTART/DTEND: recurrences are
not expanded), with aware UTC datetimes. The order of the list is the reader's: compare sorted.
A file the reader cannot read in full raises ``AssertionError`` saying why, so a test fails
rather than passing on half a calendar. A reader whose tool is not installed raises
``ReaderUnavailableError``: never a skip, since ``make test`` installs them all (its
``calendar-readers`` target installs calcurse and node from apt and ical.js with ``npm ci``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from icalendar import Event as IcalendarEvent
    from icalendar.prop import vDDDTypes
    from vobject.base import Component as VobjectComponent
    from vobject.base import ContentLine as VobjectLine

__all__ = [
    "ReadCalendar",
    "ReadEvent",
    "ReaderUnavailableError",
    "read_calendar_with_icaljs",
    "read_with_calcurse",
    "read_with_icaljs",
    "read_with_icalendar",
    "read_with_vobject",
]

HERE = Path(__file__).resolve().parent
ICALJS_SCRIPT = HERE / "read-ics.mjs"
ICALJS_PACKAGE = HERE / "node_modules" / "ical.js"

# Each tool reads a small file in well under a second; the limit only stops a hung tool.
TIMEOUT_SECONDS = 30

INSTALL_HINT = "run `make test` (or `make calendar-readers`), which installs it"

# The system time-zone database glibc (and so calcurse) reads TZID names from.
SYSTEM_ZONEINFO = Path(os.environ.get("TZDIR", "/usr/share/zoneinfo"))


class ReaderUnavailableError(RuntimeError):
    """A parser the calendar tests need is not installed."""


@dataclass(frozen=True)
class ReadEvent:
    """One VEVENT as a parser read it: start and end are aware datetimes in UTC.

    ``uid`` is None when the parser does not keep it (calcurse); ``status`` and ``sequence`` are
    None when the event has none or the parser does not keep them (calcurse).
    """

    summary: str
    start: datetime
    end: datetime
    uid: str | None
    status: str | None
    sequence: int | None = None

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if value.tzinfo is None or value.utcoffset() != timedelta(0):
                raise ValueError(f"ReadEvent.{name} must be an aware UTC datetime, not {value!r}")


@dataclass(frozen=True)
class ReadCalendar:
    """What ical.js read: the calendar's METHOD (None when absent) and its events."""

    method: str | None
    events: list[ReadEvent]


def _count_vevents(data: bytes) -> int:
    return len(re.findall(rb"^BEGIN:VEVENT\r?$", data, flags=re.MULTILINE | re.IGNORECASE))


def _run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run a reader tool without a terminal or stdin, so it can never wait for input."""
    return subprocess.run(
        args,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
        **kwargs,
    )


# --- ical.js -------------------------------------------------------------------------------------


def read_calendar_with_icaljs(data: bytes) -> ReadCalendar:
    """Parse ``data`` with ical.js as Thunderbird does, and return its METHOD and events.

    read-ics.mjs registers the file's VTIMEZONEs with ical.js's TimezoneService, and ical.js
    prefers the file's own definition for a TZID, so a wrong VTIMEZONE shows as a wrong UTC time.
    ical.js reads only the first date of a comma-separated RDATE list in a VTIMEZONE (observed with
    ical.js 2.2.1), so it catches a file that relies on such lists.

    Raises AssertionError when ical.js cannot parse the file or cannot place an event's start or
    end in UTC (an all-day DATE, a floating time, a TZID without a VTIMEZONE).
    """
    node = shutil.which("node")
    if node is None:
        raise ReaderUnavailableError(f"node is not installed: {INSTALL_HINT}")
    if not ICALJS_PACKAGE.is_dir():
        raise ReaderUnavailableError(f"ical.js is not installed in {HERE}: {INSTALL_HINT}")
    with tempfile.TemporaryDirectory(prefix="cop-icaljs-") as tmp:
        ics = Path(tmp) / "calendar.ics"
        ics.write_bytes(data)
        result = _run([node, str(ICALJS_SCRIPT), str(ics)], cwd=HERE)
    if result.returncode != 0:
        raise AssertionError(
            f"ical.js could not read the calendar (exit {result.returncode}):\n"
            f"{result.stderr.strip()}"
        )
    output = json.loads(result.stdout)
    events = [
        ReadEvent(
            summary=event["summary"],
            start=_parse_utc(event["start"]),
            end=_parse_utc(event["end"]),
            uid=event["uid"],
            status=event["status"],
            sequence=event["sequence"],
        )
        for event in output["events"]
    ]
    return ReadCalendar(method=output["method"], events=events)


def read_with_icaljs(data: bytes) -> list[ReadEvent]:
    """The events ical.js (Thunderbird's parser) reads in ``data``: read_calendar_with_icaljs."""
    return read_calendar_with_icaljs(data).events


def _parse_utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


# --- calcurse ------------------------------------------------------------------------------------

_CALCURSE_REPORT = re.compile(
    r"(?P<apps>\d+) apps? / (?P<events>\d+) events? / (?P<todos>\d+) todos? / "
    r"(?P<skipped>\d+) skipped"
)
# An appointment line of calcurse's apts file: ">hash " names the note file, "!" instead of "|"
# marks an appointment with an alarm. A recurring appointment ("{1W ...}") or an all-day event
# ("MM/DD/YYYY [1] summary") does not match, and fails the read.
_CALCURSE_APPOINTMENT = re.compile(
    r"^(?P<start>\d\d/\d\d/\d{4} @ \d\d:\d\d) -> (?P<end>\d\d/\d\d/\d{4} @ \d\d:\d\d)"
    r"(?:>(?P<note>[0-9a-f]+) )?[|!](?P<summary>.*)$"
)
_CALCURSE_TZID_NOTE = re.compile(r"^Import: TZID=(?P<tzid>.+)$", flags=re.MULTILINE)


def read_with_calcurse(data: bytes) -> list[ReadEvent]:
    """Import ``data`` into an empty calcurse (4.7) and read back its appointments, in UTC.

    calcurse runs with TZ=UTC in a temporary ``-D`` folder, with HOME and TMPDIR in a temporary
    folder too, so it never touches anyone's calendar. It exits 0 even when it imported nothing
    (a file without a valid header), so its report is checked instead: it must print no warning,
    and every VEVENT of the file must come back as one timed appointment, or this raises
    AssertionError with the report and calcurse's import log (e.g. "line break in summary":
    calcurse skips such events). calcurse does not notice a file cut short between two events,
    so the file must also end with END:VCALENDAR.

    What calcurse 4.7.1 does, as observed, and so what the caller gets:

    - Times: calcurse ignores the VTIMEZONE components. It resolves a TZID by name in the
      system's time-zone database, and silently reads a TZID it does not know there as UTC; this
      reader raises AssertionError for such a TZID. So calcurse checks that each TZID names the
      right IANA zone and the local times are right, not the VTIMEZONE definitions (a wrong or
      comma-RDATE VTIMEZONE reads correctly here). A floating time is read as UTC, unnoticed.
    - Minute resolution: seconds are dropped.
    - STATUS:CANCELLED events are imported like any other, and the status is not kept: every
      event is returned, cancelled or not, with ``status`` None. METHOD (PUBLISH, REQUEST,
      CANCEL) is ignored too: a METHOD:CANCEL file imports its events as appointments.
    - UID and SEQUENCE are not kept: ``uid`` and ``sequence`` are None.
    - Appointments come back sorted by start, not in file order.
    """
    calcurse = shutil.which("calcurse")
    if calcurse is None:
        raise ReaderUnavailableError(f"calcurse is not installed: {INSTALL_HINT}")
    if not re.search(rb"^END:VCALENDAR\r?\n?\Z", data, flags=re.MULTILINE | re.IGNORECASE):
        raise AssertionError("the calendar does not end with END:VCALENDAR")
    with tempfile.TemporaryDirectory(prefix="cop-calcurse-") as tmp_name:
        tmp = Path(tmp_name)
        home, datadir = tmp / "home", tmp / "data"
        home.mkdir()
        datadir.mkdir()
        ics = tmp / "calendar.ics"
        ics.write_bytes(data)
        env = {
            **os.environ,
            "TZ": "UTC",
            "HOME": str(home),
            "TMPDIR": str(tmp),  # where calcurse writes its import log
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
        }
        result = _run([calcurse, "-D", str(datadir), "-i", str(ics)], env=env)
        logs = "".join(log.read_text(errors="replace") for log in tmp.glob("calcurse_log.*"))
        _check_calcurse_report(result, logs, _count_vevents(data))
        apts = datadir / "apts"
        lines = apts.read_text().splitlines() if apts.exists() else []
        notes = {note.name: note.read_text() for note in (datadir / "notes").glob("*")}
    return [_calcurse_event(line, notes) for line in lines]


def _check_calcurse_report(
    result: subprocess.CompletedProcess[str], logs: str, vevents: int
) -> None:
    report = _CALCURSE_REPORT.search(result.stdout)
    counts = {key: int(value) for key, value in report.groupdict().items()} if report else {}
    if (
        result.returncode == 0
        and not result.stderr.strip()
        and counts
        and counts["apps"] == vevents
        and counts["events"] == counts["todos"] == counts["skipped"] == 0
    ):
        return
    raise AssertionError(
        f"calcurse did not import the file's {vevents} VEVENT(s) as timed appointments "
        f"(exit {result.returncode}):\n{result.stdout}{result.stderr}\n{logs}".rstrip()
    )


def _calcurse_event(line: str, notes: dict[str, str]) -> ReadEvent:
    match = _CALCURSE_APPOINTMENT.match(line)
    if match is None:
        raise AssertionError(f"calcurse stored something other than a timed appointment: {line!r}")
    note = notes.get(match["note"] or "", "")
    tzid = _CALCURSE_TZID_NOTE.search(note)
    if tzid and not (SYSTEM_ZONEINFO / tzid["tzid"]).is_file():
        raise AssertionError(
            f"calcurse read TZID {tzid['tzid']!r} as UTC: the system time-zone database does not "
            f"know it ({line!r})"
        )
    return ReadEvent(
        summary=match["summary"],
        start=_parse_calcurse_time(match["start"]),
        end=_parse_calcurse_time(match["end"]),
        uid=None,
        status=None,
    )


def _parse_calcurse_time(text: str) -> datetime:
    # calcurse ran with TZ=UTC, so the times it stored are UTC.
    return datetime.strptime(text, "%m/%d/%Y @ %H:%M").replace(tzinfo=UTC)


# --- the Python icalendar library ----------------------------------------------------------------


def read_with_icalendar(data: bytes) -> list[ReadEvent]:
    """Parse ``data`` with icalendar and convert times to UTC with the file's own VTIMEZONEs.

    By default icalendar 6/7 maps a TZID it knows, such as "Europe/Brussels", to the system's
    zoneinfo and ignores the file's VTIMEZONE, which would hide a wrong VTIMEZONE. So the local
    time of each DTSTART/DTEND is taken as written and given the tzinfo built from the file's
    VTIMEZONE of that TZID (``Timezone.to_tz(lookup_tzid=False)``, a dateutil ``tzical`` zone).
    dateutil reads comma-separated RDATE lists in full, so this reader does not catch a file
    relying on them (ical.js and vobject do).

    Raises AssertionError when the file does not parse, or an event's start or end is not a
    date-time in UTC or in a zone the file defines (an all-day DATE, a floating time, a TZID
    without a VTIMEZONE), or has neither DTEND nor DURATION.
    """
    try:
        import icalendar
    except ImportError as error:
        raise ReaderUnavailableError(f"icalendar is not installed: {INSTALL_HINT}") from error
    try:
        calendar = icalendar.Calendar.from_ical(data)
        zones = {
            str(vtimezone["TZID"]): vtimezone.to_tz(lookup_tzid=False)
            for vtimezone in calendar.walk("VTIMEZONE")
        }
        return [_icalendar_event(vevent, zones) for vevent in calendar.walk("VEVENT")]
    except (ValueError, KeyError) as error:
        raise AssertionError(f"icalendar could not read the calendar: {error!r}") from error


def _icalendar_event(vevent: IcalendarEvent, zones: dict[str, tzinfo]) -> ReadEvent:
    uid = vevent.get("UID")
    start = _utc_from_file_zone(vevent.get("DTSTART"), zones, f"DTSTART of {uid}")
    if "DTEND" in vevent:
        end = _utc_from_file_zone(vevent["DTEND"], zones, f"DTEND of {uid}")
    elif "DURATION" in vevent:
        end = start + vevent["DURATION"].dt
    else:
        raise AssertionError(f"VEVENT {uid} has neither DTEND nor DURATION")
    status = vevent.get("STATUS")
    sequence = vevent.get("SEQUENCE")
    return ReadEvent(
        summary=str(vevent.get("SUMMARY", "")),
        start=start,
        end=end,
        uid=None if uid is None else str(uid),
        status=None if status is None else str(status),
        sequence=None if sequence is None else int(sequence),
    )


def _utc_from_file_zone(prop: vDDDTypes | None, zones: dict[str, tzinfo], what: str) -> datetime:
    if prop is None:
        raise AssertionError(f"{what}: missing")
    return _to_utc(prop.dt, prop.params.get("TZID"), zones, what)


def _to_utc(value: date, tzid: str | None, zones: dict[str, tzinfo], what: str) -> datetime:
    """The UTC instant of a parsed DTSTART/DTEND, its TZID resolved with the file's VTIMEZONE."""
    if not isinstance(value, datetime):
        raise AssertionError(f"{what}: {value!r} is an all-day DATE, not a date-time")
    if tzid is not None:
        if tzid not in zones:
            raise AssertionError(f"{what}: TZID {tzid!r} has no VTIMEZONE in the file")
        # The parser attached a zone of its choosing to the local time as written: use the file's.
        return value.replace(tzinfo=zones[tzid]).astimezone(UTC)
    if value.tzinfo is None:
        raise AssertionError(f"{what}: {value!r} is a floating time (no TZID, no Z)")
    return value.astimezone(UTC)


# --- vobject -------------------------------------------------------------------------------------


def read_with_vobject(data: bytes) -> list[ReadEvent]:
    """Parse ``data`` with vobject and convert times to UTC with the file's own VTIMEZONEs.

    vobject keeps one process-wide TZID registry in which the first definition of a TZID wins
    (or pytz's zone of that name), so this reader does not use it: like read_with_icalendar it
    takes each local time as written and gives it the tzinfo vobject builds from this file's
    VTIMEZONE (``gettzinfo()``). vobject reads only the first date of a comma-separated RDATE list
    in a VTIMEZONE (observed with vobject 0.9.9), so it catches a file relying on such lists.

    Raises AssertionError as read_with_icalendar does.
    """
    try:
        import vobject
    except ImportError as error:
        raise ReaderUnavailableError(f"vobject is not installed: {INSTALL_HINT}") from error
    try:
        calendar = vobject.readOne(data.decode("utf-8"))
        zones = {
            vtimezone.tzid.value: vtimezone.gettzinfo()
            for vtimezone in calendar.contents.get("vtimezone", [])
        }
        vevents = calendar.contents.get("vevent", [])
    except Exception as error:  # vobject raises several unrelated types for a bad file
        raise AssertionError(f"vobject could not read the calendar: {error!r}") from error
    return [_vobject_event(vevent, zones) for vevent in vevents]


def _vobject_event(vevent: VobjectComponent, zones: dict[str, tzinfo]) -> ReadEvent:
    def first(name: str) -> VobjectLine | None:
        lines = vevent.contents.get(name)
        return lines[0] if lines else None

    def text(name: str) -> str | None:
        line = first(name)
        return None if line is None else str(line.value)

    uid = text("uid")
    start = _vobject_utc(first("dtstart"), zones, f"DTSTART of {uid}")
    dtend, duration = first("dtend"), first("duration")
    if dtend is not None:
        end = _vobject_utc(dtend, zones, f"DTEND of {uid}")
    elif duration is not None:
        end = start + duration.value
    else:
        raise AssertionError(f"VEVENT {uid} has neither DTEND nor DURATION")
    sequence = text("sequence")
    return ReadEvent(
        summary=text("summary") or "",
        start=start,
        end=end,
        uid=uid,
        status=text("status"),
        sequence=None if sequence is None else int(sequence),
    )


def _vobject_utc(line: VobjectLine | None, zones: dict[str, tzinfo], what: str) -> datetime:
    if line is None:
        raise AssertionError(f"{what}: missing")
    # vobject moves the TZID parameter aside when it turns the value into a datetime.
    tzids = line.params.get("X-VOBJ-ORIGINAL-TZID") or line.params.get("TZID")
    tzid = tzids[0] if tzids else getattr(line, "tzid_param", None)
    return _to_utc(line.value, tzid, zones, what)
