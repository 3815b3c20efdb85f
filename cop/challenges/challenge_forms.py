"""Forms of the challenge pages: raising and editing a challenge, endorsing it, the coordinators'
decisions (close, merge, rank) and themes. They parse types; the services check the rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields import SelectChoice

from cop.challenges.services import ChallengeDetails
from cop.members.labels import localized_country_name

# The forms parse types; the services check lengths and say what is wrong, every problem at
# once (a form that refused an over-long text itself would hide the others).
# A forged id (anything but a few digits) becomes -1, which the services refuse.
NOT_A_NUMBER = -1


def whole_number(value: str | None) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else NOT_A_NUMBER


def region_select_choices(regions) -> list[SelectChoice]:
    """NUTS-2 regions grouped by country, as the sign-up form offers them."""
    return [
        SelectChoice(
            region.code,
            f"{region.name} ({region.code})",
            optgroup=localized_country_name(region.country_code),
        )
        for region in regions
    ]


class CheckboxesField(SelectMultipleField):
    """A group of checkboxes (the template puts them in a fieldset with a legend)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def __init__(self, label, **kwargs) -> None:
        super().__init__(label, validate_choice=False, **kwargs)


class ChallengeForm(FlaskForm):
    title = StringField(_l("Title"))
    description = TextAreaField(_l("Description"))
    theme_ids = CheckboxesField(_l("Themes"))
    region_codes = SelectMultipleField(_l("Regions that face it"), validate_choice=False)
    meeting_id = SelectField(_l("Raised at the meeting (optional)"), validate_choice=False)

    def fill_choices(self, themes, regions, meetings) -> None:
        self.theme_ids.choices = [SelectChoice(str(theme.id), theme.name) for theme in themes]
        self.region_codes.choices = region_select_choices(regions)
        self.meeting_id.choices = [SelectChoice("", _l("Not raised at a meeting"))] + [
            SelectChoice(str(meeting.id), meeting.title) for meeting in meetings
        ]

    def show(self, challenge) -> None:
        """Fill the fields from a challenge (a GET of the edit page)."""
        self.title.data = challenge.title
        self.description.data = challenge.description
        self.theme_ids.data = [str(theme.id) for theme in challenge.themes]
        self.region_codes.data = [region.code for region in challenge.regions]
        self.meeting_id.data = (
            str(challenge.raised_at_meeting_id) if challenge.raised_at_meeting_id else ""
        )

    def details(self) -> ChallengeDetails:
        return ChallengeDetails(
            title=self.title.data or "",
            description=self.description.data or "",
            theme_ids=[whole_number(value) or NOT_A_NUMBER for value in self.theme_ids.data or []],
            region_codes=list(self.region_codes.data or []),
            meeting_id=whole_number(self.meeting_id.data),
        )


class EndorseForm(FlaskForm):
    region_code = SelectField(_l("For the region"), validate_choice=False)

    def offer_regions(self, regions) -> None:
        """For a member whose organisation has no region: none is chosen until they choose."""
        self.region_code.choices = [
            SelectChoice("", _l("Choose the region")),
            *region_select_choices(regions),
        ]
        self.region_code.data = self.region_code.data or ""


class CloseForm(FlaskForm):
    reason = TextAreaField(_l("Reason"))


class MergeForm(FlaskForm):
    into = SelectField(_l("Merge into"), validate_choice=False)
    note = TextAreaField(_l("Note (optional)"))

    def offer_targets(self, challenges) -> None:
        self.into.choices = [SelectChoice("", _l("Choose a challenge"))] + [
            SelectChoice(str(challenge.id), challenge.title) for challenge in challenges
        ]


class ThemeForm(FlaskForm):
    name = StringField(_l("Name"))
    description = TextAreaField(_l("Description (optional)"))

    def show(self, theme) -> None:
        """Fill the fields from a theme (a GET of its edit page)."""
        self.name.data = theme.name
        self.description.data = theme.description


class MoveThemeForm(FlaskForm):
    """The up and down buttons of a theme: the one pressed sends its `direction`."""

    direction = StringField()


class ActionForm(FlaskForm):
    """A button that changes something (advance, retire): its CSRF token only."""


class AdvanceForm(FlaskForm):
    """Move a challenge one step on, from the status its coordinator saw."""

    from_status = HiddenField()


def priorities_form(challenges):
    """A form with one rank field per accepted challenge (`rank_<id>`), labelled by its title."""

    class PrioritiesForm(FlaskForm):
        pass

    for challenge in challenges:
        setattr(
            PrioritiesForm,
            f"rank_{challenge.id}",
            StringField(challenge.title),
        )
    return PrioritiesForm()


def ranking_from(form, challenges) -> tuple[list[int], dict[str, str]]:
    """The challenges' ids in the order of the numbers typed (blank: unranked), and the
    messages for fields whose number is not a whole number from 1, or is given twice."""
    errors: dict[str, str] = {}
    ranked: list[tuple[int, int]] = []
    seen: dict[int, str] = {}
    for challenge in challenges:
        name = f"rank_{challenge.id}"
        rank = whole_number(form[name].data)
        if rank is None:
            continue
        if rank < 1:
            errors[name] = str(_l("Type a whole number from 1, or leave it empty."))
        elif rank in seen:
            errors[name] = str(_l("Another challenge already has this rank."))
        else:
            seen[rank] = name
            ranked.append((rank, challenge.id))
    return [challenge_id for _, challenge_id in sorted(ranked)], errors
