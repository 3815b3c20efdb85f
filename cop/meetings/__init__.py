"""Meetings: the plenary cycle, every other gathering, agenda, materials, registration, reminders."""

from flask import Blueprint

bp = Blueprint("meetings", __name__)

from cop.meetings import (  # noqa: E402,F401  (routes and signal receivers register on import)
    accounts,
    manage_views,
    public_views,
    registration_views,
)
