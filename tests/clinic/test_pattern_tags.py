"""The pattern page's tags write what the template loops they replace wrote."""

from types import SimpleNamespace

import pytest
from django.template import engines

from patternwork.clinic.pattern_figures import _shade, labelled

OLD = (
    "{% load i18n clinic %}"
    '<strong class="theme-flow__label">{% for label in item.labels %}{{ label.text }}'
    '{% if label.retired %} <span class="tag">{% translate "retired" %}</span>{% endif %}'
    "{% if not forloop.last %} / {% endif %}{% endfor %}</strong>\n"
    "{% for part in parts %}"
    '<thead><tr><th scope="col">{{ part.title }}</th>'
    '<th scope="col" title="{{ \'initial\'|phase_label }}">{% translate "I" %}</th>'
    '<th scope="col" title="{{ \'middle\'|phase_label }}">{% translate "M" %}</th>'
    '<th scope="col" title="{{ \'ending\'|phase_label }}">{% translate "E" %}</th>'
    '<th scope="col">{% translate "All" %}</th></tr></thead>'
    "{% endfor %}"
)
NEW = (
    "{% load pattern_links %}"
    '<strong class="theme-flow__label">{% theme_labels item %}</strong>\n'
    "{% for part in parts %}{% heat_head part %}{% endfor %}"
)


def test_theme_labels_and_heat_heads_are_written_as_the_template_wrote_them():
    labels = [
        labelled("Close <&>", False),
        labelled('Old "one"', True),
        labelled("Understood", False),
    ]
    context = {
        "item": SimpleNamespace(labels=labels),
        "parts": [SimpleNamespace(title="Wish <what>"), SimpleNamespace(title="Response")],
    }
    engine = engines["django"]
    for shown in (labels, labels[:1], []):
        context["item"].labels = shown
        assert engine.from_string(NEW).render(context) == engine.from_string(OLD).render(context)


SECTIONS_OLD = (
    "{% load i18n clinic pattern_links %}"
    "{% for phase, figure in page.phase_counts %}{{ phase|phase_label }}: "
    "{% evidence_link figure %}{% if not forloop.last %} · {% endif %}{% endfor %}\n"
    "{% for sequence in page.sequences %}"
    '<li value="{{ sequence.rank }}">{{ sequence.wish.text }} → {{ sequence.ro.text }} → '
    "{{ sequence.rs.text }} · {% evidence_link sequence.figure %}</li>{% endfor %}\n"
    "{% for section in page.parts %}{% if section.valences %}"
    "<dt>{{ section.title }}</dt><dd>{% for row in section.valences %}{{ row.label.text }}: "
    "{% evidence_link row.overall %}{% if not page.too_few %} ({{ row.change }}){% endif %}"
    "{% if not forloop.last %} · {% endif %}{% endfor %}</dd>{% endif %}{% endfor %}"
)
SECTIONS_NEW = (
    "{% load pattern_links %}{% phase_links page %}\n{% sequence_items page %}\n"
    "{% valence_items page %}"
)


def _figure(text, count, key):
    return SimpleNamespace(text=text, count=count, key=key)


def _squeezed(html: str) -> str:
    # The tags keep the page's markup; only the runs of whitespace between elements differ.
    return "".join(html.split())


def test_phases_sequences_and_valences_are_written_as_the_template_loops_wrote_them():
    row = SimpleNamespace(
        label=labelled("Positive <+>", False), overall=_figure("2 of 5", 2, "v:1")
    )
    page = SimpleNamespace(
        too_few=False,
        phase_counts=[
            ("initial", _figure("2 episodes", 2, "phase:initial")),
            ("middle", _figure("0 episodes", 0, "phase:middle")),
            ("ending", None),
        ],
        sequences=[
            SimpleNamespace(
                rank=1,
                wish=labelled("Close & near", False),
                ro=labelled("Kind", False),
                rs=labelled('"Open"', False),
                figure=_figure("3 of 5 episodes (60%)", 3, "seq:a:b:c"),
            )
        ],
        parts=[
            SimpleNamespace(title="Wish", valences=()),
            SimpleNamespace(title="Response <of> other", valences=(row, row)),
        ],
    )
    row.change = "\N{MINUS SIGN}20 points"
    engine = engines["django"]
    context = {"page": page, "evidence_url": "/clients/x/pattern/evidence/"}
    for too_few in (False, True):
        page.too_few = too_few
        new = engine.from_string(SECTIONS_NEW).render(context)
        assert _squeezed(new) == _squeezed(engine.from_string(SECTIONS_OLD).render(context))
        assert ("(\N{MINUS SIGN}20 points)" in new) == (not too_few)


@pytest.mark.parametrize(
    ("percent", "shade"),
    [(None, 0), (0, 0), (1, 1), (20, 1), (21, 2), (60, 3), (80, 4), (81, 5), (100, 5)],
)
def test_a_heat_cell_is_shaded_in_six_steps(percent, shade):
    assert _shade(percent) == shade
