"""What a meeting produces and plans: its agenda, its materials (files, links, recordings) and
its minutes, written by the group's coordinators; and who may read each of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from cop import clock
from cop.audit.services import record_change, snapshot
from cop.auth.permissions import is_member
from cop.errors import Invalid, NotAllowed, NotFound
from cop.meetings import seats
from cop.meetings.labels import size_label
from cop.meetings.models import AgendaItem, Material, MaterialKind, Meeting, Visibility
from cop.meetings.services import meeting_to_manage
from cop.meetings.storage import (
    ALLOWED_EXTENSIONS,
    MaterialStore,
    content_matches,
    content_type_for,
    extension_of,
    safe_filename,
)
from cop.meetings.times import format_instant, local_to_utc
from cop.validation import check_choice, check_text, check_url

MAX_TITLE = 200
MAX_SPEAKERS = 500
MAX_ITEM_DESCRIPTION = 5000
MAX_MINUTES = 100_000
AGENDA_FIELDS = ("starts_at", "title", "speakers", "description")
MATERIAL_FIELDS = (
    "kind",
    "title",
    "url",
    "filename",
    "content_type",
    "size",
    "storage_key",
    "visibility",
    "withdrawn_at",
)


# --- Reading, for the coordinators' pages --------------------------------------------------------


def meeting_with_agenda(session: Session, actor, meeting_id: int) -> Meeting:
    """A meeting to manage with its agenda items loaded (a fixed number of queries)."""
    return meeting_to_manage(session, actor, meeting_id, load=(selectinload(Meeting.agenda_items),))


def meeting_with_materials(session: Session, actor, meeting_id: int) -> Meeting:
    """A meeting to manage with all its materials, withdrawn ones included."""
    return meeting_to_manage(session, actor, meeting_id, load=(selectinload(Meeting.materials),))


# --- The agenda ----------------------------------------------------------------------------------


@dataclass
class AgendaItemDetails:
    """An agenda point as typed: `starts_at` is a wall-clock time in the meeting's zone."""

    starts_at: datetime | None = None
    title: str = ""
    speakers: str = ""
    description: str = ""


def _agenda_values(meeting: Meeting, details: AgendaItemDetails) -> dict:
    if details.starts_at is None:
        raise Invalid(_("Enter a date and a time."), field="starts_at")
    starts_at = local_to_utc(details.starts_at, meeting.timezone, "starts_at")
    if not meeting.starts_at <= starts_at <= meeting.ends_at:
        raise Invalid(
            _(
                "Choose a time during the meeting, from %(start)s to %(end)s.",
                start=format_instant(meeting.starts_at, meeting.timezone),
                end=format_instant(meeting.ends_at, meeting.timezone),
            ),
            field="starts_at",
        )
    return dict(
        starts_at=starts_at,
        title=check_text(details.title, "title", MAX_TITLE, required=True),
        speakers=check_text(details.speakers, "speakers", MAX_SPEAKERS),
        description=check_text(details.description, "description", MAX_ITEM_DESCRIPTION),
    )


def add_agenda_item(
    session: Session, actor, meeting_id: int, details: AgendaItemDetails
) -> AgendaItem:
    meeting = meeting_to_manage(session, actor, meeting_id)
    item = AgendaItem(meeting=meeting, **_agenda_values(meeting, details))
    session.add(item)
    session.flush()
    record_change(
        session,
        actor=actor,
        action="agenda_item.added",
        record=item,
        summary=f"Added “{item.title}” to the agenda of meeting {meeting.id}",
        after=snapshot(item, AGENDA_FIELDS),
    )
    return item


def agenda_item_to_manage(session: Session, actor, item_id: int) -> AgendaItem:
    item = session.get(AgendaItem, item_id)
    if item is None:
        raise NotFound(_("There is no such agenda item."))
    meeting_to_manage(session, actor, item.meeting_id)
    return item


