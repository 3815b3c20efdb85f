"""Pages of one's email: the notification and email preferences, and unsubscribing from a link
in an email (no sign-in needed: the signed token is the proof). Thin: parse, call, commit."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cop.auth.permissions import login_required
from cop.db import get_session
from cop.errors import Invalid, NotAllowed
from cop.extensions import csrf
from cop.mail import preferences as services
from cop.mail.forms import PreferencesForm, UnsubscribeForm
from cop.mail.kinds import EXEMPT_LABEL
from cop.web import show_error

bp = Blueprint("mail", __name__)

# RFC 8058: what a mail program posts when its reader clicks "unsubscribe".
ONE_CLICK = "One-Click"


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def preferences():
    session = get_session()
    user = current_user._get_current_object()
    kinds = services.offered_kinds(session, user)
    form = PreferencesForm()
    form.offer(kinds)
    if request.method == "GET":
        chosen = services.email_preferences(session, user)
        form.period.data = chosen.period.value
        offered = {kind.code for kind in kinds}
        form.kinds.data = sorted(chosen.kinds_on & offered)
    elif form.validate_on_submit():
        try:
            services.save_preferences(session, user, form.period.data, form.kinds.data or [])
        except Invalid as error:
            session.rollback()
            show_error(form, error, "period")
        else:
            session.commit()
            flash(_("Your email preferences are saved."), "success")
            return redirect(url_for(".preferences"))
    page = render_template(
        "notifications/preferences.html", form=form, kinds=kinds, exempt_label=EXEMPT_LABEL
    )
    return page, (400 if form.errors else 200)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    """GET: say what the link stops, with one button (or that it is stopped already). POST:
    stop it (again: nothing changes). A mail program's
    one-click POST (RFC 8058) carries no CSRF token, hence the exemption: the signed link is
    the proof. Whoever clicks the button in a browser posts the page's form, which has one."""
    session = get_session()
    one_click = request.method == "POST" and request.form.get("List-Unsubscribe") == ONE_CLICK
    try:
        if request.method == "GET":
            found = services.read_unsubscribe_token(token, signed_in=current_user)
            if services.already_unsubscribed(session, found):
                return render_template("notifications/unsubscribed.html", found=found, already=True)
            return render_template(
                "notifications/unsubscribe.html", found=found, form=UnsubscribeForm()
            )
        if not one_click and not UnsubscribeForm().validate_on_submit():
            raise Invalid(_("This form has expired. Open the link in the email again."))
        found = services.unsubscribe(session, token, signed_in=None if one_click else current_user)
    except (Invalid, NotAllowed) as error:
        session.rollback()
        status = 403 if isinstance(error, NotAllowed) else 400
        page = render_template("notifications/unsubscribe_failed.html", message=error.message)
        return page, status
    session.commit()
    return render_template("notifications/unsubscribed.html", found=found)
