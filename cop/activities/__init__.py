"""Peer-learning activities, support requests from regions, and matching regions with those
who faced the same challenges."""

from flask import Blueprint

bp = Blueprint("activities", __name__)

from cop.activities import (  # noqa: E402,F401  (routes register on import)
    support_views,
    views,
)
