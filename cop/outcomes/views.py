"""Pages to read, write, review, publish and withdraw outcomes, their files, meeting reports
and the following of a group's new outcomes. Thin: parse a form, call one service, commit,
redirect."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cop.auth.permissions import is_signed_in, login_required, require_member
from cop.db import get_session
from cop.errorpages import render_error
from cop.errors import Conflict, Invalid, NotAllowed, NotFound
from cop.meetings.content import Upload, allowed_types
from cop.meetings.labels import size_label
from cop.meetings.storage import MaterialStore
from cop.members.membership import get_group
from cop.outcomes import access, bp, files, meeting_report, pages, revisions, services
from cop.outcomes.forms import (
    ActionForm,
    FileForm,
    OutcomeForm,
    ReviewForm,
    SubmitForm,
    WithdrawForm,
)
from cop.outcomes.models import DEFAULT_LICENCE, OutcomeKind, OutcomeStatus
from cop.site.caching import conditional
from cop.web import form_page, safe_next, save_form, wants_json


def _outcome_page(outcome_id: int, anchor: str | None = None):
    return redirect(url_for("outcomes.outcome", outcome_id=outcome_id, _anchor=anchor))


# --- Refusals -----------------------------------------------------------------------------------
# One way for every outcome action refused to a signed-in person who may read the record it
# is about (not allowed to them, or not possible in the record's state): the record's page,
# with the reason flashed (303 See Other), rather than an error page with no way on. Who may
# not read the record got a 404 before (the pages and services check that first).


def _record_page() -> str | None:
    """The page of the record the request is about: the outcome, the meeting whose report
    was asked for, the group (its outcomes; its page for following them)."""
    args = request.view_args or {}
    if "outcome_id" in args:
        return url_for("outcomes.outcome", outcome_id=args["outcome_id"])
    if "meeting_id" in args:
        return url_for("meetings.meeting", meeting_id=args["meeting_id"])
    if "slug" in args:
        endpoint = request.endpoint or ""
        if endpoint.endswith("follow_group_outcomes"):
            return url_for("site.group", slug=args["slug"])
        return url_for("site.group_outcomes", slug=args["slug"])
    return None


def _refused(message: str, target: str):
    flash(message, "error")
    return redirect(target, code=303)


@bp.errorhandler(NotAllowed)
@bp.errorhandler(Conflict)
def _refusal(error: NotAllowed | Conflict):
    target = _record_page()
    if target is None or wants_json() or not is_signed_in(current_user):
        return render_error(error.status_code, error.message)
    get_session().rollback()
    return _refused(error.message, target)


def _expired() -> Invalid:
    return Invalid(_("This form has expired. Go back, reload the page and try again."))


def _acted() -> None:
    """A button's form (its CSRF token only) was sent; else the form expired."""
    if not ActionForm().validate_on_submit():
        raise _expired()


def _readable(session, outcome_id: int):
    """The outcome loaded for its forms and the person's standing; 404 for one they may not
    read."""
    outcome = pages.outcome_for_form(session, outcome_id)
    person = access.outcome_standing(session, current_user, outcome)
    if not access.may_read(person, outcome):
        raise NotFound(_("There is no such outcome."))
    return outcome, person


def _sent_back(outcome, person):
    """On a GET of a form its editors cannot use now (in review, withdrawn), the outcome's page
    with the reason rather than a form that can only fail; None when the form is shown."""
    if request.method != "GET" or not (person.coordinates or person.author):
        return None
    if outcome.status is OutcomeStatus.IN_REVIEW:
        message = _("This outcome is in review: it can be changed once it is returned.")
    elif outcome.status is OutcomeStatus.WITHDRAWN:
        message = _("This outcome was withdrawn: it can no longer be changed.")
    else:
        return None
    return _refused(message, url_for("outcomes.outcome", outcome_id=outcome.id))


# --- Reading ------------------------------------------------------------------------------------


