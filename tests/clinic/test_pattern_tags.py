"""The pattern page's tags write what the template loops they replace wrote."""

from types import SimpleNamespace

from django.template import engines

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
        SimpleNamespace(text="Close <&>", retired=False),
        SimpleNamespace(text='Old "one"', retired=True),
        SimpleNamespace(text="Understood", retired=False),
    ]
    context = {
        "item": SimpleNamespace(labels=labels),
        "parts": [SimpleNamespace(title="Wish <what>"), SimpleNamespace(title="Response")],
    }
    engine = engines["django"]
    for shown in (labels, labels[:1], []):
        context["item"].labels = shown
        assert engine.from_string(NEW).render(context) == engine.from_string(OLD).render(context)
