"""The rows of the service report's tables and the bars of its chart.

Tags rather than template loops: a few dozen figures, each with conditions and filters,
cost a good part of the page's rendering. The markup is the one the template wrote, with
the same escaping and number formats.
"""

from functools import lru_cache

from django import template
from django.template.defaultfilters import floatformat
from django.utils.formats import localize
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from patternwork.core.escaping import conditional_escape
from patternwork.core.words import translator

register = template.Library()


@lru_cache(maxsize=1024)
def _one_place(value: float, language: str | None) -> str:
    # floatformat (Decimal rounding, localised separators) for a value the page shows in
    # the table, the chart's description and its bars: worked out once, not three times.
    return floatformat(value, 1)


def one_place(value: float, language: str | None = None) -> str:
    """`value|floatformat:1` in the active language (or `language`, where a tag writing
    many values has asked for the active one once)."""
    return _one_place(value, get_language() if language is None else language)


def _value(figure, no_data: str, language: str | None) -> str:
    if figure.kind == "count":
        return ""
    if figure.value is None:
        return no_data
    if figure.kind == "rate":
        return f"{one_place(figure.percent, language)}%"
    return one_place(figure.number, language)


@register.simple_tag
def report_rows(items):
    """One table row per figure: its label, count, denominator and rate or value."""
    no_data = mark_safe(f'<span class="muted">{conditional_escape(_("no data"))}</span>')  # noqa: S308
    language = get_language()
    rows = []
    for figure in items:
        count = "" if figure.count is None else figure.count
        denominator = "" if figure.denominator is None else figure.denominator
        value = conditional_escape(_value(figure, no_data, language))
        rows.append(
            f'\n    <tr>\n      <th scope="row">{conditional_escape(figure.label)}</th>'
            f'\n      <td class="report-table__number">{count}</td>'
            f'\n      <td class="report-table__number">{denominator}</td>'
            f'\n      <td class="report-table__number">{value}'
            "</td>\n    </tr>\n  "
        )
    # Counts and denominators are integers; labels and values are escaped.
    return mark_safe("".join(rows))  # noqa: S308


@register.simple_tag
def report_sections(sections):
    """Each section's table: its caption, the column headings and `report_rows`."""
    _ = translator()
    # Literal translations, written unescaped as `{% translate %}` writes them.
    head = (
        f'<thead><tr><th scope="col">{_("Measure")}</th>'
        f'<th scope="col" class="report-table__number">{_("Count")}</th>'
        f'<th scope="col" class="report-table__number">{_("Out of")}</th>'
        f'<th scope="col" class="report-table__number">{_("Rate or value")}</th></tr></thead>'
    )
    return mark_safe(  # noqa: S308 - titles escaped, rows escaped by report_rows
        "".join(
            f'\n<div class="table-wrap">\n<table class="report-table">\n'
            f"  <caption>{conditional_escape(title)}</caption>\n  {head}\n  <tbody>\n  "
            f"{report_rows(items)}\n  </tbody>\n</table>\n</div>\n"
            for title, items in sections
        )
    )


@register.simple_tag
def chart_description(chart):
    """The chart's description after its opening sentence: each rate's label and value,
    or "no data", in the order of the bars (written unlocalised, as SVG wants)."""
    no_data = None
    of = _("%(count)s of %(total)s")
    language = get_language()
    parts = []
    for bar in chart["bars"]:
        figure = bar.figure
        if figure.percent is None:
            if no_data is None:
                no_data = conditional_escape(_("no data"))
            value = no_data
        else:
            counts = of % {"count": figure.count, "total": figure.denominator}
            value = f"{one_place(figure.percent, language)}% ({counts})"
        parts.append(f" {conditional_escape(figure.label)}, {value}")
    return mark_safe(";".join(parts) + ("." if parts else ""))  # noqa: S308 (escaped above)


@register.simple_tag
def chart_grid(chart):
    """The chart's vertical grid lines at 0, 25, 50, 75 and 100 percent with their labels."""
    bottom, axis = chart["bar_area"], chart["axis_y"]
    return mark_safe(  # noqa: S308 (numbers, and labels escaped)
        "".join(
            f'\n      <line class="report-chart__grid" x1="{line["x"]}" x2="{line["x"]}" '
            f'y1="0" y2="{bottom}"/>\n      <text class="report-chart__axis" x="{line["x"]}" '
            f'y="{axis}" text-anchor="middle">{conditional_escape(line["label"])}</text>\n    '
            for line in chart["grid"]
        )
    )


@register.simple_tag
def chart_bars(chart):
    """Each rate's label, bar and value in the chart (written unlocalised, as SVG wants).
    Every value but the label is a number the chart worked out; the label is escaped."""
    labels = chart["labels"]
    language = get_language()
    no_data = None
    parts = []
    for bar in chart["bars"]:
        figure, middle = bar.figure, bar.y + 15
        parts.append(
            f'\n      <text class="report-chart__label" x="{labels - 8}" y="{middle}" '
            f'text-anchor="end" dominant-baseline="central">{conditional_escape(figure.label)}'
            "</text>\n      "
        )
        if figure.percent is None:
            if no_data is None:
                no_data = conditional_escape(_("no data"))
            parts.append(
                '\n        <text class="report-chart__value report-chart__value--none" '
                f'x="{labels + 6}" y="{middle}" dominant-baseline="central">{no_data}</text>\n      '
            )
        else:
            warn = " report-chart__bar--warn" if figure.warn else ""
            parts.append(
                f'\n        <rect class="report-chart__bar{warn}" x="{labels}" y="{bar.y + 5}" '
                f'width="{bar.width}" height="{chart["bar_height"]}"/>\n        '
                f'<text class="report-chart__value" x="{bar.text_x}" y="{middle}" '
                f'dominant-baseline="central">{one_place(figure.percent, language)}%</text>\n      '
            )
        parts.append("\n    ")
    return mark_safe("".join(parts))  # noqa: S308 (numbers, and the label escaped)


