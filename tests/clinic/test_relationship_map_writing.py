"""What the relationship map writes once or in Python is what its templates wrote."""

from types import SimpleNamespace

from django.template import engines
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from patternwork.clinic.forms.relationship_map import PersonForm
from patternwork.clinic.templatetags.relationship_map_svg import _contact_word, map_people
from patternwork.clinic.views.relationship_map import FORM_FIELDS_TEMPLATE, empty_form_fields
from patternwork.formulation.mapdraw import MapPerson, draw_map
from patternwork.formulation.models import Person

CONTACT_WORDS = dict(Person.Contact.choices)


def _reference(rows) -> str:
    # What the tag wrote before it was written with f-strings, one format_html a part.
    parts = []
    for row in rows:
        node, person = row.node, row.person
        if not node:
            continue
        facts = mark_safe(  # noqa: S308
            _("closeness %(closeness)s of 5, conflict %(conflict)s of 5")
            % {"closeness": int(node.closeness), "conflict": int(node.conflict)}
        )
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
                str(CONTACT_WORDS[person.contact]).lower(),
                x,
                y,
                node.r,
                "#ffffff" if node.hollow else "#1d5c85",
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
    return "".join(parts)


def test_map_people_writes_every_kind_of_person_as_before():
    people = [
        ("mum", 'Mum <"&">', "childhood", 4, 3, "died"),
        ("dad", "Dad", "childhood", 2, 5, "unknown"),
        ("sam", "Sam & Jo", "current", 5, 1, "in_contact"),
        ("kit", "Kit", "adolescence", 1, 2, "no_contact"),
    ]
    drawing = draw_map(MapPerson(*p) for p in people)
    nodes = {node.key: node for node in drawing.nodes}
    rows = [
        SimpleNamespace(
            number=number,
            node=nodes.get(key),
            person=SimpleNamespace(label=label, relationship=f"<{key}>", contact=contact),
            contact=str(CONTACT_WORDS[contact]),
        )
        for number, (key, label, _era, _closeness, _conflict, contact) in enumerate(people, 1)
    ]

    written = map_people(rows)

    assert written == _reference(rows)
    # Every branch is written: the inner ring, the dotted ring, the small lines.
    for part in ('stroke-width="1.5"', "stroke-dasharray", "relmap__small", "&lt;sam&gt;"):
        assert part in written


def test_an_unbound_form_is_written_once_per_language_as_the_template_writes_it():
    for language in ("en-gb", "en"):
        with translation.override(language):
            expected = render_to_string(FORM_FIELDS_TEMPLATE, {"form": PersonForm(client=None)})
            assert empty_form_fields(PersonForm(client=None)) == expected
            assert empty_form_fields(PersonForm(client=None)) is empty_form_fields(
                PersonForm(client=None)
            )
    # A bound form shows its values and errors: the page writes it each time.
    assert empty_form_fields(PersonForm({"label": "Mum"}, client=None)) is None


# The loops the picture's template wrote, before the tags wrote them.
OLD_PICTURE_LOOPS = (
    "{% load i18n l10n %}{% localize off %}"
    + '{% for item in sectors %} {{ item.label }}: {% for row in item.rows %}{{ row.number }}. {{ row.person.label }} ({{ row.person.relationship }}), {% blocktranslate with closeness=row.person.closeness conflict=row.person.conflict %}closeness {{ closeness }} of 5, conflict {{ conflict }} of 5{% endblocktranslate %}{% if row.person.contact != "in_contact" %}, {{ row.contact|lower }}{% endif %}{% if forloop.last %}.{% else %}; {% endif %}{% empty %}{% translate "nobody." %}{% endfor %}{% endfor %}</desc>'
    + "\n"
    + '    {% for line in drawing.dividers %}<line x1="{{ line.0 }}" y1="{{ line.1 }}" x2="{{ line.2 }}" y2="{{ line.3 }}" stroke="#c5d0d9" stroke-width="1"/>{% endfor %}\n    {% for item in sectors %}<text class="relmap__sector" x="{{ item.sector.label_x }}" y="{{ item.sector.label_y }}" text-anchor="{{ item.sector.anchor }}">{{ item.label }}</text>{% endfor %}\n'
    + '    {% for link in drawing.links %}<line x1="{{ link.x1 }}" y1="{{ link.y1 }}" x2="{{ link.x2 }}" y2="{{ link.y2 }}" stroke-width="{{ link.width }}"{% if link.dash %} stroke-dasharray="{{ link.dash }}"{% endif %}/>{% endfor %}\n'
    + "{% endlocalize %}"
)
NEW_PICTURE_LOOPS = (
    "{% load relationship_map_svg %}{% map_description sectors %}</desc>\n"
    "    {% map_dividers drawing sectors %}\n    {% map_links drawing %}\n"
)


def test_the_pictures_description_and_lines_are_written_as_the_template_wrote_them():
    people = [
        ("mum", "Mum", "childhood", 4, 3, "died"),
        ("dad", 'Dad <"&">', "childhood", 2, 5, "unknown"),
        ("sam", "Sam", "current", 5, 1, "in_contact"),
        ("kit", "Kit", "current", 1, 2, "no_contact"),
    ]
    drawing = draw_map(MapPerson(*p) for p in people)
    rows = [
        SimpleNamespace(
            number=number,
            person=SimpleNamespace(
                label=label,
                relationship=f"<{key}>",
                contact=contact,
                era=era,
                closeness=closeness,
                conflict=conflict,
            ),
            contact=str(CONTACT_WORDS[contact]),
        )
        for number, (key, label, era, closeness, conflict, contact) in enumerate(people, 1)
    ]
    eras = dict(Person.Era.choices)
    sectors = [
        SimpleNamespace(
            sector=s, label=str(eras[s.era]), rows=[r for r in rows if r.person.era == s.era]
        )
        for s in drawing.sectors
    ]
    context = {"drawing": drawing, "sectors": sectors}
    engine = engines["django"]

    new = engine.from_string(NEW_PICTURE_LOOPS).render(context)

    assert new == engine.from_string(OLD_PICTURE_LOOPS).render(context)
    # An era with nobody, a dashed line, an escaped relationship.
    for part in ("nobody.", "stroke-dasharray", "&lt;dad&gt;"):
        assert part in new
