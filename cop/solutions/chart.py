"""The chart of an indicator's measurements against its baseline and target, drawn on the server
as SVG: no JavaScript, no chart library. The page puts a table of the same values beside it for
screen readers; the chart itself is one image with a title and a description.

A pure function of the values it is given: every text in it (names, units, regions) is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import date, timedelta

from flask_babel import format_date, format_decimal, ngettext
from flask_babel import gettext as _
from markupsafe import Markup, escape

# The drawing's size in its own units (it scales to the width of its box).
WIDTH = 640
PLOT_HEIGHT = 260
LEFT, RIGHT, TOP = 76, 20, 20
AXIS_LABELS = 34  # under the plot: the dates
LEGEND_ROW = 20
TICKS = 5
# Series are told apart by their colour and by their marker's shape (not colour alone).
COLOURS = ("#0b4f8a", "#b3541e", "#1d6b35", "#6a3d9a", "#8a5a00", "#a4161a")
MARKERS = ("circle", "square", "diamond", "triangle")

Point = tuple[date, float]
Line = tuple[str, Sequence[Point]]


def format_value(value: float) -> str:
    """A value as people read it in their language, without a float's noise."""
    if value == int(value) and abs(value) < 1e15:
        return format_decimal(int(value))
    return format_decimal(round(value, 6), format="#,##0.######")


def _day(value: date) -> str:
    return format_date(value, "medium")


def _ticks(low: float, high: float) -> list[float]:
    """Round values (1, 2 or 5 times a power of ten apart) between `low` and `high`, about
    TICKS of them; none when the range is beyond what a float measures."""
    raw = (high - low) / TICKS
    if not math.isfinite(raw) or raw <= 0:
        return []
    power = 10 ** math.floor(math.log10(raw))
    step = next(factor * power for factor in (1, 2, 5, 10) if raw <= factor * power)
    first = math.ceil(low / step)
    return [
        round(tick * step, 10)
        for tick in range(first, first + 2 * TICKS)
        if tick * step <= high + step * 1e-9
    ]


def _value_range(values: list[float]) -> tuple[float, float]:
    """A range covering every value, with some room; a range even for one value alone."""
    low, high = min(values), max(values)
    if low == high:
        room = abs(low) * 0.1 or 1.0
        return low - room, high + room
    room = (high - low) * 0.08
    return low - room, high + room


def _f(value: float) -> str:
    """A coordinate, short."""
    return f"{value:.1f}"


def _marker(shape: str, x: float, y: float, colour: str, label: str) -> str:
    title = f"<title>{escape(label)}</title>"
    if shape == "square":
        return (
            f'<rect x="{_f(x - 4)}" y="{_f(y - 4)}" width="8" height="8" fill="{colour}">'
            f"{title}</rect>"
        )
    if shape == "diamond":
        points = f"{_f(x)},{_f(y - 5)} {_f(x + 5)},{_f(y)} {_f(x)},{_f(y + 5)} {_f(x - 5)},{_f(y)}"
        return f'<polygon points="{points}" fill="{colour}">{title}</polygon>'
    if shape == "triangle":
        points = f"{_f(x)},{_f(y - 5)} {_f(x + 5)},{_f(y + 4)} {_f(x - 5)},{_f(y + 4)}"
        return f'<polygon points="{points}" fill="{colour}">{title}</polygon>'
    return f'<circle cx="{_f(x)}" cy="{_f(y)}" r="4.5" fill="{colour}">{title}</circle>'


