"""The public face of meetings: a meeting's page and a group's list of meetings."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from cop.db import get_session
from cop.meetings import bp, pages


@bp.app_template_filter("agenda_time")
def agenda_time_filter(instant, meeting, multi_day: bool = False) -> str:
    return pages.agenda_time(instant, meeting, multi_day)


@bp.app_template_filter("meeting_day")
def meeting_day_filter(meeting) -> str:
    return pages.meeting_day(meeting)


@bp.get("/meetings/<int:meeting_id>")
def meeting(meeting_id: int):
    # Read here, not at import: cop.site reads every package, meetings among them.
    from cop.site.caching import conditional
    from cop.site.freshness import site_version

    db = get_session()
    page = pages.meeting_page(db, current_user, meeting_id)
    version, changed = site_version(db, current_user)
    return conditional(
        version,
        changed,
        lambda: render_template(
            "meetings/meeting.html",
            page=page,
            meeting=page.meeting,
            state=page.state,
            coordinates=page.coordinates,
        ),
    )


@bp.get("/groups/<slug>/meetings/")
def group_meetings(slug: str):
    listing = pages.group_meetings(get_session(), current_user, slug)
    return render_template("meetings/group_meetings.html", listing=listing, group=listing.group)
