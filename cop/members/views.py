"""Pages of the members context (routes are added by the people issue)."""

from cop.members import bp  # noqa: F401
