"""The public site's machine-readable face: Atom feeds of outcomes, the open-data datasets and
their documentation page, sitemap.xml and robots.txt. Every answer is conditional (ETag,
Last-Modified, 304)."""

from __future__ import annotations

from flask import Response, abort, current_app, render_template
from flask_babel import gettext as _

from cop.db import get_session
from cop.members.services import get_public_group
from cop.site import bp, seo
from cop.site.caching import conditional
from cop.site.feeds import CONTENT_TYPE, atom_feed, feed_outcomes, feed_version
from cop.site.opendata import (
    DATASETS,
    FORMATS,
    LICENCE,
    LICENCE_NAME,
    LICENCE_URL,
    csv_chunks,
    json_chunks,
)

# Feeds and data are read by programs that poll: they may keep an answer a while.
FEED_MAX_AGE = 600


@bp.record_once
def _register_filters(state) -> None:
    seo.register_template_helpers(state.app)


@bp.get("/outcomes/feed.atom")
def outcomes_feed():
    db = get_session()
    version = feed_version(db)
    return conditional(
        ("outcomes-feed", *version.key),
        version.changed,
        lambda: Response(atom_feed(feed_outcomes(db), version), content_type=CONTENT_TYPE),
        max_age=FEED_MAX_AGE,
    )


@bp.get("/groups/<slug>/outcomes/feed.atom")
def group_outcomes_feed(slug: str):
    db = get_session()
    group = get_public_group(db, slug)
    version = feed_version(db, group)
    return conditional(
        ("group-outcomes-feed", group.id, group.updated_at.isoformat(), *version.key),
        version.changed,
        lambda: Response(
            atom_feed(feed_outcomes(db, group), version, group=group), content_type=CONTENT_TYPE
        ),
        max_age=FEED_MAX_AGE,
    )


@bp.get("/open-data/")
def open_data():
    # The page shows the catalogue only (fields, formats, licence): it changes with releases,
    # which the ETag already covers.
    return conditional(
        ("open-data",),
        None,
        lambda: render_template(
            "site/open_data.html",
            datasets=list(DATASETS.values()),
            formats=FORMATS,
            licence=LICENCE,
            licence_name=LICENCE_NAME,
            licence_url=LICENCE_URL,
        ),
    )


@bp.get("/open-data/<dataset>.<fmt>")
def open_data_file(dataset: str, fmt: str):
    found = DATASETS.get(dataset)
    if found is None or fmt not in FORMATS:
        abort(404, _("There is no such dataset."))
    db = get_session()
    version, changed = found.version(db)

    def render() -> Response:
        records = found.read(db)
        if fmt == "json":
            chunks, mimetype = json_chunks(found, records), "application/json"
        else:
            chunks, mimetype = csv_chunks(found, records), "text/csv"
        # Read in batches, answered whole: a streamed answer would outlive the request's
        # database session and context (and a reader gets a Content-Length).
        response = Response(
            "".join(chunks),
            mimetype=mimetype,
            content_type=f"{mimetype}; charset=utf-8",
        )
        # Open data may be read by scripts and pages of any site.
        response.headers["Access-Control-Allow-Origin"] = "*"
        if fmt == "csv":
            response.headers["Content-Disposition"] = f'inline; filename="{found.name}.csv"'
        return response

    return conditional(
        ("open-data", found.name, fmt, *version), changed, render, max_age=FEED_MAX_AGE
    )


@bp.get("/sitemap.xml")
def sitemap():
    db = get_session()
    version, changed = seo.sitemap_version(db)
    return conditional(
        ("sitemap", *version),
        changed,
        lambda: Response(
            seo.sitemap_xml(seo.sitemap_entries(db)), content_type="application/xml; charset=utf-8"
        ),
        max_age=FEED_MAX_AGE,
    )


@bp.get("/robots.txt")
def robots():
    return conditional(
        ("robots", current_app.config["BASE_URL"]),
        None,
        lambda: Response(seo.robots_txt(current_app), content_type="text/plain; charset=utf-8"),
        max_age=3600,
    )
