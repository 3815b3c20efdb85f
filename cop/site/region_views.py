"""Region pages: every NUTS-2 region, one region's page and its bottleneck-analysis dossier.
Public, read through cop.site.regions, answered conditionally (ETag, Last-Modified, 304)."""

from __future__ import annotations

from flask import current_app, redirect, render_template, url_for
from flask_login import current_user

from cop.db import get_session
from cop.members.labels import localized_country_name
from cop.outcomes.models import DEFAULT_LICENCE, LICENCES
from cop.site import bp
from cop.site import regions as region_pages
from cop.site.caching import conditional


def _address(endpoint: str, **values) -> str:
    """The page's public address, on the configured base URL (whatever host was asked)."""
    return current_app.config["BASE_URL"] + url_for(endpoint, **values)


def _place(region) -> dict:
    """schema.org's description of the region, for the page's JSON-LD."""
    return {
        "@context": "https://schema.org",
        "@type": "AdministrativeArea",
        "name": region.name,
        "identifier": region.code,
        "url": _address("site.region", code=region.code),
        "containedInPlace": {
            "@type": "Country",
            "name": localized_country_name(region.country_code),
            "identifier": region.country_code,
        },
    }


@bp.get("/regions/")
def regions():
    db = get_session()
    stamp = region_pages.records_stamp(db, current_user)
    return conditional(
        stamp.version,
        stamp.changed_at,
        lambda: render_template(
            "site/regions.html",
            index=region_pages.region_index(db),
            address=_address("site.regions"),
        ),
    )


@bp.get("/regions/<code>")
def region(code: str):
    db = get_session()
    found = region_pages.find_region(db, code)
    if found.code != code:
        return redirect(url_for("site.region", code=found.code), 301)
    stamp = region_pages.records_stamp(db, current_user)
    return conditional(
        stamp.version,
        stamp.changed_at,
        lambda: render_template(
            "site/region.html",
            page=region_pages.region_page(db, found),
            address=_address("site.region", code=found.code),
            place=_place(found),
        ),
    )


@bp.get("/regions/<code>/dossier")
def region_dossier(code: str):
    db = get_session()
    found = region_pages.find_region(db, code)
    if found.code != code:
        return redirect(url_for("site.region_dossier", code=found.code), 301)
    stamp = region_pages.records_stamp(db, current_user)
    today = region_pages.compiled_on()
    licence_name, licence_url = LICENCES[DEFAULT_LICENCE]
    return conditional(
        (*stamp.version, today.isoformat()),
        stamp.changed_at,
        lambda: render_template(
            "site/dossier.html",
            dossier=region_pages.dossier(db, found, today),
            address=_address("site.region_dossier", code=found.code),
            licence_name=licence_name,
            licence_url=licence_url,
            place=_place(found),
        ),
    )
