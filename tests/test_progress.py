"""Progress toward an indicator's target, with worked numbers for both directions and a
baseline of zero; reading typed numbers; the series per region and the headline progress."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from cop.errors import Invalid
from cop.solutions.models import Direction
from cop.solutions.progress import headline, indicator_series, parse_number, progress


def test_higher_is_better_halfway():
    # Baseline 10 SMEs, target 50, latest 30: 20 of the 40 to go.
    assert progress(10, 50, 30) == pytest.approx(0.5)
    assert progress(10, 50, 10) == 0.0
    assert progress(10, 50, 50) == 1.0


def test_lower_is_better_halfway_and_the_wrong_way():
    # Lead time of 40 days down to 10: at 25 days, 15 of the 30 days are won.
    assert progress(40, 10, 25) == pytest.approx(0.5)
    # At 45 days it went 5 days the wrong way: -5/30.
    assert progress(40, 10, 45) == pytest.approx(-1 / 6)
    assert progress(40, 10, 45) < 0


def test_a_baseline_of_zero():
    # From nothing to 200: 50 is a quarter of the way.
    assert progress(0, 200, 50) == pytest.approx(0.25)
    assert progress(0, 200, 0) == 0.0
    # Lower is better from zero (a balance going negative): 0 -> -4, at -1.
    assert progress(0, -4, -1) == pytest.approx(0.25)


def test_beyond_the_target():
    assert progress(10, 50, 70) == pytest.approx(1.5)
    assert progress(40, 10, 4) == pytest.approx(1.2)


def test_a_target_equal_to_the_baseline_has_no_progress():
    with pytest.raises(ValueError):
        progress(5, 5, 5)


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("12", 12.0),
        (" -3.5 ", -3.5),
        ("1,5", 1.5),
        ("12 500", 12500.0),
        ("12\u00a0500,25", 12500.25),
        ("1,234,567", 1234567.0),
        ("1,234.5", 1234.5),
        ("1.234,5", 1234.5),
        (".5", 0.5),
        ("1e6", 1_000_000.0),
        ("999 999 999 999 999", 999_999_999_999_999.0),
        ("0", 0.0),
        (7, 7.0),
        (2.5, 2.5),
    ],
)
def test_numbers_as_people_type_them(app, typed, number):
    with app.test_request_context():
        assert parse_number(typed, "value") == number


@pytest.mark.parametrize(
    ("typed", "language", "number"),
    [
        # One separator before three digits: as the reader's language writes numbers.
        ("1,500", "en", 1500.0),
        ("1,500", "fr", 1.5),
        ("1,500", "de", 1.5),
        ("1.500", "en", 1.5),
        ("1.500", "de", 1500.0),
        ("-12,250", "en", -12250.0),
        # Never ambiguous: a decimal whatever the language.
        ("0,500", "en", 0.5),
        ("1,5", "en", 1.5),
        ("1,2345", "en", 1.2345),
        ("1.234.567", "de", 1234567.0),
    ],
)
def test_a_lone_separator_before_three_digits_follows_the_language(app, typed, language, number):
    with app.test_request_context(headers={"Accept-Language": language}):
        assert parse_number(typed, "value") == number


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Please fill in this field."),
        ("   ", "Please fill in this field."),
        (None, "Please fill in this field."),
        ("abc", "Enter a number, such as 12 or 3.5."),
        ("12 SMEs", "Enter a number, such as 12 or 3.5."),
        ("1_000", "Enter a number, such as 12 or 3.5."),
        ("0x10", "Enter a number, such as 12 or 3.5."),
        ("nan", "Enter a number, such as 12 or 3.5: not “NaN” nor an infinity."),
        ("NaN", "Enter a number, such as 12 or 3.5: not “NaN” nor an infinity."),
        ("inf", "Enter a number, such as 12 or 3.5: not “NaN” nor an infinity."),
        ("-inf", "Enter a number, such as 12 or 3.5: not “NaN” nor an infinity."),
        ("Infinity", "Enter a number, such as 12 or 3.5: not “NaN” nor an infinity."),
        ("1e400", "Enter a number, such as 12 or 3.5: not “NaN” nor an infinity."),
        (float("nan"), "Enter a number, such as 12 or 3.5: not “NaN” nor an infinity."),
        (float("-inf"), "Enter a number, such as 12 or 3.5: not “NaN” nor an infinity."),
        (True, "Enter a number, such as 12 or 3.5."),
        ("1e22", "Enter a number of at most 15 digits before the decimal point."),
        ("-1 000 000 000 000 000", "Enter a number of at most 15 digits before the decimal point."),
        (10**400, "Enter a number, such as 12 or 3.5: not “NaN” nor an infinity."),
    ],
)
def test_what_is_not_a_finite_number_is_refused_with_a_clear_message(app, typed, message):
    with app.test_request_context(), pytest.raises(Invalid) as refused:
        parse_number(typed, "value")
    assert refused.value.message == message
    assert refused.value.field == "value"


def _indicator(baseline, target, *points):
    """An indicator and its measurements as plain objects: points are
    (region code or None, date, value[, withdrawn])."""
    measurements = [
        SimpleNamespace(
            id=number,
            region_code=point[0],
            measured_on=point[1],
            value=point[2],
            withdrawn_at="2026-01-01" if len(point) > 3 else None,
        )
        for number, point in enumerate(points, start=1)
    ]
    direction = Direction.HIGHER if target > baseline else Direction.LOWER
    return SimpleNamespace(
        baseline_value=baseline, target_value=target, direction=direction, measurements=measurements
    )


def test_a_series_per_region_oldest_first_with_its_latest_value_and_progress():
    indicator = _indicator(
        10,
        50,
        ("BE10", date(2025, 3, 1), 14),
        ("AT13", date(2025, 2, 1), 20),
        ("BE10", date(2025, 1, 1), 12),
        ("AT13", date(2025, 6, 1), 99, "withdrawn"),  # a withdrawn value does not count
        ("AT13", date(2025, 5, 1), 40),
    )

    series = indicator_series(indicator, indicator.measurements)

    assert [one.region_code for one in series] == ["AT13", "BE10"]
    austria, brussels = series
    assert austria.points == [(date(2025, 2, 1), 20), (date(2025, 5, 1), 40)]
    assert (austria.latest, austria.latest_on) == (40, date(2025, 5, 1))
    assert austria.progress == pytest.approx(0.75)  # 30 of 40
    assert brussels.points == [(date(2025, 1, 1), 12), (date(2025, 3, 1), 14)]
    assert brussels.progress == pytest.approx(0.1)  # 4 of 40
    # Without a whole-solution series, the headline is the regions' mean: (0.75 + 0.1) / 2.
    assert headline(indicator, series) == pytest.approx(0.425)


def test_the_whole_solution_series_comes_first_and_makes_the_headline():
    # Lower is better: 40 days down to 10.
    indicator = _indicator(
        40,
        10,
        ("BE10", date(2025, 3, 1), 10),
        (None, date(2025, 2, 1), 34),
        (None, date(2025, 4, 1), 31),
    )

    series = indicator_series(indicator)  # the indicator's own measurements

    assert [one.region_code for one in series] == [None, "BE10"]
    assert series[0].latest == 31
    assert series[0].progress == pytest.approx(0.3)  # 9 of 30 days
    assert series[1].progress == pytest.approx(1.0)
    assert headline(indicator, series) == pytest.approx(0.3)


def test_an_indicator_without_measurements_has_no_series_and_no_progress():
    indicator = _indicator(0, 200)
    assert indicator_series(indicator) == []
    assert headline(indicator, []) is None
    only_withdrawn = _indicator(0, 200, (None, date(2025, 1, 1), 5, "withdrawn"))
    assert indicator_series(only_withdrawn) == []


def test_on_the_same_day_the_later_recorded_value_is_the_latest():
    indicator = _indicator(0, 200, (None, date(2025, 1, 1), 5), (None, date(2025, 1, 1), 50))
    [series] = indicator_series(indicator)
    assert series.latest == 50
    assert series.progress == pytest.approx(0.25)
