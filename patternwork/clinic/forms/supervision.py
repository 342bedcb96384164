"""Forms of supervision: the session record, its actions, the rating and the rubric."""

from django import forms
from django.utils.translation import gettext_lazy as _

from patternwork.supervision import rubric
from patternwork.supervision.models import RecordingConsent


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.user.full_name


class ClientChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name} ({obj.client_number})"


class SupervisionSessionForm(forms.Form):
    held_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    supervisees = MemberChoiceField(
        label=_("Supervisees present"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        to_field_name="public_id",
    )
    clients = ClientChoiceField(
        label=_("Clients discussed"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        to_field_name="public_id",
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Stored encrypted. Only you, the supervisor, read them."),
    )

    def __init__(self, *args, supervisees, clients, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervisees"].queryset = supervisees
        self.fields["clients"].queryset = clients


class OneChoiceMember(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.user.full_name


class OneChoiceClient(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name} ({obj.client_number})"


class ActionForm(forms.Form):
    text = forms.CharField(label=_("Action agreed"), max_length=2000)
    owner = OneChoiceMember(label=_("Whose"), queryset=None, to_field_name="public_id")
    due_on = forms.DateField(label=_("Due"), widget=forms.DateInput(attrs={"type": "date"}))
    client = OneChoiceClient(
        label=_("About"),
        queryset=None,
        required=False,
        to_field_name="public_id",
        empty_label=_("No one client"),
    )

    def __init__(self, *args, owners, clients, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        self.fields["client"].queryset = clients


class CosignSettingForm(forms.Form):
    required = forms.BooleanField(required=False)


FREQUENCY_CHOICES = [(str(score), f"{score}: {label}") for score, label in rubric.FREQUENCY_ANCHORS]
COMPETENCE_CHOICES = [
    ("", _("Not rated (item not present)")),
    *[(str(score), f"{score}: {label}") for score, label in rubric.COMPETENCE_ANCHORS],
]


class RatingForm(forms.Form):
    """One adherence and one competence field per item of the session's phase."""

    comment = forms.CharField(
        label=_("Comment for the therapist"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[f"frequency_{item.pk}"] = forms.TypedChoiceField(
                label=_("Adherence"), choices=FREQUENCY_CHOICES, coerce=int
            )
            self.fields[f"competence_{item.pk}"] = forms.TypedChoiceField(
                label=_("Competence"),
                choices=COMPETENCE_CHOICES,
                coerce=int,
                required=False,
                empty_value=None,
            )

    def rows(self):
        return [
            (item, self[f"frequency_{item.pk}"], self[f"competence_{item.pk}"])
            for item in self.items
        ]

    def clean(self):
        cleaned = super().clean()
        for item in self.items:
            frequency = cleaned.get(f"frequency_{item.pk}")
            competence = cleaned.get(f"competence_{item.pk}")
            if frequency is None:
                continue
            try:
                rubric.check_item_rating(frequency, competence)
            except ValueError as error:
                self.add_error(f"competence_{item.pk}", str(error))
        return cleaned

    def scores(self) -> dict[int, tuple[int, int | None]]:
        return {
            item.pk: (
                self.cleaned_data[f"frequency_{item.pk}"],
                self.cleaned_data[f"competence_{item.pk}"],
            )
            for item in self.items
        }


PHASE_CHOICES = [
    ("initial", _("Initial")),
    ("middle", _("Middle")),
    ("ending", _("Ending")),
]


class RubricItemForm(forms.Form):
    domain = forms.ChoiceField(
        label=_("Domain"), choices=[(d.value, label) for d, label in rubric.DOMAIN_LABELS.items()]
    )
    text = forms.CharField(label=_("Item"), max_length=300)
    phases = forms.MultipleChoiceField(
        label=_("Rated in"), choices=PHASE_CHOICES, widget=forms.CheckboxSelectMultiple
    )


class BaseRubricItemFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if not self.items():
            raise forms.ValidationError(_("A rating form needs at least one item."))

    def items(self) -> list[dict]:
        # An untouched blank row has no cleaned data; a row ticked for deletion is dropped.
        return [
            f.cleaned_data
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]


RubricItemFormSet = forms.formset_factory(
    RubricItemForm, formset=BaseRubricItemFormSet, extra=2, can_delete=True, max_num=100
)


class RubricForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(label=_("Title"), max_length=200)
    source = forms.CharField(
        label=_("Source"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Where the items come from, and under what licence."),
    )


class RecordingForm(forms.Form):
    """An audio file for a session; its type and size are checked by the recordings service."""

    file = forms.FileField(
        label=_("Audio recording of the session"),
        help_text=_("MP3, AAC, Ogg, WAV, FLAC, M4A or WebM audio."),
        widget=forms.ClearableFileInput(attrs={"accept": "audio/*"}),
    )


class RecordingConsentForm(forms.Form):
    method = forms.ChoiceField(
        label=_("How the client gave consent"), choices=RecordingConsent.Method.choices
    )
    given_on = forms.DateField(
        label=_("Date consent was given"), widget=forms.DateInput(attrs={"type": "date"})
    )
