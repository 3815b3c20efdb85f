"""Forms of the outcome pages: writing and editing an outcome, submitting it, reviewing it,
withdrawing it, and its files. They parse types (ids, choices); the services check the rules,
and their messages come back next to the fields named like the services' fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields import SelectChoice

from cop.challenges.challenge_forms import (
    NOT_A_NUMBER,
    CheckboxesField,
    region_select_choices,
    whole_number,
)
from cop.meetings.pages import meeting_day
from cop.members.labels import localized_country_name
from cop.outcomes.labels import KIND_LABELS
from cop.outcomes.models import LICENCES, OutcomeKind
from cop.outcomes.services import OutcomeDetails, named_region_codes


def _ids(values) -> list[int]:
    return [whole_number(value) or NOT_A_NUMBER for value in values or []]


def _id_texts(records) -> list[str]:
    return [str(record.id) for record in records]


def _by_country_then_name(region) -> tuple[str, str]:
    """Regions grouped by country (countries by their name in the interface language), each
    country's by name."""
    return (localized_country_name(region.country_code).casefold(), region.name.casefold())


def _titled(records) -> list[SelectChoice]:
    return [SelectChoice(str(record.id), record.title) for record in records]


class OutcomeForm(FlaskForm):
    kind = SelectField(_l("Kind"), validate_choice=False)
    title = StringField(_l("Title"))
    summary = TextAreaField(_l("Summary"))
    body = TextAreaField(_l("Text"))
    licence = SelectField(_l("Licence"), validate_choice=False)
    group_ids = CheckboxesField(_l("Working groups"))
    author_ids = CheckboxesField(_l("Authors"))
    meeting_ids = CheckboxesField(_l("Meetings it draws on"))
    challenge_ids = CheckboxesField(_l("Challenges it draws on"))
    practice_ids = CheckboxesField(_l("Good practices it draws on"))
    activity_ids = CheckboxesField(_l("Peer-learning activities it draws on"))
    solution_ids = CheckboxesField(_l("Solutions it draws on"))
    theme_ids = CheckboxesField(_l("Themes"))
    region_codes = SelectMultipleField(_l("Regions it concerns"), validate_choice=False)

    def fill_choices(self, choices) -> None:
        self.kind.choices = [SelectChoice(kind.value, KIND_LABELS[kind]) for kind in OutcomeKind]
        self.licence.choices = [
            SelectChoice(code, f"{name} ({code})") for code, (name, _url) in LICENCES.items()
        ]
        self.group_ids.choices = [
            SelectChoice(str(group.id), group.name) for group in choices.groups
        ]
        self.author_ids.choices = [
            SelectChoice(str(user.id), user.name) for user in choices.members
        ]
        self.meeting_ids.choices = [
            SelectChoice(str(meeting.id), f"{meeting.title} ({meeting_day(meeting)})")
            for meeting in choices.meetings
        ]
        self.challenge_ids.choices = _titled(choices.challenges)
        self.practice_ids.choices = _titled(choices.practices)
        self.activity_ids.choices = _titled(choices.activities)
        self.solution_ids.choices = _titled(choices.solutions)
        self.theme_ids.choices = [
            SelectChoice(str(theme.id), theme.name) for theme in choices.themes
        ]
        self.region_codes.choices = region_select_choices(
            sorted(choices.regions, key=_by_country_then_name)
        )

    def show(self, outcome, links: dict) -> None:
        """Fill the fields from the working copy (a GET of its edit page): its text, authors,
        the regions its authors name and `links` (services.working_links: a pending
        revision's choices, else the link tables')."""
        self.kind.data = outcome.kind.value
        self.title.data = outcome.title
        self.summary.data = outcome.summary
        self.body.data = outcome.body
        self.licence.data = outcome.licence
        self.group_ids.data = _id_texts(links["groups"])
        self.author_ids.data = [str(user.id) for user in outcome.authors]
        self.meeting_ids.data = _id_texts(links["meetings"])
        self.challenge_ids.data = _id_texts(links["challenges"])
        self.practice_ids.data = _id_texts(links["practices"])
        self.activity_ids.data = _id_texts(links["activities"])
        self.solution_ids.data = _id_texts(links["solutions"])
        self.theme_ids.data = _id_texts(links["themes"])
        self.region_codes.data = named_region_codes(outcome)

    def details(self, keep_order=()) -> OutcomeDetails:
        """What the form gives; the authors it credits already keep their order (`keep_order`,
        the outcome's authors), the others follow in the order sent."""
        authors = _ids(self.author_ids.data)
        known = [user.id for user in keep_order if user.id in authors]
        return OutcomeDetails(
            kind=self.kind.data or "",
            title=self.title.data or "",
            summary=self.summary.data or "",
            body=self.body.data or "",
            licence=self.licence.data or "",
            group_ids=_ids(self.group_ids.data),
            author_ids=known + [user_id for user_id in authors if user_id not in known],
            meeting_ids=_ids(self.meeting_ids.data),
            challenge_ids=_ids(self.challenge_ids.data),
            practice_ids=_ids(self.practice_ids.data),
            activity_ids=_ids(self.activity_ids.data),
            solution_ids=_ids(self.solution_ids.data),
            theme_ids=_ids(self.theme_ids.data),
            region_codes=list(self.region_codes.data or []),
        )


class SubmitForm(FlaskForm):
    change_note = TextAreaField(_l("What changed (optional)"))


class ReviewForm(FlaskForm):
    decision = RadioField(
        _l("Your decision"),
        choices=[
            SelectChoice("approve", _l("Approve: publish it as a new version")),
            SelectChoice("return", _l("Return it to its authors with a comment")),
        ],
        validate_choice=False,
    )
    comment = TextAreaField(_l("Comment to the authors"))


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Reason"))


class FileForm(FlaskForm):
    file = FileField(_l("File"))
    title = StringField(_l("Title (optional)"))


class ActionForm(FlaskForm):
    """A button that changes something (start a report, follow, withdraw a file): its CSRF
    token only."""
