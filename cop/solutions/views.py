"""Pages of solutions: the group list, a solution, and the forms of its members, owners and
coordinators (the solution, its stage, milestones, indicators, measurements, progress updates).
Thin: parse a form, call one service, commit, redirect."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cop.auth.permissions import login_required, require_member, standing
from cop.challenges.challenge_forms import whole_number
from cop.db import get_session
from cop.errors import Invalid, NotFound
from cop.members.membership import get_group
from cop.solutions import access, bp, indicators, pages, services, updates
from cop.solutions.forms import (
    ActionForm,
    DoneForm,
    IndicatorForm,
    MeasurementForm,
    MilestoneForm,
    SolutionForm,
    StageForm,
    UpdateForm,
)
from cop.solutions.labels import STAGE_LABELS
from cop.solutions.models import (
    ACTIVE_STAGES,
    STAGE_ORDER,
    Measurement,
    Milestone,
    SolutionStage,
    UpdateStatus,
)
from cop.web import form_page, save_form


def _solution_page(solution_id: int, anchor: str | None = None):
    return redirect(url_for("solutions.solution", solution_id=solution_id, _anchor=anchor))


def _expired() -> Invalid:
    return Invalid(_("This form has expired. Go back, reload the page and try again."))


def _to_edit(session, solution_id: int):
    """A solution its owners and coordinators edit, with what its forms need: 404 when there
    is none (or the person may not read it), 403 for the others. (solution, standing)."""
    solution = pages.solution_for_form(session, solution_id)
    person = access.require_editor(session, current_user, solution)
    return solution, person


def _sent_back(solution, step: str):
    """On a GET, the solution page with the reason when `step` cannot be taken now, rather
    than a form that can only fail; None when the form is shown. (A POST reaches the service,
    which answers 409.)"""
    refused = services.why_not(solution, step) if request.method == "GET" else None
    if refused is None:
        return None
    flash(refused, "info")
    return _solution_page(solution.id)


def _acted() -> None:
    """A button's form (its CSRF token only) was sent; else the form expired."""
    if not ActionForm().validate_on_submit():
        raise _expired()


# --- A group's solutions and one solution -----------------------------------------------------


@bp.get("/groups/<slug>/solutions/")
def group_solutions(slug: str):
    listing = pages.group_solutions(
        get_session(), current_user, slug, pages.parse_filters(request.args)
    )
    return render_template(
        "solutions/solutions.html",
        listing=listing,
        group=listing.group,
        stages=[*STAGE_ORDER, SolutionStage.DISCONTINUED],
        statuses=list(UpdateStatus),
        no_update=pages.NO_UPDATE,
    )


@bp.get("/solutions/<int:solution_id>")
def solution(solution_id: int):
    # Read here, not at import: cop.site reads every package, this one among them.
    from cop.site.caching import conditional
    from cop.site.freshness import site_version

    page = pages.solution_page(get_session(), current_user, solution_id)
    version, changed = site_version(get_session(), current_user)
    return conditional(
        version,
        changed,
        lambda: render_template(
            "solutions/solution.html",
            page=page,
            solution=page.solution,
            group=page.group,
        ),
    )


@bp.post("/solutions/<int:solution_id>/follow")
@login_required
def follow_solution(solution_id: int):
    session = get_session()
    services.follow_solution(session, current_user, solution_id, following=True)
    session.commit()
    flash(_("You follow this solution: its news reaches you in your email digest."), "success")
    return _solution_page(solution_id)


@bp.post("/solutions/<int:solution_id>/unfollow")
@login_required
def unfollow_solution(solution_id: int):
    session = get_session()
    services.follow_solution(session, current_user, solution_id, following=False)
    session.commit()
    flash(_("You no longer follow this solution."), "success")
    return _solution_page(solution_id)


# --- Proposing and editing --------------------------------------------------------------------


@bp.route("/groups/<slug>/solutions/new", methods=["GET", "POST"])
@login_required
def new_solution(slug: str):
    session = get_session()
    group = get_group(session, slug)
    require_member(session, current_user, group)
    coordinates = standing(session, current_user, group).coordinates
    form = SolutionForm()
    form.fill_choices(pages.form_choices(session, group))
    if request.method == "GET":
        form.owner_id.data = str(current_user.id)
        # From a challenge's page: that challenge is ticked.
        challenge_id = whole_number(request.args.get("challenge"))
        if challenge_id is not None:
            form.challenges.data = [str(challenge_id)]
    elif form.validate_on_submit():
        solution = save_form(
            form,
            lambda: services.create_solution(
                session, current_user, group, form.details(names_owner=coordinates)
            ),
        )
        if solution:
            flash(_("The solution “%(title)s” is proposed.", title=solution.title), "success")
            return _solution_page(solution.id)
    return form_page(
        "solutions/solution_form.html",
        form,
        group=group,
        solution=None,
        names_owner=coordinates,
    )


