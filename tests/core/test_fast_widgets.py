import datetime

import pytest
from django import forms

from patternwork.core import fast_widgets

CHOICES = [
    [("a", "A <b> & c"), ("b&", "B")],
    [("Group <1>", [("x", "X"), ("y", "Y")]), ("z", "Z")],
    [("", "Choose…"), (3, "3: some"), (5, "5: very")],
    [],
]


def _fields(fast: bool, choices) -> dict:
    def make(field, widget, **attrs):
        return field(widget=widget(attrs=attrs or None), required=False, help_text="Help")

    def w(name):
        return getattr(fast_widgets if fast else forms, name)

    return {
        "text": make(forms.CharField, w("TextInput"), list="suggestions", maxlength=10),
        "number": make(forms.IntegerField, w("NumberInput")),
        "hidden": make(forms.CharField, w("HiddenInput")),
        "day": make(forms.DateField, w("DateInput"), type="date"),
        "notes": make(forms.CharField, w("Textarea"), rows=2),
        "one": forms.ChoiceField(choices=choices, widget=w("Select"), required=False),
        "many": forms.MultipleChoiceField(
            choices=choices,
            widget=w("CheckboxSelectMultiple")(attrs={"class": "c"}),
            required=False,
        ),
    }


def _form(fast: bool, choices, data):
    return type("Form", (forms.Form,), _fields(fast, choices))(data)


DATA = [
    None,
    {
        "text": 'say "hi" <b>',
        "number": "3",
        "hidden": "h&",
        "day": "2026-12-07",
        "notes": "line <one>\nline two",
        "one": "3",
        "many": ["a", "x", "b&", "5"],
    },
    {"number": "not a number", "day": "no date", "notes": ""},
]


@pytest.mark.parametrize("choices", CHOICES)
@pytest.mark.parametrize("data", DATA)
def test_fast_widgets_write_what_djangos_templates_write(choices, data):
    django_form, ours = _form(False, choices, data), _form(True, choices, data)

    for name in django_form.fields:
        assert str(ours[name]) == str(django_form[name]), name
        assert ours[name].widget_type == django_form[name].widget_type


@pytest.mark.parametrize("choices", CHOICES)
@pytest.mark.parametrize("data", [None, {"radio": "3"}, {"radio": "x"}, {"radio": "b&"}])
def test_fast_radio_options_write_what_djangos_templates_write(choices, data):
    def form(widget):
        field = forms.ChoiceField(choices=choices, widget=widget, required=False)
        return type("Form", (forms.Form,), {"radio": field})(data)

    django_form, ours = form(forms.RadioSelect), form(fast_widgets.RadioSelect)

    assert [option.tag() for option in ours["radio"]] == [
        option.tag() for option in django_form["radio"]
    ]
    assert [option.tag(wrap_label=True) for option in ours["radio"]] == [
        option.tag(wrap_label=True) for option in django_form["radio"]
    ]
    assert str(ours["radio"]) == str(django_form["radio"])
    assert ours["radio"].widget_type == django_form["radio"].widget_type


def test_speed_up_swaps_exactly_djangos_widgets():
    class Own(forms.Select):
        pass

    class Form(forms.Form):
        day = forms.DateField(initial=datetime.date(2026, 12, 7))
        pick = forms.ChoiceField(choices=[("a", "A")], widget=Own)

    form = Form()
    before = str(form)
    fast_widgets.speed_up(form)

    assert type(form.fields["day"].widget) is fast_widgets.DateInput
    assert type(form.fields["pick"].widget) is Own
    assert str(form) == before


def test_kept_unbound_fields_builds_the_form_only_once_per_language_and_key():
    built = []

    def build():
        built.append(1)
        return _form(True, CHOICES[0], None)

    key = ("kept-unbound-fields-test", len(CHOICES[0]))
    template = "clinic/partials/form_fields.html"
    first = fast_widgets.kept_unbound_fields(build, template, key)
    again = fast_widgets.kept_unbound_fields(build, template, key)

    assert first == again == fast_widgets.unbound_fields(build(), template, key)
    assert "Help" in first
    assert len(built) == 2
