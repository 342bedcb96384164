import pytest
from django import forms

from patternwork.core import checkboxes

CHOICES = [
    ("plain", [("a", "A <b> & c"), ("b&", "B")]),
    ("grouped", [("Group <1>", [("x", "X"), ("y", "Y")]), ("z", "Z")]),
    ("empty", []),
]


def _form(widget, choices):
    class Form(forms.Form):
        picked = forms.MultipleChoiceField(
            choices=choices, widget=widget(attrs={"class": "c"}), help_text="Help", required=False
        )

    return Form


@pytest.mark.parametrize(("name", "choices"), CHOICES)
@pytest.mark.parametrize("data", [None, {"picked": ["a", "x", "b&"]}])
def test_checkbox_list_writes_what_djangos_templates_write(name, choices, data):
    django_form = _form(forms.CheckboxSelectMultiple, choices)(data)
    ours = _form(checkboxes.CheckboxSelectMultiple, choices)(data)

    assert str(ours["picked"]) == str(django_form["picked"])
    assert ours["picked"].widget_type == "checkboxselectmultiple"
