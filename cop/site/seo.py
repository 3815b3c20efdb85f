"""What the public site tells search engines: schema.org JSON-LD for meetings (Event) and working
groups (Organization), the entries of sitemap.xml and the rules of robots.txt.

The builders read records already loaded by the page; the sitemap reads every public page's
address in a fixed number of queries (four), as columns, never as records."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from flask import Flask
from flask_babel import gettext as _
from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import Session

from cop.activities.models import Activity
from cop.challenges.challenge_pages import PUBLIC_STATUSES
from cop.challenges.models import Challenge, GoodPractice, PracticeStatus
from cop.mail.messages import external_url
from cop.meetings.models import Meeting, MeetingFormat, MeetingStatus
from cop.members.models import Region, WorkingGroup
from cop.outcomes.access import is_public as outcome_is_public
from cop.outcomes.models import Outcome
from cop.site.feeds import rfc3339
from cop.solutions.models import Solution

SCHEMA = "https://schema.org"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"

ATTENDANCE_MODES = {
    MeetingFormat.IN_PERSON: f"{SCHEMA}/OfflineEventAttendanceMode",
    MeetingFormat.ONLINE: f"{SCHEMA}/OnlineEventAttendanceMode",
    MeetingFormat.HYBRID: f"{SCHEMA}/MixedEventAttendanceMode",
}


def _local(moment: datetime, timezone: str) -> str:
    """The instant with the offset of the meeting's own time zone."""
    try:
        zone = ZoneInfo(timezone)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return moment.astimezone(zone).isoformat(timespec="seconds")


def community() -> dict:
    return {
        "@type": "Organization",
        "name": _("S3 Community of Practice"),
        "url": external_url("site.home"),
    }


def group_organization(group: WorkingGroup) -> dict:
    """A working group as a schema.org Organization, a part of the Community of Practice."""
    data = {
        "@context": SCHEMA,
        "@type": "Organization",
        "name": group.name,
        "url": external_url("site.group", slug=group.slug),
        "foundingDate": group.kickoff.isoformat(),
        "parentOrganization": community(),
    }
    if group.summary:
        data["description"] = group.summary
    return data


def meeting_event(meeting: Meeting) -> dict:
    """A published meeting as a schema.org Event. An online meeting's place is its page (where
    people register), never its link: that is for the people registered."""
    url = external_url("meetings.meeting", meeting_id=meeting.id)
    if meeting.status is MeetingStatus.CANCELLED:
        status = "EventCancelled"
    elif meeting.postponed_from is not None:
        # Postponed to a known new date: schema.org's "rescheduled" (its "postponed" is for a
        # date not known yet).
        status = "EventRescheduled"
    else:
        status = "EventScheduled"
    places = []
    if meeting.format is not MeetingFormat.ONLINE:
        place: dict = {"@type": "Place", "name": meeting.venue or _("Place to be announced")}
        if meeting.address:
            place["address"] = meeting.address
        places.append(place)
    if meeting.format is not MeetingFormat.IN_PERSON:
        places.append({"@type": "VirtualLocation", "url": url})
    data = {
        "@context": SCHEMA,
        "@type": "Event",
        "name": meeting.title,
        "url": url,
        "startDate": _local(meeting.starts_at, meeting.timezone),
        "endDate": _local(meeting.ends_at, meeting.timezone),
        "eventStatus": f"{SCHEMA}/{status}",
        "eventAttendanceMode": ATTENDANCE_MODES[meeting.format],
        "location": places[0] if len(places) == 1 else places,
        "organizer": {
            "@type": "Organization",
            "name": meeting.group.name,
            "url": external_url("site.group", slug=meeting.group.slug),
        },
    }
    if meeting.description:
        data["description"] = meeting.description[:500]
    if status == "EventRescheduled":
        data["previousStartDate"] = _local(meeting.postponed_from, meeting.timezone)
    return data


def register_template_helpers(app: Flask) -> None:
    """Filters for the pages of other packages: `meeting|event_json_ld`,
    `group|organization_json_ld` (dicts for macros/seo.html's json_ld)."""
    app.jinja_env.filters["event_json_ld"] = meeting_event
    app.jinja_env.filters["organization_json_ld"] = group_organization


# -- sitemap.xml ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SitemapEntry:
    url: str
    lastmod: datetime | None = None


def _newest(*columns):
    return [select(func.max(column)).scalar_subquery() for column in columns]


def _count(entity, condition):
    return select(func.count()).select_from(entity).where(condition).scalar_subquery()


def sitemap_version(session: Session) -> tuple[tuple, datetime | None]:
    """Counts and newest changes of everything the sitemap lists: one query."""
    row = session.execute(
        select(
            _count(Outcome, outcome_is_public()),
            _count(Challenge, Challenge.status.in_(PUBLIC_STATUSES)),
            _count(GoodPractice, GoodPractice.status == PracticeStatus.PUBLISHED),
            _count(Solution, Solution.public.is_(True)),
            _count(Meeting, Meeting.public),
            _count(Activity, Activity.id.is_not(None)),
            _count(WorkingGroup, WorkingGroup.id.is_not(None)),
            *_newest(
                Outcome.public_changed_at,
                Outcome.withdrawn_at,
                Challenge.updated_at,
                GoodPractice.updated_at,
                Solution.updated_at,
                Meeting.updated_at,
                Activity.updated_at,
                WorkingGroup.updated_at,
            ),
        )
    ).one()
    moments = [value for value in row if isinstance(value, datetime)]
    key = tuple(value.isoformat() if isinstance(value, datetime) else value for value in row)
    return key, max(moments, default=None)


# Fills a rule in once; no record has this id (ids stay below cop.db.MAX_ID) nor code.
_PLACEHOLDER = 987654321987


