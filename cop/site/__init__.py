"""The public face: home, group pages, statements, language choice and the health check."""

from flask import Blueprint

bp = Blueprint("site", __name__)

from cop.site import views  # noqa: E402,F401  (routes register on import)
