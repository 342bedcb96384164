"""The people of the relationship map's picture, and the table beside it, written by tags.

Each person is a group of up to six SVG elements with a dozen coordinates: a template loop
over them cost more than the rest of the picture. The markup is the one the template wrote,
with the same escaping, numbers written unlocalised as SVG wants them.
"""

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils.formats import localize
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from patternwork.core.escaping import conditional_escape as _escaped
from patternwork.core.words import kept

register = template.Library()


def _contact_word(contact: str) -> str:
    if contact == "died":
        return _("died")
    if contact == "no_contact":
        return _("no contact")
    return _("contact unknown")


@register.simple_tag
def map_people(rows):
    """Each placed person's group: title, circles, number, name, conflict and contact.

    The sentences are translated once a picture, not once a person; a person's contact
    is the row's word for it (its choice's label, as `get_contact_display` gives it)."""
    words: dict = {}

    def word(message: str) -> str:
        found = words.get(message)
        if found is None:
            found = words[message] = _(message)
        return found

    parts = []
    for row in rows:
        node = row.node
        if not node:
            continue
        person = row.person
        # As blocktranslate: the sentence is the catalogue's, the numbers are whole numbers.
        facts = word("closeness %(closeness)s of 5, conflict %(conflict)s of 5") % {
            "closeness": int(node.closeness),
            "conflict": int(node.conflict),
        }
        fill = "#ffffff" if node.hollow else "#1d5c85"
        x, y = _escaped(node.x), _escaped(node.y)
        dash = f' stroke-dasharray="{_escaped(node.ring_dash)}"' if node.ring_dash else ""
        parts.append(
            f'\n  <g class="relmap__person relmap__person--{_escaped(node.contact)}">\n'
            f"    <title>{_escaped(row.number)}. {_escaped(person.label)} "
            f"({_escaped(person.relationship)}): {facts}, {_escaped(row.contact.lower())}"
            f'</title>\n    <circle cx="{x}" cy="{y}" r="{_escaped(node.r)}" fill="{fill}" '
            f'stroke="#1d5c85" stroke-width="2"{dash}/>\n    '
        )
        if node.inner_r:
            parts.append(
                f'<circle cx="{x}" cy="{y}" r="{_escaped(node.inner_r)}" fill="none" '
                'stroke="#1d5c85" stroke-width="1.5"/>'
            )
        parts.append(
            f'\n    <text class="relmap__number" x="{x}" y="{y}" text-anchor="middle" '
            f'dominant-baseline="central" fill="{"#1f2a33" if node.hollow else "#ffffff"}">'
            f"{_escaped(row.number)}</text>\n    "
        )
        if node.label:
            parts.append(
                f'<text class="relmap__name" x="{x}" y="{_escaped(node.label_y)}" '
                f'text-anchor="middle">{_escaped(node.label)}</text>'
            )
        parts.append("\n    ")
        if node.conflict_y:
            conflict = word("conflict %(n)s") % {"n": int(node.conflict)}
            parts.append(
                f'<text class="relmap__small" x="{x}" y="{_escaped(node.conflict_y)}" '
                f'text-anchor="middle">{conflict}</text>'
            )
        parts.append("\n    ")
        if node.contact_y:
            parts.append(
                f'<text class="relmap__small" x="{x}" y="{_escaped(node.contact_y)}" '
                f'text-anchor="middle">{_escaped(_contact_word(node.contact))}</text>'
            )
        parts.append("\n  </g>")
    return mark_safe("".join(parts))  # noqa: S308 (every part above is escaped)


@register.simple_tag
def map_description(sectors):
    """The picture's description after its first sentence: each era's people in order,
    with their closeness, conflict and (when not in contact) contact."""
    facts = _("closeness %(closeness)s of 5, conflict %(conflict)s of 5")
    parts = []
    for item in sectors:
        parts.append(f" {_escaped(item.label)}: ")
        rows = item.rows
        if not rows:
            parts.append(_escaped(_("nobody.")))
        last = len(rows) - 1
        for index, row in enumerate(rows):
            person = row.person
            parts.append(
                f"{_escaped(row.number)}. {_escaped(person.label)} "
                f"({_escaped(person.relationship)}), "
                + facts
                % {
                    "closeness": _escaped(person.closeness),
                    "conflict": _escaped(person.conflict),
                }
                + (f", {_escaped(row.contact.lower())}" if person.contact != "in_contact" else "")
                + ("." if index == last else "; ")
            )
    return mark_safe("".join(parts))  # noqa: S308 (every part above is escaped)


