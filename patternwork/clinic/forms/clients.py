from django import forms
from django.utils.translation import gettext_lazy as _

from patternwork.clients.models import Client
from patternwork.clients.services import CLIENT_FIELDS
from patternwork.clinic.forms.courses import override_reason_field

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ClientForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Client
        fields = CLIENT_FIELDS
        widgets = {
            "date_of_birth": DATE_INPUT,
            "address": forms.Textarea(attrs={"rows": 3}),
            "gp_contact": forms.Textarea(attrs={"rows": 2}),
            "referrer_contact": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, open_flags: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if open_flags:
            self.fields["close_override_reason"] = override_reason_field(
                _("Reason for closing the record with risk answers unacknowledged")
            )

    def clean_date_of_birth(self):
        from django.utils import timezone

        born = self.cleaned_data["date_of_birth"]
        if born and born > timezone.localdate():
            raise forms.ValidationError(_("The date of birth cannot be in the future."))
        if born and born.year < 1900:
            raise forms.ValidationError(_("Check the year of birth."))
        return born


class AssignTherapistForm(forms.Form):
    therapist = forms.ModelChoiceField(
        label=_("Therapist"), queryset=None, to_field_name="public_id"
    )

    def __init__(self, *args, therapists, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["therapist"].queryset = therapists
        self.fields["therapist"].label_from_instance = lambda m: (
            f"{m.user.full_name} ({m.get_role_display()})"
        )


class ClientSearchForm(forms.Form):
    q = forms.CharField(label=_("Name or client number"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any")), *Client.Status.choices],
    )
