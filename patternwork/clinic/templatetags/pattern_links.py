"""The links from the figures of the pattern page to the episodes behind them.

Tags rather than included templates: the page links a hundred or more figures, and an
include per figure, or a template loop per heat-strip cell, cost more than the rest of
the page's rendering. The markup is the one the templates wrote, escaped the same way.
"""

from urllib.parse import quote

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

register = template.Library()


def _link(evidence_url: str, figure, label=None, percent=None) -> str:
    if figure is None:
        return format_html(
            '<span class="muted" title="{}">—</span>', _("No episodes were logged in this phase.")
        )
    if percent is not None:
        label = f"{percent}%"
    text = label or figure.text
    if figure.count and figure.key:
        url = f"{evidence_url}?key={quote(figure.key, safe='/')}"
        return format_html(
            '<a class="evidence-link" href="{}" hx-get="{}" hx-target="#evidence" '
            'hx-swap="innerHTML show:#evidence:top">{}</a>',
            url,
            url,
            text,
        )
    return format_html('<span class="figure--none">{}</span>', text)


@register.simple_tag(takes_context=True)
def evidence_link(context, figure, label=None, *, percent=None):
    """The figure as a link that opens its episodes in place, or as plain text when no
    episode is behind it; `label` (or `percent`, shown with a % sign) replaces its text."""
    return _link(context["evidence_url"], figure, label, percent)


@register.simple_tag(takes_context=True)
def heat_rows(context, part, too_few):
    """The rows of one part's heat strip: a category, its share in each phase (a count
    when there are too few episodes for shares) and overall, each opening its episodes."""
    url = context["evidence_url"]
    retired = format_html(' <span class="tag">{}</span>', _("retired"))
    rows = []
    for row in part.rows:
        cells = "".join(
            format_html(
                '<td class="heat heat--{}">{}</td>',
                cell.shade,
                mark_safe('<span class="muted">—</span>')
                if cell.figure is None
                else _link(url, cell.figure, cell.figure.count)
                if too_few
                else _link(url, cell.figure, percent=cell.percent),
            )
            for cell in row.cells
        )
        overall = (
            _link(url, row.overall, row.overall.count)
            if too_few
            else _link(url, row.overall, percent=row.percent)
        )
        rows.append(
            '\n            <tr>\n              <th scope="row">'
            f"{conditional_escape(row.label.text)}{retired if row.label.retired else ''}</th>"
            f'\n              {cells}\n              <td class="heat-strip__all">{overall}</td>'
            "\n            </tr>\n          "
        )
    return mark_safe("".join(rows))  # noqa: S308 (every part above is escaped)
