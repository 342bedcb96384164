"""Lay out a therapist's competence ratings over time, one line per domain (pure Python).

Input: the rated sessions in the order they were rated, each with its mean competence per
domain (0-6). Output: a description in a fixed viewBox that a template draws as SVG.
x is the rating's place in the sequence (evenly spaced, so two ratings on one week do not
overlap), y the 0-6 competence scale. A domain not rated in a session breaks its line
rather than being joined across the gap. A dashed line marks the "competent" anchor (3).
Every label is left to the template; coordinates are rounded to 2 decimal places.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

WIDTH = 480
HEIGHT = 200
LEFT = 36
RIGHT = 16
TOP = 12
BOTTOM = 28
SCALE_MAX = 6
COMPETENT_FROM = 3
SHAPES = ("circle", "square", "diamond", "triangle", "cross")

SCORE_INVALID = "A domain mean is a number from 0 to 6."


MARKER = 4


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: float
    # The marker's outline as polygon points; empty for a circle (drawn at x, y).
    marker: str = ""


def _marker(shape: str, x: float, y: float) -> str:
    """Return the polygon points of a marker, so that domains differ by shape, not colour alone."""
    m = MARKER
    corners = {
        "circle": (),
        "square": ((-m, -m), (m, -m), (m, m), (-m, m)),
        "diamond": ((0, -m - 1), (m + 1, 0), (0, m + 1), (-m - 1, 0)),
        "triangle": ((0, -m - 1), (m + 1, m), (-m - 1, m)),
        "cross": (
            (-1.5, -m),
            (1.5, -m),
            (1.5, -1.5),
            (m, -1.5),
            (m, 1.5),
            (1.5, 1.5),
            (1.5, m),
            (-1.5, m),
            (-1.5, 1.5),
            (-m, 1.5),
            (-m, -1.5),
            (-1.5, -1.5),
        ),
    }[shape]
    return " ".join(f"{_round(x + dx):g},{_round(y + dy):g}" for dx, dy in corners)


@dataclass(frozen=True)
class Line:
    domain: str
    shape: str
    points: tuple[Point, ...]
    # Runs of consecutive rated sessions, each drawn as one polyline.
    runs: tuple[str, ...]


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    lines: tuple[Line, ...]
    ticks: tuple[Tick, ...]
    y_ticks: tuple[tuple[float, int], ...]
    competent_y: float
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int


def _round(value: float) -> float:
    return round(value, 2)


def build_chart(
    sessions: Sequence[tuple[str, Mapping[str, float]]], domains: Sequence[str]
) -> Chart | None:
    """Return the chart of (label, {domain: mean}) sessions, or None when there are none.

    `domains` fixes the order of the lines (and so their shapes) whatever was rated.
    """
    if not sessions:
        return None
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    count = len(sessions)

    def x(index: int) -> float:
        return _round(LEFT + plot_w / 2 if count == 1 else LEFT + plot_w * index / (count - 1))

    def y(value: float) -> float:
        return _round(TOP + plot_h * (1 - value / SCALE_MAX))

    for _label, means in sessions:
        for value in means.values():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(SCORE_INVALID)
            if not 0 <= value <= SCALE_MAX:
                raise ValueError(SCORE_INVALID)
    lines = []
    for number, domain in enumerate(domains):
        shape = SHAPES[number % len(SHAPES)]
        points, runs, run = [], [], []
        for index, (_label, means) in enumerate(sessions):
            if domain in means:
                px, py = x(index), y(means[domain])
                point = Point(px, py, _round(means[domain]), _marker(shape, px, py))
                points.append(point)
                run.append(point)
            elif run:
                runs.append(run)
                run = []
        if run:
            runs.append(run)
        if points:
            lines.append(
                Line(
                    domain=domain,
                    shape=shape,
                    points=tuple(points),
                    runs=tuple(" ".join(f"{p.x:g},{p.y:g}" for p in r) for r in runs if len(r) > 1),
                )
            )
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        lines=tuple(lines),
        ticks=tuple(Tick(x(i), label) for i, (label, _m) in enumerate(sessions)),
        y_ticks=tuple((y(v), v) for v in range(0, SCALE_MAX + 1, 2)),
        competent_y=y(COMPETENT_FROM),
        plot_left=LEFT,
        plot_right=WIDTH - RIGHT,
        plot_top=TOP,
        plot_bottom=HEIGHT - BOTTOM,
    )
