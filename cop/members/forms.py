"""Forms for joining and leaving groups, deciding applications, inviting, and managing groups."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from cop.members.membership import MAX_TEXT


class ApplyForm(FlaskForm):
    motivation = TextAreaField(
        _l("Why do you want to join?"),
        validators=[DataRequired(), Length(max=MAX_TEXT)],
    )


class DecisionForm(FlaskForm):
    """Approve or reject: the button pressed picks the address the form is sent to.

    The note's length is checked by the service, after it has checked permission.
    """

    note = TextAreaField(_l("Note to the applicant (optional)"))


class InvitationForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[DataRequired(), Length(max=254)])
    message = TextAreaField(_l("Personal message (optional)"), validators=[Length(max=MAX_TEXT)])


class ConfirmForm(FlaskForm):
    """A button that changes something: leave, revoke, archive, remove. Only the CSRF token."""


class GroupForm(FlaskForm):
    slug = StringField(_l("Address (slug)"), validators=[DataRequired(), Length(max=60)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(_l("Summary"), validators=[Length(max=20000)])
    kickoff = DateField(_l("Kick-off date"), validators=[InputRequired()])
    duration_months = IntegerField(
        _l("Duration in months"), default=36, validators=[InputRequired(), NumberRange(1, 120)]
    )
    meetings_per_year = IntegerField(
        _l("Plenary meetings per year"), default=2, validators=[InputRequired(), NumberRange(1, 12)]
    )
    timezone = StringField(
        _l("Time zone"), default="Europe/Brussels", validators=[DataRequired(), Length(max=64)]
    )
    update_every_weeks = IntegerField(
        _l("Progress update of each solution every (weeks)"),
        default=4,
        # Left empty: the usual four weeks.
        validators=[Optional(), NumberRange(1, 26)],
    )


class AppointForm(FlaskForm):
    email = EmailField(
        _l("Email of the new coordinator"), validators=[DataRequired(), Length(max=254)]
    )
