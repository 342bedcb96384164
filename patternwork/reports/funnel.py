"""A funnel plot of each therapist's recovery rate against their number of courses (pure).

Each therapist is a point: x the number of finished courses in the recovery denominator
(NHS Talking Therapies: finished courses minus those with paired scores that were not at
caseness at start; `measures.outcomes`), y their recovery rate. The centre line is the
practice's mean (all recovered over all in the denominator), and the control limits are
the range a therapist with that many courses would fall in by chance alone if their true
rate were the practice's: 95% (two-sided, 2.5% each side) and 99.8% (0.1% each side).

Limits are exact binomial quantiles with Spiegelhalter's interpolation (Spiegelhalter,
"Funnel plots for comparing institutional performance", Statistics in Medicine 2005,
appendix A.1.1), so that the limit moves smoothly with n instead of in steps: for
R ~ Binomial(n, p) and a share q, r is the smallest count with P(R <= r) >= q, then
alpha = (P(R <= r) - q) / (P(R = r)) and the limit is (r - alpha) / n, kept within 0-1.
A point outside the 95% limits is worth a look; outside the 99.8% ones, a conversation.
Neither says why: case mix, small numbers and data completeness all move a rate.

The SVG is built here with every text passed in already translated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from html import escape
from math import exp, lgamma, log

SHARES_95 = (0.025, 0.975)
SHARES_998 = (0.001, 0.999)
WIDTH = 560
HEIGHT = 300
LEFT = 48
RIGHT = 16
TOP = 12
BOTTOM = 36
LIMIT_STEPS = 80


class Position(StrEnum):
    HIGH_998 = "high_998"
    HIGH_95 = "high_95"
    WITHIN = "within"
    LOW_95 = "low_95"
    LOW_998 = "low_998"
    NO_DATA = "no_data"


@dataclass(frozen=True)
class Unit:
    """One therapist: recovered courses over courses in the recovery denominator."""

    key: str
    label: str
    count: int
    denominator: int

    @property
    def rate(self) -> float | None:
        return None if self.denominator == 0 else self.count / self.denominator


@dataclass(frozen=True)
class Limits:
    n: int
    low_998: float
    low_95: float
    high_95: float
    high_998: float


def _log_pmf(n: int, p: float, r: int) -> float:
    return lgamma(n + 1) - lgamma(r + 1) - lgamma(n - r + 1) + r * log(p) + (n - r) * log(1 - p)


def binomial_limit(n: int, p: float, share: float) -> float:
    """The interpolated binomial quantile of `share`, as a proportion of n (see docstring)."""
    if n < 1:
        raise ValueError("A control limit needs at least one course.")
    if p <= 0 or p >= 1:
        return min(1.0, max(0.0, p))
    cumulative = 0.0
    for r in range(n + 1):
        mass = exp(_log_pmf(n, p, r))
        cumulative += mass
        if cumulative >= share or r == n:
            alpha = (cumulative - share) / mass if mass > 0 else 0.0
            return min(1.0, max(0.0, (r - alpha) / n))
    return 1.0  # pragma: no cover - the loop returns at r == n


def limits(n: int, p: float) -> Limits:
    return Limits(
        n,
        binomial_limit(n, p, SHARES_998[0]),
        binomial_limit(n, p, SHARES_95[0]),
        binomial_limit(n, p, SHARES_95[1]),
        binomial_limit(n, p, SHARES_998[1]),
    )


def practice_mean(units: Sequence[Unit]) -> float | None:
    total = sum(u.denominator for u in units)
    return None if total == 0 else sum(u.count for u in units) / total


def position(unit: Unit, mean: float | None) -> Position:
    """Where the therapist's rate lies against the limits for their number of courses."""
    rate = unit.rate
    if rate is None or mean is None:
        return Position.NO_DATA
    bounds = limits(unit.denominator, mean)
    if rate > bounds.high_998:
        return Position.HIGH_998
    if rate > bounds.high_95:
        return Position.HIGH_95
    if rate < bounds.low_998:
        return Position.LOW_998
    if rate < bounds.low_95:
        return Position.LOW_95
    return Position.WITHIN


def _fmt(value: float) -> str:
    text = f"{round(value, 1):.1f}"
    return text[:-2] if text.endswith(".0") else text


def funnel_svg(
    *,
    shown: Sequence[Unit],
    mean: float | None,
    largest: int,
    title: str,
    description: str,
    x_label: str,
    y_label: str,
) -> str:
    """The plot: limits for n = 1..largest around the mean, and the shown units' points.

    `largest` is the largest denominator of any therapist in the practice, so a therapist
    who sees only their own point sees the same axes as their supervisor.
    """
    top_n = max(largest, *(u.denominator for u in shown), 1)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM

    def x(n: float) -> float:
        return LEFT + n * plot_w / top_n

    def y(rate: float) -> float:
        return TOP + plot_h * (1 - rate)

    parts = [
        f'<svg class="funnel-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        f"<desc>{escape(description)}</desc>"
    ]
    for share in (0, 0.25, 0.5, 0.75, 1):
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_fmt(y(share))}" '
            f'y2="{_fmt(y(share))}" stroke="#d5dde4" stroke-width="1"/>'
            f'<text x="{LEFT - 4}" y="{_fmt(y(share))}" text-anchor="end" '
            f'dominant-baseline="central" font-size="10">{round(share * 100)}%</text>'
        )
    parts.append(
        f'<text x="{_fmt(LEFT + plot_w / 2)}" y="{HEIGHT - 4}" text-anchor="middle" '
        f'font-size="10">{escape(x_label)}</text>'
        f'<text x="{LEFT}" y="{_fmt(TOP + plot_h + 14)}" font-size="10">0</text>'
        f'<text x="{WIDTH - RIGHT}" y="{_fmt(TOP + plot_h + 14)}" text-anchor="end" '
        f'font-size="10">{top_n}</text>'
        f'<text x="4" y="{TOP}" font-size="10" dominant-baseline="hanging">'
        f"{escape(y_label)}</text>"
    )
    if mean is not None:
        step = max(1, top_n // LIMIT_STEPS)
        ns = sorted({*range(1, top_n + 1, step), top_n})
        bounds = [limits(n, mean) for n in ns]
        for name, dash in (
            ("low_998", "2 2"),
            ("high_998", "2 2"),
            ("low_95", "6 3"),
            ("high_95", "6 3"),
        ):
            line = " ".join(f"{_fmt(x(b.n))},{_fmt(y(getattr(b, name)))}" for b in bounds)
            parts.append(
                f'<polyline class="funnel-chart__limit funnel-chart__limit--{name}" '
                f'points="{line}" fill="none" stroke="#4a7fa8" stroke-width="1" '
                f'stroke-dasharray="{dash}"/>'
            )
        parts.append(
            f'<line class="funnel-chart__mean" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
            f'y1="{_fmt(y(mean))}" y2="{_fmt(y(mean))}" stroke="#1d2d3a" stroke-width="1.5"/>'
        )
    for unit in shown:
        if unit.rate is None:
            continue
        parts.append(
            f'<circle class="funnel-chart__point funnel-chart__point--{position(unit, mean)}" '
            f'cx="{_fmt(x(unit.denominator))}" cy="{_fmt(y(unit.rate))}" r="5" '
            f'fill="#1d2d3a"><title>{escape(unit.label)}: {unit.count}/{unit.denominator}'
            f"</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)
