"""Pages of challenges: a group's list, raising one, a challenge's page, endorsing it, the
coordinators' decisions (advance, close, merge, edit, rank) and the group's themes. Thin: parse
a form, call one service, commit, redirect."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cop.activities import matching
from cop.activities import pages as activity_pages
from cop.auth.permissions import login_required, require_coordinator, require_member
from cop.challenges import bp, challenge_pages, decisions, services
from cop.challenges import themes as theme_services
from cop.challenges.challenge_forms import (
    ActionForm,
    AdvanceForm,
    ChallengeForm,
    CloseForm,
    EndorseForm,
    MergeForm,
    MoveThemeForm,
    ThemeForm,
    priorities_form,
    ranking_from,
    whole_number,
)
from cop.challenges.labels import CHALLENGE_STATUS_LABELS
from cop.db import get_session
from cop.errors import Conflict, Invalid, NotAllowed
from cop.mail import follows
from cop.members.membership import get_group
from cop.members.models import Helix
from cop.web import form_page, save_form


def _challenge_page(challenge_id: int):
    return redirect(url_for("challenges.challenge", challenge_id=challenge_id))


# --- A group's challenges -------------------------------------------------------------------------


@bp.get("/groups/<slug>/challenges/")
def group_challenges(slug: str):
    listing = challenge_pages.group_challenges(
        get_session(), current_user, slug, challenge_pages.parse_filters(request.args)
    )
    return render_template(
        "challenges/challenges.html", listing=listing, group=listing.group, helices=list(Helix)
    )


def _challenge_form(session, group, keep_themes=None) -> ChallengeForm:
    form = ChallengeForm()
    form.fill_choices(
        challenge_pages.theme_choices(session, group, keep_themes),
        challenge_pages.region_choices(session),
        challenge_pages.meeting_choices(session, group),
    )
    return form


@bp.route("/groups/<slug>/challenges/new", methods=["GET", "POST"])
@login_required
def new_challenge(slug: str):
    session = get_session()
    group = get_group(session, slug)
    require_member(session, current_user, group)
    form = _challenge_form(session, group)
    if request.method == "GET":
        organisation = current_user.organisation
        if organisation is not None and organisation.region_code:
            form.region_codes.data = [organisation.region_code]
    elif form.validate_on_submit():
        challenge = save_form(
            form, lambda: services.raise_challenge(session, current_user, group.id, form.details())
        )
        if challenge:
            flash(
                _(
                    "“%(title)s” is proposed: the group's coordinators will consider it.",
                    title=challenge.title,
                ),
                "success",
            )
            return _challenge_page(challenge.id)
    return form_page("challenges/challenge_form.html", form, group=group, challenge=None)


# --- One challenge --------------------------------------------------------------------------------


def _render_challenge(page, endorse_form=None, status: int = 200):
    if endorse_form is None and page.may_endorse:
        endorse_form = EndorseForm()
    if endorse_form is not None and page.endorse_choices:
        endorse_form.offer_regions(page.endorse_choices)
    return render_template(
        "challenges/challenge.html",
        page=page,
        challenge=page.challenge,
        group=page.challenge.group,
        endorse_form=endorse_form,
        action_form=ActionForm(),
        # A merged challenge's news goes to the one it was merged into: that is what its
        # button follows.
        following=follows.is_following(
            get_session(),
            current_user,
            follows.CHALLENGE,
            (page.merged_end or page.challenge).id,
        ),
        suggestions=matching.suggestions_for_challenge(
            get_session(), current_user, page.challenge, reader=page.reader
        ),
        activities=activity_pages.challenge_activities(get_session(), page.challenge.id),
    ), status


@bp.get("/challenges/<int:challenge_id>")
def challenge(challenge_id: int):
    # Read here, not at import: cop.site reads every package, this one among them.
    from cop.site.caching import conditional
    from cop.site.freshness import site_version

    found = challenge_pages.challenge_address(get_session(), current_user, challenge_id)
    if isinstance(found, challenge_pages.MergedAway):
        # Links to a duplicate keep leading somewhere for visitors. Browsers ask again each
        # time (no-cache): once signed in as a member, the same person reads the duplicate.
        response = redirect(url_for("challenges.challenge", challenge_id=found.into.id), 301)
        response.headers["Cache-Control"] = "no-cache"
        return response
    version, changed = site_version(get_session(), current_user)
    return conditional(version, changed, lambda: _render_challenge(found))


@bp.post("/challenges/<int:challenge_id>/endorse")
@login_required
def endorse(challenge_id: int):
    session = get_session()
    challenge_pages.visible_challenge(session, current_user, challenge_id)
    form = EndorseForm()
    status = 400
    if form.validate_on_submit():
        try:
            endorsement = save_form(
                form,
                lambda: services.endorse(
                    session, current_user, challenge_id, form.region_code.data or None
                ),
                default="region_code",
            )
        except Conflict as error:
            # Endorsed already (a second click, a replayed form): the page says so.
            session.rollback()
            flash(error.message, "error")
            endorsement, status = None, 409
        if endorsement:
            flash(
                _(
                    "Thank you: your endorsement is counted. You now follow this challenge: its"
                    " news reaches you in your email digest."
                ),
                "success",
            )
            return _challenge_page(challenge_id)
    page = challenge_pages.challenge_page(session, current_user, challenge_id)
    return _render_challenge(page, form, status)


@bp.post("/challenges/<int:challenge_id>/follow")
@login_required
def follow(challenge_id: int):
    session = get_session()
    followed = services.follow_challenge(session, current_user, challenge_id)
    session.commit()
    if followed.id != challenge_id:
        flash(
            _(
                "You follow “%(title)s”, which this challenge was merged into: its news reaches"
                " you in your email digest.",
                title=followed.title,
            ),
            "success",
        )
    else:
        flash(_("You follow this challenge: its news reaches you in your email digest."), "success")
    return _challenge_page(challenge_id)


@bp.post("/challenges/<int:challenge_id>/unfollow")
@login_required
def unfollow(challenge_id: int):
    session = get_session()
    services.unfollow_challenge(session, current_user, challenge_id)
    session.commit()
    flash(_("You no longer follow this challenge."), "success")
    return _challenge_page(challenge_id)


@bp.post("/challenges/<int:challenge_id>/advance")
@login_required
def advance(challenge_id: int):
    session = get_session()
    challenge_pages.visible_challenge(session, current_user, challenge_id)
    form = AdvanceForm()
    if not form.validate_on_submit():
        raise Invalid(_("This form has expired. Go back, reload the page and try again."))
    challenge = decisions.advance_challenge(
        session, current_user, challenge_id, from_status=form.from_status.data or None
    )
    session.commit()
    flash(
        _(
            "The challenge is now “%(status)s”.",
            status=CHALLENGE_STATUS_LABELS[challenge.status],
        ),
        "success",
    )
    return _challenge_page(challenge_id)


def _challenge_to_decide(session, challenge_id: int):
    """A challenge its coordinators may decide on: 404 when the reader may not see it, 403 for
    those who do not coordinate its group."""
    challenge, _reader = challenge_pages.visible_challenge(session, current_user, challenge_id)
    require_coordinator(session, current_user, challenge.group)
    return challenge


@bp.route("/challenges/<int:challenge_id>/close", methods=["GET", "POST"])
@login_required
def close(challenge_id: int):
    session = get_session()
    challenge = _challenge_to_decide(session, challenge_id)
    form = CloseForm()
    if form.validate_on_submit() and save_form(
        form,
        lambda: decisions.close_challenge(
            session, current_user, challenge_id, form.reason.data or ""
        ),
    ):
        flash(_("The challenge is closed."), "success")
        return _challenge_page(challenge_id)
    if form.errors:
        challenge = _challenge_to_decide(session, challenge_id)
    return form_page("challenges/challenge_close.html", form, challenge=challenge)


@bp.route("/challenges/<int:challenge_id>/merge", methods=["GET", "POST"])
@login_required
def merge(challenge_id: int):
    session = get_session()
    challenge = _challenge_to_decide(session, challenge_id)
    form = MergeForm()
    form.offer_targets(challenge_pages.merge_targets(session, challenge))
    if form.validate_on_submit():
        into = whole_number(form.into.data)
        if into is None:
            form.into.errors = [_("Choose the challenge to merge this one into.")]
        elif save_form(
            form,
            lambda: decisions.merge_challenge(
                session, current_user, challenge_id, into, form.note.data or ""
            ),
        ):
            flash(_("The challenge is merged; its endorsements now count there."), "success")
            return _challenge_page(challenge_id)
        else:
            challenge = _challenge_to_decide(session, challenge_id)
    return form_page("challenges/challenge_merge.html", form, challenge=challenge)


@bp.route("/challenges/<int:challenge_id>/edit", methods=["GET", "POST"])
@login_required
def edit(challenge_id: int):
    session = get_session()
    challenge, reader = challenge_pages.visible_challenge(session, current_user, challenge_id)
    if not (reader.member and services.may_edit(challenge, current_user, reader.coordinates)):
        raise NotAllowed(_("Only its coordinators and the member who raised it may change it."))
    form = _challenge_form(session, challenge.group, list(challenge.themes))
    if request.method == "GET":
        form.show(challenge)
    elif form.validate_on_submit():
        if save_form(
            form,
            lambda: services.update_challenge(session, current_user, challenge_id, form.details()),
        ):
            flash(_("The challenge is saved."), "success")
            return _challenge_page(challenge_id)
        challenge, reader = challenge_pages.visible_challenge(session, current_user, challenge_id)
    return form_page(
        "challenges/challenge_form.html", form, group=challenge.group, challenge=challenge
    )


# --- The group's ranking and themes ---------------------------------------------------------------


@bp.route("/groups/<slug>/challenges/priorities", methods=["GET", "POST"])
@login_required
def priorities(slug: str):
    session = get_session()
    group = get_group(session, slug)
    require_coordinator(session, current_user, group)
    challenges = challenge_pages.rankable_challenges(session, group)
    form = priorities_form(challenges)
    if request.method == "GET":
        for item in challenges:
            form[f"rank_{item.id}"].data = str(item.priority or "")
    elif form.validate_on_submit():
        ordered, errors = ranking_from(form, challenges)
        for name, message in errors.items():
            form[name].errors = [*form[name].errors, message]
        if (
            not errors
            and save_form(
                form, lambda: decisions.prioritise(session, current_user, group.id, ordered)
            )
            is not None
        ):
            flash(_("The ranking is saved."), "success")
            return redirect(url_for("challenges.group_challenges", slug=group.slug))
    return form_page(
        "challenges/challenge_priorities.html", form, group=group, challenges=challenges
    )


def _themes_page(session, group, form: ThemeForm | None = None, status: int = 200):
    """The group's themes, each with its buttons, and the form to add one (400 when that form
    shows errors)."""
    form = ThemeForm() if form is None else form
    return render_template(
        "challenges/challenge_themes.html",
        form=form,
        group=group,
        themes=theme_services.group_themes(session, group, retired=True),
        action_form=ActionForm(),
        move_form=MoveThemeForm(),
    ), (400 if form.errors else status)


def _to_themes(theme):
    return redirect(
        url_for("challenges.themes", slug=theme.group.slug, _anchor=f"theme-{theme.id}")
    )


def _theme_unchanged(session, theme_id: int, error: Conflict):
    """A theme's button pressed on a stale page (restored or moved since): the themes as they
    are now, saying why nothing changed."""
    session.rollback()
    flash(error.message, "error")
    return _themes_page(
        session, theme_services.theme_to_manage(session, current_user, theme_id).group, status=409
    )


def _expired() -> Invalid:
    return Invalid(_("This form has expired. Go back, reload the page and try again."))


@bp.route("/groups/<slug>/themes/", methods=["GET", "POST"])
@login_required
def themes(slug: str):
    session = get_session()
    group = get_group(session, slug)
    require_coordinator(session, current_user, group)
    form = ThemeForm()
    if form.validate_on_submit():
        theme = save_form(
            form,
            lambda: theme_services.add_theme(
                session, current_user, group.id, form.name.data or "", form.description.data or ""
            ),
        )
        if theme:
            flash(_("The theme “%(name)s” is added.", name=theme.name), "success")
            return redirect(url_for("challenges.themes", slug=group.slug))
    return _themes_page(session, group, form)


@bp.post("/themes/<int:theme_id>/retire")
@login_required
def retire_theme(theme_id: int):
    session = get_session()
    form = ActionForm()
    if not form.validate_on_submit():
        raise _expired()
    theme = theme_services.retire_theme(session, current_user, theme_id)
    session.commit()
    flash(
        _("The theme “%(name)s” is retired: it is no longer offered.", name=theme.name), "success"
    )
    return _to_themes(theme)


@bp.route("/themes/<int:theme_id>/edit", methods=["GET", "POST"])
@login_required
def edit_theme(theme_id: int):
    session = get_session()
    theme = theme_services.theme_to_manage(session, current_user, theme_id)
    form = ThemeForm()
    if request.method == "GET":
        form.show(theme)
    elif form.validate_on_submit():
        saved = save_form(
            form,
            lambda: theme_services.edit_theme(
                session, current_user, theme_id, form.name.data or "", form.description.data or ""
            ),
        )
        if saved:
            flash(_("The theme “%(name)s” is saved.", name=saved.name), "success")
            return _to_themes(saved)
    return form_page("challenges/challenge_theme_edit.html", form, theme=theme, group=theme.group)


@bp.post("/themes/<int:theme_id>/restore")
@login_required
def restore_theme(theme_id: int):
    session = get_session()
    if not ActionForm().validate_on_submit():
        raise _expired()
    try:
        theme = theme_services.restore_theme(session, current_user, theme_id)
    except Conflict as error:
        return _theme_unchanged(session, theme_id, error)
    session.commit()
    flash(_("The theme “%(name)s” is restored: it is offered again.", name=theme.name), "success")
    return _to_themes(theme)


@bp.post("/themes/<int:theme_id>/move")
@login_required
def move_theme(theme_id: int):
    session = get_session()
    form = MoveThemeForm()
    if not form.validate_on_submit():
        raise _expired()
    try:
        theme = theme_services.move_theme(
            session, current_user, theme_id, form.direction.data or ""
        )
    except Conflict as error:
        return _theme_unchanged(session, theme_id, error)
    session.commit()
    if form.direction.data == "up":
        flash(_("The theme “%(name)s” is moved up.", name=theme.name), "success")
    else:
        flash(_("The theme “%(name)s” is moved down.", name=theme.name), "success")
    return _to_themes(theme)
