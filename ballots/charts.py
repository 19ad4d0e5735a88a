"""Geometry for the server-rendered SVG charts (the templates draw them; no JavaScript).

Coordinates are handed to templates as ready-made strings: they must never be
localised (a decimal comma would break the SVG), and formatting thousands of
numbers through the template engine's localisation is slow.
"""

import datetime as dt
from dataclasses import dataclass

from ballots.readiness import CLOSE, NOT_READY, READY

WIDTH, HEIGHT = 320, 170
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 44, 8, 10, 24


@dataclass
class LineChart:
    title: str
    summary: str
    points: str  # SVG polyline points
    threshold_y: str | None
    threshold_label: str
    y_ticks: list[tuple[str, str]]
    x_ticks: list[tuple[str, str]]
    last_x: str
    last_y: str
    width: str = str(WIDTH)
    height: str = str(HEIGHT)
    plot_bottom: str = str(HEIGHT - PAD_BOTTOM)
    plot_left: str = str(PAD_LEFT)
    tick_right: str = str(PAD_LEFT - 4)
    plot_right: str = str(WIDTH - PAD_RIGHT)
    x_label_y: str = str(HEIGHT - 6)


def _n(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def turnout_chart(unit, series, opens_on: dt.date, closes_on: dt.date) -> LineChart:
    """Cumulative votes per day against the threshold line, over the whole ballot period."""
    total_days = max(1, (closes_on - opens_on).days)
    top = max([unit.threshold_votes or 0, unit.projection, *(v for _, v in series), 1])
    top = top * 1.1
    inner_w = WIDTH - PAD_LEFT - PAD_RIGHT
    inner_h = HEIGHT - PAD_TOP - PAD_BOTTOM

    def x(day):
        return _n(PAD_LEFT + inner_w * (day - opens_on).days / total_days)

    def y(votes):
        return _n(PAD_TOP + inner_h * (1 - votes / top))

    points = " ".join(f"{x(d)},{y(v)}" for d, v in series)
    last = series[-1] if series else (opens_on, 0)
    threshold = unit.threshold_votes
    summary = f"{unit.votes:,} of {unit.entitled:,} entitled have voted ({unit.turnout}%). " + (
        f"The threshold is {threshold:,} votes. {unit.margin_words}."
        if threshold is not None
        else "No turnout threshold applies."
    )
    return LineChart(
        title=f"Cumulative turnout in {unit.name}",
        summary=summary,
        points=points,
        threshold_y=y(threshold) if threshold is not None else None,
        threshold_label=f"Threshold {threshold:,}" if threshold is not None else "",
        y_ticks=[(y(top / 1.1 * f), f"{round(top / 1.1 * f):,}") for f in (0, 0.5, 1)],
        x_ticks=[(x(opens_on), f"{opens_on:%-d %b}"), (x(closes_on), f"{closes_on:%-d %b}")],
        last_x=x(last[0]),
        last_y=y(last[1]),
    )


@dataclass
class Bar:
    label: str
    y: str
    text_y: str
    width: str
    value: str
    status: str


@dataclass
class BarChart:
    title: str
    summary: str
    bars: list[Bar]
    target_x: str
    target_label: str
    width: str
    height: str
    label_x: str
    label_width: str
    bar_height: str
    target_bottom: str
    target_label_y: str


def readiness_chart(rows, *, target: int, limit: int = 40) -> BarChart:
    """Contact coverage per branch as horizontal bars, least covered first, each bar
    coloured by the branch's readiness status (the title says exactly that)."""
    label_width, bar_height, gap, plot_width = 150, 14, 6, 200
    measured = [(s, m) for s, m in rows if m.contact is not None]
    measured.sort(key=lambda pair: pair[1].contact)
    shown = measured[:limit]
    bars = [
        Bar(
            label=s.branch.name[:24],
            y=str(i * (bar_height + gap)),
            text_y=str(i * (bar_height + gap) + 11),
            width=_n(plot_width * m.contact / 100),
            value=f"{m.contact:g}",
            status=m.status,
        )
        for i, (s, m) in enumerate(shown)
    ]
    counts = dict.fromkeys((READY, CLOSE, NOT_READY), 0)
    for _, m in rows:
        counts[m.status] = counts.get(m.status, 0) + 1
    which = (
        f"the {len(shown)} least-covered of {len(measured)} branches"
        if len(shown) < len(measured)
        else f"all {len(shown)} branches"
    )
    title = f"Contact coverage, least covered first: {which}, coloured by readiness"
    summary = (
        f"Readiness of {len(rows)} branches: {counts[READY]} ready, {counts[CLOSE]} close, "
        f"{counts[NOT_READY]} not ready. The bars show the share of members we can reach "
        f"personally for {which}, against the {target}% target."
    )
    height = max(1, len(bars)) * (bar_height + gap) + 20
    return BarChart(
        title=title,
        summary=summary,
        bars=bars,
        target_x=_n(label_width + plot_width * target / 100),
        target_label=f"Target {target}%",
        width=str(label_width + plot_width + 60),
        height=str(height),
        label_x=str(label_width - 6),
        label_width=str(label_width),
        bar_height=str(bar_height),
        target_bottom=str(height - 14),
        target_label_y=str(height - 2),
    )
