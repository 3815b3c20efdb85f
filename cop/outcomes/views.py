"""Pages to write, review, publish and withdraw outcomes."""

from cop.outcomes import bp  # noqa: F401
