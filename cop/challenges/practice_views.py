"""Pages of good practices: a group's list, one practice, documenting and editing one, submitting
it or taking it back, the coordinators' review, withdrawing it and publishing it again, and its
links and files. Thin: parse a form, call one service, commit, redirect."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cop.auth.permissions import login_required, require_member
from cop.challenges import bp, challenge_pages, practice_pages, practices
from cop.challenges.models import GoodPractice, PracticeStatus
from cop.challenges.practice_forms import (
    ConfirmForm,
    PracticeFileForm,
    PracticeForm,
    PracticeLinkForm,
    ReviewForm,
    WithdrawForm,
)
from cop.db import get_session
from cop.errors import Invalid, NotFound
from cop.mail import follows
from cop.meetings.content import Upload, allowed_types
from cop.meetings.labels import size_label
from cop.meetings.storage import MaterialStore
from cop.members import organisations
from cop.members.membership import get_group
from cop.members.models import Helix
from cop.web import save_form, show_error


def _practice_page(practice_id: int):
    return redirect(url_for("challenges.practice", practice_id=practice_id))


def _to_change(practice_id: int, read) -> GoodPractice | None:
    """`read` (a service giving the practice the reader may change now); or, on a GET of a
    practice they may see but no longer change (an old link in an email, a reloaded page),
    None, with a notice saying why for its page. A POST keeps refusing."""
    try:
        return read(get_session(), current_user, practice_id)
    except Invalid as error:
        if request.method != "GET":
            raise
        flash(error.message, "info")
        return None


# --- Reading -------------------------------------------------------------------------------------


@bp.get("/groups/<slug>/practices/")
def group_practices(slug: str):
    filters = practice_pages.PracticeFilters.parse(
        request.args.get("theme"),
        request.args.get("country"),
        request.args.get("q"),
        request.args.get("helix"),
        region=request.args.get("region"),
    )
    page = min(max(request.args.get("page", 1, type=int), 1), practice_pages.MAX_PAGE)
    listing = practice_pages.group_practices(get_session(), current_user, slug, filters, page)
    return render_template(
        "challenges/practices.html",
        listing=listing,
        group=listing.group,
        filters=filters,
        helices=list(Helix),
    )


@bp.get("/practices/<int:practice_id>")
def practice(practice_id: int):
    # Read here, not at import: cop.site reads every package, this one among them.
    from cop.site.caching import conditional
    from cop.site.freshness import site_version

    page = practice_pages.practice_page(get_session(), current_user, practice_id)
    version, changed = site_version(get_session(), current_user)
    return conditional(
        version,
        changed,
        lambda: render_template(
            "challenges/practice.html",
            page=page,
            practice=page.practice,
            group=page.practice.group,
            confirm_form=ConfirmForm(),
            following=follows.is_following(
                get_session(), current_user, follows.PRACTICE, practice_id
            ),
        ),
    )


def _act_on_practice(practice_id: int, act):
    """Run `act` (a button's service call) and commit; when the practice moved on since its
    page was opened (a stale page, a button pressed twice), its page again, saying why (409)."""
    session = get_session()
    try:
        act(session)
    except Invalid as error:
        session.rollback()
        flash(error.message, "error")
        return practice(practice_id), 409
    session.commit()
    return None


@bp.post("/practices/<int:practice_id>/follow")
@login_required
def follow_practice(practice_id: int):
    session = get_session()
    practices.follow_practice(session, current_user, practice_id)
    session.commit()
    flash(_("You follow this practice: its news reaches you in your email digest."), "success")
    return _practice_page(practice_id)


@bp.post("/practices/<int:practice_id>/unfollow")
@login_required
def unfollow_practice(practice_id: int):
    session = get_session()
    practices.unfollow_practice(session, current_user, practice_id)
    session.commit()
    flash(_("You no longer follow this practice."), "success")
    return _practice_page(practice_id)


# --- Documenting and editing ---------------------------------------------------------------------


def _fill_choices(form: PracticeForm, group, practice=None) -> None:
    """The form's choices; a practice being edited keeps its themes and challenges on offer,
    though retired, closed or merged since."""
    session = get_session()
    themes = challenge_pages.theme_choices(session, group, practice.themes if practice else None)
    challenges = practice_pages.open_challenges(session, group)
    challenges += [c for c in (practice.challenges if practice else []) if c not in challenges]
    form.fill_choices(
        regions=organisations.list_regions(session),
        organisations=organisations.list_for_picker(session),
        themes=themes,
        challenges=challenges,
    )


def _render_form(form, group, practice=None):
    status = 400 if form.errors else 200
    return render_template(
        "challenges/practice_edit.html",
        form=form,
        group=group,
        practice=practice,
    ), status


@bp.route("/groups/<slug>/practices/new", methods=["GET", "POST"])
@login_required
def new_practice(slug: str):
    session = get_session()
    group = get_group(session, slug)
    require_member(session, current_user, group)
    form = PracticeForm()
    _fill_choices(form, group)
    if request.method == "POST" and form.validate_on_submit():
        created = save_form(
            form,
            lambda: practices.create_practice(session, current_user, group.id, form.details()),
        )
        if created:
            flash(
                _(
                    "“%(title)s” is saved as a draft: only you and the group's coordinators see"
                    " it. Submit it for review when it is ready.",
                    title=created.title,
                ),
                "success",
            )
            return _practice_page(created.id)
        group = get_group(session, slug)
    return _render_form(form, group)


@bp.route("/practices/<int:practice_id>/edit", methods=["GET", "POST"])
@login_required
def edit_practice(practice_id: int):
    session = get_session()
    practice = _to_change(practice_id, practices.practice_to_edit)
    if practice is None:
        return _practice_page(practice_id)
    form = PracticeForm()
    _fill_choices(form, practice.group, practice)
    if request.method == "GET":
        form.show(practice)
    elif form.validate_on_submit():
        if save_form(
            form,
            lambda: practices.update_practice(session, current_user, practice_id, form.details()),
        ):
            # "Save and submit": what was just typed is what goes to the coordinators.
            if request.form.get("and_submit"):
                return _submit(session, practice_id)
            flash(_("The practice is saved."), "success")
            return _practice_page(practice_id)
        practice = practices.practice_to_edit(session, current_user, practice_id)
    return _render_form(form, practice.group, practice)


@bp.route("/practices/<int:practice_id>/submit", methods=["GET", "POST"])
@login_required
def submit_practice(practice_id: int):
    if request.method == "GET":
        # The address a refused submission leaves in the browser: reloaded, back to the form.
        return redirect(url_for("challenges.edit_practice", practice_id=practice_id))
    return _submit(get_session(), practice_id)


def _submit(session, practice_id: int):
    """Submit the practice for review, or show its form with each missing field saying so."""
    try:
        practices.submit_practice(session, current_user, practice_id)
    except Invalid as error:
        session.rollback()
        if error.field not in practices.REQUIRED_TO_SUBMIT:
            raise
        # Back to the form, each missing field saying so.
        practice = practices.practice_to_edit(session, current_user, practice_id)
        form = PracticeForm(formdata=None)
        _fill_choices(form, practice.group, practice)
        form.show(practice)
        show_error(form, error)
        return _render_form(form, practice.group, practice)
    session.commit()
    flash(
        _("The practice is submitted: the group's coordinators will review it."),
        "success",
    )
    return _practice_page(practice_id)


@bp.post("/practices/<int:practice_id>/take-back")
@login_required
def take_back_practice(practice_id: int):
    refused = _act_on_practice(
        practice_id,
        lambda session: practices.take_back_practice(session, current_user, practice_id),
    )
    if refused:
        return refused
    flash(
        _(
            "The practice is a draft again, no longer with the coordinators. Submit it again when"
            " it is ready."
        ),
        "success",
    )
    return redirect(url_for("challenges.edit_practice", practice_id=practice_id))


# --- Review and withdrawal -----------------------------------------------------------------------


@bp.route("/practices/<int:practice_id>/review", methods=["GET", "POST"])
@login_required
def review_practice(practice_id: int):
    session = get_session()
    page = practice_pages.review_page(session, current_user, practice_id)
    form = ReviewForm()
    if form.validate_on_submit():
        review = save_form(
            form,
            lambda: practices.review_practice(
                session,
                current_user,
                practice_id,
                form.decision.data or "",
                form.comments.data or "",
            ),
        )
        if review:
            if review.decision.value == "published":
                flash(_("The practice is published; its author has been emailed."), "success")
            else:
                flash(_("The practice is returned to its author, who has been emailed."), "success")
            return _practice_page(practice_id)
        page = practice_pages.review_page(session, current_user, practice_id)
    status = 400 if form.errors else 200
    return render_template(
        "challenges/practice_review.html",
        form=form,
        page=page,
        practice=page.practice,
        group=page.practice.group,
        missing=practices.missing_to_submit(page.practice),
    ), status


@bp.route("/practices/<int:practice_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw_practice(practice_id: int):
    """A page that says what withdrawing does and asks to tick that it is understood."""
    session = get_session()
    practice = _to_change(practice_id, practices.practice_to_withdraw)
    if practice is None:
        return _practice_page(practice_id)
    form = WithdrawForm()
    if form.validate_on_submit():
        if form.understood.data:
            practices.withdraw_practice(session, current_user, practice_id)
            session.commit()
            flash(
                _("The practice is withdrawn: it no longer appears on the public pages."),
                "success",
            )
            return _practice_page(practice_id)
        form.understood.errors.append(_("Tick this box to withdraw the practice."))
    status = 400 if form.errors else 200
    return render_template(
        "challenges/practice_withdraw.html", form=form, practice=practice, group=practice.group
    ), status


@bp.post("/practices/<int:practice_id>/publish-again")
@login_required
def publish_practice_again(practice_id: int):
    refused = _act_on_practice(
        practice_id, lambda session: practices.publish_again(session, current_user, practice_id)
    )
    if refused:
        return refused
    flash(_("The practice is published again: everyone can read it."), "success")
    return _practice_page(practice_id)


# --- Links and files -----------------------------------------------------------------------------


@bp.route("/practices/<int:practice_id>/links", methods=["GET", "POST"])
@login_required
def practice_links(practice_id: int):
    session = get_session()
    practice = _to_change(practice_id, practices.practice_to_edit)
    if practice is None:
        return _practice_page(practice_id)
    # Which of the page's two forms was sent (a hidden field of each).
    posted = request.form.get("form_name") if request.method == "POST" else None
    file_form = PracticeFileForm(prefix="file", **({} if posted == "file" else {"formdata": None}))
    link_form = PracticeLinkForm(prefix="link", **({} if posted == "link" else {"formdata": None}))
    form = file_form if posted == "file" else link_form
    if posted in ("file", "link") and form.validate_on_submit():

        def add_file():
            upload = file_form.file.data
            return practices.add_practice_file(
                session,
                current_user,
                practice_id,
                upload=Upload(upload.filename or "", upload.stream) if upload else None,
                title=file_form.title.data or "",
                store=MaterialStore.for_app(current_app),
                max_bytes=current_app.config["MAX_MATERIAL_BYTES"],
            )

        def add_link():
            return practices.add_practice_link(
                session,
                current_user,
                practice_id,
                title=link_form.title.data or "",
                url=link_form.url.data or "",
            )

        link = save_form(form, add_file if posted == "file" else add_link)
        if link:
            flash(_("“%(title)s” is added to the practice.", title=link.title), "success")
            return redirect(url_for("challenges.practice_links", practice_id=practice_id))
        practice = practices.practice_to_edit(session, current_user, practice_id)
    elif request.method == "POST" and posted not in ("file", "link"):
        form.form_errors.append(_("Choose what to add: a file or a link."))
    status = 400 if (file_form.errors or link_form.errors) else 200
    return render_template(
        "challenges/practice_links.html",
        practice=practice,
        group=practice.group,
        links=[link for link in practice.links if link.withdrawn_at is None],
        file_form=file_form,
        link_form=link_form,
        confirm_form=ConfirmForm(),
        allowed_types=allowed_types(),
        max_size=size_label(current_app.config["MAX_MATERIAL_BYTES"]),
    ), status


@bp.post("/practice-links/<int:link_id>/withdraw")
@login_required
def withdraw_practice_link(link_id: int):
    session = get_session()
    link = practices.withdraw_practice_link(session, current_user, link_id)
    session.commit()
    flash(_("“%(title)s” is withdrawn from the practice.", title=link.title), "success")
    return redirect(url_for("challenges.practice_links", practice_id=link.practice_id))


@bp.get("/practice-links/<int:link_id>/file")
def practice_link_file(link_id: int):
    link = practices.practice_file(get_session(), current_user, link_id)
    response = MaterialStore.for_app(current_app).download(
        link.storage_key,
        content_type=link.content_type,
        filename=link.filename,
        private=link.practice.status is not PracticeStatus.PUBLISHED,
    )
    if response is None:
        raise NotFound(_("There is no such file."))
    return response
