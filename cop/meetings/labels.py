"""Human, translatable labels for the meetings context, and the template filters that show them."""

from __future__ import annotations

from flask import Flask
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cop.i18n import label_filter
from cop.meetings.models import (
    AttendanceMode,
    Audience,
    MaterialKind,
    Meeting,
    MeetingFormat,
    MeetingKind,
    MeetingStatus,
    RegistrationStatus,
    Visibility,
)
from cop.meetings.times import day_label, format_instant, format_when

MEETING_KIND_LABELS = {
    MeetingKind.PLENARY: _l("Plenary meeting"),
    MeetingKind.WEBINAR: _l("Webinar"),
    MeetingKind.WORKSHOP: _l("Workshop"),
    MeetingKind.STUDY_VISIT: _l("Study visit"),
    MeetingKind.PEER_REVIEW_VISIT: _l("Peer-review visit"),
}

MEETING_FORMAT_LABELS = {
    MeetingFormat.IN_PERSON: _l("In person"),
    MeetingFormat.ONLINE: _l("Online"),
    MeetingFormat.HYBRID: _l("Hybrid (in person and online)"),
}

MEETING_STATUS_LABELS = {
    MeetingStatus.DRAFT: _l("Draft"),
    MeetingStatus.PUBLISHED: _l("Published"),
    MeetingStatus.CANCELLED: _l("Cancelled"),
}

MODE_LABELS = {
    AttendanceMode.IN_PERSON: _l("In person"),
    AttendanceMode.ONLINE: _l("Online"),
}

REGISTRATION_STATUS_LABELS = {
    RegistrationStatus.PENDING: _l("Awaiting email confirmation"),
    RegistrationStatus.CONFIRMED: _l("Confirmed"),
    RegistrationStatus.WAITLISTED: _l("On the waiting list"),
    RegistrationStatus.CANCELLED: _l("Cancelled"),
}

AUDIENCE_LABELS = {
    Audience.MEMBERS: _l("Members of the group"),
    Audience.OPEN: _l("Anyone, with or without an account"),
}

VISIBILITY_LABELS = {
    Visibility.PUBLIC: _l("Everyone"),
    Visibility.MEMBERS: _l("Members of the group only"),
}

MATERIAL_KIND_LABELS = {
    MaterialKind.FILE: _l("File"),
    MaterialKind.LINK: _l("Link"),
    MaterialKind.RECORDING: _l("Recording"),
}


def meeting_when(meeting: Meeting, zone_name: str | None = None) -> str:
    """The meeting's date and times in its own zone (or in `zone_name`), in the current language."""
    return format_when(meeting.starts_at, meeting.ends_at, zone_name or meeting.timezone)


def meeting_place(meeting: Meeting) -> str:
    """Where the meeting happens, in one line: venue and address, "online", or both."""
    place = ", ".join(part for part in (meeting.venue, " ".join(meeting.address.split())) if part)
    if meeting.format is MeetingFormat.ONLINE:
        return _("Online")
    if meeting.format is MeetingFormat.HYBRID:
        return _("%(place)s, and online", place=place) if place else _("Online and in person")
    return place or _("Place to be announced")


def size_label(size: int) -> str:
    """'20 MB', '350 KB', '12 bytes' (1 MB = 1,048,576 bytes, as file managers count)."""
    if size >= 1024 * 1024:
        return _("%(num)s MB", num=format_decimal(round(size / (1024 * 1024), 1)))
    if size >= 1024:
        return _("%(num)s KB", num=format_decimal(round(size / 1024, 1)))
    return ngettext("%(num)s byte", "%(num)s bytes", size)


def register_template_helpers(app: Flask) -> None:
    """Filters: `meeting|meeting_when`, `meeting|meeting_place`, `kind|meeting_kind_label` ..."""
    filters = app.jinja_env.filters
    filters["size_label"] = size_label
    filters["meeting_when"] = meeting_when
    filters["meeting_place"] = meeting_place
    filters["local_instant"] = format_instant
    # `date_or_instant|day_label(zone)`: "19 November 2024".
    filters["day_label"] = day_label
    filters["meeting_kind_label"] = label_filter(MEETING_KIND_LABELS)
    filters["meeting_format_label"] = label_filter(MEETING_FORMAT_LABELS)
    filters["meeting_status_label"] = label_filter(MEETING_STATUS_LABELS)
    filters["mode_label"] = label_filter(MODE_LABELS)
    filters["registration_status_label"] = label_filter(REGISTRATION_STATUS_LABELS)
    filters["audience_label"] = label_filter(AUDIENCE_LABELS)
    filters["visibility_label"] = label_filter(VISIBILITY_LABELS)
    filters["material_kind_label"] = label_filter(MATERIAL_KIND_LABELS)
