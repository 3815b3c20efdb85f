"""Calendar files and feeds: a meeting's file, a group's feed, each person's secret feed."""

from flask import Blueprint

bp = Blueprint("calendar", __name__)

from cop.calendar import (  # noqa: E402,F401  (routes and signal receivers register on import)
    accounts,
    views,
)
