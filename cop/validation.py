"""Checks of what people type, shared by every package: text, choices, web addresses. Each
returns the cleaned value or raises Invalid naming the field. (Email addresses are checked by
`cop.auth.services.normalise_email`, the form accounts store them in.)"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from enum import Enum
from urllib.parse import urlsplit

from flask_babel import gettext as _

from cop.errors import Invalid

MAX_URL = 500
# The dates people may type for a record (a start, a due date, a measurement): further off is a
# typo, and would break the arithmetic on them (a due date weeks after 31 December 9999).
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)
MAX_EMAIL = 254


class Problems:
    """Runs the checks of one form and gathers what is wrong with it, so that the person sees
    every problem at once instead of one per try:

        problems = Problems()
        title = problems.check(check_text, details.title, "title", 200, required=True)
        ...
        problems.raise_found()

    A check that fails gives None in place of its value."""

    def __init__(self) -> None:
        self.found: list[Invalid] = []

    def check(self, check, *args, **kwargs):
        try:
            return check(*args, **kwargs)
        except Invalid as error:
            self.found.extend(error.problems)
            return None

    def add(self, message: str, field: str | None = None) -> None:
        self.found.append(Invalid(message, field=field))

    def failed(self, field: str) -> bool:
        return any(problem.field == field for problem in self.found)

    def raise_found(self) -> None:
        """Raise Invalid holding every problem found, if any."""
        if self.found:
            first, *rest = self.found
            raise Invalid(first.message, field=first.field, also=rest)


def not_text(char: str) -> bool:
    """A character no text holds: a control character other than a line break or tab, a lone
    surrogate, U+FFFE or U+FFFF."""
    if char in "\r\n\t":
        return False
    return unicodedata.category(char) in ("Cc", "Cs") or char in "\ufffe\uffff"


def check_text(
    value: str | None,
    field: str,
    limit: int,
    *,
    required: bool = False,
    refuse_control: bool = False,
) -> str:
    """The text without surrounding spaces, its line breaks as "\n" whatever the browser sent
    (so that a text saved unchanged is unchanged); with `refuse_control`, control characters
    (but line breaks and tabs) are refused too."""
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if required and not value:
        raise Invalid(_("Please fill in this field."), field=field)
    if len(value) > limit:
        raise Invalid(_("Use at most %(num)s characters.", num=limit), field=field)
    # Control characters (a NUL byte above all, which PostgreSQL refuses) are never text, nor
    # are lone surrogates and the noncharacters U+FFFE and U+FFFF (XML, hence feeds, refuse
    # them all).
    if refuse_control and any(not_text(char) for char in value):
        raise Invalid(_("Remove the control characters from this text."), field=field)
    return value


def check_choice(enum_class: type[Enum], value, field: str):
    if isinstance(value, enum_class):
        return value
    try:
        return enum_class(value)
    except ValueError:
        raise Invalid(_("Choose one of the options."), field=field) from None


def check_date(value, field: str, *, required: bool = False) -> date | None:
    """A date from EARLIEST_DATE to LATEST_DATE, or None when none is given (Invalid if
    `required`)."""
    if value is None or value == "":
        if required:
            raise Invalid(_("Please fill in this field."), field=field)
        return None
    if isinstance(value, datetime) or not isinstance(value, date):
        raise Invalid(_("Enter a date."), field=field)
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise Invalid(
            _(
                "Enter a date from %(earliest)s to %(latest)s.",
                earliest=EARLIEST_DATE.year,
                latest=LATEST_DATE.year,
            ),
            field=field,
        )
    return value


def check_url(value: str, field: str) -> str:
    """An http(s) address with a host, or Invalid. An address holding a user name or password
    (https://user:secret@host/) is refused: a link is shown to its readers, and such an
    address can also pass off another host for the one it names."""
    value = check_text(value, field, MAX_URL)
    if not value:
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        raise Invalid(
            _("Enter a web address starting with https:// (or http://)."),
            field=field,
        )
    if "@" in parts.netloc:
        raise Invalid(
            _(
                "Enter the address without a user name or password: whoever sees the link would"
                " read them."
            ),
            field=field,
        )
    return value
