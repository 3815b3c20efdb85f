"""Calendar files over HTTP, with the validators calendar programs poll with; and the page
where a person finds, copies and resets the address of their own feed."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.http import is_resource_modified

from cop.auth.permissions import is_signed_in, login_required
from cop.calendar import bp, feeds, services
from cop.calendar.forms import AddressForm
from cop.calendar.links import feed_links
from cop.db import get_session
from cop.mail.messages import external_url


def calendar_response(file: feeds.CalendarFile, *, cache: str, download: bool) -> Response:
    """The file with a strong ETag (the fingerprint of what it is written from) and
    Last-Modified. A request whose If-None-Match (or, without one, If-Modified-Since) still
    holds gets 304 before the file is written at all."""
    response = Response(mimetype="text/calendar")
    response.set_etag(file.fingerprint)
    response.last_modified = file.last_modified
    response.headers["Cache-Control"] = cache
    disposition = "attachment" if download else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{file.filename}"'
    if not is_resource_modified(
        request.environ, etag=file.fingerprint, last_modified=file.last_modified
    ):
        response.status_code = 304
        return response
    response.set_data(file.body)
    response = response.make_conditional(request)
    if response.status_code == 412:  # If-Match or If-Unmodified-Since failed: no body
        response.set_data(b"")
    return response


@bp.get("/meetings/<int:meeting_id>.ics")
def meeting_file(meeting_id: int):
    file = feeds.meeting_file(get_session(), current_user, meeting_id)
    response = calendar_response(
        file,
        # What a signed-in reader gets may hold the online link: never in a shared cache.
        cache="private, no-cache" if is_signed_in(current_user) else "public, max-age=300",
        download=True,
    )
    response.vary.update(("Accept-Language", "Cookie"))
    return response


@bp.get("/calendar/<slug>.ics")
def group_feed(slug: str):
    file = feeds.group_feed(get_session(), slug)
    response = calendar_response(file, cache="public, max-age=300", download=False)
    response.vary.update(("Accept-Language", "Cookie"))
    return response


@bp.get("/calendar/u/<token>.ics")
def personal_feed(token: str):
    file = feeds.personal_feed(get_session(), token)
    return calendar_response(file, cache="private, no-cache", download=False)


@bp.route("/account/calendar", methods=["GET", "POST"])
@login_required
def my_calendar():
    session = get_session()
    form = AddressForm()
    token = services.feed_token(session, current_user)
    status = 200
    if form.validate_on_submit():
        if token is not None and not form.understood.data:
            form.understood.errors.append(
                _("Tick this box to reset the address: the old one stops working at once.")
            )
            status = 400
        else:
            services.reset_feed_token(session, current_user)
            session.commit()
            flash(
                _(
                    "Your calendar has a new address. The old one no longer works: give the new"
                    " one to your calendar programs."
                )
                if token is not None
                else _("Your calendar address is ready. Add it to your calendar program."),
                "success",
            )
            return redirect(url_for("calendar.my_calendar"))
    links = None
    if token is not None:
        links = feed_links(
            external_url("calendar.personal_feed", token=token.token),
            feeds.personal_feed_name(current_user),
        )
    response = Response(
        render_template("calendar/my_calendar.html", form=form, token=token, links=links),
        status=status,
    )
    # The page shows a secret address: keep it out of every cache.
    response.headers["Cache-Control"] = "no-store"
    return response
