"""Domain errors raised by services; one error handler turns them into 4xx pages or JSON."""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Invalid(DomainError):
    """The input breaks a rule; `field` names the form field it belongs to, if any."""

    status_code = 400


class NotAllowed(DomainError):
    """The person may not do this."""

    status_code = 403


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    """The request clashes with the current state of a record (a stale or replayed form)."""

    status_code = 409
