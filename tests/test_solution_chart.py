"""The server-side SVG chart of an indicator: well-formed, every text escaped, its axes
covering the baseline, the target and every measurement, and sensible for one point or for
values all equal."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date

import pytest

from cop.solutions.chart import LEFT, indicator_chart

SVG = "{http://www.w3.org/2000/svg}"


@dataclass
class Indicator:
    name: str = "SMEs with a digital project"
    unit: str = "SMEs"
    baseline_value: float = 10.0
    baseline_on: date = date(2025, 1, 1)
    target_value: float = 50.0
    target_on: date = date(2027, 12, 31)


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context():
        yield


def draw(indicator=None, lines=(), chart_id="chart-1") -> ET.Element:
    svg = str(indicator_chart(indicator or Indicator(), list(lines), chart_id=chart_id))
    return ET.fromstring(svg)  # noqa: S314 - our own output; raises when not well-formed


def texts(root: ET.Element) -> list[str]:
    return ["".join(node.itertext()) for node in root.iter(f"{SVG}text")]


def test_the_chart_is_an_image_with_a_title_and_a_description():
    root = draw(lines=[("Norte", [(date(2025, 6, 1), 20.0), (date(2026, 1, 1), 30.0)])])
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart-1-title chart-1-desc"
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title.get("id") == "chart-1-title" and title.text == "Chart: SMEs with a digital project"
    assert desc.get("id") == "chart-1-desc"
    assert "baseline 10 SMEs" in desc.text and "target 50 SMEs" in desc.text
    assert "2 measurements" in desc.text
    assert not list(root.iter(f"{SVG}script"))


def test_baseline_and_target_are_dashed_labelled_lines():
    root = draw()
    groups = {group.get("class"): group for group in root.iter(f"{SVG}g")}
    for css, label in (
        ("chart-baseline", "Baseline: 10 SMEs"),
        ("chart-target", "Target: 50 SMEs"),
    ):
        line = groups[css].find(f"{SVG}line")
        assert line.get("stroke-dasharray")
        assert float(line.get("y1")) == float(line.get("y2"))  # horizontal
        assert "".join(groups[css].find(f"{SVG}text").itertext()).startswith(label)
    # Higher is better: the target's line is above the baseline's (smaller y).
    baseline_y = float(groups["chart-baseline"].find(f"{SVG}line").get("y1"))
    target_y = float(groups["chart-target"].find(f"{SVG}line").get("y1"))
    assert target_y < baseline_y
    assert "No measurement yet." in texts(root)


def test_one_line_and_a_marker_per_measurement_for_each_series():
    root = draw(
        lines=[
            ("Whole solution", [(date(2025, 6, 1), 20.0), (date(2025, 9, 1), 25.0)]),
            (
                "Norte",
                [(date(2025, 3, 1), 12.0), (date(2025, 6, 1), 15.0), (date(2026, 1, 1), 40.0)],
            ),
        ]
    )
    series = [g for g in root.iter(f"{SVG}g") if (g.get("class") or "").startswith("chart-series")]
    assert len(series) == 2
    assert all(len(group.findall(f"{SVG}polyline")) == 1 for group in series)
    polyline = series[1].find(f"{SVG}polyline")
    assert len(polyline.get("points").split()) == 3
    # Each marker says its value and date (a tooltip); the legend names each series.
    marker_titles = ["".join(t.itertext()) for t in series[1].iter(f"{SVG}title")]
    assert "Norte: 40 SMEs on Jan 1, 2026" in marker_titles
    assert {"Whole solution", "Norte"} <= set(texts(root))


def test_the_axes_cover_the_baseline_target_and_every_value():
    """x from the baseline date to the later of the target date and the last measurement; y
    from below the lowest to above the highest of baseline, target and values."""
    late = date(2028, 6, 1)  # measured after the target date
    root = draw(lines=[("Norte", [(date(2025, 6, 1), -5.0), (late, 80.0)])])
    dates = [t for t in texts(root) if re.search(r"\d{4}$", t)]
    assert dates[:2] == ["Jan 1, 2025", "Jun 1, 2028"]
    width = float(root.get("viewBox").split()[2])
    points = [
        tuple(float(n) for n in pair.split(","))
        for pair in root.find(f".//{SVG}polyline").get("points").split()
    ]
    axes = root.find(f".//{SVG}g[@class='chart-axes']").findall(f"{SVG}line")
    top, bottom = float(axes[0].get("y1")), float(axes[0].get("y2"))
    left, right = float(axes[1].get("x1")), float(axes[1].get("x2"))
    assert right < width
    for x, y in points:
        assert left <= x <= right and top <= y <= bottom
    assert points[-1][0] == right  # the last measurement ends the time axis
    ticks = [float(t) for t in texts(root) if re.fullmatch(r"-?[\d,]+(\.\d+)?", t)]
    assert min(ticks) <= 0 and max(ticks) >= 80


def test_hostile_names_are_escaped():
    hostile = Indicator(
        name='<script>alert("x")</script> & "quotes"',
        unit="<b>units</b>",
    )
    svg = str(
        indicator_chart(
            hostile,
            [("</text><script>alert(1)</script>", [(date(2025, 6, 1), 20.0)])],
            chart_id='x" onload="alert(1)',
        )
    )
    assert "<script" not in svg and "<b>" not in svg
    assert 'onload="alert(1)' not in svg
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    assert root.find(f"{SVG}title").text == 'Chart: <script>alert("x")</script> & "quotes"'
    assert "</text><script>alert(1)</script>" in texts(root)


def test_a_single_point_draws_a_marker_without_a_line():
    root = draw(lines=[("Norte", [(date(2025, 6, 1), 20.0)])])
    series = root.find(f".//{SVG}g[@class='chart-series chart-series-1']")
    assert series.find(f"{SVG}polyline") is None
    assert series.find(f"{SVG}circle") is not None


def test_equal_values_and_a_zero_baseline_still_draw():
    """Every value equal to the baseline: the y range is still some height, never a division
    by zero; a baseline of zero too."""
    flat = Indicator(baseline_value=0.0, target_value=0.0, target_on=date(2025, 1, 1))
    root = draw(flat, lines=[("Norte", [(date(2025, 1, 1), 0.0), (date(2025, 1, 1), 0.0)])])
    for node in root.iter():
        for name in ("x", "y", "x1", "y1", "x2", "y2", "cx", "cy"):
            value = node.get(name)
            if value is not None:
                assert value not in ("nan", "inf", "-inf")
    root = draw(
        Indicator(baseline_value=0.0, target_value=200.0), [("A", [(date(2025, 2, 1), 50.0)])]
    )
    assert "Baseline: 0 SMEs" in texts(root)


def test_values_that_are_not_finite_are_left_out():
    root = draw(lines=[("Norte", [(date(2025, 6, 1), float("nan")), (date(2025, 7, 1), 20.0)])])
    markers = root.findall(f".//{SVG}g[@class='chart-series chart-series-1']/{SVG}circle")
    assert len(markers) == 1


def test_the_description_counts_the_measurements_and_names_a_table_only_with_values():
    """Found trying the pages: "1 measurements", and a description sending people to "the
    table beside the chart" for an indicator with no value yet, where there is no table."""
    one = draw(lines=[("Norte", [(date(2025, 6, 1), 20.0)])]).find(f"{SVG}desc").text
    assert "1 measurement:" in one and "1 measurements" not in one
    assert "the table beside the chart gives its value" in one
    none = draw(lines=[]).find(f"{SVG}desc").text
    assert "No measurement yet." in none and "table" not in none


def test_a_long_unit_stays_inside_the_drawing():
    # Written rightwards from the top of the value axis: ending at the axis, as before, a long
    # unit ran off the chart's left edge.
    root = draw(Indicator(unit="companies per 1,000 inhabitants"))
    unit = next(node for node in root.iter(f"{SVG}text") if node.get("class") == "chart-unit")
    assert unit.text == "companies per 1,000 inhabitants"
    assert (float(unit.get("x")), unit.get("text-anchor")) == (LEFT, "start")
