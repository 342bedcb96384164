"""The link from a figure of the pattern page to the episodes behind it.

A tag rather than an included template: the page links a hundred or more figures, and an
include per figure cost more than the rest of the page's rendering.
"""

from urllib.parse import quote

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag(takes_context=True)
def evidence_link(context, figure, label=None, *, percent=None):
    """The figure as a link that opens its episodes in place, or as plain text when no
    episode is behind it; `label` (or `percent`, shown with a % sign) replaces its text."""
    if figure is None:
        return format_html(
            '<span class="muted" title="{}">—</span>', _("No episodes were logged in this phase.")
        )
    if percent is not None:
        label = f"{percent}%"
    text = label or figure.text
    if figure.count and figure.key:
        url = f"{context['evidence_url']}?key={quote(figure.key, safe='/')}"
        return format_html(
            '<a class="evidence-link" href="{}" hx-get="{}" hx-target="#evidence" '
            'hx-swap="innerHTML show:#evidence:top">{}</a>',
            url,
            url,
            text,
        )
    return format_html('<span class="figure--none">{}</span>', text)
