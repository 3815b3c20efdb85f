"""Pages of registering: the registration form, guests' emailed links, cancelling, the
coordinators' participant list with its export and check-in, and My meetings."""

from __future__ import annotations

import csv
import io

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from cop import clock
from cop.auth.permissions import login_required
from cop.db import get_session
from cop.errors import Invalid, NotFound
from cop.extensions import login_manager
from cop.meetings import bp, guests, seats
from cop.meetings import participants as participant_services
from cop.meetings import registration as services
from cop.meetings.labels import MODE_LABELS
from cop.meetings.models import Meeting, RegistrationStatus
from cop.meetings.registration_forms import (
    ActionForm,
    CheckInForm,
    GuestRegistrationForm,
    MemberRegistrationForm,
)
from cop.meetings.registration_mail import CANCEL_PURPOSE, CONFIRM_PURPOSE
from cop.members.organisations import list_regions
from cop.web import safe_next, show_error


def meeting_path(meeting_id: int) -> str:
    return url_for("meetings.meeting", meeting_id=meeting_id)


def back_to(form: ActionForm, default: str) -> str:
    """Where a button sends people back to: the page it was on, if it is on this site."""
    return safe_next(form.next.data) if form.next.data else default


def _visible_meeting(session, meeting_id: int) -> Meeting:
    meeting = session.scalar(
        select(Meeting).where(Meeting.id == meeting_id).options(joinedload(Meeting.group))
    )
    if meeting is None or not seats.may_see_meeting(session, current_user, meeting):
        raise NotFound(_("There is no such meeting."))
    return meeting


def _language() -> str:
    return str(get_locale() or current_app.config["DEFAULT_LANGUAGE"])


# -- registering ------------------------------------------------------------------------------


@bp.route("/meetings/<int:meeting_id>/register", methods=["GET", "POST"])
def register(meeting_id: int):
    session = get_session()
    meeting = _visible_meeting(session, meeting_id)
    state = services.registration_state(session, current_user, meeting)
    if state.needs_account:
        # Members-only: logging in may be all it takes; come back here afterwards.
        return login_manager.unauthorized()
    context = {"meeting": meeting, "state": state, "meeting_url": meeting_path(meeting.id)}
    guest = not current_user.is_authenticated
    if guest and request.method == "GET" and request.args.get("sent"):
        return render_template("meetings/register.html", sent=True, form=None, **context)
    if state.not_member:
        return render_template("meetings/register.html", form=None, **context), 403
    form = GuestRegistrationForm() if guest else MemberRegistrationForm()
    form.offer_modes(state.seats_left)
    if guest:
        form.offer_regions(list_regions(session))
    if form.validate_on_submit():
        try:
            if guest:
                guests.register_guest(session, meeting.id, form.details(_language()))
            else:
                registration = services.register_member(
                    session,
                    current_user._get_current_object(),
                    meeting.id,
                    mode=form.mode.data,
                    needs=form.needs.data or "",
                )
        except Invalid as error:
            session.rollback()
            show_error(form, error)
        else:
            if guest:
                session.commit()
                return redirect(url_for(".register", meeting_id=meeting.id, sent=1))
            position = seats.waitlist_positions(session, [registration]).get(registration.id)
            session.commit()
            if registration.status is RegistrationStatus.CONFIRMED:
                flash(
                    _(
                        "You are registered: your seat is confirmed. We have emailed you the details."
                    ),
                    "success",
                )
            else:
                flash(
                    _(
                        "All seats are taken: you are number %(position)s on the waiting list."
                        " We will email you if a seat frees up.",
                        position=position,
                    ),
                    "success",
                )
            return redirect(meeting_path(meeting.id))
    status = 400 if form.errors else 200
    return render_template("meetings/register.html", form=form, guest=guest, **context), status


def _link_page(template: str, token: str, purpose: str, service):
    """A guest's emailed link: GET shows what the button will do, POST does it.

    Link scanners in mail systems follow links; only the button acts.
    """
    session = get_session()
    form = ActionForm()
    try:
        if request.method == "POST" and form.validate_on_submit():
            registration = service(session, token)
            position = seats.waitlist_positions(session, [registration]).get(registration.id)
            meeting = registration.meeting
            session.commit()
            return render_template(
                template,
                done=True,
                registration=registration,
                meeting=meeting,
                position=position,
                meeting_url=meeting_path(meeting.id),
            )
        registration = guests.read_guest_token(session, purpose, token)
        if purpose == CONFIRM_PURPOSE:
            services.check_registration_open(registration.meeting, clock.now())
    except Invalid as error:
        session.rollback()
        return render_template(template, failed=error.message), 400
    return render_template(
        template,
        done=False,
        form=form,
        registration=registration,
        meeting=registration.meeting,
        meeting_url=meeting_path(registration.meeting_id),
    )