@bp.get("/outcomes/<int:outcome_id>")
def outcome(outcome_id: int):
    page = pages.outcome_page(
        get_session(), current_user, outcome_id, working=request.args.get("working") == "1"
    )
    return conditional(
        page.cache_version,
        page.last_modified,
        lambda: render_template(
            "outcomes/outcome.html",
            page=page,
            outcome=page.outcome,
            json_ld=pages.json_ld(page),
            page_url=pages.page_url(page.outcome),
        ),
    )


@bp.get("/outcomes/<int:outcome_id>/versions/<int:number>")
def outcome_version(outcome_id: int, number: int):
    page = pages.outcome_page(get_session(), current_user, outcome_id, number=number)
    return conditional(
        page.cache_version,
        page.last_modified,
        lambda: render_template(
            "outcomes/version.html",
            page=page,
            outcome=page.outcome,
            version=page.version,
            page_url=pages.page_url(page.outcome),
        ),
    )


# --- Writing ------------------------------------------------------------------------------------


@bp.route("/groups/<slug>/outcomes/new", methods=["GET", "POST"])
@login_required
def new_outcome(slug: str):
    session = get_session()
    group = get_group(session, slug)
    require_member(session, current_user, group)
    if group.archived:
        raise NotAllowed(_("This working group is archived: it publishes no more outcomes."))
    form = OutcomeForm()
    form.fill_choices(pages.form_choices(session, current_user, [group]))
    if request.method == "GET":
        form.kind.data = OutcomeKind.LESSONS_LEARNT.value
        form.licence.data = DEFAULT_LICENCE
        form.group_ids.data = [str(group.id)]
        form.author_ids.data = [str(current_user.id)]
    elif form.validate_on_submit():
        outcome = save_form(
            form, lambda: services.create_outcome(session, current_user, form.details())
        )
        if outcome:
            flash(
                _("The draft “%(title)s” is saved. Submit it for review when it is ready.",
                  title=outcome.title),
                "success",
            )  # fmt: skip
            return _outcome_page(outcome.id)
    return form_page("outcomes/outcome_form.html", form, group=group, outcome=None)


@bp.route("/outcomes/<int:outcome_id>/edit", methods=["GET", "POST"])
@login_required
def edit_outcome(outcome_id: int):
    session = get_session()
    outcome, person = _readable(session, outcome_id)
    if sent_back := _sent_back(outcome, person):
        return sent_back
    access.require_editor(session, current_user, outcome)
    # A pending revision's choices, else the link tables' (what the public reads).
    links = services.working_links(session, outcome)
    form = OutcomeForm()
    form.fill_choices(pages.form_choices(session, current_user, links["groups"], outcome))
    if request.method == "GET":
        form.show(outcome, links)
    elif form.validate_on_submit():
        saved = save_form(
            form,
            lambda: services.change_outcome(
                session, current_user, outcome, form.details(keep_order=outcome.authors)
            ),
        )
        if saved:
            saved, changed = saved
            if not changed:
                flash(_("Nothing changed."), "info")
            elif saved.is_public:
                flash(
                    _("The working copy is saved: the public still reads the published version."),
                    "success",
                )
            else:
                flash(_("The draft is saved."), "success")
            return _outcome_page(outcome_id)
        outcome, person = _readable(session, outcome_id)
    return form_page("outcomes/outcome_form.html", form, group=outcome.groups[0], outcome=outcome)


@bp.route("/meetings/<int:meeting_id>/report", methods=["GET", "POST"])
@login_required
def new_meeting_report(meeting_id: int):
    """A page saying what the report's draft will gather, with the button that starts it."""
    session = get_session()
    meeting = meeting_report.meeting_to_report(session, current_user, meeting_id)
    form = ActionForm()
    if existing := meeting_report.existing_report(session, meeting):
        # Started already (a second click, another member): that one, not a duplicate.
        return _to_existing_report(session, existing)
    if request.method == "POST":
        if not form.validate_on_submit():
            raise _expired()
        try:
            outcome = services.draft_meeting_report(session, current_user, meeting)
        except meeting_report.ReportExists as error:
            session.rollback()
            return _to_existing_report(session, error.report)
        session.commit()
        flash(
            _("The draft report is written from the meeting's records: check it and complete it."),
            "success",
        )
        return redirect(url_for("outcomes.edit_outcome", outcome_id=outcome.id))
    return render_template("outcomes/meeting_report.html", meeting=meeting, form=form)


