"""Human, translatable labels for outcomes: kinds, workflow states and licences, and the
filters that show them in templates."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_pgettext as _lp
from flask_babel import ngettext

from cop.i18n import label_filter
from cop.outcomes.models import OutcomeKind, OutcomeStatus, OutcomeVersion

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


def credit_line(names: list[str], unnamed: int) -> str:
    """ "Ana Ferreira, Ben Ortiz and 2 other members": the names a version credits and how
    many other authors it credits without naming them (those who did not agree to be
    listed), translated."""
    names = [name for name in names if name]
    listed = ", ".join(names)
    if not unnamed:
        return listed
    if not names:
        return ngettext("%(num)s member of the working groups",
                        "%(num)s members of the working groups", unnamed)  # fmt: skip
    return ngettext("%(names)s and %(num)s other member", "%(names)s and %(num)s other members",
                    unnamed, names=listed)  # fmt: skip


def credited_names(version: OutcomeVersion) -> list[str]:
    """The names a version credits, in order (its `authors_text`, ", "-separated)."""
    return [name.strip() for name in (version.authors_text or "").split(", ") if name.strip()]


def version_credit(version: OutcomeVersion) -> str:
    """The version's authors as pages, feeds and data credit them."""
    return credit_line(credited_names(version), version.unnamed_authors or 0)


def _meeting_report(meeting):
    # (Imported when called: the services are not loaded while the app's helpers register.)
    from cop.outcomes.meeting_report import reader_report

    return reader_report(meeting)


def register_template_helpers(app: Flask) -> None:
    """Filters: `kind|outcome_kind_label`, `status|outcome_status_label`,
    `version|outcome_credit`; the global `meeting_report(meeting)` (the meeting page's link
    to its report: one query)."""
    filters = app.jinja_env.filters
    filters["outcome_kind_label"] = label_filter(KIND_LABELS)
    filters["outcome_status_label"] = label_filter(STATUS_LABELS)
    filters["outcome_credit"] = version_credit
    app.jinja_env.globals["meeting_report"] = _meeting_report
