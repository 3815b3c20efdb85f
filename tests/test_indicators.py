"""The indicators of a solution and their measurements: who may set them, every bad input
(its message, the field, and nothing written), and what stays fixed once values exist."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from cop import clock
from cop.audit.models import AuditEntry
from cop.errors import Conflict, Invalid, NotAllowed, NotFound
from cop.members.models import Role
from cop.solutions import indicators
from cop.solutions.indicators import IndicatorDetails
from cop.solutions.models import Direction, Indicator, Measurement, SolutionStage
from tests.factories import (
    make_group,
    make_indicator,
    make_measurement,
    make_membership,
    make_solution,
    make_user,
)

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # 10:00 in Brussels
TODAY = date(2026, 11, 26)


def written(session) -> tuple[int, int, int]:
    """What a refused change must leave as it was: indicators, measurements, audit rows."""
    session.expire_all()
    return tuple(
        session.scalar(select(func.count()).select_from(model))
        for model in (Indicator, Measurement, AuditEntry)
    )


def details(**values) -> IndicatorDetails:
    return IndicatorDetails(
        **{
            "name": "SMEs with a first digital project",
            "unit": "SMEs",
            "direction": Direction.HIGHER,
            "baseline_value": "10",
            "baseline_on": date(2025, 1, 1),
            "target_value": "50",
            "target_on": date(2027, 12, 31),
            "region_code": None,
            **values,
        }
    )


@pytest.fixture
def world(app, session):
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    other = make_group(session, slug="industrial-transition")
    people = {
        name: make_user(session, name=name.title())
        for name in ("owner", "co_owner", "coordinator", "member", "outsider")
    }
    make_membership(session, people["owner"], group)
    make_membership(session, people["co_owner"], group)
    make_membership(session, people["coordinator"], group, role=Role.COORDINATOR)
    make_membership(session, people["member"], group)
    make_membership(session, people["outsider"], other)
    solution = make_solution(
        session,
        group,
        people["owner"],
        co_owners=(people["co_owner"],),
        region_codes=("BE10", "AT13"),
        title="Digital vouchers",
    )
    another = make_solution(session, group, people["member"], title="Another solution")
    foreign = make_indicator(session, another, name="Their indicator")
    session.commit()
    with clock.fixed_at(NOW), app.test_request_context():
        yield {
            "group": group,
            "solution": solution,
            "another": another,
            "foreign": foreign,
            **people,
        }


def test_an_owner_sets_an_indicator_with_its_baseline_and_target(session, world):
    indicator = indicators.add_indicator(
        session,
        world["owner"],
        world["solution"].id,
        details(baseline_value="1 000,5", target_value=2000, region_code="at13"),
    )
    session.commit()

    assert indicator.solution_id == world["solution"].id
    assert (indicator.baseline_value, indicator.target_value) == (1000.5, 2000.0)
    assert indicator.region_code == "AT13"
    entry = session.scalar(
        select(AuditEntry).where(AuditEntry.action == "solution.indicator_added")
    )
    assert entry.record_type == "solutions"
    assert entry.record_id == str(world["solution"].id)
    assert entry.after["unit"] == "SMEs"


@pytest.mark.parametrize("who", ["co_owner", "coordinator"])
def test_co_owners_and_coordinators_set_indicators_too(session, world, who):
    indicators.add_indicator(session, world[who], world["solution"].id, details())
    assert written(session)[0] == 2


def test_a_member_who_does_not_own_it_may_not_and_others_do_not_see_it(session, world):
    before = written(session)
    with pytest.raises(NotAllowed):
        indicators.add_indicator(session, world["member"], world["solution"].id, details())
    with pytest.raises(NotFound):
        indicators.add_indicator(session, world["outsider"], world["solution"].id, details())
    assert written(session) == before


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (
            {"target_value": "10"},
            "target_value",
            "The target must differ from the baseline: progress is measured from one to the other.",
        ),
        (
            {"target_value": "10,0", "baseline_value": "10"},
            "target_value",
            "The target must differ from the baseline: progress is measured from one to the other.",
        ),
        (
            {"target_value": "5"},
            "target_value",
            "Higher is better for this indicator: set a target above the baseline.",
        ),
        (
            {"direction": "lower", "baseline_value": "40", "target_value": "60"},
            "target_value",
            "Lower is better for this indicator: set a target below the baseline.",
        ),
        (
            {"target_on": date(2025, 1, 1)},
            "target_on",
            "The target date must come after the baseline date.",
        ),
        (
            {"region_code": "PT11"},
            "region_code",
            "Choose one of the regions deploying this solution, or none for the whole of it.",
        ),
        ({"baseline_value": "abc"}, "baseline_value", "Enter a number, such as 12 or 3.5."),
        (
            {"baseline_value": "nan"},
            "baseline_value",
            "Enter a number, such as 12 or 3.5: not “NaN” nor an infinity.",
        ),
        (
            {"target_value": "inf"},
            "target_value",
            "Enter a number, such as 12 or 3.5: not “NaN” nor an infinity.",
        ),
        (
            {"target_value": "1e400"},
            "target_value",
            "Enter a number, such as 12 or 3.5: not “NaN” nor an infinity.",
        ),
        ({"name": "  "}, "name", "Please fill in this field."),
        ({"unit": ""}, "unit", "Please fill in this field."),
        ({"direction": "sideways"}, "direction", "Choose one of the options."),
        ({"baseline_on": None}, "baseline_on", "Please fill in this field."),
    ],
)
def test_bad_indicators_are_refused_with_a_message_and_nothing_written(
    session, world, values, field, message
):
    before = written(session)
    with pytest.raises(Invalid) as refused:
        indicators.add_indicator(session, world["owner"], world["solution"].id, details(**values))
    assert (refused.value.field, refused.value.message) == (field, message)
    session.rollback()
    assert written(session) == before


def test_every_problem_of_the_form_is_given_at_once(session, world):
    with pytest.raises(Invalid) as refused:
        indicators.add_indicator(
            session,
            world["owner"],
            world["solution"].id,
            details(name="", baseline_value="abc", target_on=date(2024, 1, 1)),
        )
    assert {problem.field for problem in refused.value.problems} == {
        "name",
        "baseline_value",
        "target_on",
    }


def test_the_unit_may_change_before_measurements_and_not_after(session, world):
    indicator = make_indicator(session, world["solution"], unit="SMEs")
    session.commit()

    indicators.update_indicator(session, world["owner"], indicator.id, details(unit="companies"))
    session.commit()
    assert indicator.unit == "companies"

    make_measurement(session, indicator, 12, date(2025, 6, 1))
    session.commit()
    before = written(session)
    with pytest.raises(Invalid) as refused:
        indicators.update_indicator(
            session, world["owner"], indicator.id, details(unit="firms", name="Renamed")
        )
    assert refused.value.field == "unit"
    assert refused.value.message == (
        "This indicator has measurements in “companies”: its unit can no longer change."
        " Withdraw this indicator and add a new one to measure in another unit."
    )
    session.rollback()
    assert written(session) == before
    assert session.get(Indicator, indicator.id).name != "Renamed"

    # Its other details still change, with the same unit.
    indicators.update_indicator(
        session, world["owner"], indicator.id, details(unit="companies", target_value="80")
    )
    session.commit()
    assert session.get(Indicator, indicator.id).target_value == 80.0
    changed = session.scalar(
        select(AuditEntry).where(AuditEntry.action == "solution.indicator_changed")
    )
    assert changed is not None


def test_once_measured_the_baseline_cannot_move_after_the_first_value_nor_the_region(
    session, world
):
    indicator = make_indicator(session, world["solution"], unit="SMEs", region_code="BE10")
    make_measurement(session, indicator, 12, date(2025, 6, 1), region_code="BE10")
    session.commit()

    with pytest.raises(Invalid) as refused:
        indicators.update_indicator(
            session,
            world["owner"],
            indicator.id,
            details(baseline_on=date(2025, 7, 1), region_code="AT13"),
        )
    problems = {problem.field: problem.message for problem in refused.value.problems}
    assert problems == {
        "baseline_on": "The first measurement is dated 1 June 2025: the baseline cannot be later.",
        "region_code": "This indicator has measurements: the region it is for can no longer"
        " change.",
    }


def test_a_withdrawn_indicator_is_kept_and_changes_no_more(session, world):
    indicator = make_indicator(session, world["solution"])
    session.commit()

    indicators.withdraw_indicator(session, world["coordinator"], indicator.id)
    session.commit()

    assert session.get(Indicator, indicator.id).withdrawn_at == NOW
    with pytest.raises(Conflict):
        indicators.withdraw_indicator(session, world["coordinator"], indicator.id)
    with pytest.raises(Conflict):
        indicators.update_indicator(session, world["owner"], indicator.id, details())
    with pytest.raises(Invalid) as refused:
        indicators.add_measurement(
            session, world["owner"], world["solution"].id, indicator.id,
            value="3", measured_on=TODAY, region_code=None, source="",
        )  # fmt: skip
    assert refused.value.field == "indicator"


# --- Measurements ---------------------------------------------------------------------------


def measure(session, world, indicator, **values):
    arguments = {"value": "12", "measured_on": date(2025, 6, 1), "region_code": None,
                 "source": "Agency survey", **values}  # fmt: skip
    return indicators.add_measurement(
        session, world["owner"], world["solution"].id, indicator.id, **arguments
    )


def test_an_owner_records_a_dated_value_with_its_source(session, world):
    indicator = make_indicator(session, world["solution"])
    session.commit()

    measurement = measure(session, world, indicator, value="12,5", region_code="be10")
    session.commit()

    assert (measurement.value, measurement.region_code) == (12.5, "BE10")
    assert measurement.measured_on == date(2025, 6, 1)
    assert measurement.source == "Agency survey"
    assert measurement.recorded_by_id == world["owner"].id
    entry = session.scalar(
        select(AuditEntry).where(AuditEntry.action == "solution.measurement_added")
    )
    assert entry.after["value"] == 12.5
    # A value dated today (in the group's time zone) is not in the future.
    measure(session, world, indicator, measured_on=TODAY)


def test_an_indicator_for_one_region_takes_its_values_there(session, world):
    indicator = make_indicator(session, world["solution"], region_code="AT13")
    session.commit()

    assert measure(session, world, indicator).region_code == "AT13"  # none said: its region
    with pytest.raises(Invalid) as refused:
        measure(session, world, indicator, region_code="BE10", measured_on=date(2025, 7, 1))
    assert refused.value.field == "region_code"
    assert refused.value.message == "This indicator is measured in Wien, Austria only."


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (
            {"measured_on": date(2024, 12, 31)},
            "measured_on",
            "A measurement cannot be dated before the indicator's baseline (1 January 2025).",
        ),
        (
            {"measured_on": date(2026, 11, 27)},
            "measured_on",
            "A measurement cannot be dated in the future.",
        ),
        ({"measured_on": None}, "measured_on", "Please fill in this field."),
        ({"value": "abc"}, "value", "Enter a number, such as 12 or 3.5."),
        (
            {"value": "nan"},
            "value",
            "Enter a number, such as 12 or 3.5: not “NaN” nor an infinity.",
        ),
        (
            {"value": "inf"},
            "value",
            "Enter a number, such as 12 or 3.5: not “NaN” nor an infinity.",
        ),
        (
            {"value": "-inf"},
            "value",
            "Enter a number, such as 12 or 3.5: not “NaN” nor an infinity.",
        ),
        (
            {"value": "1e400"},
            "value",
            "Enter a number, such as 12 or 3.5: not “NaN” nor an infinity.",
        ),
        ({"value": ""}, "value", "Please fill in this field."),
        (
            {"region_code": "PT11"},
            "region_code",
            "Choose one of the regions deploying this solution, or none for the whole of it.",
        ),
        ({"source": "x" * 501}, "source", "Use at most 500 characters."),
    ],
)
def test_bad_measurements_are_refused_with_a_message_and_nothing_written(
    session, world, values, field, message
):
    indicator = make_indicator(session, world["solution"], baseline_on=date(2025, 1, 1))
    session.commit()
    before = written(session)

    with pytest.raises(Invalid) as refused:
        measure(session, world, indicator, **values)

    assert (refused.value.field, refused.value.message) == (field, message)
    session.rollback()
    assert written(session) == before


def test_a_measurement_in_the_future_is_the_group_s_tomorrow(app, session, world):
    """At 23:30 UTC on 26 November it is already the 27th in Brussels: a value dated the
    27th is not in the future there."""
    indicator = make_indicator(session, world["solution"])
    session.commit()
    with clock.fixed_at(datetime(2026, 11, 26, 23, 30, tzinfo=UTC)):
        measure(session, world, indicator, measured_on=date(2026, 11, 27))
        with pytest.raises(Invalid):
            measure(session, world, indicator, measured_on=date(2026, 11, 28))


def test_a_forged_indicator_of_another_solution_is_refused_and_nothing_written(session, world):
    before = written(session)
    for forged in (world["foreign"].id, 10**12, -1, "abc", None):
        with pytest.raises(Invalid) as refused:
            indicators.add_measurement(
                session, world["owner"], world["solution"].id, forged,
                value="12", measured_on=date(2025, 6, 1), region_code=None, source="",
            )  # fmt: skip
        assert refused.value.field == "indicator"
        assert refused.value.message == "Choose one of this solution's indicators."
    session.rollback()
    assert written(session) == before
    assert world["foreign"].measurements == []


def test_one_value_per_indicator_region_and_day(session, world):
    indicator = make_indicator(session, world["solution"])
    first = measure(session, world, indicator, value="12")
    session.commit()

    with pytest.raises(Invalid) as refused:
        measure(session, world, indicator, value="13")
    assert refused.value.field == "measured_on"
    assert refused.value.message == (
        "There is already a value of this indicator for 1 June 2025 here: withdraw it first to"
        " correct it."
    )
    session.rollback()
    # Another region the same day is another value.
    measure(session, world, indicator, value="4", region_code="BE10")
    # A wrong value is withdrawn (kept), then recorded again.
    indicators.withdraw_measurement(session, world["co_owner"], first.id)
    corrected = measure(session, world, indicator, value="13")
    session.commit()
    assert session.get(Measurement, first.id).withdrawn_at == NOW
    assert corrected.value == 13.0
    with pytest.raises(Conflict):
        indicators.withdraw_measurement(session, world["owner"], first.id)
    with pytest.raises(NotAllowed):
        indicators.withdraw_measurement(session, world["member"], corrected.id)


def test_members_who_do_not_own_it_record_no_values(session, world):
    indicator = make_indicator(session, world["solution"])
    session.commit()
    before = written(session)
    with pytest.raises(NotAllowed):
        indicators.add_measurement(
            session, world["member"], world["solution"].id, indicator.id,
            value="1", measured_on=date(2025, 6, 1), region_code=None, source="",
        )  # fmt: skip
    assert written(session) == before


@pytest.mark.parametrize("stage", [SolutionStage.COMPLETED, SolutionStage.DISCONTINUED])
def test_a_closed_solution_s_indicators_stay_as_they_were(session, world, stage):
    indicator = make_indicator(session, world["solution"])
    world["solution"].stage = stage
    world["solution"].discontinue_reason = "Done."
    session.commit()
    with pytest.raises(Conflict):
        measure(session, world, indicator)
    with pytest.raises(Conflict):
        indicators.add_indicator(session, world["owner"], world["solution"].id, details())
