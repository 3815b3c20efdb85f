"""People pages: the member directory, my groups, profiles, and your data with closing an account."""

from __future__ import annotations

import json

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from cop.auth.permissions import login_required
from cop.db import get_session
from cop.errors import Invalid, NotAllowed
from cop.extensions import login_manager
from cop.members import bp, people
from cop.members.people_forms import CloseAccountForm, DirectoryFilterForm
from cop.members.services import get_public_group


def url_for_if_routed(endpoint: str, fallback: str | None, **values) -> str | None:
    """The URL of an endpoint other packages may not have added yet; `fallback` until they do."""
    if endpoint in current_app.view_functions:
        return url_for(endpoint, **values)
    return fallback


def join_links(slug: str) -> dict[str, str | None]:
    """Where the join button of a group page leads: applying, or logging in / signing up first."""
    join = url_for_if_routed("members.join", f"/groups/{slug}/join", slug=slug)
    return {
        "join": join,
        "login": url_for("auth.login", next=join),
        "signup": url_for_if_routed("auth.sign_up", None, next=join),
    }


@bp.get("/groups/<slug>/members/")
@login_required
def directory(slug: str):
    session = get_session()
    group = get_public_group(session, slug)
    choices = people.directory_choices(session, current_user, group)
    form = DirectoryFilterForm(request.args)
    form.offer(choices)
    if request.args and not form.validate():
        return render_template("members/directory.html", group=group, form=form, found=None), 400
    found = people.list_directory(session, current_user, group, form.filters())
    return render_template("members/directory.html", group=group, form=form, found=found)


@bp.get("/account/groups")
@login_required
def my_groups():
    memberships = people.list_my_memberships(get_session(), current_user)
    return render_template("members/my_groups.html", memberships=memberships)


@bp.get("/people/<int:person_id>")
def person(person_id: int):
    try:
        profile = people.person_profile(get_session(), current_user, person_id)
    except NotAllowed:
        if not current_user.is_authenticated:
            # Logging in may show the profile: members see each other.
            return login_manager.unauthorized()
        raise
    return render_template("members/profile.html", profile=profile)


def _your_data_page(form: CloseAccountForm, status: int = 200):
    person = current_user._get_current_object()
    data = people.personal_data(get_session(), person, person)
    response = render_template("members/data.html", data=data, form=form)
    return response, status, {"Cache-Control": "no-store"}


@bp.get("/account/data")
@login_required
def your_data():
    return _your_data_page(CloseAccountForm())


@bp.get("/account/data.json")
@login_required
def your_data_json():
    person = current_user._get_current_object()
    data = people.personal_data(get_session(), person, person)
    body = json.dumps(data.as_json(), indent=2, ensure_ascii=False, sort_keys=False)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="cop-your-data.json"',
            "Cache-Control": "no-store",
        },
    )


@bp.post("/account/close")
@login_required
def close_account():
    form = CloseAccountForm()
    if form.validate_on_submit():
        session = get_session()
        try:
            person = current_user._get_current_object()
            people.close_account(
                session,
                person,
                person,
                form.password.data,
                address=request.remote_addr or "unknown",
            )
        except Invalid as error:
            session.commit()  # nothing changed but a failed password attempt, which counts
            form.password.errors.append(error.message)
        else:
            session.commit()
            logout_user()
            flash(_("Your account is closed. Your name and email are no longer on cop."), "success")
            return redirect(url_for("site.home"))
    return _your_data_page(form, 400)
