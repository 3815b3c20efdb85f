"""Human, translatable labels for outcomes: kinds, workflow states and licences, and the
filters that show them in templates."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_pgettext as _lp

from cop.i18n import label_filter
from cop.outcomes.models import OutcomeKind, OutcomeStatus

KIND_LABELS = {
    OutcomeKind.LESSONS_LEARNT: _lp("outcome kind", "Lessons learnt"),
    OutcomeKind.POLICY_BRIEF: _lp("outcome kind", "Policy brief"),
    OutcomeKind.MEETING_REPORT: _lp("outcome kind", "Meeting report"),
    OutcomeKind.CASE_STUDY: _lp("outcome kind", "Case study"),
}

STATUS_LABELS = {
    OutcomeStatus.DRAFT: _lp("outcome status", "Draft"),
    OutcomeStatus.IN_REVIEW: _lp("outcome status", "In review"),
    OutcomeStatus.PUBLISHED: _lp("outcome status", "Published"),
    OutcomeStatus.WITHDRAWN: _lp("outcome status", "Withdrawn"),
}


def register_template_helpers(app: Flask) -> None:
    """Filters: `kind|outcome_kind_label`, `status|outcome_status_label`."""
    filters = app.jinja_env.filters
    filters["outcome_kind_label"] = label_filter(KIND_LABELS)
    filters["outcome_status_label"] = label_filter(STATUS_LABELS)