@lru_cache(maxsize=64)
def _rule_sentences(rules, language: str | None) -> tuple[str, str]:
    # The sentences change only with the rules in force and the language: each is written
    # once for them, as `{% blocktranslate %}` wrote it (each value localised and escaped).
    def values(threshold: str) -> dict[str, str]:
        found = {}
        for prefix, rule in (("dep", rules.depression), ("anx", rules.anxiety)):
            limit = getattr(rule, threshold)
            found[f"{prefix}_code"] = conditional_escape(localize(rule.code))
            found[f"{prefix}_cmp"] = conditional_escape(localize(limit.comparator))
            found[f"{prefix}_value"] = conditional_escape(localize(limit.value))
        return found

    caseness = _(
        "At caseness at start: first %(dep_code)s %(dep_cmp)s %(dep_value)s, or first "
        "%(anx_code)s %(anx_cmp)s %(anx_value)s, from whichever first scores there are. "
        "Recovery: at caseness at start, and neither last score at caseness."
    ) % values("caseness")
    reliable_change = _(
        "Reliable change: a change %(dep_cmp)s %(dep_value)s on %(dep_code)s, %(anx_cmp)s "
        "%(anx_value)s on %(anx_code)s. Reliable improvement: a reliable fall on either and a "
        "reliable rise on neither. Reliable deterioration: a reliable rise on either. Reliable "
        "recovery: recovery and reliable improvement."
    ) % values("reliable_change")
    # A fixed translation with escaped values, as the template's tag returned it.
    return mark_safe(caseness), mark_safe(reliable_change)  # noqa: S308


@register.simple_tag
def rule_sentence(rules, which: str):
    """The "how these figures are counted" sentence on caseness and recovery (`which` is
    "caseness") or on reliable change ("reliable_change"), naming the rules in force."""
    caseness, reliable_change = _rule_sentences(rules, get_language())
    return caseness if which == "caseness" else reliable_change


@register.simple_tag
def filter_fields(form):
    """The report filter's fields, each in its `div.field` with its label, widget and
    errors: the markup of the template's loop over the form, every value escaped."""
    out = []
    for field in form:
        errors = field.errors
        out.append(
            f'\n      <div class="field{" field--error" if errors else ""}">'
            f'\n        <label for="{conditional_escape(field.id_for_label)}">'
            f"{conditional_escape(field.label)}</label>{conditional_escape(field)}\n        "
        )
        if errors:
            items = "".join(f"<li>{conditional_escape(error)}</li>" for error in errors)
            out.append(
                f'<ul class="errorlist" id="{conditional_escape(field.auto_id)}_error">{items}</ul>'
            )
        out.append("\n      </div>\n    ")
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


@register.simple_tag
def coverage_rows(coverage):
    """The rating coverage table's rows: per phase its courses, those rated, and the share
    as `{% widthratio rated courses 100 %}` writes it (counts are integers)."""
    _ = translator()
    # Literal translations, written unescaped as `{% translate %}` writes them.
    labels = {"initial": _("Initial"), "middle": _("Middle")}
    ending = _("Ending")
    out = []
    for row in coverage:
        share = "\N{EN DASH}"
        if row.share is not None:
            share = f"{round(float(row.rated) / float(row.courses) * 100)}%"
        out.append(
            f'\n      <tr><th scope="row">{labels.get(row.phase, ending)}</th>'
            f"\n        <td>{row.courses}</td><td>{row.rated}</td>"
            f"\n        <td>{share}</td></tr>\n    "
        )
    return mark_safe("".join(out))  # noqa: S308 - fixed words and integers


def _percent_of(share: float) -> str:
    """`{% widthratio share 1 100 %}`: the share as a whole percent."""
    try:
        return str(round(float(share) * 100))
    except (ValueError, TypeError, OverflowError):
        return ""


@register.simple_tag
def funnel_rows(rows):
    """The funnel table's rows: each therapist's courses, recoveries, rate (one place,
    localised) and control limits (whole percents), or its empty row."""
    dash = "\N{EN DASH}"
    if not rows:
        # A literal translation, written unescaped as `{% translate %}` writes it.
        empty = translator()("No finished courses in this period.")
        return mark_safe(f'\n      <tr><td colspan="7" class="empty">{empty}</td></tr>\n    ')  # noqa: S308
    language = get_language()
    out = []
    for row in rows:
        unit, limits = row.unit, row.limits
        rate = dash if row.percent is None else f"{one_place(row.percent, language)}%"
        if limits:
            within_95 = f"{_percent_of(limits.low_95)}{dash}{_percent_of(limits.high_95)}%"
            within_998 = f"{_percent_of(limits.low_998)}{dash}{_percent_of(limits.high_998)}%"
        else:
            within_95 = within_998 = dash
        out.append(
            f"\n      <tr><td>{conditional_escape(unit.label)}</td><td>{unit.denominator}</td>"
            f"<td>{unit.count}</td>\n        <td>{rate}</td>\n        <td>{within_95}</td>"
            f"\n        <td>{within_998}</td>\n        <td>{conditional_escape(row.position)}"
            "</td></tr>\n    "
        )
    return mark_safe("".join(out))  # noqa: S308 - labels escaped, the rest numbers