@bp.route("/solutions/<int:solution_id>/edit", methods=["GET", "POST"])
@login_required
def edit_solution(solution_id: int):
    session = get_session()
    solution, person = _to_edit(session, solution_id)
    if sent_back := _sent_back(solution, "edit"):
        return sent_back
    form = SolutionForm()
    form.fill_choices(pages.form_choices(session, solution.group, solution))
    if request.method == "GET":
        form.show(solution)
    elif form.validate_on_submit():
        saved = save_form(
            form,
            lambda: services.update_solution(
                session, current_user, solution_id, form.details(names_owner=person.coordinates)
            ),
        )
        if saved:
            flash(_("The solution is saved."), "success")
            return _solution_page(solution_id)
        solution, person = _to_edit(session, solution_id)
    return form_page(
        "solutions/solution_form.html",
        form,
        group=solution.group,
        solution=solution,
        names_owner=person.coordinates,
    )


# --- Stage and publication --------------------------------------------------------------------


@bp.route("/solutions/<int:solution_id>/stage", methods=["GET", "POST"])
@login_required
def change_stage(solution_id: int):
    session = get_session()
    solution, _person = _to_edit(session, solution_id)
    form = StageForm()
    form.offer(solution.stage)
    still_open = len(services.open_milestones(solution))
    if form.validate_on_submit():
        saved = save_form(
            form,
            lambda: services.change_stage(
                session,
                current_user,
                solution_id,
                form.stage.data or "",
                reason=form.reason.data or "",
                confirm_open_milestones=bool(form.confirm.data),
            ),
        )
        if saved:
            flash(
                _("The solution is now at the stage “%(stage)s”.", stage=STAGE_LABELS[saved.stage]),
                "success",
            )
            return _solution_page(solution_id)
        solution, _person = _to_edit(session, solution_id)
    return form_page(
        "solutions/stage.html",
        form,
        solution=solution,
        group=solution.group,
        open_milestones=still_open,
    )


@bp.post("/solutions/<int:solution_id>/publish")
@login_required
def publish_solution(solution_id: int):
    session = get_session()
    _acted()
    services.set_public(session, current_user, solution_id, True)
    session.commit()
    flash(_("The solution is public: everyone may read it, except its internal notes."), "success")
    return _solution_page(solution_id)


@bp.post("/solutions/<int:solution_id>/unpublish")
@login_required
def unpublish_solution(solution_id: int):
    session = get_session()
    _acted()
    services.set_public(session, current_user, solution_id, False)
    session.commit()
    flash(_("The solution is seen by the group's members only."), "success")
    return _solution_page(solution_id)


# --- Milestones -------------------------------------------------------------------------------


def _milestone_of(session, solution_id: int, milestone_id: int) -> Milestone:
    """A milestone of this solution; 404 for one of another solution's (or none)."""
    milestone = session.get(Milestone, milestone_id)
    if milestone is None or milestone.solution_id != solution_id:
        raise NotFound(_("There is no such milestone."))
    return milestone


@bp.route("/solutions/<int:solution_id>/milestones/new", methods=["GET", "POST"])
@login_required
def new_milestone(solution_id: int):
    session = get_session()
    solution, _person = _to_edit(session, solution_id)
    if sent_back := _sent_back(solution, "milestones"):
        return sent_back
    form = MilestoneForm()
    if form.validate_on_submit():
        milestone = save_form(
            form,
            lambda: services.add_milestone(
                session, current_user, solution_id, form.title.data or "", form.due_on.data
            ),
        )
        if milestone:
            flash(_("The milestone “%(title)s” is added.", title=milestone.title), "success")
            return _solution_page(solution_id, "milestones-title")
        solution, _person = _to_edit(session, solution_id)
    return form_page(
        "solutions/milestone_form.html",
        form,
        solution=solution,
        group=solution.group,
        milestone=None,
    )


@bp.route(
    "/solutions/<int:solution_id>/milestones/<int:milestone_id>/edit", methods=["GET", "POST"]
)
@login_required
def edit_milestone(solution_id: int, milestone_id: int):
    session = get_session()
    solution, _person = _to_edit(session, solution_id)
    milestone = _milestone_of(session, solution_id, milestone_id)
    if sent_back := _sent_back(solution, "milestones"):
        return sent_back
    form = MilestoneForm()
    if request.method == "GET":
        form.title.data = milestone.title
        form.due_on.data = milestone.due_on
    elif form.validate_on_submit():
        saved = save_form(
            form,
            lambda: services.update_milestone(
                session,
                current_user,
                milestone_id,
                form.title.data or "",
                form.due_on.data,
                solution_id=solution_id,
            ),
        )
        if saved:
            flash(_("The milestone is saved."), "success")
            return _solution_page(solution_id, "milestones-title")
        solution, _person = _to_edit(session, solution_id)
        milestone = _milestone_of(session, solution_id, milestone_id)
    return form_page(
        "solutions/milestone_form.html",
        form,
        solution=solution,
        group=solution.group,
        milestone=milestone,
    )


