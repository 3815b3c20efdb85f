"""Conditional answers for public pages and feeds: an ETag and a Last-Modified header, and a
304 Not Modified without rendering when the reader already holds the page.

A page names its `version`: a few cheap values that change whenever what it shows changes
(the newest change time and the count of its records, say). The ETag is a hash of that
version with everything else the page depends on: the address with its query, the language,
who reads it (signed-in people see their own menu) and the application's release. Pages read
by someone signed in are sent `Cache-Control: private`, so shared caches never keep them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from flask import Response, make_response, request, session
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_login import current_user

# Changes with every release of the code (templates and styles change what a page looks like
# for the same records): the installed distribution's version and the file's own stamp.
_RELEASE = ""


def _release() -> str:
    global _RELEASE
    if not _RELEASE:
        from importlib import metadata
        from pathlib import Path

        try:
            version = metadata.version("cop")
        except metadata.PackageNotFoundError:
            version = "0"
        templates = Path(__file__).resolve().parents[2] / "templates"
        newest = max((path.stat().st_mtime_ns for path in templates.rglob("*")), default=0)
        _RELEASE = f"{version}:{newest}"
    return _RELEASE


def etag_for(version: Iterable) -> str:
    """The entity tag of the current request's page for `version`."""
    reader = current_user.get_id() if current_user.is_authenticated else ""
    parts = (tuple(version), request.full_path, str(get_locale()), reader, _release())
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def _as_utc_second(moment: datetime) -> datetime:
    """HTTP dates have whole seconds: compare and send them so."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0)


def conditional(
    version: Iterable,
    last_modified: datetime | None,
    render: Callable[[], ResponseReturnValue],
    *,
    max_age: int = 0,
) -> Response:
    """Answer 304 when the reader's copy is current, else `render()` with ETag and
    Last-Modified. A page with a message to show once (a flash) is rendered and not kept.
    Pages (max_age 0) are revalidated on every view; feeds and data, which programs poll,
    may be kept `max_age` seconds."""
    if session.get("_flashes"):
        response = make_response(render())
        response.cache_control.no_store = True
        return response
    tag = etag_for(version)
    modified = _as_utc_second(last_modified) if last_modified else None
    if _reader_is_current(tag, modified):
        response = Response(status=304)
    else:
        response = make_response(render())
    response.set_etag(tag)
    if modified is not None:
        response.last_modified = modified
    if current_user.is_authenticated:
        response.cache_control.private = True
    else:
        response.cache_control.public = True
    if max_age:
        response.cache_control.max_age = max_age
    else:
        # Kept, but asked again each time (a 304 when unchanged): a page seen after a form
        # (a follow, a language chosen) is never an older copy from the browser's cache.
        response.cache_control.no_cache = True
    response.vary.add("Cookie")
    response.vary.add("Accept-Language")
    return response


def _reader_is_current(tag: str, modified: datetime | None) -> bool:
    """RFC 9110 13.2.2: If-None-Match decides when sent; else If-Modified-Since."""
    if request.method not in ("GET", "HEAD"):
        return False
    if request.if_none_match:
        return request.if_none_match.contains(tag)
    since = request.if_modified_since
    return modified is not None and since is not None and modified <= _as_utc_second(since)


def newest(*moments: datetime | None) -> datetime | None:
    """The latest of the moments given (None ones skipped), for a page's Last-Modified."""
    known = [_as_utc_second(moment) for moment in moments if moment is not None]
    return max(known, default=None)
