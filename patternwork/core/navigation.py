"""The site navigation's links, reversed once per process rather than on every page.

Every staff and portal page shows a navigation of a dozen fixed links. Reversing them
with `{% url %}` and testing each against the resolved URL in the template cost about a
millisecond per page; the links depend only on the URLconf and the script prefix, so
they are reversed once and kept, and the current page is found from the resolved view
name in one comparison per link.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

_reversed: dict[tuple, str] = {}


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


@dataclass(frozen=True)
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
    return format_html_join(
        "\n",
        '<li><a href="{}"{}>{}{}</a></li>',
        (
            (
                cached_reverse(link.viewname, *link.args),
                mark_safe(' aria-current="page"') if link.viewname == current else "",
                link.label,
                extras.get(link.viewname, ""),
            )
            for link in links
        ),
    )


def render_plain_links(links: list[Link]) -> SafeString:
    """`<a href=…>label</a>` per link (the account links beside the navigation)."""
    return format_html_join(
        "\n",
        '<a href="{}">{}</a>',
        ((cached_reverse(link.viewname, *link.args), link.label) for link in links),
    )


def count_badge(count, hidden_label) -> str:
    """A count shown after a link's label, with its meaning spelled out for screen readers."""
    return format_html(
        ' <span class="nav__count">{}<span class="visually-hidden"> {}</span></span>',
        count,
        hidden_label,
    )