def _to_existing_report(session, report):
    """The report of the meeting started already, told so; the meeting's page for someone who
    may not read it (a report moved out of the meeting's group since)."""
    readable = access.may_read(access.outcome_standing(session, current_user, report), report)
    if not readable:
        return _refused(meeting_report.report_exists(), _record_page())
    return _refused(
        meeting_report.report_exists(), url_for("outcomes.outcome", outcome_id=report.id)
    )


# --- Review -------------------------------------------------------------------------------------


@bp.route("/outcomes/<int:outcome_id>/submit", methods=["GET", "POST"])
@login_required
def submit_outcome(outcome_id: int):
    session = get_session()
    outcome, person = _readable(session, outcome_id)
    if sent_back := _sent_back(outcome, person):
        return sent_back
    if request.method == "GET":
        # (A POST reaches the service, which tells a replayed submission from a refusal.)
        access.require_editor(session, current_user, outcome)
        if outcome.status is OutcomeStatus.PUBLISHED:
            raise Conflict(
                _("This outcome is published as it is: edit it first to submit a revision.")
            )
        if services.same_as_published(outcome):
            raise Conflict(services.nothing_to_submit())
    form = SubmitForm()
    if form.validate_on_submit():
        saved = save_form(
            form,
            lambda: services.submit_outcome(
                session, current_user, outcome, form.change_note.data or ""
            ),
            default="change_note",
        )
        if saved:
            flash(
                _("The outcome is submitted: another coordinator of its groups reviews it."),
                "success",
            )
            return _outcome_page(outcome_id)
        outcome, person = _readable(session, outcome_id)
    return form_page(
        "outcomes/submit.html",
        form,
        outcome=outcome,
        missing=services.missing_to_submit(outcome),
    )


@bp.route("/outcomes/<int:outcome_id>/review", methods=["GET", "POST"])
@login_required
def review_outcome(outcome_id: int):
    session = get_session()
    outcome, person = _readable(session, outcome_id)
    if outcome.status is not OutcomeStatus.IN_REVIEW:
        # (A replayed decision, or a stale link: as the services say it.)
        raise Conflict(_("This outcome is not in review: it was approved or returned already."))
    # Whatever the method: only a reviewer ever reads the working copy here.
    access.require_reviewer(session, current_user, outcome)
    form = ReviewForm()
    if form.validate_on_submit():
        decision = form.decision.data
        if decision == "approve":
            saved = save_form(
                form, lambda: services.approve_outcome(session, current_user, outcome)
            )
            message = _("The outcome is published: everyone may read it.")
        elif decision == "return":
            saved = save_form(
                form,
                lambda: services.return_outcome(
                    session, current_user, outcome, form.comment.data or ""
                ),
            )
            message = _("The outcome is returned to its authors with your comment.")
        else:
            form.decision.errors = [_("Choose one of the options.")]
            saved = None
        if saved:
            flash(message, "success")
            return _outcome_page(outcome_id)
        outcome, person = _readable(session, outcome_id)
    page = pages.outcome_page(session, current_user, outcome_id, working=True)
    return form_page(
        "outcomes/review.html",
        form,
        outcome=outcome,
        page=page,
        change_note=services.submitted_note(session, outcome),
        changes=revisions.revision_changes(session, outcome),
    )


