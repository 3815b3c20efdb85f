"""Pages for joining and leaving groups, the coordinators' queue and invitations, and the
administrators' management of groups. Thin: parse a form, call one service, commit, redirect.

Every POST's CSRF token is checked by CSRFProtect before a view runs."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.routing import BuildError

from cop.auth.permissions import admin_required, login_required
from cop.db import get_session
from cop.errors import Invalid
from cop.members import bp, groups_admin, membership
from cop.members.forms import (
    ApplyForm,
    AppointForm,
    ConfirmForm,
    DecisionForm,
    GroupForm,
    InvitationForm,
)
from cop.members.models import Membership
from cop.members.services import GroupDetails, create_group
from cop.web import show_error

# --- Joining and leaving --------------------------------------------------------------------


def _render_join(group, form, status: int = 200, leave_error: str | None = None):
    session = get_session()
    return render_template(
        "members/join.html",
        group=group,
        form=form,
        confirm_form=ConfirmForm(),
        membership=membership.find_membership(session, current_user, group),
        coordinates=membership.may_coordinate(session, current_user, group),
        leave_error=leave_error,
    ), status


@bp.get("/groups/<slug>/join")
@login_required
def join(slug: str):
    return _render_join(membership.get_group(get_session(), slug), ApplyForm())


@bp.post("/groups/<slug>/apply")
@login_required
def apply(slug: str):
    session = get_session()
    group = membership.get_group(session, slug)
    form = ApplyForm()
    if form.validate_on_submit():
        try:
            membership.apply_to_group(session, current_user, group, form.motivation.data)
        except Invalid as error:
            show_error(form, error)
        else:
            session.commit()
            flash(
                _(
                    "Your application to %(group)s is sent. Its coordinators will answer by email.",
                    group=group.name,
                ),
                "success",
            )
            return redirect(url_for("members.join", slug=group.slug))
    return _render_join(group, form, 400)


@bp.post("/groups/<slug>/leave")
@login_required
def leave(slug: str):
    session = get_session()
    group = membership.get_group(session, slug)
    try:
        departure = membership.leave_group(session, current_user, group)
    except Invalid as error:
        return _render_join(group, ApplyForm(formdata=None), 400, leave_error=error.message)
    session.commit()
    if departure.withdrawn:
        message = _("Your application to %(group)s is withdrawn.", group=group.name)
    else:
        message = _("You have left %(group)s.", group=group.name)
    flash(message, "success")
    return redirect(url_for("site.group", slug=group.slug))


# --- The coordinators' queue ----------------------------------------------------------------


def _render_queue(group, form, status: int = 200, failed_id: int | None = None):
    applications = membership.list_applications(get_session(), current_user, group)
    return render_template(
        "members/applications.html",
        group=group,
        applications=applications,
        form=form,
        failed_id=failed_id,
    ), status


@bp.get("/groups/<slug>/applications")
@login_required
def applications(slug: str):
    return _render_queue(membership.get_group(get_session(), slug), DecisionForm(formdata=None))


def _decide(membership_id: int, *, approve: bool):
    session = get_session()
    # Not validated here: the note's length is the service's rule, checked after permission.
    form = DecisionForm()
    decide = membership.approve_application if approve else membership.reject_application
    try:
        decided = decide(session, current_user, membership_id, form.note.data or "")
    except Invalid as error:
        show_error(form, error)
        group = session.get(Membership, membership_id).group
        return _render_queue(group, form, 400, failed_id=membership_id)
    session.commit()
    name = decided.user.name
    if approve:
        flash(_("%(name)s is now a member. They have been emailed.", name=name), "success")
    else:
        flash(
            _("The application of %(name)s is rejected. They have been emailed.", name=name),
            "success",
        )
    return redirect(url_for("members.applications", slug=decided.group.slug))


@bp.post("/memberships/<int:membership_id>/approve")
@login_required
def approve(membership_id: int):
    return _decide(membership_id, approve=True)


@bp.post("/memberships/<int:membership_id>/reject")
@login_required
def reject(membership_id: int):
    return _decide(membership_id, approve=False)


# --- Invitations ----------------------------------------------------------------------------


@bp.route("/groups/<slug>/invitations", methods=["GET", "POST"])
@login_required
def invitations(slug: str):
    session = get_session()
    group = membership.get_group(session, slug)
    form = InvitationForm()
    if form.validate_on_submit():
        try:
            invitation = membership.invite_by_email(
                session, current_user, group, form.email.data, form.message.data or ""
            )
        except Invalid as error:
            show_error(form, error)
        else:
            session.commit()
            flash(_("An invitation is on its way to %(email)s.", email=invitation.email), "success")
            return redirect(url_for("members.invitations", slug=group.slug))
    return render_template(
        "members/invitations.html",
        group=group,
        form=form,
        confirm_form=ConfirmForm(),
        invitations=membership.list_open_invitations(session, current_user, group),
    ), (400 if form.errors else 200)


@bp.post("/invitations/<int:invitation_id>/revoke")
@login_required
def revoke_invitation(invitation_id: int):
    session = get_session()
    invitation = membership.revoke_invitation(session, current_user, invitation_id)
    session.commit()
    flash(_("The invitation to %(email)s is revoked.", email=invitation.email), "success")
    return redirect(url_for("members.invitations", slug=invitation.group.slug))


def _signup_url(email: str, next_url: str) -> str:
    """The sign-up page, prefilled; its endpoint's name is settling, its address is agreed."""
    for endpoint in ("auth.sign_up", "auth.signup"):
        try:
            return url_for(endpoint, email=email, next=next_url)
        except BuildError:
            continue
    return "/account/signup?" + urlencode({"email": email, "next": next_url})


