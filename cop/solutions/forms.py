"""Forms of the solution pages: proposing and editing a solution, moving it to another stage,
its milestones, indicators and measurements, and its owners' progress updates. They parse
types (ids, dates); the services check the rules, and their messages come back next to the
fields named like the services' fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import Optional

from cop.challenges.challenge_forms import (
    NOT_A_NUMBER,
    CheckboxesField,
    region_select_choices,
    whole_number,
)
from cop.members.labels import region_label
from cop.solutions.indicators import IndicatorDetails
from cop.solutions.labels import DIRECTION_LABELS, STAGE_LABELS, UPDATE_STATUS_LABELS
from cop.solutions.models import STAGE_ORDER, Direction, SolutionStage, UpdateStatus
from cop.solutions.progress import decimal_symbol
from cop.solutions.services import SolutionDetails


def _ids(values) -> list[int]:
    return [whole_number(value) or NOT_A_NUMBER for value in values or []]


class SolutionForm(FlaskForm):
    title = StringField(_l("Title"))
    description = TextAreaField(_l("Description"))
    internal_notes = TextAreaField(_l("Internal notes"))
    owner_id = SelectField(_l("Owner"), validate_choice=False)
    co_owner_ids = SelectMultipleField(_l("Co-owners"), validate_choice=False)
    challenges = CheckboxesField(_l("Challenges it answers"))
    region_codes = SelectMultipleField(_l("Deploying regions"), validate_choice=False)
    starts_on = DateField(_l("Start"), validators=[Optional()])
    planned_end_on = DateField(_l("Planned end"), validators=[Optional()])

    def fill_choices(self, choices) -> None:
        people = [SelectChoice(str(user.id), user.name) for user in choices.members]
        self.owner_id.choices = people
        self.co_owner_ids.choices = people
        self.challenges.choices = [
            SelectChoice(str(challenge.id), challenge.title) for challenge in choices.challenges
        ]
        self.region_codes.choices = region_select_choices(choices.regions)

    def show(self, solution) -> None:
        """Fill the fields from a solution (a GET of its edit page)."""
        self.title.data = solution.title
        self.description.data = solution.description
        self.internal_notes.data = solution.internal_notes
        self.owner_id.data = str(solution.owner_id)
        self.co_owner_ids.data = [str(user.id) for user in solution.co_owners]
        self.challenges.data = [str(challenge.id) for challenge in solution.challenges]
        self.region_codes.data = [region.code for region in solution.regions]
        self.starts_on.data = solution.starts_on
        self.planned_end_on.data = solution.planned_end_on

    def details(self, *, names_owner: bool) -> SolutionDetails:
        """What the form gives; the owner only from a coordinator (`names_owner`): for others
        the field is not shown, and the owner stays."""
        owner_id = whole_number(self.owner_id.data) if names_owner else None
        return SolutionDetails(
            title=self.title.data or "",
            description=self.description.data or "",
            internal_notes=self.internal_notes.data or "",
            owner_id=owner_id,
            co_owner_ids=_ids(self.co_owner_ids.data),
            challenge_ids=_ids(self.challenges.data),
            region_codes=list(self.region_codes.data or []),
            starts_on=self.starts_on.data,
            planned_end_on=self.planned_end_on.data,
        )


class StageForm(FlaskForm):
    stage = SelectField(_l("New stage"), validate_choice=False)
    reason = TextAreaField(_l("Reason"))
    confirm = BooleanField(_l("Complete it all the same"))

    def offer(self, current: SolutionStage) -> None:
        """Every stage but the current one, in their order, then discontinued."""
        self.stage.choices = [SelectChoice("", _l("Choose a stage"))] + [
            SelectChoice(stage.value, STAGE_LABELS[stage])
            for stage in (*STAGE_ORDER, SolutionStage.DISCONTINUED)
            if stage is not current
        ]


class MilestoneForm(FlaskForm):
    title = StringField(_l("Title"))
    due_on = DateField(_l("Due on"), validators=[Optional()])


class DoneForm(FlaskForm):
    done_on = DateField(_l("Done on"), validators=[Optional()])


class IndicatorForm(FlaskForm):
    name = StringField(_l("Name"))
    unit = StringField(_l("Unit"))
    direction = SelectField(_l("Which way is better"), validate_choice=False)
    baseline_value = StringField(_l("Baseline value"))
    baseline_on = DateField(_l("Baseline date"), validators=[Optional()])
    target_value = StringField(_l("Target value"))
    target_on = DateField(_l("Target date"), validators=[Optional()])
    region_code = SelectField(_l("Region"), validate_choice=False)

    def fill_choices(self, regions) -> None:
        """`regions`: the solution's deploying regions."""
        self.direction.choices = [
            SelectChoice(direction.value, DIRECTION_LABELS[direction]) for direction in Direction
        ]
        self.region_code.choices = [SelectChoice("", _l("The whole solution"))] + [
            SelectChoice(region.code, region_label(region)) for region in regions
        ]

    def show(self, indicator) -> None:
        self.name.data = indicator.name
        self.unit.data = indicator.unit
        self.direction.data = indicator.direction.value
        self.baseline_value.data = _typed(indicator.baseline_value)
        self.baseline_on.data = indicator.baseline_on
        self.target_value.data = _typed(indicator.target_value)
        self.target_on.data = indicator.target_on
        self.region_code.data = indicator.region_code or ""

    def details(self) -> IndicatorDetails:
        return IndicatorDetails(
            name=self.name.data or "",
            unit=self.unit.data or "",
            direction=self.direction.data or "",
            baseline_value=self.baseline_value.data or "",
            baseline_on=self.baseline_on.data,
            target_value=self.target_value.data or "",
            target_on=self.target_on.data,
            region_code=self.region_code.data or None,
        )


