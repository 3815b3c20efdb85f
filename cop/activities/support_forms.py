"""Forms of the support-request pages: asking, and the coordinators' answers (linking an
activity, declining). They parse types; the services check the rules."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import Optional

from cop.activities.labels import ACTIVITY_KIND_LABELS, ACTIVITY_STATUS_LABELS
from cop.activities.models import ActivityStatus
from cop.challenges.challenge_forms import whole_number
from cop.members.labels import region_label


class SupportRequestForm(FlaskForm):
    challenge = SelectField(_l("Challenge"), validate_choice=False)
    region = SelectField(_l("Region"), validate_choice=False)
    need = TextAreaField(_l("What your region needs"))
    wanted_by = DateField(_l("Wanted by"), validators=[Optional()])

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
    note = TextAreaField(_l("A word for the requester"))

    def fill_choices(self, activities, challenge_id: int | None = None) -> None:
        """`activities` (with their challenges loaded), each named with its kind and status:
        first those on the request's challenge, then the others; in each, the planned and
        running ones before the completed ones (still worth linking: what they taught is
        there to read)."""

        def order(activity):
            return activity.status is ActivityStatus.COMPLETED

        on_challenge = [
            activity
            for activity in activities
            if any(challenge.id == challenge_id for challenge in activity.challenges)
        ]
        shown = {activity.id for activity in on_challenge}
        others = [activity for activity in activities if activity.id not in shown]
        self.activity.choices = [SelectChoice("", _("Choose an activity"))]
        for label, group in (
            (_("On this challenge"), on_challenge),
            (_("Other activities"), others),
        ):
            self.activity.choices += [
                SelectChoice(str(activity.id), activity_choice_label(activity), optgroup=label)
                for activity in sorted(group, key=order)
            ]

    def activity_id(self) -> int | None:
        return whole_number(self.activity.data)


def activity_choice_label(activity) -> str:
    """An activity as the link form lists it: "Peer review of vouchers (Study visit · Planned)"."""
    return _(
        "%(title)s (%(kind)s · %(status)s)",
        title=activity.title,
        kind=ACTIVITY_KIND_LABELS[activity.kind],
        status=ACTIVITY_STATUS_LABELS[activity.status],
    )


class DeclineForm(_AnswerForm):
    reason = TextAreaField(_l("Why the group declines it"))
