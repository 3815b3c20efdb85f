"""A meeting as a calendar event: what calendar files and feeds publish and invitations carry.

One description of a meeting for every calendar program, written in the current
language: feeds (`cop.calendar`) and the invitations attached to registration emails
both start from `meeting_event`, so a subscriber and an invitee see the same event
under the same UID.
"""

from __future__ import annotations

from datetime import datetime
from email.utils import parseaddr
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _

from cop import clock
from cop.calendar.ics import CalendarEvent, Method, Person, invitation
from cop.i18n import label_filter
from cop.mail.messages import external_url
from cop.mail.services import Attachment
from cop.markdown import markdown_to_text
from cop.meetings.labels import MEETING_KIND_LABELS, meeting_place
from cop.meetings.models import Meeting, MeetingFormat, MeetingStatus, Registration

ICS_STATUS = {
    MeetingStatus.DRAFT: "TENTATIVE",
    MeetingStatus.PUBLISHED: "CONFIRMED",
    MeetingStatus.CANCELLED: "CANCELLED",
}

_kind_label = label_filter(MEETING_KIND_LABELS)


def meeting_uid(meeting: Meeting) -> str:
    """The event's UID, the same in every file, feed and invitation, for ever: the meeting's
    id at cop's host name."""
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "cop.invalid"
    return f"meeting-{meeting.id}@{host}"


def organizer(meeting: Meeting) -> Person:
    """The group, at cop's no-reply address: replies to invitations go nowhere by design."""
    address = parseaddr(current_app.config["MAIL_SENDER"])[1]
    return Person(name=meeting.group.name, email=address)


def meeting_summary(meeting: Meeting, *, waiting: bool = False) -> str:
    """The event's title. Many programs show a cancelled event like any other, so the title
    says it too; so it does for a reader on the waiting list."""
    if meeting.status is MeetingStatus.CANCELLED:
        return _("Cancelled: %(title)s", title=meeting.title)
    if waiting:
        return _("Waiting list: %(title)s", title=meeting.title)
    return meeting.title


def meeting_location(meeting: Meeting, *, online_link: bool) -> str:
    """The venue and address; for an online meeting, its link (for readers who may have it)."""
    if meeting.format is MeetingFormat.ONLINE:
        return meeting.online_url if online_link and meeting.online_url else _("Online")
    return meeting_place(meeting)


def meeting_event(
    meeting: Meeting,
    *,
    online_link: bool,
    note: str = "",
    waiting: bool = False,
    last_modified: datetime | None = None,
) -> CalendarEvent:
    """The event of a meeting. `online_link`: whether the reader may have the online link
    (confirmed for the meeting, or its coordinator); `note` opens the description; `waiting`:
    the reader is on the waiting list (the title says so, and the time shows as free);
    `last_modified`: the last change of the reader's view, when later than the meeting's."""
    meeting_url = external_url("meetings.meeting", meeting_id=meeting.id)
    with_link = online_link and bool(meeting.online_url)
    cancelled = meeting.status is MeetingStatus.CANCELLED
    parts = []
    if cancelled:
        notice = _("This meeting is cancelled.")
        if meeting.cancel_reason:
            notice += " " + _("Reason: %(reason)s", reason=meeting.cancel_reason)
        parts.append(notice)
    if note:
        parts.append(note)
    description = markdown_to_text(meeting.description)
    if description:
        parts.append(description)
    details = []
    if meeting.format is not MeetingFormat.ONLINE:
        details.append(_("Where: %(place)s", place=meeting_place(meeting)))
    if meeting.format is not MeetingFormat.IN_PERSON:
        details.append(
            _("Online link: %(url)s", url=meeting.online_url)
            if with_link
            else _("Online: the link is sent to confirmed participants.")
        )
    details.append(_("Meeting page: %(url)s", url=meeting_url))
    parts.append("\n".join(details))

    return CalendarEvent(
        uid=meeting_uid(meeting),
        sequence=meeting.sequence,
        status=ICS_STATUS[meeting.status],
        summary=meeting_summary(meeting, waiting=waiting),
        description="\n\n".join(parts),
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        timezone=meeting.timezone,
        created=meeting.created_at,
        last_modified=last_modified or meeting.updated_at,
        url=meeting_url,
        location=meeting_location(meeting, online_link=with_link),
        categories=(_kind_label(meeting.kind), meeting.group.name),
        organizer=organizer(meeting),
        free=waiting,
    )


def invitation_attachment(
    registration: Registration, method: Method, *, whole_event: bool = True
) -> Attachment:
    """The invitation a registration email carries: REQUEST puts the meeting in the
    recipient's calendar (or updates it: same UID, higher SEQUENCE), CANCEL takes it out:
    the meeting is cancelled (`whole_event`), or only this person's registration."""
    meeting = registration.meeting
    if registration.user is not None:
        attendee = Person(registration.user.name, registration.user.email)
    else:
        attendee = Person(registration.name, registration.email)
    event = meeting_event(meeting, online_link=method == "REQUEST")
    data = invitation(
        event,
        method=method,
        organizer=organizer(meeting),
        attendee=attendee,
        stamp=clock.now(),
        whole_event=whole_event,
    )
    return Attachment(
        filename="cancel.ics" if method == "CANCEL" else "invite.ics",
        content_type=f"text/calendar; charset=utf-8; method={method}",
        data=data,
    )