@bp.route("/outcomes/<int:outcome_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw_outcome(outcome_id: int):
    session = get_session()
    outcome, person = _readable(session, outcome_id)
    if request.method == "GET":
        if outcome.status is OutcomeStatus.WITHDRAWN:
            raise Conflict(_("This outcome is withdrawn already."))
        if not access.may_withdraw(person, outcome):
            raise NotAllowed(
                _("Only a published outcome can be withdrawn.")
                if not outcome.is_public
                else _("Only the coordinators of its groups may withdraw this outcome.")
            )
    form = WithdrawForm()
    if form.validate_on_submit():
        saved = save_form(
            form,
            lambda: services.withdraw_outcome(
                session, current_user, outcome, form.reason.data or ""
            ),
            default="reason",
        )
        if saved:
            flash(_("The outcome is withdrawn: its page stays, marked withdrawn."), "success")
            return _outcome_page(outcome_id)
        outcome, person = _readable(session, outcome_id)
    return form_page("outcomes/withdraw.html", form, outcome=outcome)


# --- Files --------------------------------------------------------------------------------------


@bp.route("/outcomes/<int:outcome_id>/files", methods=["GET", "POST"])
@login_required
def outcome_files(outcome_id: int):
    session = get_session()
    outcome, person = _readable(session, outcome_id)
    if sent_back := _sent_back(outcome, person):
        return sent_back
    access.require_editor(session, current_user, outcome)
    form = FileForm()
    if form.validate_on_submit():

        def add_file():
            upload = form.file.data
            return files.add_outcome_file(
                session,
                current_user,
                outcome,
                upload=Upload(upload.filename or "", upload.stream) if upload else None,
                title=form.title.data or "",
                store=MaterialStore.for_app(current_app),
                max_bytes=current_app.config["MAX_MATERIAL_BYTES"],
            )

        attached = save_form(form, add_file, default="file")
        if attached:
            flash(_("“%(title)s” is attached to the outcome.", title=attached.title), "success")
            return redirect(url_for("outcomes.outcome_files", outcome_id=outcome_id))
        outcome, person = _readable(session, outcome_id)
    return form_page(
        "outcomes/files.html",
        form,
        outcome=outcome,
        attached=[f for f in outcome.files if f.withdrawn_at is None],
        withdrawn=[f for f in outcome.files if f.withdrawn_at is not None],
        confirm_form=ActionForm(),
        allowed_types=allowed_types(),
        max_size=size_label(current_app.config["MAX_MATERIAL_BYTES"]),
    )


@bp.get("/outcomes/<int:outcome_id>/files/<int:file_id>")
def outcome_file(outcome_id: int, file_id: int):
    attached, private = files.file_to_serve(get_session(), current_user, outcome_id, file_id)
    response = MaterialStore.for_app(current_app).download(
        attached.storage_key,
        content_type=attached.content_type,
        filename=attached.filename,
        private=private,
    )
    if response is None:
        raise NotFound(_("There is no such file."))
    return response


@bp.post("/outcomes/<int:outcome_id>/files/<int:file_id>/withdraw")
@login_required
def withdraw_outcome_file(outcome_id: int, file_id: int):
    session = get_session()
    _acted()
    outcome, _person = _readable(session, outcome_id)
    attached = files.withdraw_outcome_file(session, current_user, outcome, file_id)
    session.commit()
    flash(_("“%(title)s” is withdrawn from the outcome.", title=attached.title), "success")
    return redirect(url_for("outcomes.outcome_files", outcome_id=outcome_id))


# --- Following a group's new outcomes -----------------------------------------------------------


def _back_to_group(slug: str):
    target = request.form.get("next")
    if target and safe_next(target) == target:
        return redirect(target)
    return redirect(url_for("site.group", slug=slug))


@bp.post("/groups/<slug>/outcomes/follow")
@login_required
def follow_group_outcomes(slug: str):
    session = get_session()
    _acted()
    group = get_group(session, slug)
    services.follow_group_outcomes(session, current_user, group, True)
    session.commit()
    flash(
        _("You follow the new outcomes of %(group)s: each one reaches your email digest.",
          group=group.name),
        "success",
    )  # fmt: skip
    return _back_to_group(slug)


@bp.post("/groups/<slug>/outcomes/unfollow")
@login_required
def unfollow_group_outcomes(slug: str):
    session = get_session()
    _acted()
    group = get_group(session, slug)
    services.follow_group_outcomes(session, current_user, group, False)
    session.commit()
    flash(_("You no longer follow the new outcomes of %(group)s.", group=group.name), "success")
    return _back_to_group(slug)
