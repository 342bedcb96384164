"""The rows of the service report's tables and the bars of its chart.

Tags rather than template loops: a few dozen figures, each with conditions and filters,
cost a good part of the page's rendering. The markup is the one the template wrote, with
the same escaping and number formats.
"""

from django import template
from django.template.defaultfilters import floatformat
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

register = template.Library()

NUMBER = '\n      <td class="report-table__number">{}</td>'


def _value(figure) -> str:
    if figure.kind == "count":
        return ""
    if figure.value is None:
        return format_html('<span class="muted">{}</span>', _("no data"))
    if figure.kind == "rate":
        return f"{floatformat(figure.percent, 1)}%"
    return floatformat(figure.number, 1)


@register.simple_tag
def report_rows(items):
    """One table row per figure: its label, count, denominator and rate or value."""
    rows = []
    for figure in items:
        count = "" if figure.count is None else figure.count
        denominator = "" if figure.denominator is None else figure.denominator
        rows.append(
            f'\n    <tr>\n      <th scope="row">{conditional_escape(figure.label)}</th>'
            + format_html(NUMBER, count)
            + format_html(NUMBER, denominator)
            + format_html(NUMBER, _value(figure))
            + "\n    </tr>\n  "
        )
    return mark_safe("".join(rows))  # noqa: S308 (every part above is escaped)


@register.simple_tag
def chart_bars(chart):
    """Each rate's label, bar and value in the chart (written unlocalised, as SVG wants)."""
    labels = chart["labels"]
    parts = []
    for bar in chart["bars"]:
        figure, middle = bar.figure, bar.y + 15
        parts.append(
            format_html(
                '\n      <text class="report-chart__label" x="{}" y="{}" text-anchor="end" '
                'dominant-baseline="central">{}</text>\n      ',
                labels - 8,
                middle,
                figure.label,
            )
        )
        if figure.percent is None:
            parts.append(
                format_html(
                    '\n        <text class="report-chart__value report-chart__value--none" '
                    'x="{}" y="{}" dominant-baseline="central">{}</text>\n      ',
                    labels + 6,
                    middle,
                    _("no data"),
                )
            )
        else:
            parts.append(
                format_html(
                    '\n        <rect class="report-chart__bar{}" x="{}" y="{}" width="{}" '
                    'height="{}"/>\n        <text class="report-chart__value" x="{}" y="{}" '
                    'dominant-baseline="central">{}%</text>\n      ',
                    " report-chart__bar--warn" if figure.warn else "",
                    labels,
                    bar.y + 5,
                    str(bar.width),
                    chart["bar_height"],
                    str(bar.text_x),
                    middle,
                    floatformat(figure.percent, 1),
                )
            )
        parts.append("\n    ")
    return mark_safe("".join(parts))  # noqa: S308 (every part above is escaped)
