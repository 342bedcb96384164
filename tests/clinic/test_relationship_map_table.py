"""The relationship map's table rows, written by a tag, are the markup its template loop wrote."""

from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import translation

# The table body as the page's template wrote it before a tag took over its rows.
LOOP = (
    "{% load i18n %}"
    + """        <tbody>{# The row's words are translated once, not once per row. #}{% translate 'Relationship' as relationship_label %}{% translate 'Era' as era_label %}{% translate 'Alive / contact' as contact_label %}{% translate 'Closeness' as closeness_label %}{% translate 'Conflict' as conflict_label %}{% translate 'Notes' as notes_label %}{% if editable %}{% translate "Edit" as change_label %}{% else %}{% translate "View" as change_label %}{% endif %}
        {% for row in rows %}
          <tr>
            <td data-label="#">{{ row.number }}</td>
            <th scope="row">{{ row.person.label }}</th>
            <td data-label="{{ relationship_label }}">{{ row.person.relationship }}</td>
            <td data-label="{{ era_label }}">{{ row.era }}</td>
            <td data-label="{{ contact_label }}">{{ row.contact }}</td>
            <td data-label="{{ closeness_label }}">{{ row.person.closeness }}</td>
            <td data-label="{{ conflict_label }}">{{ row.person.conflict }}</td>
            <td class="relmap-table__notes"{% if row.person.notes %} data-label="{{ notes_label }}"{% endif %}>{{ row.person.notes|linebreaksbr }}</td>
            <td><a href="{{ row.edit_url }}">{{ change_label }}<span class="visually-hidden"> {{ row.person.label }}</span></a></td>
          </tr>
        {% empty %}
          <tr><td colspan="9" class="empty">{% translate "No one is on the map yet." %}{% if editable %} {% translate "Add the people who matter to the client below." %}{% endif %}</td></tr>
        {% endfor %}
        </tbody>"""
)
TAG = (
    "{% load relationship_map_svg %}"
    "        <tbody>\n        {% map_table_rows rows editable %}\n        </tbody>"
)


def _row(number, **person):
    values = {
        "label": "Mum",
        "relationship": "mother",
        "closeness": 4,
        "conflict": 2,
        "notes": "",
    } | person
    return SimpleNamespace(
        number=number,
        person=SimpleNamespace(**values),
        era="Childhood",
        contact="Alive, in contact",
        edit_url=f"/relationships/{number}/edit/",
    )


ROWS = [
    _row(1),
    _row(2, label='<Sam> & "Jo"', relationship="it's <b>", notes="Line one\nline <two> & 3"),
    _row(3, notes="\r\nstarts with a break", closeness=1, conflict=5),
    _row(1204, label="Granny", relationship=""),
]


@pytest.mark.parametrize("language", ["en-gb", "fr"])
@pytest.mark.parametrize("editable", [True, False])
@pytest.mark.parametrize("rows", [ROWS, []], ids=["people", "empty"])
def test_map_table_rows_match_the_template_loop(language, editable, rows):
    with translation.override(language):
        context = {"rows": rows, "editable": editable}
        expected = Template(LOOP).render(Context(context))
        assert Template(TAG).render(Context(context)) == expected
