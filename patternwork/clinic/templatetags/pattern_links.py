"""The links from the figures of the pattern page to the episodes behind them.

Tags rather than included templates: the page links a hundred or more figures, and an
include per figure, or a template loop per heat-strip cell, cost more than the rest of
the page's rendering. The markup is the one the templates wrote, escaped the same way.
The page's sections of figures (the phases, the theme, the heat strips, the sequences and
the valences) are written here too, each in one pass, and their fixed words are
translated and escaped once per language (`_words`), not once per figure. A category's
label is escaped once per page (`CategoryLabel.escaped`), wherever it is written.
"""

import html
import re
from urllib.parse import quote

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from patternwork.clinic.templatetags.clinic import phase_label
from patternwork.core.escaping import conditional_escape as _escaped
from patternwork.core.words import kept

register = template.Library()


def _words() -> dict[str, str]:
    """The tags' fixed words in the current language, translated and escaped once."""
    return kept(_words, _make_words)


def _make_words() -> dict[str, str]:
    found = {
        "none": _("No episodes were logged in this phase."),
        "retired": _("retired"),
        "with": _("with"),
        "Recurs": _("Recurs"),
        "I": _("I"),
        "M": _("M"),
        "E": _("E"),
        "All": _("All"),
        "empty part": _("No episode has a category for this part yet."),
        "Tie": _("Tie"),
        "Pervasiveness": _("Pervasiveness"),
        "each": _("each"),
        "initial": phase_label("initial"),
        "middle": phase_label("middle"),
        "ending": phase_label("ending"),
    }
    return {key: html.escape(str(text)) for key, text in found.items()}


# What `quote(key, safe="/")` leaves as it is, but for ":" (always "%3A"): the keys are
# made of ids, words and colons, so almost every one is quoted by one replace.
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_.~/:-]*")


def _quoted(key: str) -> str:
    if _PLAIN_KEY.fullmatch(key):
        return key.replace(":", "%3A")
    return quote(key, safe="/")


def _link(url: str, figure, label=None, percent=None) -> str:
    """`url` is the evidence view's, escaped: each tag escapes it once for all its links.
    The markup is plain text, marked safe by the tag that writes it: a SafeString made
    for each link would be made text again (its __str__) where a tag puts it in place."""
    if figure is None:
        return f'<span class="muted" title="{_words()["none"]}">—</span>'
    # A percentage is a whole number (":d" accepts nothing else): nothing to escape.
    text = f"{percent:d}%" if percent is not None else _escaped(label or figure.text)
    if figure.count and figure.key:
        # A quoted key is made of letters, digits and "_.~/%-" alone: nothing to escape.
        url = f"{url}?key={_quoted(figure.key)}"
        return (
            f'<a class="evidence-link" href="{url}" hx-get="{url}" hx-target="#evidence" '
            f'hx-swap="innerHTML show:#evidence:top">{text}</a>'
        )
    return f'<span class="figure--none">{text}</span>'


@register.simple_tag(takes_context=True)
def evidence_link(context, figure, label=None, *, percent=None):
    """The figure as a link that opens its episodes in place, or as plain text when no
    episode is behind it; `label` (or `percent`, shown with a % sign) replaces its text."""
    return SafeString(_link(_escaped(context["evidence_url"]), figure, label, percent))


# The sections below are written by list comprehensions, not generators: a generator
# resumes once for each figure of a page that writes a hundred or more. Each tag reads
# its words once (`_words`) and hands them to the helpers it calls.


def _heat_rows(url: str, part, too_few, words: dict[str, str]) -> str:
    """The rows of one part's heat strip: a category, its share in each phase (a count
    when there are too few episodes for shares) and overall, each opening its episodes."""
    retired = f' <span class="tag">{words["retired"]}</span>'
    rows = []
    for row in part.rows:
        cells = "".join(
            [
                f'<td class="heat heat--{cell.shade:d}">'
                + (
                    '<span class="muted">—</span>'
                    if cell.figure is None
                    else _link(url, cell.figure, cell.figure.count)
                    if too_few
                    else _link(url, cell.figure, percent=cell.percent)
                )
                + "</td>"
                for cell in row.cells
            ]
        )
        overall = (
            _link(url, row.overall, row.overall.count)
            if too_few
            else _link(url, row.overall, percent=row.percent)
        )
        rows.append(
            '\n            <tr>\n              <th scope="row">'
            f"{row.label.escaped}{retired if row.label.retired else ''}</th>"
            f'\n              {cells}\n              <td class="heat-strip__all">{overall}</td>'
            "\n            </tr>\n          "
        )
    return "".join(rows)


def _theme_spreads(url: str, item, words: dict[str, str]) -> str:
    """Who, when and whether it recurs, for each category of one part of the core theme:
    up to three people, then the recurrence, each opening its episodes. What a template
    loop with its filters and links wrote per category, in one pass."""
    with_word = words["with"]
    recurs = f'<span class="tag tag--warn">{words["Recurs"]}</span>'
    out = []
    for spread in item.spreads:
        people = ", ".join([_link(url, figure) for figure in spread.people[:3]])
        out.append(
            '\n              <span class="theme-flow__spread">'
            + (f"{spread.label.escaped}: " if item.is_tie else "")
            + f"{with_word} {people}"
            + (" …" if len(spread.people) > 3 else "")
            + (
                f" · {recurs} {_link(url, spread.earlier)} → {_link(url, spread.later)}"
                if spread.recurs
                else ""
            )
            + "</span>\n            "
        )
    return "".join(out)


