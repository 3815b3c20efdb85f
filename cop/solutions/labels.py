"""Human, translatable labels for solutions: stages, update statuses, indicator directions, and
the filters that show them in templates."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_pgettext as _lp

from cop.i18n import label_filter
from cop.solutions.models import Direction, SolutionStage, UpdateStatus

STAGE_LABELS = {
    SolutionStage.CO_DEVELOPMENT: _lp("solution stage", "Co-development"),
    SolutionStage.SUPPORT: _lp("solution stage", "Support"),
    SolutionStage.DEPLOYMENT: _lp("solution stage", "Deployment"),
    SolutionStage.MONITORING: _lp("solution stage", "Monitoring"),
    SolutionStage.COMPLETED: _lp("solution stage", "Completed"),
    SolutionStage.DISCONTINUED: _lp("solution stage", "Discontinued"),
}

UPDATE_STATUS_LABELS = {
    UpdateStatus.ON_TRACK: _lp("solution status", "On track"),
    UpdateStatus.AT_RISK: _lp("solution status", "At risk"),
    UpdateStatus.OFF_TRACK: _lp("solution status", "Off track"),
}

DIRECTION_LABELS = {
    Direction.HIGHER: _lp("indicator direction", "Higher is better"),
    Direction.LOWER: _lp("indicator direction", "Lower is better"),
}


def register_template_helpers(app: Flask) -> None:
    """Filters: `stage|solution_stage_label`, `status|solution_status_label` ("No update yet"
    for None) and `direction|indicator_direction_label`."""
    filters = app.jinja_env.filters
    filters["solution_stage_label"] = label_filter(STAGE_LABELS)
    filters["solution_status_label"] = label_filter(
        UPDATE_STATUS_LABELS, missing=_lp("solution status", "No update yet")
    )
    filters["indicator_direction_label"] = label_filter(DIRECTION_LABELS)
