"""The CSV exports of a group's solutions, for its members: the solutions, their indicators
with the progress toward target, and every measurement.

Each export reads the group in a fixed number of queries whatever its size, and writes
cells a spreadsheet shows as text: a cell of people's text that would start a formula gets a
leading apostrophe. Internal notes are never exported; withdrawn indicators and
measurements are left out."""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from cop.challenges.models import Challenge
from cop.meetings.participants import safe_cell
from cop.members.models import User, WorkingGroup
from cop.solutions.labels import DIRECTION_LABELS, STAGE_LABELS, UPDATE_STATUS_LABELS
from cop.solutions.models import (
    Indicator,
    Measurement,
    Solution,
    solution_challenges,
    solution_co_owners,
    solution_regions,
)
from cop.solutions.progress import headline, indicator_series

# Several values in one cell (co-owners, challenges, regions) are joined with this.
SEPARATOR = "; "


def csv_text(rows: Iterable[list]) -> str:
    """The rows as CSV, with a byte-order mark so that spreadsheet programs read UTF-8."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


def cell(value: object) -> str:
    """A cell: numbers as plain digits (a whole number without ".0"), dates as ISO, text made
    formula-safe (numbers and dates we write are safe already: "-3.5" is a number)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    return safe_cell(value)


def _row(*values: object) -> list[str]:
    return [cell(value) for value in values]


def _grouped(rows) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    for key, value in rows:
        found[key].append(value)
    return found


def solution_rows(session: Session, group: WorkingGroup) -> list[list[str]]:
    """One row per solution of the group (a header first), oldest first. Four queries."""
    solutions = session.scalars(
        select(Solution)
        .where(Solution.group_id == group.id)
        .options(joinedload(Solution.owner))
        .order_by(Solution.id)
    ).all()
    in_group = select(Solution.id).where(Solution.group_id == group.id)
    co_owners = _grouped(
        session.execute(
            select(solution_co_owners.c.solution_id, User.name)
            .join(User, User.id == solution_co_owners.c.user_id)
            .where(solution_co_owners.c.solution_id.in_(in_group))
            .order_by(User.name, User.id)
        )
    )
    challenges = _grouped(
        session.execute(
            select(solution_challenges.c.solution_id, Challenge.title)
            .join(Challenge, Challenge.id == solution_challenges.c.challenge_id)
            .where(solution_challenges.c.solution_id.in_(in_group))
            .order_by(Challenge.id)
        )
    )
    regions = _grouped(
        session.execute(
            select(solution_regions.c.solution_id, solution_regions.c.region_code)
            .where(solution_regions.c.solution_id.in_(in_group))
            .order_by(solution_regions.c.region_code)
        )
    )
    rows = [
        [
            _("Solution id"),
            _("Title"),
            _("Stage"),
            _("Status"),
            _("Last update"),
            _("Owner"),
            _("Co-owners"),
            _("Challenges"),
            _("Regions"),
            _("Starts"),
            _("Planned end"),
            _("Public"),
            _("Page"),
        ]
    ]
    for solution in solutions:
        rows.append(
            _row(
                solution.id,
                solution.title,
                str(STAGE_LABELS[solution.stage]),
                str(UPDATE_STATUS_LABELS[solution.status]) if solution.status else "",
                solution.last_update_on,
                solution.owner.name,
                SEPARATOR.join(co_owners[solution.id]),
                SEPARATOR.join(challenges[solution.id]),
                SEPARATOR.join(regions[solution.id]),
                solution.starts_on,
                solution.planned_end_on,
                solution.public,
                url_for("solutions.solution", solution_id=solution.id, _external=True),
            )
        )
    return rows


def indicator_rows(session: Session, group: WorkingGroup) -> list[list[str]]:
    """One row per indicator of the group's solutions (a header first), with its latest value
    and its progress toward target in percent. Two queries.

    The latest value is the whole solution's (or, for an indicator of one region, that
    region's); an indicator measured region by region only has no single latest value (the
    measurements export has them) and its progress is the mean of its regions'."""
    indicators = session.scalars(
        select(Indicator)
        .join(Solution, Solution.id == Indicator.solution_id)
        .where(Solution.group_id == group.id, Indicator.withdrawn_at.is_(None))
        .order_by(Indicator.solution_id, Indicator.id)
    ).all()
    measurements: dict[int, list[Measurement]] = defaultdict(list)
    for measurement in session.scalars(
        select(Measurement)
        # The series keep each measurement's region: loaded with it, not one query each.
        .options(joinedload(Measurement.region))
        .join(Indicator, Indicator.id == Measurement.indicator_id)
        .join(Solution, Solution.id == Indicator.solution_id)
        .where(
            Solution.group_id == group.id,
            Indicator.withdrawn_at.is_(None),
            Measurement.withdrawn_at.is_(None),
        )
    ):
        measurements[measurement.indicator_id].append(measurement)
    rows = [
        [
            _("Indicator id"),
            _("Solution id"),
            _("Name"),
            _("Unit"),
            _("Direction"),
            _("Baseline value"),
            _("Baseline date"),
            _("Target value"),
            _("Target date"),
            _("Region"),
            _("Latest value"),
            _("Latest measured on"),
            _("Progress toward target (%)"),
        ]
    ]
    for indicator in indicators:
        series = indicator_series(indicator, measurements[indicator.id])
        own = next((s for s in series if s.region_code in (None, indicator.region_code)), None)
        progress = headline(indicator, series)
        rows.append(
            _row(
                indicator.id,
                indicator.solution_id,
                indicator.name,
                indicator.unit,
                str(DIRECTION_LABELS[indicator.direction]),
                indicator.baseline_value,
                indicator.baseline_on,
                indicator.target_value,
                indicator.target_on,
                indicator.region_code,
                own.latest if own else None,
                own.latest_on if own else None,
                # A target a hair from the baseline can make it infinite: left blank.
                round(progress * 100, 1)
                if progress is not None and math.isfinite(progress)
                else None,
            )
        )
    return rows


def measurement_rows(session: Session, group: WorkingGroup) -> list[list[str]]:
    """Every measurement of the group's indicators (a header first), by indicator and date.
    One query."""
    found = session.execute(
        select(
            Measurement.indicator_id,
            Indicator.solution_id,
            Measurement.measured_on,
            Measurement.region_code,
            Measurement.value,
            Measurement.source,
        )
        .join(Indicator, Indicator.id == Measurement.indicator_id)
        .join(Solution, Solution.id == Indicator.solution_id)
        .where(
            Solution.group_id == group.id,
            Indicator.withdrawn_at.is_(None),
            Measurement.withdrawn_at.is_(None),
        )
        .order_by(
            Indicator.solution_id,
            Measurement.indicator_id,
            Measurement.measured_on,
            Measurement.region_code,
            Measurement.id,
        )
    )
    rows = [
        [
            _("Indicator id"),
            _("Solution id"),
            _("Date"),
            _("Region"),
            _("Value"),
            _("Source"),
        ]
    ]
    rows.extend(_row(*values) for values in found)
    return rows
