"""The indicators of a solution and their measurements: an editor (an owner or a coordinator)
sets what shows the solution works — a baseline and a target, for the whole solution or one
deploying region — and records dated values with their source. Progress is computed from them
(cop.solutions.progress), never typed. Each operation checks permission, validates every field
at once, writes the audit row on the solution and flushes; the caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cop import clock
from cop.audit.services import record_change, snapshot
from cop.errors import Conflict, Invalid, NotFound
from cop.meetings.times import day_label
from cop.members.labels import region_label
from cop.solutions.access import find_solution, require_editor
from cop.solutions.models import Direction, Indicator, Measurement, Solution
from cop.solutions.progress import parse_number
from cop.solutions.services import today_of, why_not
from cop.validation import Problems, check_choice, check_date, check_text

MAX_NAME = 200
MAX_UNIT = 40
MAX_SOURCE = 500
MAX_INDICATORS = 50  # per solution: a page that shows them all stays readable

INDICATOR_FIELDS = (
    "name",
    "unit",
    "direction",
    "baseline_value",
    "baseline_on",
    "target_value",
    "target_on",
    "region_code",
)


@dataclass(frozen=True)
class IndicatorDetails:
    """What the indicator form gives: values as typed (text, parsed here) or numbers; the
    region's code, or None for the whole solution."""

    name: str = ""
    unit: str = ""
    direction: Direction | str = Direction.HIGHER
    baseline_value: str | float = ""
    baseline_on: date | None = None
    target_value: str | float = ""
    target_on: date | None = None
    region_code: str | None = None


def _require_open(solution: Solution) -> None:
    """A completed or discontinued solution's indicators and values stay as they were (as
    its details and milestones do) unless it is moved back to an active stage."""
    refused = why_not(solution, "edit")
    if refused:
        raise Conflict(refused)


def _solution_to_measure(session: Session, actor, solution_id: int) -> Solution:
    solution = find_solution(session, solution_id, lock=True)
    require_editor(session, actor, solution)
    _require_open(solution)
    return solution


def _region_code(code: str | None) -> str | None:
    code = (code or "").strip().upper()
    return code or None


def _deploying_region(solution: Solution, code: str | None, field: str) -> str | None:
    """The code of one of the solution's deploying regions, or None (the whole solution)."""
    code = _region_code(code)
    if code is not None and code not in {region.code for region in solution.regions}:
        raise Invalid(
            _("Choose one of the regions deploying this solution, or none for the whole of it."),
            field=field,
        )
    return code


def _required_date(value: date | None, field: str) -> date:
    return check_date(value, field, required=True)


def _live_measurements(indicator: Indicator) -> list[Measurement]:
    return [m for m in indicator.measurements if m.withdrawn_at is None]


def _checked(solution: Solution, details: IndicatorDetails, keep: Indicator | None = None) -> dict:
    """The checked values of the indicator form, every problem with it at once. With `keep`
    (the indicator being changed): its unit and region stay once it has measurements, and its
    baseline date may not move after the first of them."""
    problems = Problems()
    values = {
        "name": problems.check(
            check_text, details.name, "name", MAX_NAME, required=True, refuse_control=True
        ),
        "unit": problems.check(
            check_text, details.unit, "unit", MAX_UNIT, required=True, refuse_control=True
        ),
        "direction": problems.check(check_choice, Direction, details.direction, "direction"),
        "baseline_value": problems.check(parse_number, details.baseline_value, "baseline_value"),
        "baseline_on": problems.check(_required_date, details.baseline_on, "baseline_on"),
        "target_value": problems.check(parse_number, details.target_value, "target_value"),
        "target_on": problems.check(_required_date, details.target_on, "target_on"),
        "region_code": problems.check(
            _deploying_region, solution, details.region_code, "region_code"
        ),
    }
    baseline, target = values["baseline_value"], values["target_value"]
    if baseline is not None and target is not None:
        if target == baseline:
            problems.add(
                _(
                    "The target must differ from the baseline: progress is measured from one"
                    " to the other."
                ),
                "target_value",
            )
        elif values["direction"] is Direction.HIGHER and target < baseline:
            problems.add(
                _("Higher is better for this indicator: set a target above the baseline."),
                "target_value",
            )
        elif values["direction"] is Direction.LOWER and target > baseline:
            problems.add(
                _("Lower is better for this indicator: set a target below the baseline."),
                "target_value",
            )
    starts, ends = values["baseline_on"], values["target_on"]
    if starts is not None and ends is not None and ends <= starts:
        problems.add(_("The target date must come after the baseline date."), "target_on")
    measured = _live_measurements(keep) if keep is not None else []
    if measured:
        if values["unit"] is not None and values["unit"] != keep.unit:
            problems.add(
                _(
                    "This indicator has measurements in “%(unit)s”: its unit can no longer"
                    " change. Withdraw this indicator and add a new one to measure in another"
                    " unit.",
                    unit=keep.unit,
                ),
                "unit",
            )
        if not problems.failed("region_code") and values["region_code"] != keep.region_code:
            problems.add(
                _("This indicator has measurements: the region it is for can no longer change."),
                "region_code",
            )
        first = min(m.measured_on for m in measured)
        if starts is not None and starts > first:
            problems.add(
                _(
                    "The first measurement is dated %(date)s: the baseline cannot be later.",
                    date=day_label(first),
                ),
                "baseline_on",
            )
    problems.raise_found()
    return values


