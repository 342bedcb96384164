"""The site navigation's links, reversed and written once per process rather than on every page.

Every staff and portal page shows a navigation of a dozen fixed links. Reversing them
with `{% url %}` and testing each against the resolved URL in the template cost about a
millisecond per page; the links depend only on the URLconf and the script prefix, so
they are reversed once and kept, and the current page is found from the resolved view
name in one comparison per link. Each link's markup (its address, whether it is the
current page, its label in the active language) is written once and kept too: casting
and escaping a dozen lazy labels was most of what the frame cost a plain page.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import Promise
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

_reversed: dict[tuple, str] = {}
# A link's markup up to its closing tags, by URLconf, script prefix, language, link and
# whether it is the current page. Links are module constants (and one per therapist for
# their supervision page), so this stays small; it is emptied if it ever grows past this.
_written: dict[tuple, str] = {}
MAX_WRITTEN = 4096


def cached_reverse(viewname: str, *args) -> str:
    """`reverse(viewname, args=args)`, memoised per URLconf and script prefix."""
    key = (get_urlconf(), get_script_prefix(), viewname, args)
    url = _reversed.get(key)
    if url is None:
        url = _reversed[key] = reverse(viewname, args=args or None)
    return url


@receiver(setting_changed)
def _forget(*, setting, **kwargs):
    # Tests that swap the URLconf or the script prefix get links from the new one.
    if setting in {"ROOT_URLCONF", "FORCE_SCRIPT_NAME"}:
        _reversed.clear()
        _written.clear()


# Compared and hashed by identity: a link's label is a lazy translation, which would be
# cast to text on every hash.
@dataclass(frozen=True, eq=False)
class Link:
    viewname: str
    label: str | Promise
    args: tuple = ()


def current_view(request) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None else ""


def render_links(links: list[Link], current: str, extras: dict | None = None) -> SafeString:
    """`<li><a href=…>label</a></li>` per link, aria-current on the page being shown.

    `extras` maps a view name to escaped markup shown after its label (a count).
    """
    extras = extras or {}
    where = (get_urlconf(), get_script_prefix(), get_language())
    if len(_written) > MAX_WRITTEN:
        _written.clear()
    items = []
    for link in links:
        is_current = link.viewname == current
        key = (*where, link, is_current)
        head = _written.get(key)
        if head is None:
            head = _written[key] = format_html(
                '<li><a href="{}"{}>{}',
                cached_reverse(link.viewname, *link.args),
                mark_safe(' aria-current="page"') if is_current else "",
                link.label,
            )
        extra = extras.get(link.viewname)
        items.append(f"{head}{conditional_escape(extra)}</a></li>" if extra else f"{head}</a></li>")
    return mark_safe("\n".join(items))  # noqa: S308 - each part written by format_html above


def render_plain_links(links: list[Link]) -> SafeString:
    """`<a href=…>label</a>` per link (the account links beside the navigation)."""
    where = (get_urlconf(), get_script_prefix(), get_language())
    key = ("plain", *where, *links)
    written = _written.get(key)
    if written is None:
        written = _written[key] = format_html_join(
            "\n",
            '<a href="{}">{}</a>',
            ((cached_reverse(link.viewname, *link.args), link.label) for link in links),
        )
    return written


def count_badge(count, hidden_label) -> str:
    """A count shown after a link's label, with its meaning spelled out for screen readers."""
    return format_html(
        ' <span class="nav__count">{}<span class="visually-hidden"> {}</span></span>',
        count,
        hidden_label,
    )
