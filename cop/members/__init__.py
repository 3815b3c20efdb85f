"""Members: regions, organisations, people, working groups and memberships."""

from flask import Blueprint

bp = Blueprint("members", __name__)

from cop.members import people_views, views  # noqa: E402,F401  (routes register on import)