def _addresses(endpoint: str, argument: str) -> Callable[[object], str]:
    """A maker of the public addresses of `endpoint` for values of its one `argument`: the
    rule is built once, then filled in, rather than built again for each of thousands of
    records (that was most of the sitemap's time). For values an address holds as they are:
    ids, and region codes (letters and digits)."""
    address = external_url(endpoint, **{argument: _PLACEHOLDER})
    before, _placeholder, after = address.partition(str(_PLACEHOLDER))
    return lambda value: f"{before}{value}{after}"


# The records with a public page of their own, in the sitemap's order: the endpoint, its
# argument, and each kind's id, change time and condition for the page to be public.
def _record_pages():
    return (
        (
            "outcomes.outcome",
            "outcome_id",
            Outcome.id,
            Outcome.public_changed_at,
            outcome_is_public(),
        ),
        (
            "challenges.challenge",
            "challenge_id",
            Challenge.id,
            Challenge.updated_at,
            Challenge.status.in_(PUBLIC_STATUSES),
        ),
        (
            "challenges.practice",
            "practice_id",
            GoodPractice.id,
            GoodPractice.updated_at,
            GoodPractice.status == PracticeStatus.PUBLISHED,
        ),
        (
            "solutions.solution",
            "solution_id",
            Solution.id,
            Solution.updated_at,
            Solution.public.is_(True),
        ),
        ("activities.activity", "activity_id", Activity.id, Activity.updated_at, None),
        ("meetings.meeting", "meeting_id", Meeting.id, Meeting.updated_at, Meeting.public),
    )


GROUP_SECTIONS = (
    "meetings.group_meetings",
    "challenges.group_challenges",
    "challenges.group_practices",
    "activities.group_activities",
    "solutions.group_solutions",
    "site.group_outcomes",
)


def sitemap_entries(session: Session) -> Iterator[SitemapEntry]:
    """Every public page worth finding: the home page, the outcomes library, the open data,
    the regions, the groups with their sections, and each public outcome, challenge,
    practice, solution, activity and meeting. Three queries: the regions' codes, the groups'
    slugs, and the ids and change times of every public record (one union), reading columns,
    never records."""
    yield SitemapEntry(external_url("site.home"))
    yield SitemapEntry(external_url("site.outcomes"))
    yield SitemapEntry(external_url("site.open_data"))
    yield SitemapEntry(external_url("site.regions"))
    region = _addresses("site.region", "code")
    for code in session.scalars(select(Region.code).order_by(Region.code)):
        yield SitemapEntry(region(code))
    for slug, changed in session.execute(
        select(WorkingGroup.slug, WorkingGroup.updated_at).order_by(WorkingGroup.id)
    ):
        yield SitemapEntry(external_url("site.group", slug=slug), changed)
        for section in GROUP_SECTIONS:
            yield SitemapEntry(external_url(section, slug=slug))
    pages = _record_pages()
    records = union_all(
        *(
            select(literal(kind).label("kind"), id_.label("id"), changed.label("changed")).where(
                *([] if condition is None else [condition])
            )
            for kind, (_endpoint, _argument, id_, changed, condition) in enumerate(pages)
        )
    ).subquery()
    addresses = [_addresses(endpoint, argument) for endpoint, argument, *_rest in pages]
    for kind, record_id, changed in session.execute(
        select(records.c.kind, records.c.id, records.c.changed).order_by(
            records.c.kind, records.c.id
        )
    ):
        yield SitemapEntry(addresses[kind](record_id), changed)


def sitemap_xml(entries: Iterator[SitemapEntry]) -> bytes:
    """The sitemap as XML, written as text (the entries are only addresses and times, escaped):
    a tree of thousands of elements was most of the rest of its time."""
    parts = ['<?xml version="1.0" encoding="utf-8"?>\n', f'<urlset xmlns="{SITEMAP}">\n']
    for entry in entries:
        if entry.lastmod is None:
            parts.append(f"  <url>\n    <loc>{escape(entry.url)}</loc>\n  </url>\n")
        else:
            parts.append(
                f"  <url>\n    <loc>{escape(entry.url)}</loc>\n"
                f"    <lastmod>{rfc3339(entry.lastmod)}</lastmod>\n  </url>\n"
            )
    parts.append("</urlset>")
    return "".join(parts).encode("utf-8")


# -- robots.txt ----------------------------------------------------------------------------------

# Whole parts of the site that are personal or administrative, and addresses holding secrets.
PRIVATE_PREFIXES = (
    "/account/",
    "/admin/",
    "/language/",
    "/calendar/u/",
    "/invitations/",
    "/unsubscribe/",
    "/meetings/confirm/",
    "/meetings/cancel/",
)


def robots_txt(app: Flask) -> str:
    """Allow every public page; keep crawlers out of the private parts and of every address
    that takes a form (read from the application's own routes, with RFC 9309 wildcards).

    A form's address is disallowed exactly (`$`): a rule matches every path it begins, so
    `/outcomes/*/files`, the upload form, would also block `/outcomes/7/files/1`, a public
    download. (Every route that takes a form shows, when read, that form or a page for
    signed-in people only: never a public page.)"""
    forms = set()
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or ()):
            continue
        path = re.sub(r"<[^>]+>", "*", rule.rule)
        if not path.startswith(PRIVATE_PREFIXES):
            forms.add(f"{path}$")
    lines = ["User-agent: *", "Allow: /"]
    lines += [f"Disallow: {prefix}" for prefix in PRIVATE_PREFIXES]
    lines += [f"Disallow: {path}" for path in sorted(forms)]
    lines += ["", f"Sitemap: {external_url('site.sitemap')}", ""]
    return "\n".join(lines)
