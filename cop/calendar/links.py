"""Links that hand a calendar or an event to calendar programs: webcal:// subscriptions and
the "add to Google Calendar / Outlook.com" pages. Pure: addresses in, addresses out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from urllib.parse import urlencode, urlsplit, urlunsplit

from cop.calendar.ics import CalendarEvent

GOOGLE_CALENDAR = "https://calendar.google.com/calendar/render"
# Outlook on the web: outlook.live.com for personal accounts (Outlook.com), outlook.office.com
# for work or school accounts (Microsoft 365), with the same paths.
OUTLOOK = "https://outlook.live.com"
OFFICE = "https://outlook.office.com"
SUBSCRIBE_PATH = "/calendar/0/addfromweb"
COMPOSE_PATH = "/calendar/0/deeplink/compose"


@dataclass(frozen=True)
class FeedLinks:
    """The ways to subscribe to one feed."""

    url: str  # https:// (or http:// in development): to copy, or to download once
    webcal: str  # opens the subscription dialog of the reader's calendar program
    google: str
    outlook: str
    office: str


@dataclass(frozen=True)
class EventLinks:
    """The ways to add one event."""

    download: str
    google: str
    outlook: str
    office: str


def webcal(url: str) -> str:
    """The same address with the webcal:// scheme, which calendar programs subscribe to."""
    parts = urlsplit(url)
    return urlunsplit(("webcal", *parts[1:]))


def feed_links(url: str, name: str) -> FeedLinks:
    subscribe = f"{SUBSCRIBE_PATH}?{urlencode({'url': url, 'name': name})}"
    return FeedLinks(
        url=url,
        webcal=webcal(url),
        google=f"{GOOGLE_CALENDAR}?{urlencode({'cid': webcal(url)})}",
        outlook=OUTLOOK + subscribe,
        office=OFFICE + subscribe,
    )


def event_links(download: str, event: CalendarEvent) -> EventLinks:
    """Links that open the program's new-event form filled in (a copy, not a subscription:
    later changes reach only those who downloaded the file or subscribed)."""
    starts, ends = event.starts_at.astimezone(UTC), event.ends_at.astimezone(UTC)
    google = {
        "action": "TEMPLATE",
        "text": event.summary,
        "dates": f"{starts:%Y%m%dT%H%M%SZ}/{ends:%Y%m%dT%H%M%SZ}",
        "details": event.url,
        "location": event.location,
        "ctz": event.timezone,
    }
    outlook = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": event.summary,
        "startdt": f"{starts:%Y-%m-%dT%H:%M:%SZ}",
        "enddt": f"{ends:%Y-%m-%dT%H:%M:%SZ}",
        "body": event.url,
        "location": event.location,
    }
    compose = f"{COMPOSE_PATH}?{urlencode(outlook)}"
    return EventLinks(
        download=download,
        google=f"{GOOGLE_CALENDAR}?{urlencode(google)}",
        outlook=OUTLOOK + compose,
        office=OFFICE + compose,
    )
