"""Forms of the people pages: the member directory's filters and closing an account."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from cop.members.labels import HELIX_LABELS, localized_country_name
from cop.members.models import Helix
from cop.members.people import EXPERTISE_FILTER_MAX, DirectoryChoices, DirectoryFilters


class OneOfTheChoices:
    """Like SelectField's own check, with a message that says what to do."""

    def __init__(self, message) -> None:
        self.message = message

    def __call__(self, form, field) -> None:
        # A choice is a (value, label) pair or, in newer WTForms, a SelectChoice: value first.
        if field.data not in {next(iter(choice)) for choice in field.choices}:
            raise ValidationError(self.message)


class DirectoryFilterForm(FlaskForm):
    """A GET form: it changes nothing, so it carries no CSRF token and works without JavaScript."""

    class Meta:
        csrf = False

    helix = SelectField(
        _l("Helix"),
        choices=[SelectChoice("", _l("Any helix"))]
        + [SelectChoice(h.value, label) for h, label in HELIX_LABELS.items()],
        validate_choice=False,
        validators=[OneOfTheChoices(_l("Choose a helix from the list."))],
        default="",
    )
    country = SelectField(
        _l("Country"),
        validate_choice=False,
        validators=[OneOfTheChoices(_l("Choose a country from the list."))],
        default="",
    )
    organisation = SelectField(
        _l("Organisation"),
        validate_choice=False,
        validators=[OneOfTheChoices(_l("Choose an organisation from the list."))],
        default="",
    )
    expertise = StringField(
        _l("Expertise contains"),
        validators=[Length(max=EXPERTISE_FILTER_MAX)],
        default="",
    )

    def offer(self, choices: DirectoryChoices) -> None:
        """Offer the countries and organisations the group's members come from."""
        countries = sorted(
            (SelectChoice(code, localized_country_name(code)) for code in choices.countries),
            key=lambda choice: choice.label,
        )
        self.country.choices = [SelectChoice("", _l("Any country")), *countries]
        self.organisation.choices = [SelectChoice("", _l("Any organisation"))] + [
            SelectChoice(str(organisation_id), name)
            for organisation_id, name in choices.organisations
        ]

    def filters(self) -> DirectoryFilters:
        return DirectoryFilters(
            helix=Helix(self.helix.data) if self.helix.data else None,
            country=self.country.data or None,
            organisation_id=int(self.organisation.data) if self.organisation.data else None,
            expertise=(self.expertise.data or "").strip(),
        )


class CloseAccountForm(FlaskForm):
    password = PasswordField(
        _l("Your current password"),
        validators=[DataRequired(_l("Enter your current password.")), Length(max=1000)],
    )
