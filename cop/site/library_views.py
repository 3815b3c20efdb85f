"""Pages of the outcomes library: all published outcomes, and a group's outcomes section.
Thin: parse the query string, read through cop.site.library, answer conditionally."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from cop.db import get_session
from cop.site import bp, library
from cop.site.caching import conditional


@bp.get("/outcomes/")
def outcomes():
    db = get_session()
    filters = library.parse_filters(request.args)
    fresh = library.library_freshness(db, filters)

    def render():
        return render_template("site/outcomes.html", listing=library.outcome_library(db, filters))

    return conditional(fresh.version, fresh.last_modified, render)


@bp.get("/groups/<slug>/outcomes/")
def group_outcomes(slug: str):
    db = get_session()
    filters = library.parse_filters(request.args)
    section = library.group_section(db, current_user, slug, filters)

    def render():
        page = library.group_outcomes(db, current_user, section, filters)
        return render_template(
            "site/group_outcomes.html", group=page.group, page=page, listing=page.listing
        )

    return conditional(section.freshness.version, section.freshness.last_modified, render)
