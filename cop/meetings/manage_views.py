"""Coordinators' pages of a meeting: its details, publishing, cancelling, postponing, agenda,
materials and minutes; and the download of a meeting's files. Thin: parse a form, call one
service, commit, redirect."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from cop.auth.permissions import login_required, require_coordinator
from cop.db import get_session
from cop.errors import Invalid, NotAllowed, NotFound
from cop.extensions import login_manager
from cop.meetings import bp, content, details, services
from cop.meetings.labels import size_label
from cop.meetings.manage_forms import (
    AgendaItemForm,
    CancelForm,
    ConfirmForm,
    FileMaterialForm,
    LinkMaterialForm,
    MeetingForm,
    MinutesForm,
    PostponeForm,
    PublishForm,
)
from cop.meetings.storage import ALLOWED_EXTENSIONS, MaterialStore
from cop.meetings.times import utc_to_local
from cop.members.membership import get_group
from cop.web import show_error


def _meeting_page(meeting_id: int):
    return redirect(url_for("meetings.meeting", meeting_id=meeting_id))


def _save(form, change, *, rollback: bool = False):
    """Run `change` (one service call) for a form that validated, and commit: its result.

    When the service refuses (Invalid), nothing is committed, the message goes on the form
    and the answer is None. With `rollback`, the session is rolled back first, for services
    that may have flushed part of the change before refusing; the caller then loads again
    what its page shows.
    """
    session = get_session()
    try:
        result = change()
    except Invalid as error:
        if rollback:
            session.rollback()
        show_error(form, error)
        return None
    session.commit()
    return result


def _form_page(template: str, form, **context):
    """A management page with its form: 400 when the form shows errors."""
    return render_template(template, form=form, **context), (400 if form.errors else 200)


# --- Creating and editing ------------------------------------------------------------------------


def _render_edit(form, group, meeting=None):
    status = 400 if form.errors else 200
    return render_template(
        "meetings/edit.html", form=form, group=group, meeting=meeting, status_code=status
    ), status


@bp.route("/groups/<slug>/meetings/new", methods=["GET", "POST"])
@login_required
def new_meeting(slug: str):
    session = get_session()
    group = get_group(session, slug)
    require_coordinator(session, current_user, group)
    form = MeetingForm()
    form.fill_choices(group)
    if request.method == "GET":
        form.show(details.new_meeting_details(session, group, request.args.get("kind")))
    elif form.validate_on_submit():
        meeting = _save(
            form, lambda: services.create_meeting(session, current_user, group, form.details())
        )
        if meeting:
            flash(
                _(
                    "“%(title)s” is saved as a draft: only the group's coordinators see it."
                    " Publish it when it is ready.",
                    title=meeting.title,
                ),
                "success",
            )
            return _meeting_page(meeting.id)
    return _render_edit(form, group)


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@login_required
def edit_meeting(meeting_id: int):
    session = get_session()
    meeting = services.meeting_to_manage(session, current_user, meeting_id)
    form = MeetingForm()
    form.fill_choices(meeting.group)
    if request.method == "GET":
        form.show(details.details_of(meeting))
    elif form.validate_on_submit():
        change = _save(
            form,
            lambda: services.update_meeting(session, current_user, meeting_id, form.details()),
            rollback=True,
        )
        if change is None:
            meeting = services.meeting_to_manage(session, current_user, meeting_id)
        else:
            flash(_("The meeting is saved."), "success")
            if change.emailed:
                flash(
                    ngettext(
                        "The person registered has been emailed what changed.",
                        "Everyone registered has been emailed what changed (%(num)s people).",
                        change.emailed,
                    ),
                    "success",
                )
            if change.promoted:
                flash(
                    ngettext(
                        "%(num)s person moved from the waiting list to a seat, and was emailed.",
                        "%(num)s people moved from the waiting list to a seat, and were emailed.",
                        len(change.promoted),
                    ),
                    "success",
                )
            return _meeting_page(meeting_id)
    return _render_edit(form, meeting.group, meeting)


# --- Publishing, cancelling, postponing ----------------------------------------------------------


@bp.route("/meetings/<int:meeting_id>/publish", methods=["GET", "POST"])
@login_required
def publish_meeting(meeting_id: int):
    session = get_session()
    meeting = services.meeting_to_manage(session, current_user, meeting_id)
    form = PublishForm()
    if form.validate_on_submit() and _save(
        form,
        lambda: services.publish_meeting(
            session, current_user, meeting_id, announce=bool(form.announce.data)
        ),
    ):
        flash(
            _("The meeting is published and its group's members have been emailed.")
            if form.announce.data
            else _("The meeting is published."),
            "success",
        )
        return _meeting_page(meeting_id)
    return _form_page("meetings/publish.html", form, meeting=meeting)


@bp.route("/meetings/<int:meeting_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_meeting(meeting_id: int):
    session = get_session()
    meeting = services.meeting_to_manage(session, current_user, meeting_id)
    form = CancelForm()
    if form.validate_on_submit() and _save(
        form,
        lambda: services.cancel_meeting(session, current_user, meeting_id, form.reason.data or ""),
    ):
        flash(_("The meeting is cancelled. Everyone registered has been emailed."), "success")
        return _meeting_page(meeting_id)
    return _form_page("meetings/cancel.html", form, meeting=meeting)


@bp.route("/meetings/<int:meeting_id>/postpone", methods=["GET", "POST"])
@login_required
def postpone_meeting(meeting_id: int):
    session = get_session()
    meeting = services.meeting_to_manage(session, current_user, meeting_id)
    form = PostponeForm()
    if request.method == "GET":
        form.starts_at.data = utc_to_local(meeting.starts_at, meeting.timezone)
        form.ends_at.data = utc_to_local(meeting.ends_at, meeting.timezone)
    elif form.validate_on_submit():
        if _save(
            form,
            lambda: services.postpone_meeting(
                session, current_user, meeting_id, form.starts_at.data, form.ends_at.data
            ),
            rollback=True,
        ):
            flash(
                _("The meeting is postponed. Everyone registered has been emailed the new date."),
                "success",
            )
            return _meeting_page(meeting_id)
        meeting = services.meeting_to_manage(session, current_user, meeting_id)
    return _form_page("meetings/postpone.html", form, meeting=meeting)


# --- The agenda ----------------------------------------------------------------------------------


@bp.route("/meetings/<int:meeting_id>/agenda", methods=["GET", "POST"])
@login_required
def agenda(meeting_id: int):
    session = get_session()
    meeting = content.meeting_with_agenda(session, current_user, meeting_id)
    form = AgendaItemForm()
    if request.method == "GET":
        items = meeting.agenda_items
        form.starts_at.data = utc_to_local(
            items[-1].starts_at if items else meeting.starts_at, meeting.timezone
        )
    elif form.validate_on_submit():
        item = _save(
            form,
            lambda: content.add_agenda_item(session, current_user, meeting_id, form.details()),
        )
        if item:
            flash(_("“%(title)s” is on the agenda.", title=item.title), "success")
            return redirect(url_for("meetings.agenda", meeting_id=meeting_id))
    return _form_page("meetings/agenda.html", form, meeting=meeting, confirm_form=ConfirmForm())


@bp.route("/agenda-items/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit_agenda_item(item_id: int):
    session = get_session()
    item = content.agenda_item_to_manage(session, current_user, item_id)
    form = AgendaItemForm()
    if request.method == "GET":
        form.starts_at.data = utc_to_local(item.starts_at, item.meeting.timezone)
        form.title.data = item.title
        form.speakers.data = item.speakers
        form.description.data = item.description
    elif form.validate_on_submit():
        if _save(
            form,
            lambda: content.update_agenda_item(session, current_user, item_id, form.details()),
            rollback=True,
        ):
            flash(_("The agenda item is saved."), "success")
            return redirect(url_for("meetings.agenda", meeting_id=item.meeting_id))
        item = content.agenda_item_to_manage(session, current_user, item_id)
    return _form_page("meetings/agenda_item.html", form, item=item, meeting=item.meeting)


@bp.post("/agenda-items/<int:item_id>/remove")
@login_required
def remove_agenda_item(item_id: int):
    session = get_session()
    meeting = content.remove_agenda_item(session, current_user, item_id)
    session.commit()
    flash(_("The item is removed from the agenda."), "success")
    return redirect(url_for("meetings.agenda", meeting_id=meeting.id))


# --- Materials -----------------------------------------------------------------------------------


def _render_materials(meeting, file_form, link_form, status: int = 200):
    return render_template(
        "meetings/materials.html",
        meeting=meeting,
        file_form=file_form,
        link_form=link_form,
        confirm_form=ConfirmForm(),
        allowed_types=", ".join(ALLOWED_EXTENSIONS),
        max_size=size_label(current_app.config["MAX_MATERIAL_BYTES"]),
    ), status


@bp.route("/meetings/<int:meeting_id>/materials", methods=["GET", "POST"])
@login_required
def materials(meeting_id: int):
    session = get_session()
    meeting = content.meeting_with_materials(session, current_user, meeting_id)
    # Which of the page's two forms was sent (a hidden field of each).
    posted = request.form.get("form_name") if request.method == "POST" else None
    file_form = FileMaterialForm(prefix="file", **({} if posted == "file" else {"formdata": None}))
    link_form = LinkMaterialForm(prefix="link", **({} if posted == "link" else {"formdata": None}))
    form = file_form if posted == "file" else link_form
    if posted in ("file", "link") and form.validate_on_submit():

        def add_file():
            upload = file_form.file.data
            return content.add_file_material(
                session,
                current_user,
                meeting_id,
                upload=content.Upload(upload.filename or "", upload.stream) if upload else None,
                title=file_form.title.data or "",
                visibility=file_form.visibility.data or "",
                store=MaterialStore.for_app(current_app),
                max_bytes=current_app.config["MAX_MATERIAL_BYTES"],
            )

        def add_link():
            return content.add_link_material(
                session,
                current_user,
                meeting_id,
                kind=link_form.kind.data or "",
                title=link_form.title.data or "",
                url=link_form.url.data or "",
                visibility=link_form.visibility.data or "",
            )

        material = _save(form, add_file if posted == "file" else add_link)
        if material:
            flash(_("“%(title)s” is published with the meeting.", title=material.title), "success")
            return redirect(url_for("meetings.materials", meeting_id=meeting_id))
    elif request.method == "POST" and posted not in ("file", "link"):
        form.form_errors.append(_("Choose what to add: a file or a link."))
    status = 400 if (file_form.errors or link_form.errors) else 200
    return _render_materials(meeting, file_form, link_form, status)


@bp.post("/materials/<int:material_id>/withdraw")
@login_required
def withdraw_material(material_id: int):
    session = get_session()
    material = content.withdraw_material(session, current_user, material_id)
    session.commit()
    flash(
        _("“%(title)s” is withdrawn: it no longer appears with the meeting.", title=material.title),
        "success",
    )
    return redirect(url_for("meetings.materials", meeting_id=material.meeting_id))


@bp.get("/materials/<int:material_id>/file")
def material_file(material_id: int):
    session = get_session()
    try:
        material = content.material_file(session, current_user, material_id)
    except NotAllowed:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        raise
    response = MaterialStore.for_app(current_app).download(
        material.storage_key,
        content_type=material.content_type,
        filename=material.filename,
        private=material.visibility.value != "public" or not material.meeting.public,
    )
    if response is None:
        raise NotFound(_("There is no such file."))
    return response


# --- Minutes -------------------------------------------------------------------------------------


@bp.route("/meetings/<int:meeting_id>/minutes", methods=["GET", "POST"])
@login_required
def minutes(meeting_id: int):
    session = get_session()
    meeting = services.meeting_to_manage(session, current_user, meeting_id)
    form = MinutesForm()
    if request.method == "GET":
        form.minutes.data = meeting.minutes
        form.visibility.data = meeting.minutes_visibility.value
    elif form.validate_on_submit():
        if _save(
            form,
            lambda: content.save_minutes(
                session,
                current_user,
                meeting_id,
                form.minutes.data or "",
                form.visibility.data or "",
            ),
            rollback=True,
        ):
            flash(_("The minutes are saved."), "success")
            return _meeting_page(meeting_id)
        meeting = services.meeting_to_manage(session, current_user, meeting_id)
    return _form_page("meetings/minutes.html", form, meeting=meeting)
