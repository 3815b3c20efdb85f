"""Public pages. Views are thin: they read through services and render."""

from __future__ import annotations

from flask import abort, current_app, jsonify, redirect, render_template, request, session
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from cop.activities.pages import group_panel
from cop.auth.permissions import login_required
from cop.challenges.highlights import group_highlights
from cop.db import get_session
from cop.meetings.cycle import plenary_count
from cop.meetings.pages import group_agenda
from cop.members.people import public_group_page
from cop.members.people_views import join_links
from cop.members.services import list_active_groups
from cop.site import bp
from cop.site.caching import conditional
from cop.site.dashboard import member_dashboard
from cop.site.freshness import site_version
from cop.site.library import group_panel as outcomes_panel
from cop.site.library import latest_outcomes
from cop.solutions.pages import group_panel as solutions_panel
from cop.web import safe_next


@bp.get("/")
def home():
    db = get_session()
    version, changed = site_version(db, current_user)
    return conditional(
        version,
        changed,
        lambda: render_template(
            "site/home.html",
            groups=list_active_groups(db),
            plenary_count=plenary_count,
            latest_outcomes=latest_outcomes(db),
        ),
    )


@bp.get("/groups/<slug>/")
def group(slug: str):
    db = get_session()
    page = public_group_page(db, current_user, slug)
    version, changed = site_version(db, current_user)
    return conditional(
        version,
        changed,
        lambda: render_template(
            "site/group.html",
            group=page.group,
            page=page,
            links=join_links(slug),
            agenda=group_agenda(db, page.group, page.coordinates),
            highlights=group_highlights(db, page.group),
            doing=group_panel(db, page.group),
            solutions=solutions_panel(db, page.group, members=page.sees_directory),
            outcomes=outcomes_panel(db, page.group),
        ),
    )


@bp.get("/account/dashboard")
@login_required
def dashboard():
    page = member_dashboard(get_session(), current_user._get_current_object())
    return render_template("site/dashboard.html", page=page)


@bp.get("/privacy")
def privacy():
    return render_template("site/privacy.html")


@bp.get("/accessibility")
def accessibility():
    return render_template("site/accessibility.html")


@bp.get("/language/<code>")
def choose_language(code: str):
    """Remember a language choice and go back. Plain links, so the switcher needs no script."""
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    # Only the browser session remembers this choice: a GET changes no record (another
    # site could send people here). A person's saved language is set in their profile.
    session["language"] = code
    return redirect(safe_next(request.args.get("next")))


@bp.get("/healthz")
def healthz():
    """The database's state as JSON: 200 when it answers, 503 when it does not."""
    try:
        get_session().execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        current_app.logger.warning("health check: database unreachable: %s", error)
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