def _indicator_record(indicator: Indicator) -> dict:
    return {"indicator_id": indicator.id, **snapshot(indicator, INDICATOR_FIELDS)}


def find_indicator(session: Session, indicator_id: int, *, lock: bool = False) -> Indicator:
    query = select(Indicator).where(Indicator.id == indicator_id)
    if lock:
        query = query.with_for_update()
    indicator = session.scalar(query)
    if indicator is None:
        raise NotFound(_("There is no such indicator."))
    return indicator


def add_indicator(
    session: Session, actor, solution_id: int, details: IndicatorDetails
) -> Indicator:
    """An editor sets a new indicator of the solution, with its baseline and target."""
    solution = _solution_to_measure(session, actor, solution_id)
    values = _checked(solution, details)
    live = session.scalar(
        select(func.count(Indicator.id)).where(
            Indicator.solution_id == solution.id, Indicator.withdrawn_at.is_(None)
        )
    )
    if live >= MAX_INDICATORS:
        raise Invalid(
            _("A solution has at most %(num)s indicators.", num=MAX_INDICATORS), field="name"
        )
    indicator = Indicator(solution=solution, **values)
    session.add(indicator)
    session.flush()
    record_change(
        session,
        actor=actor,
        action="solution.indicator_added",
        record=solution,
        summary=f"Added the indicator {indicator.name} to the solution {solution.title}",
        after=_indicator_record(indicator),
    )
    return indicator


def _indicator_to_change(session: Session, actor, indicator_id: int) -> Indicator:
    indicator = find_indicator(session, indicator_id, lock=True)
    _solution_to_measure(session, actor, indicator.solution_id)
    if indicator.withdrawn_at is not None:
        raise Conflict(_("This indicator is withdrawn: it can no longer change."))
    return indicator


def update_indicator(
    session: Session, actor, indicator_id: int, details: IndicatorDetails
) -> Indicator:
    """An editor corrects an indicator. Once it has measurements its unit and region stay,
    and its baseline may not be dated after the first of them."""
    indicator = _indicator_to_change(session, actor, indicator_id)
    values = _checked(indicator.solution, details, keep=indicator)
    before = _indicator_record(indicator)
    for name, value in values.items():
        setattr(indicator, name, value)
    session.flush()
    after = _indicator_record(indicator)
    if after != before:
        record_change(
            session,
            actor=actor,
            action="solution.indicator_changed",
            record=indicator.solution,
            summary=f"Changed the indicator {indicator.name} of the solution "
            f"{indicator.solution.title}",
            before=before,
            after=after,
        )
    return indicator


def withdraw_indicator(session: Session, actor, indicator_id: int) -> Indicator:
    """Take an indicator off the solution's page; it is kept, with its measurements, marked
    withdrawn."""
    indicator = _indicator_to_change(session, actor, indicator_id)
    indicator.withdrawn_at = clock.now()
    session.flush()
    record_change(
        session,
        actor=actor,
        action="solution.indicator_withdrawn",
        record=indicator.solution,
        summary=f"Withdrew the indicator {indicator.name} of the solution "
        f"{indicator.solution.title}",
        before={"indicator_id": indicator.id, "withdrawn": False},
        after={"indicator_id": indicator.id, "withdrawn": True},
    )
    return indicator


# --- Measurements -----------------------------------------------------------------------------


