"""Draw a client's PHQ-9 line against the expected range as a small SVG (pure Python).

The shaded area is the expected range of scores at each session (the curve's 90% band,
or the fallback rule's accepted scores where no curve applies), the dashed line the
curve's median, and the solid line with dots the client's own scores. The latest score is
drawn larger, and as a square (not colour alone) when it is not on track.

The caller passes every text (title, description) already translated; the markup is built
here so that the picture can be tested without Django. Coordinates are rounded to 1 place.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from patternwork.measures.expected_change import Expected

WIDTH = 320
HEIGHT = 160
LEFT = 30
RIGHT = 10
TOP = 10
BOTTOM = 24
TICKS = (0, 10, 20)
DOT = 2.5
LATEST = 4.5


def _fmt(value: float) -> str:
    # `.1f` rounds the exact value as `round(value, 1)` does; a chart writes some eighty
    # coordinates, so neither that call nor `endswith` is made for each.
    text = f"{value:.1f}"
    return text[:-2] if text[-2:] == ".0" else text


def track_svg(
    *,
    scores: Sequence[tuple[int, int]],
    expected: Sequence[Expected],
    top: int,
    last_session: int,
    on_track: bool,
    title: str,
    description: str,
) -> str:
    """The chart's SVG markup: sessions 1..last_session across, scores 0..top up."""
    sessions = max(last_session, *(s for s, _ in scores), *(e.session for e in expected), 2)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM

    def x(session: float) -> float:
        return LEFT + (session - 1) * plot_w / (sessions - 1)

    def y(score: float) -> float:
        return TOP + plot_h - score * plot_h / top

    def points(pairs) -> str:
        # `x` and `y` written out, the same arithmetic in the same order: a band of
        # sixteen sessions is some fifty points.
        return " ".join(
            f"{_fmt(LEFT + (a - 1) * plot_w / (sessions - 1))},"
            f"{_fmt(TOP + plot_h - b * plot_h / top)}"
            for a, b in pairs
        )

    parts = [
        f'<svg class="track-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        f"<desc>{escape(description)}</desc>"
    ]
    for tick in TICKS:
        if tick <= top:
            parts.append(
                f'<line class="track-chart__grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
                f'y1="{_fmt(y(tick))}" y2="{_fmt(y(tick))}" stroke="#d5dde4" stroke-width="1"/>'
                f'<text class="track-chart__label" x="{LEFT - 4}" y="{_fmt(y(tick))}" '
                f'text-anchor="end" dominant-baseline="central" font-size="9">{tick}</text>'
            )
    ordered = sorted(expected, key=lambda e: e.session)
    if ordered:
        upper = [(e.session, e.high) for e in ordered]
        lower = [(e.session, e.low) for e in reversed(ordered)]
        parts.append(
            f'<polygon class="track-chart__band" points="{points(upper + lower)}" '
            f'fill="#cfe3f3" stroke="none"/>'
        )
        median = [(e.session, e.median) for e in ordered if e.median is not None]
        if len(median) > 1:
            parts.append(
                f'<polyline class="track-chart__median" points="{points(median)}" fill="none" '
                f'stroke="#4a7fa8" stroke-width="1" stroke-dasharray="4 3"/>'
            )
    line = sorted(scores)
    if len(line) > 1:
        parts.append(
            f'<polyline class="track-chart__line" points="{points(line)}" fill="none" '
            f'stroke="#1d2d3a" stroke-width="1.5"/>'
        )
    for index, (session, total) in enumerate(line):
        cx, cy = _fmt(x(session)), _fmt(y(total))
        if index < len(line) - 1:
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="{DOT}" fill="#1d2d3a"/>')
        elif on_track:
            parts.append(
                f'<circle class="track-chart__latest" cx="{cx}" cy="{cy}" r="{LATEST}" '
                f'fill="#1d2d3a"/>'
            )
        else:
            size = _fmt(2 * LATEST)
            parts.append(
                f'<rect class="track-chart__latest track-chart__latest--off" '
                f'x="{_fmt(x(session) - LATEST)}" y="{_fmt(y(total) - LATEST)}" '
                f'width="{size}" height="{size}" fill="#a4262c"/>'
            )
    base = _fmt(TOP + plot_h + 14)
    parts.append(
        f'<text class="track-chart__label" x="{LEFT}" y="{base}" font-size="9">1</text>'
        f'<text class="track-chart__label" x="{WIDTH - RIGHT}" y="{base}" text-anchor="end" '
        f'font-size="9">{sessions}</text></svg>'
    )
    return "".join(parts)
