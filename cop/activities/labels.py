"""Human, translatable labels for activities: their kinds and statuses, and the filters that
show them in templates."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_pgettext as _lp

from cop.activities.models import ActivityKind, ActivityStatus
from cop.i18n import label_filter

ACTIVITY_KIND_LABELS = {
    ActivityKind.PEER_REVIEW: _lp("activity kind", "Peer review"),
    ActivityKind.STUDY_VISIT: _lp("activity kind", "Study visit"),
    ActivityKind.WORKSHOP: _lp("activity kind", "Workshop"),
    ActivityKind.EXPERT_MISSION: _lp("activity kind", "Expert mission"),
    ActivityKind.WEBINAR_SERIES: _lp("activity kind", "Webinar series"),
}

ACTIVITY_STATUS_LABELS = {
    ActivityStatus.PLANNED: _lp("activity status", "Planned"),
    ActivityStatus.RUNNING: _lp("activity status", "Running"),
    ActivityStatus.COMPLETED: _lp("activity status", "Completed"),
    ActivityStatus.CANCELLED: _lp("activity status", "Cancelled"),
}


def register_template_helpers(app: Flask) -> None:
    """Filters: `kind|activity_kind_label`, `status|activity_status_label`."""
    filters = app.jinja_env.filters
    filters["activity_kind_label"] = label_filter(ACTIVITY_KIND_LABELS)
    filters["activity_status_label"] = label_filter(ACTIVITY_STATUS_LABELS)
