"""Lay out a course's goal ratings as a small SVG chart (pure Python, no Django).

Goal-Based Outcomes (Law, D. & Jacob, J. (2015) *Goals and Goal Based Outcomes (GBOs):
some useful information*, 3rd edition, CAMHS Press / CORC): up to three goals in the
client's words, each rated from 0 to 10 for how far the client has moved towards it, at
the start and again along the way and at the end. The guidance reads progress as the
change on each goal from its first rating to its latest, goal by goal; goals are not
added up into one score. The chart follows that:

- x: the rating occasions in order (assessment, end of the initial phase, end of the
  middle phase, last session), evenly spaced; y: the 0-10 scale, the same for every goal.
- One line per goal. A goal has its own marker shape (circle, square, diamond) so goals
  are told apart without colour, and is nudged sideways a little so equal ratings at the
  same occasion do not hide one another.
- A line joins ratings only at consecutive occasions: an occasion without a rating
  breaks the line instead of being interpolated.
- Each goal's change is its latest rating minus its first (None with fewer than two).

The result is a description (coordinates in a fixed viewBox) that a template draws; the
occasion labels are passed in, so translation stays with the caller. Coordinates are
rounded to 2 decimal places.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

SCALE_MIN = 0
SCALE_MAX = 10
MAX_GOALS = 3
WIDTH = 480
HEIGHT = 230
PLOT_LEFT = 40
PLOT_RIGHT = 460
PLOT_TOP = 14
PLOT_BOTTOM = 180
TICK_STEP = 2
LABEL_GAP = 18
MARKER_RADIUS = 5
# Goal 1 sits left of the occasion's line, goal 2 on it, goal 3 right of it.
NUDGE = 7
SHAPES = ("circle", "square", "diamond")

TOO_MANY = "A chart holds at most three goals; got {count}."
NO_OCCASIONS = "A chart needs at least one occasion."
WRONG_LENGTH = "Goal {position} has {count} ratings for {occasions} occasions."
OUT_OF_RANGE = "Goal {position}: rating {score!r} is not a whole number from 0 to 10."


@dataclass(frozen=True)
class Tick:
    value: int
    y: float


@dataclass(frozen=True)
class Column:
    label: str
    x: float


@dataclass(frozen=True)
class Marker:
    occasion: str
    score: int
    x: float
    y: float
    path: str  # an SVG path: the goal's own shape centred on (x, y)


@dataclass(frozen=True)
class GoalSeries:
    position: int
    shape: str
    markers: tuple[Marker, ...]
    segments: tuple[str, ...]  # SVG polyline points, one per unbroken run of ratings
    first: int | None
    latest: int | None

    @property
    def change(self) -> int | None:
        """Latest minus first rating; None until the goal has two ratings."""
        if len(self.markers) < 2:
            return None
        return self.latest - self.first


@dataclass(frozen=True)
class GoalChart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    label_y: int
    ticks: tuple[Tick, ...]
    columns: tuple[Column, ...]
    goals: tuple[GoalSeries, ...]

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def empty(self) -> bool:
        """Whether nothing is rated yet: no chart is worth drawing."""
        return not any(goal.markers for goal in self.goals)


def _r(value: float) -> float:
    return round(value, 2)


def y_of(score: int) -> float:
    share = (score - SCALE_MIN) / (SCALE_MAX - SCALE_MIN)
    return _r(PLOT_BOTTOM - share * (PLOT_BOTTOM - PLOT_TOP))


def column_x(index: int, count: int) -> float:
    """Occasions evenly spaced, with half a step of margin at each end."""
    step = (PLOT_RIGHT - PLOT_LEFT) / count
    return _r(PLOT_LEFT + step * (index + 0.5))


def marker_path(shape: str, x: float, y: float, r: float = MARKER_RADIUS) -> str:
    if shape == "circle":
        return f"M {_r(x - r)} {y} a {r} {r} 0 1 0 {2 * r} 0 a {r} {r} 0 1 0 {-2 * r} 0 Z"
    if shape == "square":
        return f"M {_r(x - r)} {_r(y - r)} h {2 * r} v {2 * r} h {-2 * r} Z"
    return (
        f"M {x} {_r(y - r - 1)} L {_r(x + r + 1)} {y} L {x} {_r(y + r + 1)} L {_r(x - r - 1)} {y} Z"
    )


def _check(ratings: Sequence[Sequence[int | None]], occasions: Sequence[str]) -> None:
    if not occasions:
        raise ValueError(NO_OCCASIONS)
    if len(ratings) > MAX_GOALS:
        raise ValueError(TOO_MANY.format(count=len(ratings)))
    for position, scores in enumerate(ratings, start=1):
        if len(scores) != len(occasions):
            raise ValueError(
                WRONG_LENGTH.format(position=position, count=len(scores), occasions=len(occasions))
            )
        for score in scores:
            valid = isinstance(score, int) and not isinstance(score, bool)
            if score is not None and not (valid and SCALE_MIN <= score <= SCALE_MAX):
                raise ValueError(OUT_OF_RANGE.format(position=position, score=score))


def _series(position: int, scores: Sequence[int | None], columns: tuple[Column, ...]):
    shape = SHAPES[position - 1]
    nudge = (position - 2) * NUDGE
    markers, segments, run = [], [], []
    for column, score in zip(columns, scores, strict=True):
        if score is None:
            if len(run) > 1:
                segments.append(" ".join(run))
            run = []
            continue
        x, y = _r(column.x + nudge), y_of(score)
        markers.append(Marker(column.label, score, x, y, marker_path(shape, x, y)))
        run.append(f"{x},{y}")
    if len(run) > 1:
        segments.append(" ".join(run))
    return GoalSeries(
        position=position,
        shape=shape,
        markers=tuple(markers),
        segments=tuple(segments),
        first=markers[0].score if markers else None,
        latest=markers[-1].score if markers else None,
    )


def goal_chart(ratings: Sequence[Sequence[int | None]], occasions: Sequence[str]) -> GoalChart:
    """The chart of up to three goals, each given as its ratings in occasion order (None
    where not rated), over the occasions named by `occasions`.

    Raises ValueError for more than three goals, no occasions, a goal whose ratings do
    not match the occasions, or a rating that is not a whole number from 0 to 10.
    """
    _check(ratings, occasions)
    columns = tuple(
        Column(str(label), column_x(index, len(occasions))) for index, label in enumerate(occasions)
    )
    return GoalChart(
        width=WIDTH,
        height=HEIGHT,
        plot_left=PLOT_LEFT,
        plot_right=PLOT_RIGHT,
        plot_top=PLOT_TOP,
        plot_bottom=PLOT_BOTTOM,
        label_y=PLOT_BOTTOM + LABEL_GAP,
        ticks=tuple(
            Tick(value, y_of(value)) for value in range(SCALE_MIN, SCALE_MAX + 1, TICK_STEP)
        ),
        columns=columns,
        goals=tuple(
            _series(position, scores, columns) for position, scores in enumerate(ratings, start=1)
        ),
    )