def _typed(value: float) -> str:
    """A stored value as a person would type it again, in their language: 12, not 12.0, and
    "1234,5" in French or German. Every digit is kept and no thousands are grouped, so that
    saving the form unchanged reads back the same value (parse_number reads "1.125" as a
    thousand and more where the decimal symbol is a comma)."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value).replace(".", decimal_symbol())


class MeasurementForm(FlaskForm):
    indicator = SelectField(_l("Indicator"), validate_choice=False)
    value = StringField(_l("Value"))
    measured_on = DateField(_l("Measured on"), validators=[Optional()])
    region_code = SelectField(_l("Region"), validate_choice=False)
    source = StringField(_l("Source"))

    def fill_choices(self, indicators, regions) -> None:
        """The solution's live indicators, each with its unit and region; `regions`: its
        deploying regions."""
        self.indicator.choices = [SelectChoice("", _l("Choose an indicator"))] + [
            SelectChoice(
                str(indicator.id),
                f"{indicator.name} ({indicator.unit}"
                + (f", {indicator.region.name}" if indicator.region else "")
                + ")",
            )
            for indicator in indicators
        ]
        self.region_code.choices = [SelectChoice("", _l("The whole solution"))] + [
            SelectChoice(region.code, region_label(region)) for region in regions
        ]


class UpdateForm(FlaskForm):
    status = SelectField(_l("Status"), validate_choice=False)
    narrative = TextAreaField(_l("What happened"))
    help_needed = TextAreaField(_l("Help needed"))
    reported_on = DateField(_l("Dated"), validators=[Optional()])

    def fill_choices(self) -> None:
        self.status.choices = [SelectChoice("", _l("Choose a status"))] + [
            SelectChoice(status.value, UPDATE_STATUS_LABELS[status]) for status in UpdateStatus
        ]


class ActionForm(FlaskForm):
    """A button that changes something (publish, reopen, withdraw): its CSRF token only."""


class UpdatePeriodForm(FlaskForm):
    """How often the group's solutions owe a progress update (the service checks the range;
    text, so that any typed value reaches it and gets its message)."""

    update_every_weeks = StringField(
        _l("A progress update is due every … weeks"), render_kw={"inputmode": "numeric"}
    )
