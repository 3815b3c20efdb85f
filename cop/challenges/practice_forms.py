"""Forms of the good-practice pages: a practice's details, a coordinator's review, its links and
files. They parse types; the services check the rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields import SelectChoice

from cop.challenges.challenge_forms import NOT_A_NUMBER, CheckboxesField, whole_number
from cop.challenges.models import GoodPractice, ReviewDecision
from cop.challenges.practices import PracticeDetails
from cop.members.labels import localized_country_name


class PracticeForm(FlaskForm):
    title = StringField(_l("Title"))
    region_code = SelectField(_l("Region"), validate_choice=False)
    organisation_id = SelectField(_l("Organisation"), validate_choice=False)
    problem = TextAreaField(_l("The problem"))
    what_was_done = TextAreaField(_l("What was done"))
    resources = TextAreaField(_l("Resources needed"))
    timescale = StringField(_l("Timescale"))
    evidence = TextAreaField(_l("Evidence of success"))
    difficulties = TextAreaField(_l("Difficulties met"))
    transferability = TextAreaField(_l("Potential for transfer"))
    contact_name = StringField(_l("Name"))
    contact_email = EmailField(_l("Email"))
    theme_ids = CheckboxesField(_l("Themes"))
    challenge_ids = CheckboxesField(_l("Challenges it answers"))

    TEXTS = (
        "title",
        "problem",
        "what_was_done",
        "resources",
        "timescale",
        "evidence",
        "difficulties",
        "transferability",
        "contact_name",
        "contact_email",
    )

    def fill_choices(self, *, regions, organisations, themes, challenges) -> None:
        self.region_code.choices = [SelectChoice("", _l("Choose a region"))] + [
            SelectChoice(
                region.code,
                f"{region.name} ({region.code})",
                optgroup=localized_country_name(region.country_code),
            )
            for region in regions
        ]
        self.organisation_id.choices = [SelectChoice("", _l("None"))] + [
            SelectChoice(
                str(org.id),
                f"{org.name} · {org.region.name}" if org.region else org.name,
                optgroup=localized_country_name(org.region.country_code if org.region else None),
            )
            for org in organisations
        ]
        self.theme_ids.choices = [SelectChoice(str(theme.id), theme.name) for theme in themes]
        self.challenge_ids.choices = [
            SelectChoice(str(challenge.id), challenge.title) for challenge in challenges
        ]

    def show(self, practice: GoodPractice) -> None:
        """Fill the fields from a practice (a GET)."""
        for name in self.TEXTS:
            self[name].data = getattr(practice, name)
        self.region_code.data = practice.region_code or ""
        self.organisation_id.data = str(practice.organisation_id or "")
        self.theme_ids.data = [str(theme.id) for theme in practice.themes]
        self.challenge_ids.data = [str(challenge.id) for challenge in practice.challenges]

    def details(self) -> PracticeDetails:
        return PracticeDetails(
            **{name: self[name].data or "" for name in self.TEXTS},
            region_code=self.region_code.data or None,
            organisation_id=whole_number(self.organisation_id.data),
            theme_ids=sorted(
                {whole_number(value) or NOT_A_NUMBER for value in self.theme_ids.data or []}
            ),
            challenge_ids=sorted(
                {whole_number(value) or NOT_A_NUMBER for value in self.challenge_ids.data or []}
            ),
        )


class ReviewForm(FlaskForm):
    decision = RadioField(
        _l("Your decision"),
        choices=[
            SelectChoice(ReviewDecision.PUBLISHED.value, _l("Publish it")),
            SelectChoice(ReviewDecision.RETURNED.value, _l("Return it to its author")),
        ],
        validate_choice=False,
    )
    comments = TextAreaField(_l("Comments"))


class ConfirmForm(FlaskForm):
    """A button that changes something: only its CSRF token."""


class _LinkForm(FlaskForm):
    """Two of these share the links page, each with a prefix; the page's one CSRF token is
    checked by CSRFProtect for every POST."""

    class Meta:
        csrf = False


class PracticeFileForm(_LinkForm):
    file = FileField(_l("File"))
    title = StringField(_l("Title (optional)"))


class PracticeLinkForm(_LinkForm):
    title = StringField(_l("Title"))
    url = URLField(_l("Address"))


class WithdrawForm(FlaskForm):
    """Withdrawing takes a practice off the public pages at once, so it is asked for knowingly."""

    understood = BooleanField(
        _l("I understand that the practice leaves the public pages and can no longer be edited")
    )
