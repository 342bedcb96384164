"""The questionnaire chart of the course summary, redrawn with reportlab graphics.

The layout is `measures.chart`'s (the same one the course page draws as SVG): phase
bands, one panel per questionnaire with its caseness line or its band lines (WSAS), score
lines that break where a score is missing, and risk markers in a lane of their own.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from patternwork.letters.rendering.text import BOLD, CONTENT_WIDTH, GREY, REGULAR, register_fonts

# The course summary


PHASE_FILLS = {
    "initial": "#e8f1f8",
    "middle": "#eef6ea",
    "ending": "#f8efe6",
    "over_plan": "#f3e6f0",
}
SERIES_COLOURS = ("#1f5f8b", "#6b3f8f", "#2f6b3a")
BAND_COLOUR = "#52606d"
CASENESS_COLOUR = "#a35a00"
RISK_COLOUR = "#b3261e"


def phase_names() -> dict[str, str]:
    return {
        "initial": _("Initial"),
        "middle": _("Middle"),
        "ending": _("Ending"),
        "over_plan": _("Over plan"),
    }


def chart_drawing(chart, *, width: float = CONTENT_WIDTH):
    """The measures chart (measures.chart layout, SVG units) redrawn for the PDF."""
    from reportlab.graphics.shapes import Circle, Drawing, Group, Line, Polygon, PolyLine, Rect
    from reportlab.graphics.shapes import String as Label
    from reportlab.lib.colors import HexColor, white

    register_fonts()
    scale = width / chart.width
    height = chart.height

    def y(value: float) -> float:
        return height - value

    def points(spec: str) -> list[float]:
        values: list[float] = []
        for pair in spec.split():
            px, py = pair.split(",")
            values += [float(px), y(float(py))]
        return values

    def text(x, y_, value, *, size=12, anchor="middle", bold=False, colour="#222222"):
        return Label(
            x,
            y_,
            value,
            fontName=BOLD if bold else REGULAR,
            fontSize=size,
            textAnchor=anchor,
            fillColor=HexColor(colour),
        )

    group = Group()
    top, bottom = chart.risk_top, chart.plot_bottom
    names = phase_names()
    for band in chart.bands:
        group.add(
            Rect(
                band.x,
                y(bottom),
                band.width,
                bottom - top,
                strokeColor=None,
                fillColor=HexColor(PHASE_FILLS[band.phase]),
            )
        )
        if band.labelled:
            group.add(text(band.label_x, y(chart.phase_label_y), names[band.phase], colour=GREY))
    group.add(text(chart.plot_left - 6, y(chart.risk_label_y), _("Risk"), anchor="end", size=11))
    for marker in chart.risk:
        group.add(Polygon(points(marker.shape), fillColor=HexColor(RISK_COLOUR), strokeColor=None))
    for index, panel in enumerate(chart.panels):
        colour = HexColor(SERIES_COLOURS[index % len(SERIES_COLOURS)])
        group.add(
            Rect(
                chart.plot_left,
                y(panel.bottom),
                chart.plot_right - chart.plot_left,
                panel.bottom - panel.top,
                strokeColor=HexColor("#999999"),
                strokeWidth=0.6,
                fillColor=None,
            )
        )
        group.add(text(chart.plot_left, y(panel.label_y), panel.code, anchor="start", bold=True))
        for tick in panel.ticks:
            group.add(
                text(chart.plot_left - 6, y(tick.y) - 4, str(tick.value), anchor="end", size=11)
            )
        if panel.caseness is not None:
            line_y = y(panel.caseness.y)
            group.add(
                Line(
                    chart.plot_left,
                    line_y,
                    chart.plot_right,
                    line_y,
                    strokeColor=HexColor(CASENESS_COLOUR),
                    strokeWidth=1,
                    strokeDashArray=[5, 3],
                )
            )
            group.add(
                text(
                    chart.plot_right - 4,
                    line_y + 3,
                    f"{panel.caseness.symbol} {panel.caseness.value}",
                    anchor="end",
                    size=11,
                    colour=CASENESS_COLOUR,
                )
            )
        for band in panel.bands:
            if band.edge_y is not None:
                group.add(
                    Line(
                        chart.plot_left,
                        y(band.edge_y),
                        chart.plot_right,
                        y(band.edge_y),
                        strokeColor=HexColor(BAND_COLOUR),
                        strokeWidth=0.8,
                        strokeDashArray=[2, 3],
                    )
                )
            group.add(
                text(
                    band.label_x,
                    y(band.label_y) - 4,
                    f"{band.low}\N{EN DASH}{band.high}",
                    anchor="end",
                    size=11,
                    colour=GREY,
                )
            )
        for run in panel.lines:
            group.add(PolyLine(points(run), strokeColor=colour, strokeWidth=1.6))
        for point in panel.points:
            if panel.shape == "circle":
                group.add(Circle(point.x, y(point.y), 4.5, fillColor=colour, strokeColor=white))
            elif panel.shape == "diamond":
                px, py = point.x, y(point.y)
                corners = [px, py + 6, px + 6, py, px, py - 6, px - 6, py]
                group.add(Polygon(corners, fillColor=colour, strokeColor=white))
            else:
                group.add(
                    Rect(point.x - 4.5, y(point.y) - 4.5, 9, 9, fillColor=colour, strokeColor=white)
                )
    for tick in chart.sessions:
        if tick.labelled:
            label = _("A") if tick.assessment else str(tick.position)
            group.add(text(tick.x, y(chart.axis_label_y), label, size=11))
    group.add(text(chart.plot_centre, y(chart.axis_title_y), _("Session"), bold=True))
    group.scale(scale, scale)
    drawing = Drawing(width, height * scale)
    drawing.add(group)
    return drawing
