"""Forms of the activity pages: planning and editing an activity (with rows of experts),
completing and cancelling it, and its outputs. They parse types; the services check the rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields import SelectChoice

from cop.activities.labels import ACTIVITY_KIND_LABELS
from cop.activities.models import ActivityKind
from cop.activities.services import ActivityDetails
from cop.challenges.challenge_forms import (
    NOT_A_NUMBER,
    CheckboxesField,
    region_select_choices,
    whole_number,
)
from cop.meetings.times import day_label

# Empty expert rows the form offers beyond those filled: enough for most activities, and
# "Save and add more rows" offers more, without JavaScript.
SPARE_ROWS = 5
MAX_ROWS = 100


class ActivityForm(FlaskForm):
    """The activity form; its expert rows (`expert_user_<n>`, `expert_role_<n>`) are added by
    `activity_form`, and `experts` holds the messages about them."""

    request_id = HiddenField()
    kind = SelectField(_l("Kind"), validate_choice=False)
    title = StringField(_l("Title"))
    purpose = TextAreaField(_l("Purpose"))
    host_region_code = SelectField(_l("Host region"), validate_choice=False)
    region_codes = SelectMultipleField(_l("Participating regions"), validate_choice=False)
    challenges = CheckboxesField(_l("Challenges addressed"))
    meetings = CheckboxesField(_l("Meetings it is held as"))
    experts = HiddenField(_l("Experts"))
    rows: int = SPARE_ROWS

    def fill_choices(self, choices) -> None:
        self.kind.choices = [
            SelectChoice(kind.value, ACTIVITY_KIND_LABELS[kind]) for kind in ActivityKind
        ]
        self.host_region_code.choices = [
            SelectChoice("", _l("No host region")),
            *region_select_choices(choices.regions),
        ]
        self.region_codes.choices = region_select_choices(choices.regions)
        self.challenges.choices = [
            SelectChoice(str(challenge.id), challenge.title) for challenge in choices.challenges
        ]
        # Dated as the activity page dates them: its day in the meeting's own time zone.
        self.meetings.choices = [
            SelectChoice(
                str(meeting.id),
                f"{meeting.title} ({day_label(meeting.starts_at, meeting.timezone)})",
            )
            for meeting in choices.meetings
        ]
        people = [SelectChoice("", _l("Nobody"))] + [
            SelectChoice(str(user.id), user.name) for user in choices.members
        ]
        for number in range(self.rows):
            self[f"expert_user_{number}"].choices = people

    def expert_rows(self) -> list[tuple]:
        """(user field, role field) of each row, for the template."""
        return [
            (self[f"expert_user_{number}"], self[f"expert_role_{number}"])
            for number in range(self.rows)
        ]

    def show(self, activity) -> None:
        """Fill the fields from an activity (a GET of its edit page)."""
        self.kind.data = activity.kind.value
        self.title.data = activity.title
        self.purpose.data = activity.purpose
        self.host_region_code.data = activity.host_region_code or ""
        self.region_codes.data = [region.code for region in activity.regions]
        self.challenges.data = [str(challenge.id) for challenge in activity.challenges]
        self.meetings.data = [str(meeting.id) for meeting in activity.meetings]
        for number, expert in enumerate(activity.experts):
            self[f"expert_user_{number}"].data = str(expert.user_id)
            self[f"expert_role_{number}"].data = expert.role

    def details(self) -> ActivityDetails:
        experts = []
        for user_field, role_field in self.expert_rows():
            user_id = whole_number(user_field.data)
            if user_id is not None:
                experts.append((user_id, role_field.data or ""))
            elif (role_field.data or "").strip():
                experts.append((None, role_field.data or ""))  # a role for nobody
        return ActivityDetails(
            kind=self.kind.data or "",
            title=self.title.data or "",
            purpose=self.purpose.data or "",
            host_region_code=self.host_region_code.data or None,
            region_codes=list(self.region_codes.data or []),
            challenge_ids=[whole_number(v) or NOT_A_NUMBER for v in self.challenges.data or []],
            meeting_ids=[whole_number(v) or NOT_A_NUMBER for v in self.meetings.data or []],
            experts=experts,
        )


def activity_form(filled: int = 0, asked: str | None = None) -> ActivityForm:
    """The activity form with a row for each of `filled` experts plus spare rows; `asked` is
    the number of rows a form sent back (its hidden `rows`), so the rows a person filled in
    all come back."""
    rows = max(filled + SPARE_ROWS, min(whole_number(asked) or 0, MAX_ROWS), SPARE_ROWS)

    class Form(ActivityForm):
        pass

    Form.rows = rows
    # Each row's labels carry its number ("Expert 2", "Role 2"): a screen reader tells the
    # rows apart.
    for number in range(rows):
        setattr(
            Form,
            f"expert_user_{number}",
            SelectField(_l("Expert %(num)s", num=number + 1), validate_choice=False, default=""),
        )
        setattr(Form, f"expert_role_{number}", StringField(_l("Role %(num)s", num=number + 1)))
    return Form()


class CompleteForm(FlaskForm):
    learnt = TextAreaField(_l("What participants learnt"))
    changes = TextAreaField(_l("What they will change"))


class CancelForm(FlaskForm):
    reason = TextAreaField(_l("Reason"))


class PracticeOutputForm(FlaskForm):
    practice = SelectField(_l("Good practice"), validate_choice=False)

    def offer(self, practices) -> None:
        self.practice.choices = [SelectChoice("", _l("Choose a practice"))] + [
            SelectChoice(str(practice.id), practice.title) for practice in practices
        ]


class DocumentOutputForm(FlaskForm):
    title = StringField(_l("Title"))
    url = StringField(_l("Web address"))


class ActionForm(FlaskForm):
    """A button that changes something (start, follow, withdraw): its CSRF token only."""
