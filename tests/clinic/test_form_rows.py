import pytest
from django import forms
from django.template.loader import render_to_string

from patternwork.clinic.forms.courses import CancelForm, MoveForm, NoteForm
from patternwork.clinic.forms.formulation import IpafForm
from patternwork.clinic.templatetags.form_rows import form_fields
from patternwork.core.fast_widgets import speed_up


class _EveryKind(forms.Form):
    secret = forms.CharField(widget=forms.HiddenInput, initial="<a&b>")
    agreed = forms.BooleanField(label="Agreed <now>", required=False, help_text="Tick & go")
    kinds = forms.MultipleChoiceField(
        choices=[("a", "A & a"), ("b", "<b>")], widget=forms.CheckboxSelectMultiple
    )
    name = forms.CharField(label="Name", max_length=3, help_text="Three <letters>")

    def clean(self):
        raise forms.ValidationError("Not <this> & not that.")


def _forms():
    note = NoteForm(prompts=[], initial={"body": "Felt <small> & angry", "version": 3})
    yield note
    yield NoteForm({"body": "x" * 50001, "version": "two"}, prompts=[])
    yield CancelForm()
    yield CancelForm({"by": "nobody"})
    yield MoveForm(initial={"scope": "single"})
    yield IpafForm(initial={"self_representation": "Small & <unseen>"})
    yield IpafForm({"self_representation": ""})
    yield _EveryKind()
    yield _EveryKind({"secret": "s", "agreed": "on", "kinds": ["c"], "name": "long name"})


@pytest.mark.parametrize("form", list(_forms()), ids=lambda f: type(f).__name__)
@pytest.mark.parametrize("fast", [False, True])
def test_form_fields_writes_the_partials_markup(form, fast):
    if fast:
        speed_up(form)
    expected = render_to_string("clinic/partials/form_fields.html", {"form": form})
    assert form_fields(form) == expected
