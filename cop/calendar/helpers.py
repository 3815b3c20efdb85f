"""Template helpers: the calendar links a meeting page and a group's pages offer."""

from __future__ import annotations

from flask import Flask

from cop.calendar.feeds import group_feed_name
from cop.calendar.links import EventLinks, FeedLinks, event_links, feed_links
from cop.mail.messages import external_url
from cop.meetings.ical import meeting_location, meeting_summary


def meeting_calendar_links(meeting) -> EventLinks:
    """A meeting's file, and Google Calendar and Outlook links (never with its online link:
    those pages are other companies' servers)."""
    return event_links(
        external_url("calendar.meeting_file", meeting_id=meeting.id),
        summary=meeting_summary(meeting),
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        timezone=meeting.timezone,
        location=meeting_location(meeting, online_link=False),
        url=external_url("meetings.meeting", meeting_id=meeting.id),
    )


def group_calendar_links(group) -> FeedLinks:
    return feed_links(
        external_url("calendar.group_feed", slug=group.slug),
        group_feed_name(group),
    )


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.globals["meeting_calendar_links"] = meeting_calendar_links
    app.jinja_env.globals["group_calendar_links"] = group_calendar_links
