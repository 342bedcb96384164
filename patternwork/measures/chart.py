"""Lay out a course's questionnaire scores over its sessions as an SVG chart (pure Python).

The result is a description (coordinates in a fixed viewBox) that a template draws; nothing
here knows about Django, requests or translation, so every label is left to the template.

Layout, chosen for how a clinician reads it:
- One panel per instrument (PHQ-9 above GAD-7), stacked on a shared session axis. Each panel
  keeps the instrument's own scale in raw totals (PHQ-9 0-27, GAD-7 0-21) at the same height
  per point (``PX_PER_POINT``). A clinician then reads the total that was recorded, not a
  percentage of a maximum; each caseness line sits at its own threshold (on a shared
  percentage axis PHQ-9's 10/27 and GAD-7's 8/21 would be two dashed lines 1 % apart); and a
  change of 6 points is the same height on both panels.
- x positions are attended treatment session numbers. Position 0 (``ASSESSMENT``) is an
  assessment contact: it gets a slot before session 1 only when it carries a score or a risk
  answer, so a first score taken at assessment is on the chart that the outcome uses.
- The axis runs from the first slot to the planned number of sessions or the last session
  with data, whichever is greater. Background bands mark the initial, middle and ending
  phases of the plan, and an over-plan band covers any sessions beyond it.
- A line joins scores only at consecutive positions. A session without that score breaks
  the line, so a measure that was not taken shows as a gap instead of being interpolated.
- Risk answers are triangles in a lane of their own above the panels: a distinct shape and
  place, not colour alone.
- An instrument read by its severity bands rather than a caseness threshold (WSAS: 0-9,
  10-20, 21-40) gets a dotted line at the lowest score of each band above the first, and
  each band's range written at the right edge of its panel.
All coordinates are rounded to 2 decimal places.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from patternwork.measures.definitions import Comparator, Threshold
from patternwork.treatment.plan import Phase, PhaseBounds

ASSESSMENT = 0

WIDTH = 720
PLOT_LEFT = 56
PLOT_WIDTH = 640
PLOT_RIGHT = PLOT_LEFT + PLOT_WIDTH
PHASE_LABEL_Y = 13
RISK_TOP = 18
RISK_HEIGHT = 22
RISK_HALF_WIDTH = 7
RISK_HALF_HEIGHT = 7
PANEL_GAP = 24
PANEL_LABEL_OFFSET = 8
PX_PER_POINT = 5
SCORE_TICK_STEP = 5
AXIS_LABEL_GAP = 16
AXIS_TITLE_GAP = 38
BOTTOM_MARGIN = 44
# A phase band narrower than this has no room for its label; the legend names it.
MIN_LABELLED_BAND = 72
# Past this many slots, session labels would collide; every n-th one is labelled.
MAX_LABELLED_SLOTS = 30
SHAPES = ("circle", "square", "diamond")
# A band's range is written just inside the right edge of the plot.
BAND_LABEL_INSET = 4

NO_SERIES = "A chart needs at least one instrument."
BAD_RANGE = "{code}: the total range {low}-{high} is empty."
BAD_POSITION = "{code}: session position {position} is not a whole number of at least 0."
TOTAL_OUT_OF_RANGE = "{code}: total {total} at position {position} is outside {low}-{high}."
BAD_RISK_POSITION = "Risk marker position {position} is not a whole number of at least 0."
BAD_BANDS = "{code}: bands must tile {low}-{high} in order; got {bands}."


@dataclass(frozen=True)
class Series:
    """One instrument's totals by position (session number; 0 is assessment).

    bands: the (low, high) score ranges to mark on the panel, in order, covering low-high;
    empty for an instrument read against its caseness line.
    """

    code: str
    low: int
    high: int
    caseness: Threshold | None
    scores: Mapping[int, int]
    bands: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Point:
    position: int
    total: int
    x: float
    y: float


@dataclass(frozen=True)
class ScoreTick:
    value: int
    y: float


SYMBOLS = {Comparator.GE: "≥", Comparator.GT: ">", Comparator.LE: "≤", Comparator.LT: "<"}


@dataclass(frozen=True)
class CasenessLine:
    comparator: Comparator
    value: int
    y: float

    @property
    def symbol(self) -> str:
        return SYMBOLS[self.comparator]


@dataclass(frozen=True)
class ScoreBand:
    """One severity band of a panel: its range, its lower edge line and its label's place.

    edge_y is None for the lowest band, whose lower edge is the panel's own axis.
    """

    low: int
    high: int
    edge_y: float | None
    label_x: float
    label_y: float


@dataclass(frozen=True)
class Panel:
    code: str
    shape: str
    low: int
    high: int
    top: float
    bottom: float
    label_y: float
    ticks: tuple[ScoreTick, ...]
    caseness: CasenessLine | None
    points: tuple[Point, ...]
    # The `points` attribute of one polyline per run of two or more consecutive positions.
    lines: tuple[str, ...]
    bands: tuple[ScoreBand, ...] = ()

    @property
    def first(self) -> Point | None:
        return self.points[0] if self.points else None

    @property
    def last(self) -> Point | None:
        return self.points[-1] if self.points else None


@dataclass(frozen=True)
class PhaseBand:
    phase: Phase
    first: int
    last: int
    x: float
    width: float
    label_x: float
    labelled: bool


@dataclass(frozen=True)
class SessionTick:
    position: int
    x: float
    labelled: bool

    @property
    def assessment(self) -> bool:
        return self.position == ASSESSMENT


@dataclass(frozen=True)
class RiskMarker:
    position: int
    x: float
    # The `points` attribute of an upward triangle.
    shape: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_bottom: float
    first_position: int
    last_position: int
    slot: float
    sessions: tuple[SessionTick, ...]
    bands: tuple[PhaseBand, ...]
    panels: tuple[Panel, ...]
    risk: tuple[RiskMarker, ...]
    phase_label_y: int
    risk_top: int
    risk_height: int
    risk_label_y: float
    axis_label_y: float
    axis_title_y: float

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def plot_centre(self) -> float:
        return (self.plot_left + self.plot_right) / 2

    @property
    def empty(self) -> bool:
        return not self.risk and not any(panel.points for panel in self.panels)

    @property
    def has_assessment(self) -> bool:
        return self.first_position == ASSESSMENT


def _round(value: float) -> float:
    return round(value, 2)


def _number(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _is_position(value: object) -> bool:
    # bool is an int subclass, and True is never a session number a caller meant.
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check(series: Sequence[Series], risk: Iterable[int]) -> list[int]:
    if not series:
        raise ValueError(NO_SERIES)
    for item in series:
        if item.high <= item.low:
            raise ValueError(BAD_RANGE.format(code=item.code, low=item.low, high=item.high))
        if item.bands and not _bands_tile(item):
            raise ValueError(
                BAD_BANDS.format(code=item.code, low=item.low, high=item.high, bands=item.bands)
            )
        for position, total in item.scores.items():
            if not _is_position(position):
                raise ValueError(BAD_POSITION.format(code=item.code, position=position))
            if not item.low <= total <= item.high:
                raise ValueError(
                    TOTAL_OUT_OF_RANGE.format(
                        code=item.code,
                        total=total,
                        position=position,
                        low=item.low,
                        high=item.high,
                    )
                )
    positions = sorted(set(risk))
    for position in positions:
        if not _is_position(position):
            raise ValueError(BAD_RISK_POSITION.format(position=position))
    return positions


def _bands_tile(item: Series) -> bool:
    edges = [item.low, *(high + 1 for _, high in item.bands)]
    return (
        all(low <= high for low, high in item.bands)
        and [low for low, _ in item.bands] + [item.high + 1] == edges
    )


def _score_bands(item: Series, y) -> tuple[ScoreBand, ...]:
    label_x = _round(PLOT_RIGHT - BAND_LABEL_INSET)
    return tuple(
        ScoreBand(
            low=low,
            high=high,
            edge_y=y(low) if low > item.low else None,
            # Midway between the band's lower edge and the next band's (or the panel top).
            label_y=_round((y(low) + y(min(high + 1, item.high))) / 2),
            label_x=label_x,
        )
        for low, high in item.bands
    )


def _runs(positions: Sequence[int]) -> list[list[int]]:
    """Split sorted positions into runs of consecutive numbers: [1, 2, 4] -> [[1, 2], [4]]."""
    runs: list[list[int]] = []
    for position in positions:
        if runs and position == runs[-1][-1] + 1:
            runs[-1].append(position)
        else:
            runs.append([position])
    return runs


def _score_ticks(low: int, high: int, y) -> tuple[ScoreTick, ...]:
    start = -(-low // SCORE_TICK_STEP) * SCORE_TICK_STEP
    return tuple(ScoreTick(value, y(value)) for value in range(start, high + 1, SCORE_TICK_STEP))


def _panel(item: Series, index: int, top: float, x) -> Panel:
    bottom = top + (item.high - item.low) * PX_PER_POINT

    def y(total: int) -> float:
        return _round(top + (item.high - total) * PX_PER_POINT)

    points = tuple(
        Point(position, item.scores[position], x(position), y(item.scores[position]))
        for position in sorted(item.scores)
    )
    by_position = {point.position: point for point in points}
    lines = tuple(
        " ".join(f"{_number(by_position[p].x)},{_number(by_position[p].y)}" for p in run)
        for run in _runs([point.position for point in points])
        if len(run) > 1
    )
    caseness = None
    if item.caseness is not None and item.low <= item.caseness.value <= item.high:
        caseness = CasenessLine(
            item.caseness.comparator, item.caseness.value, y(item.caseness.value)
        )
    return Panel(
        code=item.code,
        shape=SHAPES[index % len(SHAPES)],
        low=item.low,
        high=item.high,
        top=_round(top),
        bottom=_round(bottom),
        label_y=_round(top - PANEL_LABEL_OFFSET),
        ticks=_score_ticks(item.low, item.high, y),
        caseness=caseness,
        points=points,
        lines=lines,
        bands=_score_bands(item, y),
    )


def _bands(phases: PhaseBounds, last_position: int, x_left) -> tuple[PhaseBand, ...]:
    spans = [
        (Phase.INITIAL, phases.initial.first, phases.initial.last),
        (Phase.MIDDLE, phases.middle.first, phases.middle.last),
        (Phase.ENDING, phases.ending.first, phases.ending.last),
    ]
    if last_position > phases.planned:
        spans.append((Phase.OVER_PLAN, phases.planned + 1, last_position))
    bands = []
    for phase, first, last in spans:
        left, right = x_left(first), x_left(last + 1)
        width = _round(right - left)
        bands.append(
            PhaseBand(
                phase=phase,
                first=first,
                last=last,
                x=left,
                width=width,
                label_x=_round((left + right) / 2),
                labelled=width >= MIN_LABELLED_BAND,
            )
        )
    return tuple(bands)


def _risk_marker(position: int, x: float) -> RiskMarker:
    centre = RISK_TOP + RISK_HEIGHT / 2
    corners = (
        (x, centre - RISK_HALF_HEIGHT),
        (x + RISK_HALF_WIDTH, centre + RISK_HALF_HEIGHT),
        (x - RISK_HALF_WIDTH, centre + RISK_HALF_HEIGHT),
    )
    return RiskMarker(
        position, x, " ".join(f"{_number(_round(a))},{_number(_round(b))}" for a, b in corners)
    )


def build_chart(
    *, series: Sequence[Series], phases: PhaseBounds, risk: Iterable[int] = ()
) -> Chart:
    """Lay out instruments' totals by session with caseness lines, phases and risk markers.

    Raises ValueError for a total outside its instrument's range or a position that is not
    a whole number of at least 0; callers pass only scored, stored totals.
    """
    risk_positions = _check(series, risk)
    used = {p for item in series for p in item.scores} | set(risk_positions)
    first_position = ASSESSMENT if ASSESSMENT in used else 1
    last_position = max([phases.planned, *used])
    slots = last_position - first_position + 1
    slot = PLOT_WIDTH / slots

    def x_left(position: int) -> float:
        return _round(PLOT_LEFT + (position - first_position) * slot)

    def x(position: int) -> float:
        return _round(PLOT_LEFT + (position - first_position + 0.5) * slot)

    panels = []
    top = RISK_TOP + RISK_HEIGHT + PANEL_GAP
    for index, item in enumerate(series):
        panel = _panel(item, index, top, x)
        panels.append(panel)
        top = panel.bottom + PANEL_GAP
    plot_bottom = panels[-1].bottom
    every = -(-slots // MAX_LABELLED_SLOTS)
    sessions = tuple(
        SessionTick(position, x(position), position == ASSESSMENT or (position - 1) % every == 0)
        for position in range(first_position, last_position + 1)
    )
    return Chart(
        width=WIDTH,
        height=int(plot_bottom + BOTTOM_MARGIN),
        plot_left=PLOT_LEFT,
        plot_right=PLOT_RIGHT,
        plot_bottom=plot_bottom,
        first_position=first_position,
        last_position=last_position,
        slot=_round(slot),
        sessions=sessions,
        bands=_bands(phases, last_position, x_left),
        panels=tuple(panels),
        risk=tuple(_risk_marker(position, x(position)) for position in risk_positions),
        phase_label_y=PHASE_LABEL_Y,
        risk_top=RISK_TOP,
        risk_height=RISK_HEIGHT,
        risk_label_y=RISK_TOP + RISK_HEIGHT / 2 + 4,
        axis_label_y=_round(plot_bottom + AXIS_LABEL_GAP),
        axis_title_y=_round(plot_bottom + AXIS_TITLE_GAP),
    )
