// Reads an .ics file with ical.js, the parser Thunderbird uses, and prints what it understood,
// so the Python tests can check our calendar export against a second, independent parser.
//
// Usage: node read-ics.mjs FILE
//
// Prints one JSON object on stdout:
//   {"method": "PUBLISH" | null,
//    "events": [{"uid": str | null, "summary": str, "status": str | null,
//                "sequence": int | null, "start": "YYYY-MM-DDTHH:MM:SSZ", "end": "..."}]}
// "method" is the calendar's top-level METHOD property; events come in file order, one per
// VEVENT (a recurring event gives only its own DTSTART/DTEND; overrides are their own VEVENTs).
// "end" is DTEND, or DTSTART + DURATION when the event has a DURATION instead.
//
// Every VTIMEZONE of the file is registered with ICAL.TimezoneService, and ical.js itself prefers
// the file's own VTIMEZONE for a TZID, so a TZID-relative time is resolved with the definition the
// file carries, as Thunderbird does; a wrong VTIMEZONE therefore shows as a wrong UTC time.
//
// Exits 1 with a message on stderr when the file does not parse, is not one VCALENDAR, or has an
// event whose start or end ical.js cannot place in UTC: an all-day (DATE) value, a floating time,
// or a TZID without a VTIMEZONE (ical.js would silently read the last two as floating times).
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

function fail(message) {
  process.stderr.write(`read-ics.mjs: ${message}\n`);
  process.exit(1);
}

// The UTC instant of a DTSTART/DTEND as "YYYY-MM-DDTHH:MM:SSZ", or a failure if it has none.
function toUtc(time, what) {
  if (time === null || time === undefined) {
    fail(`${what}: missing`);
  }
  if (time.isDate) {
    fail(`${what}: all-day DATE value ${time.toString()}, not a date-time`);
  }
  if (time.zone === ICAL.Timezone.localTimezone) {
    fail(`${what}: ${time.toString()} is a floating time or its TZID has no VTIMEZONE`);
  }
  const utc = time.convertToZone(ICAL.Timezone.utcTimezone);
  return new Date(utc.toUnixTime() * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

const [file] = process.argv.slice(2);
if (!file) {
  fail("usage: node read-ics.mjs FILE");
}

let text;
try {
  text = readFileSync(file, "utf8");
} catch (error) {
  fail(`cannot read ${file}: ${error.message}`);
}

let jcal;
try {
  jcal = ICAL.parse(text);
} catch (error) {
  fail(`ical.js cannot parse ${file}: ${error.message}`);
}
// ICAL.parse gives one jCal component, or a list of them when the file has several.
if (!Array.isArray(jcal) || typeof jcal[0] !== "string" || jcal[0] !== "vcalendar") {
  fail(`${file} is not exactly one VCALENDAR`);
}

// ical.js decodes values lazily, so a malformed value (a bad date, a bad RRULE in a VTIMEZONE)
// throws only here: report it like a parse failure rather than as a stack trace.
let method;
let events;
try {
  const calendar = new ICAL.Component(jcal);
  for (const vtimezone of calendar.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(vtimezone);
  }
  method = calendar.getFirstPropertyValue("method");
  events = calendar.getAllSubcomponents("vevent").map((vevent, index) => {
    const event = new ICAL.Event(vevent);
    const label = `VEVENT #${index + 1} (${event.uid ?? "no UID"})`;
    const sequence = vevent.getFirstPropertyValue("sequence");
    return {
      uid: event.uid ?? null,
      summary: event.summary ?? "",
      status: vevent.getFirstPropertyValue("status") ?? null,
      sequence: sequence === null ? null : Number(sequence),
      start: toUtc(event.startDate, `${label} DTSTART`),
      end: toUtc(event.endDate, `${label} DTEND`),
    };
  });
} catch (error) {
  fail(`ical.js cannot read ${file}: ${error.message}`);
}

process.stdout.write(`${JSON.stringify({ method: method ?? null, events })}\n`);
