"""Pages of support requests: asking, a request's page, the group's queue and the coordinators'
answers from it, following a request. Thin: parse a form, call one service, commit, redirect."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cop.activities import bp, support
from cop.activities.models import SupportStatus
from cop.activities.support_forms import DeclineForm, LinkActivityForm, SupportRequestForm
from cop.auth.permissions import login_required, require_member
from cop.db import get_session
from cop.errors import Invalid
from cop.members.membership import get_group
from cop.web import show_error


def _request_page(request_id: int):
    return redirect(url_for("activities.support_request", request_id=request_id))


# --- Asking ---------------------------------------------------------------------------------------


@bp.route("/groups/<slug>/support-requests/new", methods=["GET", "POST"])
@login_required
def new_support_request(slug: str):
    session = get_session()
    group = get_group(session, slug)
    require_member(session, current_user, group)
    region = support.requesting_region(current_user)
    form = SupportRequestForm()
    form.fill_choices(support.accepted_challenges(session, group), region)
    if request.method == "GET":
        asked = request.args.get("challenge", "")
        if any(value == asked for value, *_rest in form.challenge.iter_choices()):
            form.challenge.data = asked
    elif form.validate_on_submit():
        try:
            created = support.ask_for_support(
                session,
                current_user,
                form.challenge_id(),
                region_code=form.region.data,
                need=form.need.data or "",
                wanted_by=form.wanted_by.data,
                group_id=group.id,
            )
        except Invalid as error:
            session.rollback()
            show_error(form, error)
        else:
            session.commit()
            flash(
                _(
                    "Your request is sent to the group's coordinators: we will email you their"
                    " answer."
                ),
                "success",
            )
            return _request_page(created.id)
        group = get_group(session, slug)
    return render_template(
        "activities/support_new.html",
        form=form,
        group=group,
        no_region=support.no_region_reason(current_user),
    ), (400 if form.errors else 200)


# --- Reading --------------------------------------------------------------------------------------


@bp.get("/support-requests/<int:request_id>")
@login_required
def support_request(request_id: int):
    page = support.request_page(get_session(), current_user, request_id)
    return render_template(
        "activities/support_request.html",
        page=page,
        support_request=page.request,
        group=page.request.group,
    )


def _answer_forms(queue, failed: tuple[int, object] | None = None) -> dict:
    """The link and decline forms of each open request: blank, but the one just sent with its
    errors (`failed`: the request's id and that form). Each link form lists first the
    activities on its request's challenge."""
    forms = {}
    challenges = {item.id: item.challenge_id for item in queue.open}
    for item in queue.open:
        link = LinkActivityForm(formdata=None).for_request(item.id)
        link.fill_choices(queue.activities, item.challenge_id)
        forms[item.id] = {"link": link, "decline": DeclineForm(formdata=None).for_request(item.id)}
    if failed is not None:
        request_id, form = failed
        if isinstance(form, LinkActivityForm):
            form.fill_choices(queue.activities, challenges.get(request_id))
        kind = "link" if isinstance(form, LinkActivityForm) else "decline"
        forms.setdefault(request_id, {})[kind] = form.for_request(request_id)
    return forms


def _render_queue(slug: str, failed=None, status: int = 200):
    page = min(max(request.args.get("page", 1, type=int), 1), support.MAX_PAGE)
    queue = support.group_queue(get_session(), current_user, slug, page)
    return render_template(
        "activities/support_queue.html",
        queue=queue,
        group=queue.group,
        forms=_answer_forms(queue, failed) if queue.reader.coordinates else {},
        # The answer form just sent with its errors: summed up at the top of the page.
        failed_form=failed[1] if failed is not None else None,
    ), status


@bp.get("/groups/<slug>/support-requests/")
@login_required
def support_queue(slug: str):
    return _render_queue(slug)


# --- Answering ------------------------------------------------------------------------------------


def _answer(request_id: int, form, change, done: str):
    """Run `change` (one service call) and commit, then back to the queue saying `done`; when
    the service refuses the input, the queue again with the form's errors (400)."""
    session = get_session()
    # Refused before the form is read: an unknown request, a reader who does not coordinate,
    # a request answered already (409).
    answering = support.request_to_answer(session, current_user, request_id)
    slug = answering.group.slug
    if form.validate_on_submit():
        try:
            change(session)
        except Invalid as error:
            session.rollback()
            show_error(form, error)
        else:
            session.commit()
            flash(done, "success")
            return redirect(url_for("activities.support_queue", slug=slug))
    return _render_queue(slug, (request_id, form), 400)


def _answer_address(request_id: int):
    """An answer form's address visited (reloaded after a refused answer, or bookmarked): the
    request on its group's queue while it is open, else its page."""
    found = support.visible_request(get_session(), current_user, request_id)
    if found.status is not SupportStatus.OPEN:
        return _request_page(request_id)
    return redirect(
        url_for("activities.support_queue", slug=found.group.slug, _anchor=f"request-{request_id}")
    )


# One rule per address for both methods: a forged id then fails to match the address at all
# (404), where a GET rule and a POST rule on it would answer 405.
@bp.route("/support-requests/<int:request_id>/link", methods=["GET", "POST"])
@login_required
def link_support_request(request_id: int):
    if request.method == "GET":
        return _answer_address(request_id)
    form = LinkActivityForm()
    form.fill_choices([])
    return _answer(
        request_id,
        form,
        lambda session: support.answer_with_activity(
            session,
            current_user,
            request_id,
            form.activity_id(),
            new=False,
            note=form.note.data or "",
        ),
        _("The request is linked to the activity; the requester will hear of it."),
    )


@bp.route("/support-requests/<int:request_id>/decline", methods=["GET", "POST"])
@login_required
def decline_support_request(request_id: int):
    if request.method == "GET":
        return _answer_address(request_id)
    form = DeclineForm()
    return _answer(
        request_id,
        form,
        lambda session: support.decline_request(
            session, current_user, request_id, form.reason.data or ""
        ),
        _("The request is declined; the requester will read your reason."),
    )


# --- Following ------------------------------------------------------------------------------------


def _follow(request_id: int, *, following: bool):
    session = get_session()
    support.follow_request(session, current_user, request_id, following=following)
    session.commit()
    if following:
        flash(_("You follow this request: its answer reaches you in your email digest."), "success")
    else:
        flash(_("You no longer follow this request."), "success")
    return _request_page(request_id)


@bp.post("/support-requests/<int:request_id>/follow")
@login_required
def follow_support_request(request_id: int):
    return _follow(request_id, following=True)


@bp.post("/support-requests/<int:request_id>/unfollow")
@login_required
def unfollow_support_request(request_id: int):
    return _follow(request_id, following=False)
