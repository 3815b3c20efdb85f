"""Forms of the account pages: log in, sign up, confirm, reset, profile, password, email; organisations."""

from __future__ import annotations

from functools import cache

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SearchField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from cop.auth.services import PersonDetails
from cop.auth.services.profile import known_timezones
from cop.members.labels import HELIX_LABELS, KIND_LABELS, localized_country_name
from cop.members.models import Organisation, Region
from cop.members.organisations import OrganisationProposal

# Preferred regions of the world come first in the time-zone list: the groups are European.
_ZONE_AREAS = ("Europe", "Atlantic", "Africa", "Asia", "America", "Australia", "Indian", "Pacific")


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1000)])
    remember = BooleanField(_l("Keep me logged in on this device"))
    next = HiddenField()


class LogoutForm(FlaskForm):
    pass


def _int_or_none(value: str | None) -> int | None:
    """A chosen id; anything but digits (a forged value) becomes -1, which names no record."""
    if not value:
        return None
    return int(value) if value.isdigit() and len(value) < 12 else -1


class PersonFields(FlaskForm):
    """What a person says about themselves: shared by sign-up and the profile page."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    organisation = SelectField(_l("Organisation"), validate_choice=False)
    organisation_name = StringField(_l("Name of the organisation"), validators=[Length(max=200)])
    helix = SelectField(_l("Strand of the quadruple helix"), validate_choice=False)
    kind = SelectField(_l("Kind of organisation"), validate_choice=False)
    region = SelectField(_l("Region"), validate_choice=False)
    website = URLField(_l("Website"), validators=[Optional(), Length(max=500)])
    position = StringField(_l("Position"), validators=[Length(max=200)])
    expertise = TextAreaField(_l("Expertise"), validators=[Length(max=5000)])
    language = SelectField(_l("Preferred language"), validate_choice=False)
    timezone = SelectField(_l("Time zone"), validate_choice=False)
    listed = BooleanField(_l("List me by name on the public pages of the groups I join"))
    contactable = BooleanField(
        _l("Other members may suggest me as someone to contact about challenges I know")
    )

    def fill_choices(
        self, organisations: list[Organisation], regions: list[Region], languages: dict[str, str]
    ) -> None:
        self.organisation.choices = [SelectChoice("", _l("Choose your organisation"))] + [
            SelectChoice(
                str(org.id),
                f"{org.name} · {org.region.name}" if org.region else org.name,
                optgroup=localized_country_name(org.region.country_code if org.region else None),
            )
            for org in organisations
        ]
        self.helix.choices = [SelectChoice("", _l("Choose a strand"))] + [
            SelectChoice(helix.value, label) for helix, label in HELIX_LABELS.items()
        ]
        self.kind.choices = [SelectChoice("", _l("Choose a kind"))] + [
            SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()
        ]
        self.region.choices = [SelectChoice("", _l("Choose a region"))] + [
            SelectChoice(
                region.code,
                f"{region.name} ({region.code})",
                optgroup=localized_country_name(region.country_code),
            )
            for region in regions
        ]
        self.language.choices = [SelectChoice(code, label) for code, label in languages.items()]
        self.timezone.choices = list(timezone_choices())

    def person_details(self) -> PersonDetails:
        return PersonDetails(
            name=self.name.data or "",
            organisation_id=_int_or_none(self.organisation.data),
            proposal=OrganisationProposal(
                name=self.organisation_name.data or "",
                helix=self.helix.data or "",
                kind=self.kind.data or "",
                region_code=self.region.data or "",
                website=self.website.data or "",
            ),
            position=self.position.data or "",
            expertise=self.expertise.data or "",
            language=self.language.data or "",
            timezone=self.timezone.data or "",
            listed=bool(self.listed.data),
            contactable=bool(self.contactable.data),
        )


@cache
def timezone_choices() -> tuple[SelectChoice, ...]:
    """The time zones of the world's regions, Europe first, grouped by region; then UTC."""
    zones = sorted(zone for zone in known_timezones() if zone.split("/", 1)[0] in _ZONE_AREAS)
    zones.sort(key=lambda zone: _ZONE_AREAS.index(zone.split("/", 1)[0]))
    choices = [
        SelectChoice(zone, zone.replace("_", " "), optgroup=zone.split("/", 1)[0]) for zone in zones
    ]
    return (*choices, SelectChoice("UTC", "UTC", optgroup="UTC"))


class SignUpForm(PersonFields):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1000)])
    confirm = PasswordField(_l("Password again"), validators=[DataRequired(), Length(max=1000)])
    next = HiddenField()


class OrganisationSearchForm(FlaskForm):
    """Narrows the organisation list by a GET request, so the picker needs no JavaScript."""

    class Meta:
        csrf = False

    q = SearchField(_l("Find your organisation"), validators=[Length(max=200)])


class ProfileForm(PersonFields):
    pass


class EmailForm(FlaskForm):
    """One email address: asking for a new confirmation link or a password reset."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    next = HiddenField()


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=1000)])
    confirm = PasswordField(_l("New password again"), validators=[DataRequired(), Length(max=1000)])


class ChangePasswordForm(ResetPasswordForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=1000)]
    )


class ChangeEmailForm(FlaskForm):
    email = EmailField(_l("New email address"), validators=[DataRequired(), Length(max=254)])
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=1000)]
    )


class MergeOrganisationsForm(FlaskForm):
    duplicate = SelectField(_l("Duplicate to merge"), validate_choice=False)
    kept = SelectField(_l("Organisation to keep"), validate_choice=False)

    def fill_choices(self, organisations: list[Organisation]) -> None:
        choices = [SelectChoice("", _l("Choose an organisation"))] + [
            SelectChoice(str(org.id), f"{org.name} (#{org.id})") for org in organisations
        ]
        self.duplicate.choices = choices
        self.kept.choices = list(choices)

    def ids(self) -> tuple[int | None, int | None]:
        return _int_or_none(self.duplicate.data), _int_or_none(self.kept.data)


class AcceptOrganisationForm(FlaskForm):
    pass
