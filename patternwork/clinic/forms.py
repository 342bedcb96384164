from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from patternwork.accounts import services
from patternwork.accounts.models import Membership, Practice
from patternwork.accounts.services import PRACTICE_FIELDS


class LoginForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=_("Six-digit code from your authenticator app"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("Enter the six digits your app shows.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "size": 8,
            }
        ),
    )

    def clean_token(self) -> str:
        return self.cleaned_data["token"].strip()


class SetPasswordForm(forms.Form):
    password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters. A long phrase is easiest to remember."),
    )
    password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords do not match."))
        elif first:
            try:
                password_validation.validate_password(first, self.user)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class PracticeSettingsForm(forms.ModelForm):
    class Meta:
        model = Practice
        fields = PRACTICE_FIELDS
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3}),
            "crisis_information": forms.Textarea(attrs={"rows": 4}),
        }


class InviteStaffForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    email = forms.EmailField(label=_("Email address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class SuperviseesForm(forms.Form):
    supervisees = forms.ModelMultipleChoiceField(
        label=_("Supervisees"),
        queryset=Membership.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, therapists, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervisees"].queryset = therapists
        self.fields["supervisees"].label_from_instance = lambda m: m.user.full_name


class AuditFilterForm(forms.Form):
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


class AuditedSetPasswordForm(auth_forms.SetPasswordForm):
    """Password reset's final step, saved through the audited service."""

    def save(self, commit=True):
        services.change_password(user=self.user, password=self.cleaned_data["new_password1"])
        return self.user