def update_agenda_item(
    session: Session, actor, item_id: int, details: AgendaItemDetails
) -> AgendaItem:
    item = agenda_item_to_manage(session, actor, item_id)
    values = _agenda_values(item.meeting, details)
    before = snapshot(item, AGENDA_FIELDS)
    for name, value in values.items():
        setattr(item, name, value)
    session.flush()
    record_change(
        session,
        actor=actor,
        action="agenda_item.updated",
        record=item,
        summary=f"Edited “{item.title}” on the agenda of meeting {item.meeting_id}",
        before=before,
        after=snapshot(item, AGENDA_FIELDS),
    )
    return item


def remove_agenda_item(session: Session, actor, item_id: int) -> Meeting:
    """Take a point off the agenda; the audit log keeps what it said."""
    item = agenda_item_to_manage(session, actor, item_id)
    meeting = item.meeting
    record_change(
        session,
        actor=actor,
        action="agenda_item.removed",
        record=item,
        summary=f"Removed “{item.title}” from the agenda of meeting {meeting.id}",
        before=snapshot(item, AGENDA_FIELDS),
    )
    meeting.agenda_items.remove(item)
    session.flush()
    return meeting


# --- Materials -----------------------------------------------------------------------------------


@dataclass
class Upload:
    """A file as it arrived: the name the sender's computer gave it, and its bytes."""

    filename: str
    stream: BinaryIO


@dataclass(frozen=True)
class StoredFile:
    filename: str
    content_type: str
    size: int
    storage_key: str


def allowed_types() -> str:
    return ", ".join(ALLOWED_EXTENSIONS)


def store_upload(
    upload: Upload | None, store: MaterialStore, max_bytes: int, field: str = "file"
) -> StoredFile:
    """Keep an upload that passes the checks (meetings' materials, good practices' files); refuse it (Invalid on `field`) leaving nothing
    behind otherwise."""
    if upload is None or not upload.filename:
        raise Invalid(_("Choose a file to upload."), field=field)
    filename = safe_filename(upload.filename)
    extension = extension_of(filename)
    allowed = allowed_types()
    if extension not in ALLOWED_EXTENSIONS and extension != "jpeg":
        raise Invalid(
            _("Files of this type cannot be published. Allowed types: %(types)s.", types=allowed),
            field=field,
        )
    received = store.receive(upload.stream, max_bytes)
    try:
        if received.too_large:
            raise Invalid(
                _(
                    "This file is too large: files may have at most %(size)s.",
                    size=size_label(max_bytes),
                ),
                field=field,
            )
        if received.size == 0:
            raise Invalid(_("This file is empty."), field=field)
        if not content_matches(received.path, extension):
            raise Invalid(
                _(
                    "The content of this file is not a .%(ext)s file. Allowed types: %(types)s.",
                    ext=extension,
                    types=allowed,
                ),
                field=field,
            )
        content_type = content_type_for(received.path, extension)
        key = store.keep(received)
    finally:
        store.discard(received)
    return StoredFile(filename, content_type, received.size, key)


def _record_material(session: Session, actor, material: Material, summary: str) -> Material:
    session.add(material)
    session.flush()
    record_change(
        session,
        actor=actor,
        action="material.added",
        record=material,
        summary=summary,
        after=snapshot(material, MATERIAL_FIELDS),
    )
    return material


def add_file_material(
    session: Session,
    actor,
    meeting_id: int,
    *,
    upload: Upload | None,
    title: str,
    visibility: str,
    store: MaterialStore,
    max_bytes: int,
    now: datetime | None = None,
) -> Material:
    """Publish a file with a meeting: of an allowed type (by name and by content), within the
    size limit, kept by the SHA-256 of its bytes."""
    now = now or clock.now()
    meeting = meeting_to_manage(session, actor, meeting_id)
    title = check_text(title, "title", MAX_TITLE)
    visibility = check_choice(Visibility, visibility, "visibility")
    stored = store_upload(upload, store, max_bytes)
    material = Material(
        meeting=meeting,
        kind=MaterialKind.FILE,
        title=title or stored.filename,
        filename=stored.filename,
        content_type=stored.content_type,
        size=stored.size,
        storage_key=stored.storage_key,
        visibility=visibility,
        added_by_id=actor.id,
        created_at=now,
    )
    return _record_material(
        session, actor, material, f"Published the file {stored.filename} with meeting {meeting.id}"
    )