def indicator_chart(
    indicator,
    lines: Sequence[Line],
    *,
    chart_id: str,
    number: Callable[[float], str] = format_value,
    day: Callable[[date], str] = _day,
) -> Markup:
    """The SVG chart of `indicator` (its name, unit, baseline and target values and dates):
    `lines` are its series, each (label, [(date, value), ...] in date order), one per region
    or for the whole solution. `chart_id` makes the ids of its title and description unique
    on the page.

    x runs from the baseline date to the target date or the last measurement, whichever is
    later; y covers the baseline, the target and every value. The baseline and the target are
    dashed lines, labelled; each series is a line with a marker per measurement."""
    baseline, target = float(indicator.baseline_value), float(indicator.target_value)
    unit = indicator.unit or ""
    lines = [
        (label, [(on, float(value)) for on, value in points if math.isfinite(float(value))])
        for label, points in lines
    ]
    drawn = [(label, points) for label, points in lines if points]
    measured = [point for _label, points in drawn for point in points]
    start = indicator.baseline_on
    end = max([indicator.target_on, *(on for on, _value in measured)])
    if end <= start:
        end = start + timedelta(days=1)
    low, high = _value_range([baseline, target, *(value for _on, value in measured)])

    plot_right = WIDTH - RIGHT
    plot_bottom = TOP + PLOT_HEIGHT
    height = plot_bottom + AXIS_LABELS + LEGEND_ROW * max(1, len(drawn)) + 8
    span_days = (end - start).days

    def x(on: date) -> float:
        return LEFT + (on - start).days / span_days * (plot_right - LEFT)

    def y(value: float) -> float:
        return plot_bottom - (value - low) / (high - low) * (plot_bottom - TOP)

    def with_unit(value: float) -> str:
        return f"{number(value)} {unit}".strip()

    name = str(indicator.name)
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    description = _(
        "%(name)s, in %(unit)s, from %(start)s to %(end)s: baseline %(baseline)s on"
        " %(baseline_on)s, target %(target)s by %(target_on)s.",
        name=name,
        unit=unit,
        start=day(start),
        end=day(end),
        baseline=with_unit(baseline),
        baseline_on=day(indicator.baseline_on),
        target=with_unit(target),
        target_on=day(indicator.target_on),
    )
    # The table beside the chart is there only once something is measured.
    if measured:
        description += " " + ngettext(
            "%(num)s measurement: the table beside the chart gives its value.",
            "%(num)s measurements: the table beside the chart gives every value.",
            len(measured),
        )
    else:
        description += " " + _("No measurement yet.")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="indicator-chart" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" focusable="false" '
        f'aria-labelledby="{escape(title_id)} {escape(desc_id)}">',
        f'<title id="{escape(title_id)}">{escape(_("Chart: %(name)s", name=name))}</title>',
        f'<desc id="{escape(desc_id)}">{escape(description)}</desc>',
    ]

    # The value axis: round ticks with light grid lines.
    parts.append('<g class="chart-grid" font-size="12" fill="#525a63">')
    for shown in _ticks(low, high):
        ty = y(shown)
        parts.append(
            f'<line x1="{LEFT}" y1="{_f(ty)}" x2="{plot_right}" y2="{_f(ty)}" '
            f'stroke="#d5dae1" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{_f(ty + 4)}" text-anchor="end">{escape(number(shown))}</text>'
        )
    parts.append("</g>")

    # The axes, and the dates at both ends of the time axis.
    parts.append(
        f'<g class="chart-axes" stroke="#1b1f24" stroke-width="1.5">'
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{plot_bottom}"/>'
        f'<line x1="{LEFT}" y1="{plot_bottom}" x2="{plot_right}" y2="{plot_bottom}"/></g>'
        f'<g class="chart-dates" font-size="12" fill="#1b1f24">'
        f'<text x="{LEFT}" y="{plot_bottom + 18}" text-anchor="start">{escape(day(start))}</text>'
        f'<text x="{plot_right}" y="{plot_bottom + 18}" text-anchor="end">{escape(day(end))}</text>'
        f"</g>"
    )
    if unit:
        # From the top of the value axis rightwards: a long unit ("companies per 1,000
        # inhabitants") stays in the drawing instead of running off its left edge.
        parts.append(
            f'<text class="chart-unit" x="{LEFT}" y="{TOP - 6}" text-anchor="start" '
            f'font-size="12" fill="#525a63">{escape(unit)}</text>'
        )

    # Baseline and target: dashed, each labelled on its outer side, so the labels stay apart.
    target_above = target >= baseline
    for value, css, dash, text, above in (
        (
            baseline,
            "chart-baseline",
            "6 4",
            _("Baseline: %(value)s", value=with_unit(baseline)),
            not target_above,
        ),
        (
            target,
            "chart-target",
            "2 4",
            _(
                "Target: %(value)s by %(date)s",
                value=with_unit(target),
                date=day(indicator.target_on),
            ),
            target_above,
        ),
    ):
        ly = y(value)
        text_y = ly - 6 if above else ly + 15
        anchor, text_x = ("end", plot_right - 4) if css == "chart-target" else ("start", LEFT + 4)
        parts.append(
            f'<g class="{css}">'
            f'<line x1="{LEFT}" y1="{_f(ly)}" x2="{plot_right}" y2="{_f(ly)}" '
            f'stroke="#1b1f24" stroke-width="1.5" stroke-dasharray="{dash}"/>'
            f'<text x="{text_x}" y="{_f(text_y)}" text-anchor="{anchor}" font-size="12" '
            f'fill="#1b1f24">{escape(text)}</text></g>'
        )
    tx, ty = x(indicator.target_on), y(target)
    parts.append(
        f'<circle class="chart-target-point" cx="{_f(tx)}" cy="{_f(ty)}" r="6" fill="none" '
        f'stroke="#1b1f24" stroke-width="2"/>'
    )

    # One line per series, a marker per measurement (with its value as a tooltip).
    for index, (label, points) in enumerate(drawn):
        colour = COLOURS[index % len(COLOURS)]
        shape = MARKERS[index % len(MARKERS)]
        coordinates = " ".join(f"{_f(x(on))},{_f(y(value))}" for on, value in points)
        parts.append(f'<g class="chart-series chart-series-{index + 1}">')
        if len(points) > 1:
            parts.append(
                f'<polyline points="{coordinates}" fill="none" stroke="{colour}" '
                f'stroke-width="2.5" stroke-linejoin="round"/>'
            )
        for on, value in points:
            point_label = _(
                "%(series)s: %(value)s on %(date)s",
                series=label,
                value=with_unit(value),
                date=day(on),
            )
            parts.append(_marker(shape, x(on), y(value), colour, point_label))
        parts.append("</g>")

    # The legend, one row per series (its marker and its name), under the dates.
    legend_top = plot_bottom + AXIS_LABELS
    parts.append('<g class="chart-legend" font-size="13" fill="#1b1f24">')
    if not drawn:
        parts.append(
            f'<text x="{LEFT}" y="{legend_top + 12}">{escape(_("No measurement yet."))}</text>'
        )
    for index, (label, _points) in enumerate(drawn):
        row_y = legend_top + index * LEGEND_ROW + 8
        colour = COLOURS[index % len(COLOURS)]
        shape = MARKERS[index % len(MARKERS)]
        parts.append(
            f'<line x1="{LEFT}" y1="{row_y}" x2="{LEFT + 24}" y2="{row_y}" stroke="{colour}" '
            f'stroke-width="2.5"/>'
        )
        parts.append(_marker(shape, LEFT + 12, row_y, colour, label))
        parts.append(f'<text x="{LEFT + 32}" y="{row_y + 4}">{escape(label)}</text>')
    parts.append("</g></svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it is escaped above