@register.simple_tag
def theme_labels(item):
    """The labels of one part of the core theme, each marked when retired, between
    slashes: a template loop per label on a page whose theme ties many categories."""
    return mark_safe(_theme_labels(item, _words()))  # noqa: S308 (every part is escaped)


def _theme_labels(item, words: dict[str, str]) -> str:
    retired = f' <span class="tag">{words["retired"]}</span>'
    return " / ".join([label.escaped + (retired if label.retired else "") for label in item.labels])


@register.simple_tag
def heat_head(part):
    """The head of one part's heat strip: its title, the three phases and the whole."""
    return mark_safe(_heat_head(part, _words()))  # noqa: S308 (every part is escaped)


def _heat_head(part, words: dict[str, str]) -> str:
    titles = "".join(
        [
            f'<th scope="col" title="{words[phase]}">{words[letter]}</th>'
            for phase, letter in (("initial", "I"), ("middle", "M"), ("ending", "E"))
        ]
    )
    return (
        f'<thead><tr><th scope="col">{_escaped(part.title)}</th>{titles}'
        f'<th scope="col">{words["All"]}</th></tr></thead>'
    )


@register.simple_tag(takes_context=True)
def heat_tables(context, page):
    """Every part's heat strip: its head and rows in a table named by the part."""
    url = _escaped(context["evidence_url"])
    words = _words()
    return mark_safe(  # noqa: S308 (every part is escaped)
        "".join(
            [
                f'\n      <table class="heat-strip" aria-label="{_escaped(part.title)}">'
                f"\n        {_heat_head(part, words)}\n        <tbody>\n          "
                f"{_heat_rows(url, part, page.too_few, words)}\n        </tbody>\n"
                "      </table>\n    "
                for part in page.heat
            ]
        )
    )


@register.simple_tag(takes_context=True)
def phase_links(context, page):
    """Each phase's episodes, named by the phase: "Initial: 4 episodes · Middle: …"."""
    url = _escaped(context["evidence_url"])
    words = _words()
    return mark_safe(  # noqa: S308 (every part is escaped)
        " · ".join([f"{words[phase]}: {_link(url, figure)}" for phase, figure in page.phase_counts])
    )


@register.simple_tag(takes_context=True)
def theme_items(context, page):
    """The parts of the candidate core theme: each one's categories (marked when they
    tie), how pervasive they are, and who and when they appear with."""
    url = _escaped(context["evidence_url"])
    words = _words()
    out = []
    for item in page.theme:
        head = (
            f'\n        <li class="theme-flow__part" id="theme-{_escaped(item.part)}">'
            f'\n          <span class="theme-flow__title">{_escaped(item.title)}</span>\n          \n'
        )
        if item.overall is None:
            body = f'            <span class="empty">{words["empty part"]}</span>\n          \n'
        else:
            tie = f'<span class="tag tag--warn">{words["Tie"]}</span>' if item.is_tie else ""
            each = f" {words['each']}" if item.is_tie else ""
            percent = _escaped(item.percent)
            body = (
                f"            {tie}\n"
                '            <strong class="theme-flow__label">'
                f"{_theme_labels(item, words)}</strong>\n"
                f'            <meter class="theme-flow__meter" min="0" max="100" '
                f'value="{percent}" aria-label="{words["Pervasiveness"]}">{percent}%</meter>\n'
                f"            <span>{_link(url, item.overall)}{each}</span>\n"
                f"            {_theme_spreads(url, item, words)}\n          \n"
            )
        out.append(f"{head}{body}        </li>\n      ")
    return mark_safe("".join(out))  # noqa: S308 (every part above is escaped)


@register.simple_tag(takes_context=True)
def sequence_items(context, page):
    """The most frequent sequences, ranked, each opening its episodes."""
    url = _escaped(context["evidence_url"])
    return mark_safe(  # noqa: S308 (every part is escaped)
        "".join(
            [
                f'\n          <li value="{_escaped(q.rank)}">{q.wish.escaped} → '
                f"{q.ro.escaped} → {q.rs.escaped} · {_link(url, q.figure)}</li>\n"
                "        "
                for q in page.sequences
            ]
        )
    )


@register.simple_tag(takes_context=True)
def valence_items(context, page):
    """Each part's positive and negative marks: how often, and (with enough episodes)
    their change from the initial to the ending phase."""
    url = _escaped(context["evidence_url"])
    out = []
    for section in page.parts:
        if not section.valences:
            continue
        rows = " · ".join(
            [
                f"{row.label.escaped}: {_link(url, row.overall)}"
                + ("" if page.too_few else f" ({_escaped(row.change)})")
                for row in section.valences
            ]
        )
        out.append(f"\n        <dt>{_escaped(section.title)}</dt>\n        <dd>{rows}</dd>\n      ")
    return mark_safe("".join(out))  # noqa: S308 (every part above is escaped)
