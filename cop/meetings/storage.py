"""Uploaded files of meetings: received within a size limit, recognised by their content,
kept under the instance folder by the SHA-256 of their bytes.

A file's bytes are written before the database transaction that names them
commits; if that transaction fails, the file stays unnamed and harmless (the
same bytes uploaded again reuse it).
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import Flask, Response, send_file

CHUNK = 64 * 1024
KEY_PATTERN = re.compile(r"^[0-9a-f]{64}$")

# The kinds of file a meeting may publish: extension -> content type served.
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "csv": "text/csv",
    "txt": "text/plain",
}
ALLOWED_EXTENSIONS = (
    "pdf",
    "pptx",
    "docx",
    "xlsx",
    "odp",
    "odt",
    "ods",
    "png",
    "jpg",
    "csv",
    "txt",
)

# Office Open XML: the folder its main part lives in.
_OOXML_FOLDERS = {"pptx": "ppt/", "docx": "word/", "xlsx": "xl/"}
_ODF_TYPES = {
    "odp": b"application/vnd.oasis.opendocument.presentation",
    "odt": b"application/vnd.oasis.opendocument.text",
    "ods": b"application/vnd.oasis.opendocument.spreadsheet",
}
# Control characters that never occur in a text or CSV file (tab, newlines and form feed do).
_BINARY_BYTES = set(range(0, 9)) | {11} | set(range(14, 32)) | {127}


@dataclass
class Received:
    """An upload written to a temporary file: its hash, size and whether it passed the limit."""

    path: Path
    sha256: str
    size: int
    too_large: bool


class MaterialStore:
    """Files kept by content: `<root>/<first two hex digits>/<sha256>`."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    @classmethod
    def for_app(cls, app: Flask) -> MaterialStore:
        return cls(app.config.get("MATERIALS_FOLDER") or Path(app.instance_path) / "materials")

    def path(self, key: str) -> Path:
        if not KEY_PATTERN.match(key or ""):
            raise ValueError(f"not a storage key: {key!r}")
        return self.root / key[:2] / key

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def receive(self, stream: BinaryIO, max_bytes: int) -> Received:
        """Copy an upload to a temporary file, stopping as soon as it passes `max_bytes`."""
        incoming = self.root / "incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        path = incoming / f"{os.getpid()}-{secrets.token_hex(8)}"
        digest = hashlib.sha256()
        size = 0
        with path.open("wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    break
                digest.update(chunk)
                out.write(chunk)
        return Received(path, digest.hexdigest(), size, size > max_bytes)

    def keep(self, received: Received) -> str:
        """Move a received file to its place; the key is its SHA-256."""
        target = self.path(received.sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            received.path.unlink(missing_ok=True)
        else:
            os.replace(received.path, target)
        return received.sha256

    def discard(self, received: Received) -> None:
        received.path.unlink(missing_ok=True)

    def download(
        self, key: str, *, content_type: str, filename: str, private: bool
    ) -> Response | None:
        """The response that downloads a kept file (a meeting's material, a practice's file),
        or None when its bytes are missing. It is served with the Content-Type it was
        recognised as, charset included: given to send_file as a mimetype, Werkzeug would add
        a second charset to text."""
        if not self.exists(key):
            return None
        response = send_file(
            self.path(key),
            as_attachment=True,
            download_name=filename,
            conditional=True,
            etag=key,
            max_age=0,
        )
        response.headers["Content-Type"] = content_type
        response.headers["X-Content-Type-Options"] = "nosniff"
        # Opened by mistake in the browser, a file runs nothing and loads nothing.
        response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
        if private:
            response.headers["Cache-Control"] = "private, no-store"
        return response


def extension_of(filename: str) -> str:
    return filename.rpartition(".")[2].lower() if "." in filename else ""


def safe_filename(filename: str, limit: int = 200) -> str:
    """The name a file is offered under: its last path part, without control characters or quotes."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C" and c not in '"<>:|?*')
    name = name.strip().strip(".") or "file"
    if len(name) > limit:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: limit - len(ext) - 1] + dot + ext) if dot and len(ext) < 10 else name[:limit]
    return name


def _is_text(path: Path) -> bool:
    with path.open("rb") as handle:
        sample = handle.read(64 * 1024)
    return not any(byte in _BINARY_BYTES for byte in sample)


def _zip_names(path: Path) -> list[str] | None:
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def _odf_type(path: Path) -> bytes | None:
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("mimetype")
            if info.file_size > 200:
                return None
            return archive.read(info).strip()
    except (KeyError, zipfile.BadZipFile, OSError, ValueError):
        return None


def content_matches(path: Path, extension: str) -> bool:
    """Whether the bytes of a file are what its extension says (its "magic" and structure)."""
    with path.open("rb") as handle:
        head = handle.read(16)
    if extension == "pdf":
        return head.startswith(b"%PDF-")
    if extension == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if extension in ("jpg", "jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if extension in _OOXML_FOLDERS:
        if not head.startswith(b"PK\x03\x04"):
            return False
        names = _zip_names(path)
        folder = _OOXML_FOLDERS[extension]
        return (
            names is not None
            and "[Content_Types].xml" in names
            and any(name.startswith(folder) for name in names)
        )
    if extension in _ODF_TYPES:
        return head.startswith(b"PK\x03\x04") and _odf_type(path) == _ODF_TYPES[extension]
    if extension in ("csv", "txt"):
        return _is_text(path)
    return False


def content_type_for(path: Path, extension: str) -> str:
    """The Content-Type a file is served with; text says UTF-8 when it is."""
    content_type = CONTENT_TYPES[extension]
    if extension in ("csv", "txt"):
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            with path.open("rb") as handle:
                while chunk := handle.read(CHUNK):
                    decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return content_type
        return f"{content_type}; charset=utf-8"
    return content_type
