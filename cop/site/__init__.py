"""The public face: home, group pages, statements, language choice and the health check."""

from flask import Blueprint

bp = Blueprint("site", __name__)

from cop.site import (  # noqa: E402,F401  (routes register on import)
    library_views,
    public_data_views,
    region_views,
    views,
)
