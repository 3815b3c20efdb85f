"""Forms of the support-request pages: asking, and the coordinators' answers (linking an
activity, declining). They parse types; the services check the rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import Optional

from cop.challenges.challenge_forms import whole_number
from cop.members.labels import region_label


class SupportRequestForm(FlaskForm):
    challenge = SelectField(_l("Challenge"), validate_choice=False)
    region = SelectField(_l("Region"), validate_choice=False)
    need = TextAreaField(_l("What your region needs"))
    wanted_by = DateField(_l("Wanted by (optional)"), validators=[Optional()])

    def fill_choices(self, challenges, region) -> None:
        """The group's accepted challenges (being addressed, addressed too); the member's own
        region only (none: nothing to pick)."""
        self.challenge.choices = [SelectChoice("", _l("Choose a challenge"))] + [
            SelectChoice(str(challenge.id), challenge.title) for challenge in challenges
        ]
        self.region.choices = [SelectChoice(region.code, region_label(region))] if region else []

    def challenge_id(self) -> int | None:
        return whole_number(self.challenge.data)


class _AnswerForm(FlaskForm):
    """One of these per open request on the queue: its fields' ids name the request, so that
    the page's labels point at the right ones (the names stay plain, as the routes read them)."""

    def for_request(self, request_id: int):
        for field in self:
            if field.type != "CSRFTokenField":
                field.id = f"{field.name}-{request_id}"
                field.label.field_id = field.id
        return self


class LinkActivityForm(_AnswerForm):
    activity = SelectField(_l("Activity"), validate_choice=False)
    note = TextAreaField(_l("A word for the requester (optional)"))

    def fill_choices(self, activities) -> None:
        self.activity.choices = [SelectChoice("", _l("Choose an activity"))] + [
            SelectChoice(str(activity.id), activity.title) for activity in activities
        ]

    def activity_id(self) -> int | None:
        return whole_number(self.activity.data)


class DeclineForm(_AnswerForm):
    reason = TextAreaField(_l("Why the group declines it"))