@bp.route(
    "/solutions/<int:solution_id>/milestones/<int:milestone_id>/done", methods=["GET", "POST"]
)
@login_required
def mark_milestone_done(solution_id: int, milestone_id: int):
    """The solution page's "Mark done" sends the day (today unless changed); its own page
    shows the form again with the message when the day is refused."""
    session = get_session()
    solution, _person = _to_edit(session, solution_id)
    milestone = _milestone_of(session, solution_id, milestone_id)
    if sent_back := _sent_back(solution, "milestones"):
        return sent_back
    form = DoneForm()
    if request.method == "GET":
        form.done_on.data = services.today_of(solution)
    elif form.validate_on_submit():
        saved = save_form(
            form,
            lambda: services.mark_milestone_done(
                session, current_user, milestone_id, form.done_on.data, solution_id=solution_id
            ),
        )
        if saved:
            flash(_("The milestone “%(title)s” is done.", title=saved.title), "success")
            return _solution_page(solution_id, "milestones-title")
        solution, _person = _to_edit(session, solution_id)
        milestone = _milestone_of(session, solution_id, milestone_id)
    return form_page(
        "solutions/milestone_done.html",
        form,
        solution=solution,
        group=solution.group,
        milestone=milestone,
    )


@bp.post("/solutions/<int:solution_id>/milestones/<int:milestone_id>/reopen")
@login_required
def reopen_milestone(solution_id: int, milestone_id: int):
    session = get_session()
    _acted()
    milestone = services.reopen_milestone(
        session, current_user, milestone_id, solution_id=solution_id
    )
    session.commit()
    flash(_("The milestone “%(title)s” is open again.", title=milestone.title), "success")
    return _solution_page(solution_id, "milestones-title")


@bp.post("/solutions/<int:solution_id>/milestones/<int:milestone_id>/withdraw")
@login_required
def withdraw_milestone(solution_id: int, milestone_id: int):
    session = get_session()
    _acted()
    milestone = services.withdraw_milestone(
        session, current_user, milestone_id, solution_id=solution_id
    )
    session.commit()
    flash(_("The milestone “%(title)s” is withdrawn.", title=milestone.title), "success")
    return _solution_page(solution_id, "milestones-title")


# --- Indicators and measurements --------------------------------------------------------------


def _indicator_of(session, solution_id: int, indicator_id: int):
    """An indicator of this solution; 404 for one of another solution's (or none)."""
    indicator = indicators.find_indicator(session, indicator_id)
    if indicator.solution_id != solution_id:
        raise NotFound(_("There is no such indicator."))
    return indicator


@bp.route("/solutions/<int:solution_id>/indicators/new", methods=["GET", "POST"])
@login_required
def new_indicator(solution_id: int):
    session = get_session()
    solution, _person = _to_edit(session, solution_id)
    if sent_back := _sent_back(solution, "edit"):
        return sent_back
    form = IndicatorForm()
    form.fill_choices(solution.regions)
    if form.validate_on_submit():
        indicator = save_form(
            form,
            lambda: indicators.add_indicator(session, current_user, solution_id, form.details()),
        )
        if indicator:
            flash(_("The indicator “%(name)s” is added.", name=indicator.name), "success")
            return _solution_page(solution_id, f"indicator-{indicator.id}")
        solution, _person = _to_edit(session, solution_id)
    return form_page(
        "solutions/indicator_form.html",
        form,
        solution=solution,
        group=solution.group,
        indicator=None,
    )


@bp.route(
    "/solutions/<int:solution_id>/indicators/<int:indicator_id>/edit", methods=["GET", "POST"]
)
@login_required
def edit_indicator(solution_id: int, indicator_id: int):
    session = get_session()
    solution, _person = _to_edit(session, solution_id)
    indicator = _indicator_of(session, solution_id, indicator_id)
    if sent_back := _sent_back(solution, "edit"):
        return sent_back
    if indicator.withdrawn_at is not None and request.method == "GET":
        flash(_("This indicator is withdrawn: it can no longer change."), "info")
        return _solution_page(solution_id)
    form = IndicatorForm()
    form.fill_choices(solution.regions)
    if request.method == "GET":
        form.show(indicator)
    elif form.validate_on_submit():
        saved = save_form(
            form,
            lambda: indicators.update_indicator(
                session, current_user, indicator_id, form.details()
            ),
        )
        if saved:
            flash(_("The indicator is saved."), "success")
            return _solution_page(solution_id, f"indicator-{indicator_id}")
        solution, _person = _to_edit(session, solution_id)
        indicator = _indicator_of(session, solution_id, indicator_id)
    return form_page(
        "solutions/indicator_form.html",
        form,
        solution=solution,
        group=solution.group,
        indicator=indicator,
    )


