"""Domain errors raised by services; one error handler turns them into 4xx pages or JSON."""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Invalid(DomainError):
    """The input breaks a rule; `field` names the form field it belongs to, if any. `also`
    holds the other problems found in the same input, so that a form shows them all at once."""

    status_code = 400

    def __init__(self, message: str, field: str | None = None, *, also=()) -> None:
        super().__init__(message, field)
        self.also: tuple[Invalid, ...] = tuple(also)

    @property
    def problems(self) -> tuple[Invalid, ...]:
        """This problem and the others found with it."""
        return (self, *self.also)


class NotAllowed(DomainError):
    """The person may not do this."""

    status_code = 403


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    """The request clashes with the current state of a record (a stale or replayed form)."""

    status_code = 409
