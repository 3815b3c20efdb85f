"""The group's solution dashboard and its CSV exports, for the group's members. Thin: the
queries are in cop.solutions.dashboard and cop.solutions.exports."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import ngettext
from flask_login import current_user

from cop.auth.permissions import is_coordinator, login_required, require_coordinator
from cop.db import get_session
from cop.members.membership import get_group
from cop.solutions import bp, dashboard, exports
from cop.solutions.forms import UpdatePeriodForm
from cop.solutions.updates import set_update_period
from cop.web import form_page, save_form


@bp.get("/groups/<slug>/solutions/dashboard")
@login_required
def dashboard_page(slug: str):
    session = get_session()
    board = dashboard.group_dashboard(session, current_user, slug)
    return (
        render_template(
            "solutions/dashboard.html",
            board=board,
            group=board.group,
            coordinates=is_coordinator(session, current_user, board.group),
        ),
        200,
        {"Cache-Control": "no-store"},
    )


@bp.route("/groups/<slug>/solutions/settings", methods=["GET", "POST"])
@login_required
def solution_settings(slug: str):
    """The coordinators set how often the group's solutions owe a progress update."""
    session = get_session()
    group = get_group(session, slug)
    require_coordinator(session, current_user, group)
    form = UpdatePeriodForm()
    if not form.is_submitted():
        form.update_every_weeks.data = str(group.update_every_weeks)
    elif form.validate_on_submit() and save_form(
        form,
        lambda: set_update_period(session, current_user, group, form.update_every_weeks.data),
    ):
        flash(
            ngettext(
                "Progress updates are now due every week.",
                "Progress updates are now due every %(num)s weeks.",
                group.update_every_weeks,
            ),
            "success",
        )
        return redirect(url_for("solutions.dashboard_page", slug=group.slug))
    return form_page("solutions/settings.html", form, group=group)


def _csv(slug: str, name: str, rows_of) -> Response:
    session = get_session()
    group = dashboard.readable_dashboard(session, current_user, slug)
    return Response(
        exports.csv_text(rows_of(session, group)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{group.slug}-{name}.csv"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/groups/<slug>/solutions/solutions.csv")
@login_required
def solutions_csv(slug: str):
    return _csv(slug, "solutions", exports.solution_rows)


@bp.get("/groups/<slug>/solutions/indicators.csv")
@login_required
def indicators_csv(slug: str):
    return _csv(slug, "indicators", exports.indicator_rows)


@bp.get("/groups/<slug>/solutions/measurements.csv")
@login_required
def measurements_csv(slug: str):
    return _csv(slug, "measurements", exports.measurement_rows)