@register.simple_tag
def map_dividers(drawing, sectors):
    """The lines between the eras and each era's name."""
    lines = "".join(
        f'<line x1="{_escaped(x1)}" y1="{_escaped(y1)}" x2="{_escaped(x2)}" y2="{_escaped(y2)}"'
        ' stroke="#c5d0d9" stroke-width="1"/>'
        for x1, y1, x2, y2 in drawing.dividers
    )
    names = "".join(
        f'<text class="relmap__sector" x="{_escaped(item.sector.label_x)}" '
        f'y="{_escaped(item.sector.label_y)}" text-anchor="{_escaped(item.sector.anchor)}">'
        f"{_escaped(item.label)}</text>"
        for item in sectors
    )
    return mark_safe(f"{lines}\n    {names}")  # noqa: S308 (every part above is escaped)


@register.simple_tag
def map_links(drawing):
    """The line from the client to each person, as wide and dashed as the conflict."""
    return mark_safe(  # noqa: S308 (every part below is escaped)
        "".join(
            f'<line x1="{_escaped(link.x1)}" y1="{_escaped(link.y1)}" x2="{_escaped(link.x2)}" '
            f'y2="{_escaped(link.y2)}" stroke-width="{_escaped(link.width)}"'
            + (f' stroke-dasharray="{_escaped(link.dash)}"' if link.dash else "")
            + "/>"
            for link in drawing.links
        )
    )


# The table's fixed words, each translated once per language (the template translated
# seven of them on every request, and wrote nine values a row through its loop).
TABLE_WORDS = {
    "relationship": gettext_noop("Relationship"),
    "era": gettext_noop("Era"),
    "contact": gettext_noop("Alive / contact"),
    "closeness": gettext_noop("Closeness"),
    "conflict": gettext_noop("Conflict"),
    "notes": gettext_noop("Notes"),
    "edit": gettext_noop("Edit"),
    "view": gettext_noop("View"),
    "nobody": gettext_noop("No one is on the map yet."),
    "add_below": gettext_noop("Add the people who matter to the client below."),
}


def table_words() -> dict[str, str]:
    # A template literal is safe text, and so is its translation: written as it is.
    return kept(
        table_words,
        lambda: {
            key: str(_(mark_safe(message)))  # noqa: S308 - a template literal
            for key, message in TABLE_WORDS.items()
        },
    )


@register.simple_tag
def map_table_rows(rows, editable):
    """The table's body: one row a person (number, name, relationship, era, contact,
    closeness, conflict, notes and the link to change them), or the line that says the
    map is empty. Values are escaped as the template escaped them; notes keep their
    line breaks (`linebreaksbr`)."""
    words = table_words()
    if not rows:
        add = f" {words['add_below']}" if editable else ""
        return mark_safe(  # noqa: S308 - fixed words
            f'\n          <tr><td colspan="9" class="empty">{words["nobody"]}{add}</td></tr>\n        '
        )
    change = words["edit"] if editable else words["view"]
    parts = []
    for row in rows:
        person = row.person
        label = _escaped(person.label)
        notes = person.notes
        notes_label = f' data-label="{words["notes"]}"' if notes else ""
        parts.append(
            "\n          <tr>\n"
            f'            <td data-label="#">{_escaped(localize(row.number))}</td>\n'
            f'            <th scope="row">{label}</th>\n'
            f'            <td data-label="{words["relationship"]}">'
            f"{_escaped(person.relationship)}</td>\n"
            f'            <td data-label="{words["era"]}">{_escaped(row.era)}</td>\n'
            f'            <td data-label="{words["contact"]}">{_escaped(row.contact)}</td>\n'
            f'            <td data-label="{words["closeness"]}">'
            f"{_escaped(localize(person.closeness))}</td>\n"
            f'            <td data-label="{words["conflict"]}">'
            f"{_escaped(localize(person.conflict))}</td>\n"
            f'            <td class="relmap-table__notes"{notes_label}>'
            f"{linebreaksbr(notes, autoescape=True)}</td>\n"
            f'            <td><a href="{_escaped(row.edit_url)}">{change}'
            f'<span class="visually-hidden"> {label}</span></a></td>\n'
            "          </tr>\n        "
        )
    return mark_safe("".join(parts))  # noqa: S308 (every part above is escaped)
