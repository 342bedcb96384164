"""The retention setting, a client's date of death, and an erasure request."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patternwork.accounts.models import Practice
from patternwork.clients.models import Client
from patternwork.clinic.forms.clients import DATE_INPUT

DEATH_IN_THE_FUTURE = _("The date of death cannot be in the future.")
DEATH_DATE_OR_ERROR = _(
    "Enter the date of death, or tick “recorded in error” to remove the one recorded."
)
DEATH_SOURCE_NEEDED = _("Say how the practice learned of the death.")
WRONG_CLIENT_NUMBER = _("That is not this client's number: nothing was erased.")


class RetentionForm(forms.ModelForm):
    class Meta:
        model = Practice
        fields = ("retention_years_after_contact", "retention_years_after_death")


class DeathForm(forms.Form):
    died_on = forms.DateField(label=_("Date of death"), required=False, widget=DATE_INPUT)
    source = forms.ChoiceField(
        label=_("How the practice learned of it"),
        required=False,
        choices=[("", _("(choose)")), *Client.DeathSource.choices],
    )
    recorded_in_error = forms.BooleanField(
        label=_("Recorded in error: remove the date of death"), required=False
    )

    def clean(self):
        cleaned = super().clean()
        died_on, error = cleaned.get("died_on"), cleaned.get("recorded_in_error")
        if error:
            cleaned["died_on"], cleaned["source"] = None, ""
            return cleaned
        if died_on is None:
            if "died_on" not in self.errors:
                self.add_error("died_on", DEATH_DATE_OR_ERROR)
        elif died_on > timezone.localdate():
            self.add_error("died_on", DEATH_IN_THE_FUTURE)
        if died_on is not None and not cleaned.get("source"):
            self.add_error("source", DEATH_SOURCE_NEEDED)
        return cleaned


class ErasureForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the record is to be erased"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: the client asked for it. Not stored in the audit log."),
    )
    client_number = forms.CharField(label=_("Type the client's number to confirm"), max_length=20)

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client

    def clean_client_number(self):
        number = self.cleaned_data["client_number"].strip()
        if number.casefold() != self.client.client_number.casefold():
            raise forms.ValidationError(WRONG_CLIENT_NUMBER)
        return number
