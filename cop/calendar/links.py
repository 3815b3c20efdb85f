"""Links that hand a calendar or an event to calendar programs: webcal:// subscriptions and
the "add to Google Calendar / Outlook.com" pages. Pure: addresses in, addresses out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit, urlunsplit

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
    webcal: str  # a one-event subscription: the program follows the event's changes
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


def event_links(
    file_url: str,
    *,
    summary: str,
    starts_at: datetime,
    ends_at: datetime,
    timezone: str,
    location: str,
    url: str,
) -> EventLinks:
    """The event's file (`file_url`, absolute) to download or subscribe to, and links that
    open Google's or Outlook's new-event form filled in (a copy: later changes reach only
    those who have the file or subscribed)."""
    starts, ends = starts_at.astimezone(UTC), ends_at.astimezone(UTC)
    google = {
        "action": "TEMPLATE",
        "text": summary,
        "dates": f"{starts:%Y%m%dT%H%M%SZ}/{ends:%Y%m%dT%H%M%SZ}",
        "details": url,
        "location": location,
        "ctz": timezone,
    }
    outlook = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": summary,
        "startdt": f"{starts:%Y-%m-%dT%H:%M:%SZ}",
        "enddt": f"{ends:%Y-%m-%dT%H:%M:%SZ}",
        "body": url,
        "location": location,
    }
    compose = f"{COMPOSE_PATH}?{urlencode(outlook)}"
    return EventLinks(
        download=file_url,
        webcal=webcal(file_url),
        google=f"{GOOGLE_CALENDAR}?{urlencode(google)}",
        outlook=OUTLOOK + compose,
        office=OFFICE + compose,
    )
