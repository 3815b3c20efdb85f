"""Forms of registering for a meeting, of guests' links, and of the coordinators' buttons."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import SelectChoice

from cop.meetings.guests import GuestDetails
from cop.meetings.labels import MODE_LABELS
from cop.meetings.models import AttendanceMode
from cop.members.labels import localized_country_name
from cop.members.models import Region

# The forms parse types; the services check lengths and say what is wrong with each field.


def mode_choice_label(mode: AttendanceMode, seats_left: int | None) -> str:
    """'In person — 3 seats left', 'In person — full: you will join the waiting list'."""
    label = str(MODE_LABELS[mode])
    if seats_left is None:
        return label
    if seats_left == 0:
        return _("%(mode)s — full: you will join the waiting list", mode=label)
    return ngettext(
        "%(mode)s — %(num)s seat left",
        "%(mode)s — %(num)s seats left",
        seats_left,
        mode=label,
    )


class MemberRegistrationForm(FlaskForm):
    """A signed-in person registers: how they attend and, if they wish, their needs."""

    mode = RadioField(_l("How will you attend?"), validate_choice=False)
    needs = TextAreaField(_l("Dietary or access needs (optional)"))

    def offer_modes(self, seats_left: dict[AttendanceMode, int | None]) -> None:
        """The modes the meeting's format offers, each with its seats left; one is preselected."""
        self.mode.choices = [
            (mode.value, mode_choice_label(mode, left)) for mode, left in seats_left.items()
        ]
        if not self.mode.data and len(self.mode.choices) == 1:
            self.mode.data = self.mode.choices[0][0]


class GuestRegistrationForm(MemberRegistrationForm):
    """Someone without an account registers for an open meeting; their email confirms it."""

    name = StringField(_l("Your name"))
    email = EmailField(_l("Your email address"))
    organisation_name = StringField(_l("Organisation (optional)"))
    region_code = SelectField(_l("Region (optional)"), validate_choice=False)
    listed = BooleanField(_l("List my name among the meeting's participants"))

    def offer_regions(self, regions: list[Region]) -> None:
        self.region_code.choices = [SelectChoice("", _l("Choose a region"))] + [
            SelectChoice(
                region.code,
                f"{region.name} ({region.code})",
                optgroup=localized_country_name(region.country_code),
            )
            for region in regions
        ]

    def details(self, language: str | None) -> GuestDetails:
        return GuestDetails(
            name=self.name.data or "",
            email=self.email.data or "",
            organisation_name=self.organisation_name.data or "",
            region_code=self.region_code.data or None,
            mode=self.mode.data,
            needs=self.needs.data or "",
            listed=bool(self.listed.data),
            language=language,
        )


class ActionForm(FlaskForm):
    """A button that changes something (cancel, confirm, confirm a link): its CSRF token only."""

    next = HiddenField()


class CheckInForm(ActionForm):
    attended = HiddenField()