@bp.post("/solutions/<int:solution_id>/indicators/<int:indicator_id>/withdraw")
@login_required
def withdraw_indicator(solution_id: int, indicator_id: int):
    session = get_session()
    _acted()
    _indicator_of(session, solution_id, indicator_id)
    indicator = indicators.withdraw_indicator(session, current_user, indicator_id)
    session.commit()
    flash(_("The indicator “%(name)s” is withdrawn.", name=indicator.name), "success")
    return _solution_page(solution_id, "indicators-title")


@bp.route("/solutions/<int:solution_id>/measurements/new", methods=["GET", "POST"])
@login_required
def new_measurement(solution_id: int):
    session = get_session()
    solution, _person = _to_edit(session, solution_id)
    if sent_back := _sent_back(solution, "edit"):
        return sent_back
    form = MeasurementForm()
    form.fill_choices(pages.live_indicators(solution), solution.regions)
    if request.method == "GET":
        form.measured_on.data = services.today_of(solution)
        chosen = next(
            (
                indicator
                for indicator in pages.live_indicators(solution)
                if indicator.id == whole_number(request.args.get("indicator"))
            ),
            None,
        )
        if chosen is not None:
            # From an indicator's "Add a value": that indicator, in its own region if it has one.
            form.indicator.data = str(chosen.id)
            form.region_code.data = chosen.region_code or ""
    elif form.validate_on_submit():
        measurement = save_form(
            form,
            lambda: indicators.add_measurement(
                session,
                current_user,
                solution_id,
                form.indicator.data or "",
                value=form.value.data or "",
                measured_on=form.measured_on.data,
                region_code=form.region_code.data or None,
                source=form.source.data or "",
            ),
        )
        if measurement:
            flash(_("The value is recorded."), "success")
            return _solution_page(solution_id, f"indicator-{measurement.indicator_id}")
        solution, _person = _to_edit(session, solution_id)
    return form_page(
        "solutions/measurement_form.html",
        form,
        solution=solution,
        group=solution.group,
        has_indicators=bool(pages.live_indicators(solution)),
    )


@bp.post("/solutions/<int:solution_id>/measurements/<int:measurement_id>/withdraw")
@login_required
def withdraw_measurement(solution_id: int, measurement_id: int):
    session = get_session()
    _acted()
    measurement = session.get(Measurement, measurement_id)
    if measurement is None or measurement.indicator.solution_id != solution_id:
        raise NotFound(_("There is no such measurement."))
    measurement = indicators.withdraw_measurement(session, current_user, measurement_id)
    session.commit()
    flash(_("The value is withdrawn."), "success")
    return _solution_page(solution_id, f"indicator-{measurement.indicator_id}")


# --- Progress updates -------------------------------------------------------------------------


@bp.route("/solutions/<int:solution_id>/updates/new", methods=["GET", "POST"])
@login_required
def new_update(solution_id: int):
    session = get_session()
    solution = pages.solution_for_form(session, solution_id)
    access.require_owner(session, current_user, solution)
    if request.method == "GET" and solution.stage not in ACTIVE_STAGES:
        flash(_("This solution takes no more progress updates: it is closed."), "info")
        return _solution_page(solution_id)
    form = UpdateForm()
    form.fill_choices()
    if request.method == "GET":
        form.reported_on.data = services.today_of(solution)
    elif form.validate_on_submit():
        update = save_form(
            form,
            lambda: updates.post_update(
                session,
                current_user,
                solution_id,
                status=form.status.data or "",
                narrative=form.narrative.data or "",
                help_needed=form.help_needed.data or "",
                reported_on=form.reported_on.data,
            ),
        )
        if update:
            flash(_("Your progress update is posted."), "success")
            return _solution_page(solution_id, "history-title")
        solution = pages.solution_for_form(session, solution_id)
    group = solution.group
    today = services.today_of(solution)
    return form_page(
        "solutions/update_form.html",
        form,
        solution=solution,
        group=group,
        next_update_on=updates.next_update_due(solution, group.update_every_weeks, today),
        update_overdue=updates.update_overdue(solution, group.update_every_weeks, today),
    )
