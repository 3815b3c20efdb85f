"""Implementation challenges regions share, their endorsements, and good practices."""

from flask import Blueprint

bp = Blueprint("challenges", __name__)

from cop.challenges import (  # noqa: E402,F401  (routes register on import)
    challenge_views,
    practice_views,
)
