"""Files uploaded with good practices: checked as meetings' materials are (an allowed type, by
name and by content, within the size limit) and kept in the same content-addressed store."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from flask_babel import gettext as _

from cop.errors import Invalid
from cop.meetings.labels import size_label
from cop.meetings.storage import (
    ALLOWED_EXTENSIONS,
    MaterialStore,
    content_matches,
    content_type_for,
    extension_of,
    safe_filename,
)


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
    """Keep an upload that passes the checks; refuse it (Invalid on `field`) leaving nothing
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
