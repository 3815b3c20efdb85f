"""Pages of peer-learning activities: the group list, an activity, and the coordinators' forms.
Thin: parse a form, call one service, commit, redirect."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cop.activities import bp, pages, services
from cop.activities.forms import (
    SPARE_ROWS,
    ActionForm,
    CancelForm,
    CompleteForm,
    DocumentOutputForm,
    PracticeOutputForm,
    activity_form,
)
from cop.activities.models import ActivityKind, ActivityStatus
from cop.auth.permissions import login_required, require_coordinator
from cop.challenges.challenge_forms import whole_number
from cop.db import get_session
from cop.errors import Conflict, Invalid, NotFound
from cop.members.membership import get_group
from cop.web import form_page, save_form


def _activity_page(activity_id: int):
    return redirect(url_for("activities.activity", activity_id=activity_id))


def _expired() -> Invalid:
    return Invalid(_("This form has expired. Go back, reload the page and try again."))


def _to_manage(session, activity_id: int):
    """An activity its coordinators manage: 404 when there is none, 403 for the others."""
    activity = services.find_activity(session, activity_id)
    require_coordinator(session, current_user, activity.group)
    return activity


def _sent_back(activity, step: str):
    """On a GET, the activity page with the reason when `step` cannot be taken now, rather
    than a form that can only fail; None when the form is shown. (A POST reaches the
    service, which answers 409.)"""
    refused = services.why_not(activity, step) if request.method == "GET" else None
    if refused is None:
        return None
    flash(refused, "info")
    return _activity_page(activity.id)


# --- A group's activities and one activity ----------------------------------------------------


@bp.get("/groups/<slug>/activities/")
def group_activities(slug: str):
    listing = pages.group_activities(
        get_session(), current_user, slug, pages.parse_filters(request.args)
    )
    return render_template(
        "activities/activities.html",
        listing=listing,
        group=listing.group,
        kinds=list(ActivityKind),
        statuses=list(ActivityStatus),
    )


@bp.get("/activities/<int:activity_id>")
def activity(activity_id: int):
    page = pages.activity_page(get_session(), current_user, activity_id)
    return render_template(
        "activities/activity.html",
        page=page,
        activity=page.activity,
        group=page.group,
        action_form=ActionForm(),
    )


@bp.post("/activities/<int:activity_id>/follow")
@login_required
def follow_activity(activity_id: int):
    session = get_session()
    services.follow_activity(session, current_user, activity_id, following=True)
    session.commit()
    flash(_("You follow this activity: its news reaches you in your email digest."), "success")
    return _activity_page(activity_id)


@bp.post("/activities/<int:activity_id>/unfollow")
@login_required
def unfollow_activity(activity_id: int):
    session = get_session()
    services.follow_activity(session, current_user, activity_id, following=False)
    session.commit()
    flash(_("You no longer follow this activity."), "success")
    return _activity_page(activity_id)


# --- Planning and editing ---------------------------------------------------------------------


def _rows_asked() -> str | None:
    """The rows of experts a posted form had; more when its "more rows" button was pressed
    (the form then comes back unsaved, with what was typed)."""
    if request.method != "POST":
        return None
    rows = whole_number(request.form.get("rows")) or 0
    return str(rows + SPARE_ROWS) if "more_rows" in request.form else str(rows)


@bp.route("/groups/<slug>/activities/new", methods=["GET", "POST"])
@login_required
def new_activity(slug: str):
    session = get_session()
    group = get_group(session, slug)
    require_coordinator(session, current_user, group)
    form = activity_form(asked=_rows_asked())
    form.fill_choices(pages.form_choices(session, group))
    request_id = whole_number(request.args.get("request") or form.request_id.data)
    support_request = None
    if request_id is not None:
        from cop.activities import support

        try:
            support_request = support.request_to_answer(session, current_user, request_id)
        except Conflict:
            if request.method != "GET":
                raise
            # An old "Plan a new activity" link: the request was answered since.
            flash(_("This support request was answered since: here is its answer."), "info")
            return redirect(url_for("activities.support_request", request_id=request_id))
        if support_request.group_id != group.id:
            raise NotFound(_("There is no such support request."))
    if request.method == "GET":
        if support_request is not None:
            form.request_id.data = str(support_request.id)
            form.kind.data = ActivityKind.PEER_REVIEW.value
            form.host_region_code.data = support_request.region_code
            form.challenges.data = [str(support_request.challenge_id)]
            form.title.data = _(
                "Peer review for %(region)s: %(challenge)s",
                region=support_request.region.name,
                challenge=support_request.challenge.title,
            )[:200]
            # Not the need as the purpose: the need is for members, the purpose is public.
    elif "more_rows" in request.form:
        form.validate_on_submit()  # shows nothing but an expired form
    elif form.validate_on_submit():

        def plan():
            activity = services.create_activity(session, current_user, group, form.details())
            if support_request is not None:
                from cop.activities import support

                support.answer_with_activity(
                    session, current_user, support_request.id, activity.id, new=True
                )
            return activity

        activity = save_form(form, plan)
        if activity:
            flash(_("The activity “%(title)s” is planned.", title=activity.title), "success")
            return _activity_page(activity.id)
    return form_page(
        "activities/activity_form.html",
        form,
        group=group,
        activity=None,
        support_request=support_request,
    )


@bp.route("/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@login_required
def edit_activity(activity_id: int):
    session = get_session()
    activity = _to_manage(session, activity_id)
    if activity.status not in services.UNDER_WAY:
        flash(_("This activity is over: it can no longer be changed."), "info")
        return _activity_page(activity_id)
    form = activity_form(filled=len(activity.experts), asked=_rows_asked())
    form.fill_choices(pages.form_choices(session, activity.group, activity))
    if request.method == "GET":
        form.show(activity)
    elif "more_rows" in request.form:
        form.validate_on_submit()
    elif form.validate_on_submit():
        saved = save_form(
            form,
            lambda: services.update_activity(session, current_user, activity_id, form.details()),
        )
        if saved:
            flash(_("The activity is saved."), "success")
            return _activity_page(activity_id)
        activity = _to_manage(session, activity_id)
    return form_page(
        "activities/activity_form.html",
        form,
        group=activity.group,
        activity=activity,
        support_request=None,
    )


# --- Status steps -----------------------------------------------------------------------------


@bp.post("/activities/<int:activity_id>/start")
@login_required
def start_activity(activity_id: int):
    session = get_session()
    if not ActionForm().validate_on_submit():
        raise _expired()
    services.start_activity(session, current_user, activity_id)
    session.commit()
    flash(_("The activity is running."), "success")
    return _activity_page(activity_id)


@bp.route("/activities/<int:activity_id>/complete", methods=["GET", "POST"])
@login_required
def complete_activity(activity_id: int):
    """Complete a running activity with its evaluation; on a completed one, revise its
    evaluation. A completion sent for an activity completed since stays a conflict: only the
    revision form (its hidden `revising`) revises."""
    session = get_session()
    activity = _to_manage(session, activity_id)
    revising = (
        "revising" in request.form
        if request.method == "POST"
        else activity.status is ActivityStatus.COMPLETED
    )
    if not revising and (sent_back := _sent_back(activity, "complete")):
        return sent_back
    form = CompleteForm()
    if revising and request.method == "GET":
        form.learnt.data = activity.evaluation_learnt
        form.changes.data = activity.evaluation_changes
    service = services.revise_evaluation if revising else services.complete_activity
    if form.validate_on_submit() and save_form(
        form,
        lambda: service(
            session, current_user, activity_id, form.learnt.data or "", form.changes.data or ""
        ),
    ):
        flash(
            _("The evaluation is saved.")
            if revising
            else _("The activity is completed; its evaluation is published."),
            "success",
        )
        return _activity_page(activity_id)
    if form.errors:
        activity = _to_manage(session, activity_id)
    return form_page(
        "activities/complete.html",
        form,
        activity=activity,
        group=activity.group,
        revising=revising,
    )


@bp.route("/activities/<int:activity_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_activity(activity_id: int):
    session = get_session()
    activity = _to_manage(session, activity_id)
    if sent_back := _sent_back(activity, "cancel"):
        return sent_back
    form = CancelForm()
    if form.validate_on_submit() and save_form(
        form,
        lambda: services.cancel_activity(
            session, current_user, activity_id, form.reason.data or ""
        ),
    ):
        flash(_("The activity is cancelled."), "success")
        return _activity_page(activity_id)
    if form.errors:
        activity = _to_manage(session, activity_id)
    return form_page("activities/cancel.html", form, activity=activity, group=activity.group)


# --- Outputs ----------------------------------------------------------------------------------


def _to_manage_with_outputs(session, activity_id: int):
    activity = pages.activity_with_outputs(session, activity_id)
    require_coordinator(session, current_user, activity.group)
    return activity


@bp.route("/activities/<int:activity_id>/outputs", methods=["GET", "POST"])
@login_required
def activity_outputs(activity_id: int):
    session = get_session()
    activity = _to_manage_with_outputs(session, activity_id)
    if sent_back := _sent_back(activity, "outputs"):
        return sent_back
    # Which of the page's two forms was sent (a hidden field of each).
    posted = request.form.get("form_name") if request.method == "POST" else None
    practice_form = PracticeOutputForm(
        prefix="practice", **({} if posted == "practice" else {"formdata": None})
    )
    document_form = DocumentOutputForm(
        prefix="document", **({} if posted == "document" else {"formdata": None})
    )
    form = practice_form if posted == "practice" else document_form
    if posted in ("practice", "document") and form.validate_on_submit():
        if posted == "practice":
            practice_id = whole_number(practice_form.practice.data)
            if practice_id is None:
                practice_form.practice.errors = [_("Choose a practice.")]
                output = None
            else:
                output = save_form(
                    form,
                    lambda: services.add_output(
                        session, current_user, activity_id, practice_id=practice_id
                    ),
                )
        else:
            output = save_form(
                form,
                lambda: services.add_output(
                    session,
                    current_user,
                    activity_id,
                    title=document_form.title.data or "",
                    url=document_form.url.data or "",
                ),
            )
        if output:
            flash(
                _("“%(title)s” is added to the activity's outputs.", title=output.title), "success"
            )
            return redirect(url_for("activities.activity_outputs", activity_id=activity_id))
        activity = _to_manage_with_outputs(session, activity_id)
    elif posted is not None:
        raise _expired()
    practice_form.offer(pages.published_practices(session, activity.group, activity))
    status = 400 if practice_form.errors or document_form.errors else 200
    return render_template(
        "activities/outputs.html",
        activity=activity,
        group=activity.group,
        practice_form=practice_form,
        document_form=document_form,
        action_form=ActionForm(),
    ), status


@bp.post("/activity-outputs/<int:output_id>/withdraw")
@login_required
def withdraw_activity_output(output_id: int):
    session = get_session()
    if not ActionForm().validate_on_submit():
        raise _expired()
    output = services.withdraw_output(session, current_user, output_id)
    session.commit()
    flash(_("“%(title)s” is withdrawn from the activity's outputs.", title=output.title), "success")
    return redirect(url_for("activities.activity_outputs", activity_id=output.activity_id))
