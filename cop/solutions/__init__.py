"""Solutions to the group's challenges: co-developed, supported, deployed and monitored, with
milestones, indicators, measurements and progress updates."""

from flask import Blueprint

bp = Blueprint("solutions", __name__)

from cop.solutions import (  # noqa: E402,F401  (routes register on import)
    dashboard_views,
    views,
)
