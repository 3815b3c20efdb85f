"""Human, translatable labels for activities: their kinds and statuses, and the filters that
show them in templates."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_pgettext as _lp

from cop.activities.models import ActivityKind, ActivityStatus, SupportStatus
from cop.activities.support import request_title
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

SUPPORT_STATUS_LABELS = {
    SupportStatus.OPEN: _lp("support request status", "Waiting for an answer"),
    SupportStatus.NEW_ACTIVITY: _lp("support request status", "A new activity is planned"),
    SupportStatus.LINKED: _lp("support request status", "Linked to an activity"),
    SupportStatus.DECLINED: _lp("support request status", "Declined"),
}


def register_template_helpers(app: Flask) -> None:
    """Filters: `kind|activity_kind_label`, `status|activity_status_label`,
    `status|support_status_label`, and `request|support_request_title` ("Peer learning for
    <region> on “<challenge>”", the one name of a request everywhere)."""
    filters = app.jinja_env.filters
    filters["support_status_label"] = label_filter(SUPPORT_STATUS_LABELS)
    filters["support_request_title"] = request_title
    filters["activity_kind_label"] = label_filter(ACTIVITY_KIND_LABELS)
    filters["activity_status_label"] = label_filter(ACTIVITY_STATUS_LABELS)
