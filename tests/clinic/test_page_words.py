"""The pages' `translate` renders what Django's tag renders, and every template uses it."""

import re
from pathlib import Path

from django.template import Context, Template
from django.templatetags.i18n import TranslateNode
from django.utils import translation

from patternwork.clinic.templatetags.page_words import FixedTranslateNode

BODIES = [
    '{% translate "Plan" %}',
    "{% translate 'Sessions by phase' %}",
    '{% translate "100% of the <plan> & more" %}',
    '{% translate "Plan"|upper %}',
    '{% translate "Plan" as word %}[{{ word }}]',
    '{% translate "Plan" noop %}',
    '{% translate "May" context "month name" %}',
    "{% translate label %}",
    '<a title="{% translate "A \\"quoted\\" word" %}">x</a>',
]


def _render(loads: str, body: str, autoescape: bool = True) -> str:
    context = Context({"label": "<b>Plan</b>"}, autoescape=autoescape)
    return Template("{% load " + loads + " %}" + body).render(context)


def test_renders_as_djangos_translate_in_every_form_and_language():
    for language in ("en-gb", "fr"):
        with translation.override(language):
            for body in BODIES:
                for autoescape in (True, False):
                    expected = _render("i18n", body, autoescape)
                    assert _render("i18n page_words", body, autoescape) == expected, body


def test_only_a_plain_literal_is_kept_per_language():
    template = Template(
        '{% load i18n page_words %}{% translate "Plan" %}{% translate "Plan"|upper %}'
    )
    nodes = [type(node) for node in template.nodelist if type(node).__name__ != "LoadNode"]
    assert nodes == [FixedTranslateNode, TranslateNode]
    fixed = template.nodelist[1]
    template.render(Context())
    with translation.override("fr"):
        template.render(Context())
    assert set(fixed.texts) == {"en-gb", "fr"}


def test_every_template_that_translates_loads_the_kept_words_after_i18n():
    # A template that loads only i18n looks each fixed string up on every render; loaded
    # after i18n, page_frame's (or clinic's page_words) `translate` keeps it per language.
    root = Path(__file__).resolve().parents[2] / "patternwork"
    missing = []
    for path in sorted(root.glob("*/templates/**/*.html")):
        text = path.read_text()
        if "{% translate " not in text:
            continue
        loads = re.findall(r"\{% load ([^%]*)%\}", text)
        libraries = [name for line in loads for name in line.split()]
        kept = [i for i, name in enumerate(libraries) if name in {"page_frame", "page_words"}]
        if "i18n" not in libraries or not kept or kept[-1] < libraries.index("i18n"):
            missing.append(str(path.relative_to(root)))
    assert not missing, missing


def test_no_template_switches_language_part_way_through_a_render():
    # The kept words ask the language once per render (FixedTranslateNode).
    root = Path(__file__).resolve().parents[2] / "patternwork"
    switching = [
        str(path.relative_to(root))
        for path in root.glob("*/templates/**/*.html")
        if "{% language " in path.read_text()
    ]
    assert not switching


def test_the_kept_words_follow_the_language_of_each_render():
    template = Template('{% load i18n page_words %}{% translate "Plan" %}')
    with translation.override("fr"):
        french = template.render(Context())
    with translation.override("en-gb"):
        english = template.render(Context())
    with translation.override("fr"):
        assert template.render(Context()) == french == str(translation.gettext("Plan"))
    assert english == "Plan"
