"""The change log: who changed what, when, on records people rely on; its admin page."""

from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/admin")

from cop.audit import views  # noqa: E402,F401  (routes register on import)
