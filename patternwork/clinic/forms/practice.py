from django import forms
from django.utils.translation import gettext_lazy as _

from patternwork.accounts.models import Membership, Practice
from patternwork.accounts.services import PRACTICE_FIELDS, PROFILE_FIELDS
from patternwork.core.forms import ModelMultipleChoiceField


class PracticeSettingsForm(forms.ModelForm):
    class Meta:
        model = Practice
        fields = PRACTICE_FIELDS
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3}),
            "crisis_information": forms.Textarea(attrs={"rows": 4}),
            "public_description": forms.Textarea(attrs={"rows": 4}),
            "fees": forms.Textarea(attrs={"rows": 3}),
        }


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = PROFILE_FIELDS
        widgets = {"profile_text": forms.Textarea(attrs={"rows": 5})}


class InviteStaffForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    email = forms.EmailField(label=_("Email address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class SuperviseesForm(forms.Form):
    supervisees = ModelMultipleChoiceField(
        label=_("Supervisees"),
        queryset=Membership.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, therapists, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervisees"].queryset = therapists
        self.fields["supervisees"].label_from_instance = lambda m: m.user.full_name


NO_SUCH_CLIENT = _("No client of this practice has that number.")


class AuditFilterForm(forms.Form):
    client = forms.CharField(
        label=_("Client number"),
        required=False,
        max_length=20,
        help_text=_("Everything recorded about one client: who read their record, and when."),
    )
    action = forms.CharField(label=_("Action"), required=False, max_length=64)
    actor = forms.CharField(label=_("Person (email)"), required=False, max_length=254)
    object_type = forms.CharField(label=_("Object type"), required=False, max_length=64)
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        required=False,
        choices=[
            ("", _("Any")),
            ("success", _("Success")),
            ("denied", _("Denied")),
            ("failure", _("Failure")),
        ],
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        return cleaned
