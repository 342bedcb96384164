from django import forms
from django.utils.translation import gettext_lazy as _

# What the browser's authenticator answered, as JSON; filled in by patternwork/passkeys.js.
CREDENTIAL_MAX_LENGTH = 20_000


class AddPasskeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=64,
        help_text=_("Which key or device this is, e.g. “Blue security key” or “Work laptop”."),
    )
    credential = forms.CharField(
        widget=forms.HiddenInput, required=False, max_length=CREDENTIAL_MAX_LENGTH
    )


class PasskeyLoginForm(forms.Form):
    credential = forms.CharField(
        widget=forms.HiddenInput, required=False, max_length=CREDENTIAL_MAX_LENGTH
    )


class RemovePasskeyForm(forms.Form):
    passkey = forms.UUIDField(widget=forms.HiddenInput)