@bp.route("/meetings/confirm/<token>", methods=["GET", "POST"])
def confirm_guest(token: str):
    return _link_page("meetings/confirm_guest.html", token, CONFIRM_PURPOSE, guests.confirm_guest)


@bp.route("/meetings/cancel/<token>", methods=["GET", "POST"])
def cancel_guest(token: str):
    return _link_page(
        "meetings/cancel_guest.html",
        token,
        CANCEL_PURPOSE,
        guests.cancel_guest_registration,
    )


@bp.post("/registrations/<int:registration_id>/cancel")
@login_required
def cancel_registration(registration_id: int):
    session = get_session()
    form = ActionForm()
    form.validate_on_submit()
    registration = services.cancel_registration(
        session, current_user._get_current_object(), registration_id
    )
    meeting_id = registration.meeting_id
    own = registration.user_id == current_user.id
    session.commit()
    if own:
        flash(_("Your registration is cancelled. We have emailed you a confirmation."), "success")
    else:
        flash(_("The registration is cancelled; the person has been emailed."), "success")
    return redirect(back_to(form, meeting_path(meeting_id)))


# -- coordinators ------------------------------------------------------------------------------


@bp.post("/registrations/<int:registration_id>/confirm")
@login_required
def confirm_registration(registration_id: int):
    session = get_session()
    form = ActionForm()
    form.validate_on_submit()
    registration = services.confirm_by_hand(
        session, current_user._get_current_object(), registration_id
    )
    meeting_id = registration.meeting_id
    meeting = registration.meeting
    capacity = meeting.capacity(registration.mode)
    confirmed = seats.confirmed_counts(session, [meeting_id]).get(
        (meeting_id, registration.mode), 0
    )
    session.commit()
    flash(_("The person is confirmed and has been emailed."), "success")
    if capacity is not None and confirmed > capacity:
        flash(
            _(
                "%(mode)s: %(confirmed)s people are now confirmed for %(capacity)s seats."
                " Raise the capacity if the room allows, so the count stays true.",
                mode=MODE_LABELS[registration.mode],
                confirmed=confirmed,
                capacity=capacity,
            ),
            "warning",
        )
    return redirect(
        back_to(form, url_for(".participants", meeting_id=meeting_id, _anchor="participants"))
    )


@bp.post("/registrations/<int:registration_id>/attendance")
@login_required
def check_in(registration_id: int):
    session = get_session()
    form = CheckInForm()
    form.validate_on_submit()
    attended = form.attended.data == "yes"
    registration = participant_services.check_in(
        session, current_user._get_current_object(), registration_id, attended
    )
    meeting_id = registration.meeting_id
    session.commit()
    flash(_("Marked as attended.") if attended else _("Marked as not attended."), "success")
    return redirect(
        url_for(".participants", meeting_id=meeting_id, _anchor=f"registration-{registration_id}")
    )


@bp.get("/meetings/<int:meeting_id>/participants")
@login_required
def participants(meeting_id: int):
    listing = participant_services.list_participants(
        get_session(), current_user._get_current_object(), meeting_id
    )
    return (
        render_template(
            "meetings/participants.html",
            listing=listing,
            meeting=listing.meeting,
            meeting_url=meeting_path(meeting_id),
            form=CheckInForm(),
        ),
        200,
        {"Cache-Control": "no-store"},
    )


@bp.get("/meetings/<int:meeting_id>/participants.csv")
@login_required
def participants_csv(meeting_id: int):
    listing = participant_services.list_participants(
        get_session(), current_user._get_current_object(), meeting_id
    )
    buffer = io.StringIO()
    # A byte-order mark, so that spreadsheet programs read the names as UTF-8.
    buffer.write("\ufeff")
    csv.writer(buffer).writerows(participant_services.participant_rows(listing))
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": (
                f'attachment; filename="meeting-{meeting_id}-participants.csv"'
            ),
            "Cache-Control": "no-store",
        },
    )


# -- my meetings -------------------------------------------------------------------------------


@bp.get("/account/meetings")
@login_required
def my_meetings():
    found = participant_services.my_meetings(
        get_session(),
        current_user._get_current_object(),
        all_past=request.args.get("past") == "all",
    )
    return render_template("meetings/my_meetings.html", found=found, form=ActionForm())
