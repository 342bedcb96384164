"""The people of the relationship map's picture, written by a tag.

Each person is a group of up to six SVG elements with a dozen coordinates: a template loop
over them cost more than the rest of the picture. The markup is the one the template wrote,
with the same escaping, numbers written unlocalised as SVG wants them.
"""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

register = template.Library()


def _contact_word(contact: str) -> str:
    if contact == "died":
        return _("died")
    if contact == "no_contact":
        return _("no contact")
    return _("contact unknown")


@register.simple_tag
def map_people(rows):
    """Each placed person's group: title, circles, number, name, conflict and contact."""
    parts = []
    for row in rows:
        node = row.node
        if not node:
            continue
        person = row.person
        # As blocktranslate: the sentence is the catalogue's, the numbers are whole numbers.
        facts = mark_safe(  # noqa: S308
            _("closeness %(closeness)s of 5, conflict %(conflict)s of 5")
            % {"closeness": int(node.closeness), "conflict": int(node.conflict)}
        )
        fill = "#ffffff" if node.hollow else "#1d5c85"
        x, y = str(node.x), str(node.y)
        parts.append(
            format_html(
                '\n  <g class="relmap__person relmap__person--{}">\n    <title>{}. {} ({}): {}, {}'
                '</title>\n    <circle cx="{}" cy="{}" r="{}" fill="{}" stroke="#1d5c85" '
                'stroke-width="2"{}/>\n    ',
                node.contact,
                row.number,
                person.label,
                person.relationship,
                facts,
                person.get_contact_display().lower(),
                x,
                y,
                node.r,
                fill,
                format_html(' stroke-dasharray="{}"', node.ring_dash) if node.ring_dash else "",
            )
        )
        if node.inner_r:
            parts.append(
                format_html(
                    '<circle cx="{}" cy="{}" r="{}" fill="none" stroke="#1d5c85" '
                    'stroke-width="1.5"/>',
                    x,
                    y,
                    node.inner_r,
                )
            )
        parts.append(
            format_html(
                '\n    <text class="relmap__number" x="{}" y="{}" text-anchor="middle" '
                'dominant-baseline="central" fill="{}">{}</text>\n    ',
                x,
                y,
                "#1f2a33" if node.hollow else "#ffffff",
                row.number,
            )
        )
        if node.label:
            parts.append(
                format_html(
                    '<text class="relmap__name" x="{}" y="{}" text-anchor="middle">{}</text>',
                    x,
                    str(node.label_y),
                    node.label,
                )
            )
        parts.append("\n    ")
        if node.conflict_y:
            parts.append(
                format_html(
                    '<text class="relmap__small" x="{}" y="{}" text-anchor="middle">{}</text>',
                    x,
                    str(node.conflict_y),
                    mark_safe(_("conflict %(n)s") % {"n": int(node.conflict)}),  # noqa: S308
                )
            )
        parts.append("\n    ")
        if node.contact_y:
            parts.append(
                format_html(
                    '<text class="relmap__small" x="{}" y="{}" text-anchor="middle">{}</text>',
                    x,
                    str(node.contact_y),
                    _contact_word(node.contact),
                )
            )
        parts.append("\n  </g>")
    return mark_safe("".join(parts))  # noqa: S308 (every part above is escaped)