@bp.get("/invitations/<token>")
def invitation_link(token: str):
    session = get_session()
    outcome = membership.follow_invitation(session, current_user, token)
    group = outcome.invitation.group
    if outcome.step is membership.NextStep.JOINED:
        session.commit()
        flash(_("Welcome to %(group)s: you are now a member.", group=group.name), "success")
        return redirect(url_for("site.group", slug=group.slug))
    if outcome.step is membership.NextStep.LOG_IN:
        flash(_("Log in to accept your invitation to %(group)s.", group=group.name), "info")
        return redirect(url_for("auth.login", next=request.path))
    flash(_("Create your account to join %(group)s.", group=group.name), "info")
    return redirect(_signup_url(outcome.invitation.email, request.path))


# --- Site administration of groups ----------------------------------------------------------


@bp.route("/admin/groups", methods=["GET", "POST"])
@admin_required
def admin_groups():
    session = get_session()
    form = GroupForm()
    if form.validate_on_submit():
        details = GroupDetails(
            slug=form.slug.data.strip(),
            name=form.name.data.strip(),
            summary=form.summary.data or "",
            kickoff=form.kickoff.data,
            duration_months=form.duration_months.data,
            meetings_per_year=form.meetings_per_year.data,
            timezone=form.timezone.data.strip(),
            update_every_weeks=form.update_every_weeks.data or 4,
        )
        try:
            group = create_group(session, current_user, details)
        except Invalid as error:
            show_error(form, error)
        else:
            session.commit()
            flash(_("%(group)s is created.", group=group.name), "success")
            return redirect(url_for("members.admin_group", slug=group.slug))
    return render_template(
        "members/admin_groups.html",
        form=form,
        groups=groups_admin.list_all_groups(session, current_user),
    ), (400 if form.errors else 200)


def _render_admin_group(slug: str, form, status: int = 200):
    session = get_session()
    group = groups_admin.get_group_for_admin(session, current_user, slug)
    return render_template(
        "members/admin_group.html",
        group=group,
        form=form,
        confirm_form=ConfirmForm(),
        coordinators=membership.active_coordinators(session, group),
    ), status


@bp.get("/admin/groups/<slug>")
@admin_required
def admin_group(slug: str):
    return _render_admin_group(slug, AppointForm(formdata=None))


@bp.post("/admin/groups/<slug>/archive")
@admin_required
def archive_group(slug: str):
    group = groups_admin.archive_group(get_session(), current_user, slug)
    get_session().commit()
    flash(_("%(group)s is archived: it takes no new members.", group=group.name), "success")
    return redirect(url_for("members.admin_group", slug=group.slug))


@bp.post("/admin/groups/<slug>/unarchive")
@admin_required
def unarchive_group(slug: str):
    group = groups_admin.unarchive_group(get_session(), current_user, slug)
    get_session().commit()
    flash(_("%(group)s is open again.", group=group.name), "success")
    return redirect(url_for("members.admin_group", slug=group.slug))


@bp.post("/admin/groups/<slug>/coordinators")
@admin_required
def appoint_coordinator(slug: str):
    session = get_session()
    form = AppointForm()
    if form.validate_on_submit():
        try:
            appointed = groups_admin.appoint_coordinator(
                session, current_user, slug, form.email.data
            )
        except Invalid as error:
            show_error(form, error)
        else:
            session.commit()
            flash(
                _(
                    "%(name)s now coordinates %(group)s.",
                    name=appointed.user.name,
                    group=appointed.group.name,
                ),
                "success",
            )
            return redirect(url_for("members.admin_group", slug=slug))
    return _render_admin_group(slug, form, 400)


@bp.post("/admin/groups/<slug>/coordinators/<int:user_id>/remove")
@admin_required
def remove_coordinator(slug: str, user_id: int):
    session = get_session()
    stepped_down = groups_admin.remove_coordinator(session, current_user, slug, user_id)
    session.commit()
    flash(
        _("%(name)s is no longer a coordinator, and stays a member.", name=stepped_down.user.name),
        "success",
    )
    return redirect(url_for("members.admin_group", slug=slug))
