"""Checks of what people type, shared by every package: text, choices, web addresses. Each
returns the cleaned value or raises Invalid naming the field. (Email addresses are checked by
`cop.auth.services.normalise_email`, the form accounts store them in.)"""

from __future__ import annotations

import unicodedata
from enum import Enum
from urllib.parse import urlsplit

from flask_babel import gettext as _

from cop.errors import Invalid

MAX_URL = 500
MAX_EMAIL = 254


def check_text(
    value: str | None,
    field: str,
    limit: int,
    *,
    required: bool = False,
    refuse_control: bool = False,
) -> str:
    """The text without surrounding spaces; with `refuse_control`, control characters (but
    line breaks and tabs) are refused too."""
    value = (value or "").strip()
    if required and not value:
        raise Invalid(_("Please fill in this field."), field=field)
    if len(value) > limit:
        raise Invalid(_("Use at most %(num)s characters.", num=limit), field=field)
    # Control characters (a NUL byte above all, which PostgreSQL refuses) are never text.
    if refuse_control and any(
        unicodedata.category(char) == "Cc" and char not in "\r\n\t" for char in value
    ):
        raise Invalid(_("Remove the control characters from this text."), field=field)
    return value


def check_choice(enum_class: type[Enum], value, field: str):
    if isinstance(value, enum_class):
        return value
    try:
        return enum_class(value)
    except ValueError:
        raise Invalid(_("Choose one of the options."), field=field) from None


def check_url(value: str, field: str) -> str:
    """An http(s) address with a host, or Invalid."""
    value = check_text(value, field, MAX_URL)
    if not value:
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        raise Invalid(
            _("Enter a web address starting with https:// (or http://)."),
            field=field,
        )
    return value
