"""The course page's score chart (measures.chart's layout) drawn as SVG markup.

Built here rather than in a template: the chart is a few hundred attributes, mostly
numbers, and a template resolves and localises each of them on every request. Numbers
are written as the template wrote them with localisation off (str of the rounded float);
every text is escaped.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from patternwork.core.words import kept
from patternwork.measures.chart import Chart


def _phase_labels() -> dict[str, str]:
    return {
        "initial": escape(_("initial")),
        "middle": escape(_("middle")),
        "ending": escape(_("ending")),
    }


def _words() -> dict:
    """The chart's fixed words, translated (and escaped where written as they are) once
    per language rather than on every page."""
    return kept(_words, _make_words)


def _make_words() -> dict:
    return {
        "phases": _phase_labels(),
        "over_plan": escape(_("over plan")),
        "title": escape(_("PHQ-9, GAD-7 and WSAS by session")),
        "risk": escape(_("Risk")),
        # Filled in per panel; its values are escaped there.
        "caseness": _("caseness %(symbol)s %(value)s"),
        "assessment": escape(pgettext("assessment, on the session axis", "A")),
        "axis_with_assessment": escape(_("Session (A: assessment)")),
        "axis": escape(_("Session")),
    }


def score_chart_svg(chart: Chart, description: str) -> SafeString:
    """The chart's <svg> element, its title and description for assistive technology."""
    left, right = chart.plot_left, chart.plot_right
    tick_x = left - 6
    words = _words()
    phases = words["phases"]
    over_plan = words["over_plan"]
    out = [
        f'<svg class="score-chart" viewBox="{chart.view_box}" role="img" '
        'aria-labelledby="measures-chart-title measures-chart-desc" '
        'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="measures-chart-title">{words["title"]}</title>'
        f'<desc id="measures-chart-desc">{escape(description)}</desc>'
        '<g class="score-chart__bands">'
    ]
    for band in chart.bands:
        out.append(
            f'<rect class="score-chart__band score-chart__band--{escape(band.phase)}" '
            f'x="{band.x}" y="0" width="{band.width}" height="{chart.plot_bottom}"/>'
        )
        if band.labelled:
            out.append(
                f'<text class="score-chart__band-label" x="{band.label_x}" '
                f'y="{chart.phase_label_y}" text-anchor="middle">'
                f"{phases.get(str(band.phase), over_plan)}</text>"
            )
    out.append(
        '</g><g class="score-chart__risk-lane">'
        f'<text class="score-chart__axis-label" x="{tick_x}" y="{chart.risk_label_y}" '
        f'text-anchor="end">{words["risk"]}</text>'
    )
    for marker in chart.risk:
        out.append(
            f'<polygon class="score-chart__risk" points="{marker.shape}" fill="#a4262c" '
            'stroke="#5c1015" stroke-width="1"/>'
        )
    out.append("</g>")
    for number, panel in enumerate(chart.panels, start=1):
        out.append(
            f'<g class="score-chart__panel score-chart__panel--{number}">'
            f'<text class="score-chart__panel-label" x="{left}" y="{panel.label_y}">'
            f"{escape(panel.code)}</text>"
        )
        for tick in panel.ticks:
            out.append(
                f'<line class="score-chart__grid" x1="{left}" x2="{right}" y1="{tick.y}" '
                f'y2="{tick.y}" stroke="#c5d0d9" stroke-width="1"/>'
                f'<text class="score-chart__axis-label" x="{tick_x}" y="{tick.y}" '
                f'text-anchor="end" dominant-baseline="central">{tick.value}</text>'
            )
        out.append(
            f'<line class="score-chart__axis" x1="{left}" x2="{left}" y1="{panel.top}" '
            f'y2="{panel.bottom}" stroke="#52606d" stroke-width="1"/>'
            f'<line class="score-chart__axis" x1="{left}" x2="{right}" y1="{panel.bottom}" '
            f'y2="{panel.bottom}" stroke="#52606d" stroke-width="1"/>'
        )
        caseness = panel.caseness
        if caseness:
            label = words["caseness"] % {
                "symbol": escape(caseness.symbol),
                "value": caseness.value,
            }
            out.append(
                f'<line class="score-chart__caseness" x1="{left}" x2="{right}" '
                f'y1="{caseness.y}" y2="{caseness.y}" stroke="#8a5a00" stroke-width="1.5" '
                'stroke-dasharray="6 4"/>'
                f'<text class="score-chart__caseness-label" x="{left}" y="{caseness.y}" '
                f'dx="4" dy="12">{label}</text>'
            )
        for band in panel.bands:
            if band.edge_y:
                out.append(
                    f'<line class="score-chart__score-band" x1="{left}" x2="{right}" '
                    f'y1="{band.edge_y}" y2="{band.edge_y}" stroke="#52606d" stroke-width="1" '
                    'stroke-dasharray="2 3"/>'
                )
            out.append(
                f'<text class="score-chart__score-band-label" x="{band.label_x}" '
                f'y="{band.label_y}" text-anchor="end" dominant-baseline="central">'
                f"{band.low}\N{EN DASH}{band.high}</text>"
            )
        for line in panel.lines:
            out.append(
                f'<polyline class="score-chart__line" points="{line}" fill="none" '
                'stroke-width="2.5" stroke-linejoin="round"/>'
            )
        for point in panel.points:
            x, y = point.x, point.y
            if panel.shape == "square":
                mark = (
                    f'<path class="score-chart__point" d="M{x} {y} m-4.5 -4.5 h9 v9 h-9 z" '
                    'stroke="#ffffff" stroke-width="1"/>'
                )
            elif panel.shape == "diamond":
                mark = (
                    f'<path class="score-chart__point" d="M{x} {y} m0 -6 l6 6 l-6 6 l-6 -6 z" '
                    'stroke="#ffffff" stroke-width="1"/>'
                )
            else:
                mark = (
                    f'<circle class="score-chart__point" cx="{x}" cy="{y}" r="5" '
                    'stroke="#ffffff" stroke-width="1"/>'
                )
            out.append(
                f'{mark}<text class="score-chart__value" x="{x}" y="{y}" dy="-9" '
                f'text-anchor="middle">{point.total}</text>'
            )
        out.append("</g>")
    out.append('<g class="score-chart__sessions">')
    assessment = words["assessment"]
    for tick in chart.sessions:
        if tick.labelled:
            out.append(
                f'<text class="score-chart__axis-label" x="{tick.x}" y="{chart.axis_label_y}" '
                f'text-anchor="middle">{assessment if tick.assessment else tick.position}</text>'
            )
    title = words["axis_with_assessment"] if chart.has_assessment else words["axis"]
    out.append(
        f'<text class="score-chart__axis-title" x="{chart.plot_centre}" '
        f'y="{chart.axis_title_y}" text-anchor="middle">{title}</text></g></svg>'
    )
    # Every text above is escaped, and every number is one the layout computed.
    return mark_safe("".join(out))  # noqa: S308