def _indicator_of(session: Session, solution: Solution, indicator_id) -> Indicator:
    """The solution's own live indicator: an id of another solution's (a forged form) is
    refused as a wrong choice, without saying whether it exists."""
    indicator = None
    if isinstance(indicator_id, str) and indicator_id.strip().isdigit():
        indicator_id = int(indicator_id)
    # An id past the database's integer range names nothing (PostgreSQL would refuse it).
    if (
        isinstance(indicator_id, int)
        and not isinstance(indicator_id, bool)
        and 0 < indicator_id < 2**31
    ):
        indicator = session.get(Indicator, indicator_id)
    if indicator is None or indicator.solution_id != solution.id or indicator.withdrawn_at:
        raise Invalid(_("Choose one of this solution's indicators."), field="indicator")
    return indicator


def _measurement_region(solution: Solution, indicator: Indicator, code: str | None):
    code = _region_code(code)
    if indicator.region_code is not None:
        if code not in (None, indicator.region_code):
            raise Invalid(
                _(
                    "This indicator is measured in %(region)s only.",
                    region=region_label(indicator.region),
                ),
                field="region_code",
            )
        return indicator.region_code
    return _deploying_region(solution, code, "region_code")


def _measured_on(indicator: Indicator, value: date | None, today: date) -> date:
    value = _required_date(value, "measured_on")
    if value < indicator.baseline_on:
        raise Invalid(
            _(
                "A measurement cannot be dated before the indicator's baseline (%(date)s).",
                date=day_label(indicator.baseline_on),
            ),
            field="measured_on",
        )
    if value > today:
        raise Invalid(_("A measurement cannot be dated in the future."), field="measured_on")
    return value


def add_measurement(
    session: Session,
    actor,
    solution_id: int,
    indicator_id: int,
    *,
    value: str | float,
    measured_on: date | None,
    region_code: str | None = None,
    source: str = "",
) -> Measurement:
    """An editor records a dated value of one of the solution's indicators, for the region
    the indicator is for, or else for one of the deploying regions or the whole solution.
    One value per indicator, region and day: a wrong one is withdrawn, then recorded again."""
    solution = _solution_to_measure(session, actor, solution_id)
    indicator = _indicator_of(session, solution, indicator_id)
    problems = Problems()
    number = problems.check(parse_number, value, "value")
    measured_on = problems.check(_measured_on, indicator, measured_on, today_of(solution))
    region = problems.check(_measurement_region, solution, indicator, region_code)
    source = problems.check(check_text, source, "source", MAX_SOURCE, refuse_control=True)
    if measured_on is not None and not problems.failed("region_code"):
        taken = session.scalar(
            select(Measurement.id).where(
                Measurement.indicator_id == indicator.id,
                Measurement.region_code.is_(None)
                if region is None
                else Measurement.region_code == region,
                Measurement.measured_on == measured_on,
                Measurement.withdrawn_at.is_(None),
            )
        )
        if taken is not None:
            problems.add(
                _(
                    "There is already a value of this indicator for %(date)s here: withdraw it"
                    " first to correct it.",
                    date=day_label(measured_on),
                ),
                "measured_on",
            )
    problems.raise_found()
    measurement = Measurement(
        indicator=indicator,
        region_code=region,
        measured_on=measured_on,
        value=number,
        source=source,
        recorded_by_id=actor.id,
    )
    session.add(measurement)
    session.flush()
    record_change(
        session,
        actor=actor,
        action="solution.measurement_added",
        record=solution,
        summary=f"Recorded a value of the indicator {indicator.name} of the solution "
        f"{solution.title}",
        after={
            "measurement_id": measurement.id,
            "indicator_id": indicator.id,
            "region_code": region,
            "measured_on": measured_on,
            "value": number,
            "source": source,
        },
    )
    return measurement


def withdraw_measurement(session: Session, actor, measurement_id: int) -> Measurement:
    """Take a wrong value off the indicator (kept, marked withdrawn)."""
    measurement = session.scalar(
        select(Measurement).where(Measurement.id == measurement_id).with_for_update()
    )
    if measurement is None:
        raise NotFound(_("There is no such measurement."))
    solution = _solution_to_measure(session, actor, measurement.indicator.solution_id)
    if measurement.withdrawn_at is not None:
        raise Conflict(_("This value is already withdrawn."))
    measurement.withdrawn_at = clock.now()
    session.flush()
    record_change(
        session,
        actor=actor,
        action="solution.measurement_withdrawn",
        record=solution,
        summary=f"Withdrew a value of the indicator {measurement.indicator.name} of the "
        f"solution {solution.title}",
        before={"measurement_id": measurement.id, "withdrawn": False},
        after={"measurement_id": measurement.id, "withdrawn": True},
    )
    return measurement