def add_link_material(
    session: Session,
    actor,
    meeting_id: int,
    *,
    kind: str,
    title: str,
    url: str,
    visibility: str,
    now: datetime | None = None,
) -> Material:
    """Publish a link or a recording's address with a meeting (http or https only)."""
    now = now or clock.now()
    meeting = meeting_to_manage(session, actor, meeting_id)
    kind = check_choice(MaterialKind, kind, "kind")
    if kind is MaterialKind.FILE:
        raise Invalid(_("Choose one of the options."), field="kind")
    title = check_text(title, "title", MAX_TITLE, required=True)
    url = check_url(url, "url")
    if not url:
        raise Invalid(_("Please fill in this field."), field="url")
    visibility = check_choice(Visibility, visibility, "visibility")
    material = Material(
        meeting=meeting,
        kind=kind,
        title=title,
        url=url,
        visibility=visibility,
        added_by_id=actor.id,
        created_at=now,
    )
    return _record_material(
        session, actor, material, f"Published the {kind.value} {url} with meeting {meeting.id}"
    )


def withdraw_material(
    session: Session, actor, material_id: int, now: datetime | None = None
) -> Material:
    """Take a material off the meeting's pages; the record (and a file's bytes) are kept."""
    now = now or clock.now()
    material = session.get(Material, material_id)
    if material is None:
        raise NotFound(_("There is no such material."))
    meeting_to_manage(session, actor, material.meeting_id)
    if material.withdrawn_at is not None:
        raise Invalid(_("This material is already withdrawn."))
    before = snapshot(material, MATERIAL_FIELDS)
    material.withdrawn_at = now
    session.flush()
    record_change(
        session,
        actor=actor,
        action="material.withdrawn",
        record=material,
        summary=f"Withdrew “{material.title}” from meeting {material.meeting_id}",
        before=before,
        after=snapshot(material, MATERIAL_FIELDS),
    )
    return material


def may_read(session: Session, viewer, meeting: Meeting, visibility: Visibility) -> bool:
    """Public things of a visible meeting are for everyone; members-only ones for the group's
    members, coordinators and admins."""
    if not seats.may_see_meeting(session, viewer, meeting):
        return False
    return visibility is Visibility.PUBLIC or is_member(session, viewer, meeting.group)


def material_file(session: Session, viewer, material_id: int) -> Material:
    """A file material the viewer may download: withdrawn and unknown ones are not found;
    members-only ones are refused to others."""
    material = session.scalar(
        select(Material)
        .where(Material.id == material_id)
        .options(joinedload(Material.meeting).joinedload(Meeting.group))
    )
    if (
        material is None
        or material.kind is not MaterialKind.FILE
        or material.withdrawn_at is not None
        or not seats.may_see_meeting(session, viewer, material.meeting)
    ):
        raise NotFound(_("There is no such file."))
    if not may_read(session, viewer, material.meeting, material.visibility):
        raise NotAllowed(_("This file is for members of the group only."))
    return material


# --- Minutes -------------------------------------------------------------------------------------


def _minutes_summary(meeting: Meeting) -> dict:
    return {
        "minutes_characters": len(meeting.minutes or ""),
        "minutes_visibility": meeting.minutes_visibility.value,
    }


def save_minutes(session: Session, actor, meeting_id: int, text: str, visibility: str) -> Meeting:
    """Write (or rewrite) a meeting's minutes, in Markdown, and who may read them."""
    meeting = meeting_to_manage(session, actor, meeting_id, lock=True)
    text = (text or "").strip()
    if len(text) > MAX_MINUTES:
        raise Invalid(_("Use at most %(num)s characters.", num=MAX_MINUTES), field="minutes")
    visibility = check_choice(Visibility, visibility, "visibility")
    before = _minutes_summary(meeting)
    meeting.minutes = text
    meeting.minutes_visibility = visibility
    session.flush()
    # The log keeps the length, not the text: minutes may be long and change often.
    record_change(
        session,
        actor=actor,
        action="meeting.minutes",
        record=meeting,
        summary=f"Wrote the minutes of meeting {meeting.id}",
        before=before,
        after=_minutes_summary(meeting),
    )
    return meeting
