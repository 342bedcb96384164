"""The links from the figures of the pattern page to the episodes behind them.

Tags rather than included templates: the page links a hundred or more figures, and an
include per figure, or a template loop per heat-strip cell, cost more than the rest of
the page's rendering. The markup is the one the templates wrote, escaped the same way.
"""

import html
import re
from urllib.parse import quote

from django import template
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from patternwork.clinic.templatetags.clinic import phase_label

register = template.Library()


def _escaped(value) -> str:
    """What `conditional_escape` gives (safe text as it is, the rest escaped), written
    out: the page escapes a few hundred figures' texts and links."""
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


# What `quote(key, safe="/")` leaves as it is, but for ":" (always "%3A"): the keys are
# made of ids, words and colons, so almost every one is quoted by one replace.
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_.~/:-]*")


def _quoted(key: str) -> str:
    if _PLAIN_KEY.fullmatch(key):
        return key.replace(":", "%3A")
    return quote(key, safe="/")


def _link(evidence_url: str, figure, label=None, percent=None) -> str:
    if figure is None:
        return format_html(
            '<span class="muted" title="{}">—</span>', _("No episodes were logged in this phase.")
        )
    if percent is not None:
        label = f"{percent}%"
    text = _escaped(label or figure.text)
    if figure.count and figure.key:
        url = _escaped(f"{evidence_url}?key={_quoted(figure.key)}")
        return SafeString(
            f'<a class="evidence-link" href="{url}" hx-get="{url}" hx-target="#evidence" '
            f'hx-swap="innerHTML show:#evidence:top">{text}</a>'
        )
    return SafeString(f'<span class="figure--none">{text}</span>')


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
            f'<td class="heat heat--{_escaped(cell.shade)}">'
            + (
                '<span class="muted">—</span>'
                if cell.figure is None
                else _link(url, cell.figure, cell.figure.count)
                if too_few
                else _link(url, cell.figure, percent=cell.percent)
            )
            + "</td>"
            for cell in row.cells
        )
        overall = (
            _link(url, row.overall, row.overall.count)
            if too_few
            else _link(url, row.overall, percent=row.percent)
        )
        rows.append(
            '\n            <tr>\n              <th scope="row">'
            f"{_escaped(row.label.text)}{retired if row.label.retired else ''}</th>"
            f'\n              {cells}\n              <td class="heat-strip__all">{overall}</td>'
            "\n            </tr>\n          "
        )
    return mark_safe("".join(rows))  # noqa: S308 (every part above is escaped)


@register.simple_tag(takes_context=True)
def theme_spreads(context, item):
    """Who, when and whether it recurs, for each category of one part of the core theme:
    up to three people, then the recurrence, each opening its episodes. What a template
    loop with its filters and links wrote per category, in one pass."""
    url = context["evidence_url"]
    with_word = _escaped(_("with"))
    recurs = f'<span class="tag tag--warn">{_escaped(_("Recurs"))}</span>'
    out = []
    for spread in item.spreads:
        people = ", ".join(_link(url, figure) for figure in spread.people[:3])
        out.append(
            '\n              <span class="theme-flow__spread">'
            + (f"{_escaped(spread.label.text)}: " if item.is_tie else "")
            + f"{with_word} {people}"
            + (" …" if len(spread.people) > 3 else "")
            + (
                f" · {recurs} {_link(url, spread.earlier)} → {_link(url, spread.later)}"
                if spread.recurs
                else ""
            )
            + "</span>\n            "
        )
    return mark_safe("".join(out))  # noqa: S308 (every part above is escaped)


@register.simple_tag
def theme_labels(item):
    """The labels of one part of the core theme, each marked when retired, between
    slashes: a template loop per label on a page whose theme ties many categories."""
    retired = f' <span class="tag">{_escaped(_("retired"))}</span>'
    return mark_safe(  # noqa: S308 (every part below is escaped)
        " / ".join(
            _escaped(label.text) + (retired if label.retired else "") for label in item.labels
        )
    )


@register.simple_tag
def heat_head(part):
    """The head of one part's heat strip: its title, the three phases and the whole."""
    titles = "".join(
        f'<th scope="col" title="{_escaped(phase_label(phase))}">{_escaped(letter)}</th>'
        for phase, letter in (("initial", _("I")), ("middle", _("M")), ("ending", _("E")))
    )
    return mark_safe(  # noqa: S308 (every part is escaped)
        f'<thead><tr><th scope="col">{_escaped(part.title)}</th>{titles}'
        f'<th scope="col">{_escaped(_("All"))}</th></tr></thead>'
    )
