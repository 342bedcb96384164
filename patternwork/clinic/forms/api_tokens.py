from django import forms
from django.utils.translation import gettext_lazy as _

from patternwork.accounts.api_tokens import DEFAULT_DAYS, MAX_DAYS
from patternwork.accounts.models import ApiToken


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Where the token is used, e.g. “Practice website referrals”."),
    )
    scope = forms.ChoiceField(
        label=_("Access"),
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        widget=forms.RadioSelect,
    )
    days = forms.IntegerField(
        label=_("Expires after (days)"),
        min_value=1,
        max_value=MAX_DAYS,
        initial=DEFAULT_DAYS,
        help_text=_("At most %(max)s days (one year).") % {"max": MAX_DAYS},
    )


class RevokeTokenForm(forms.Form):
    token = forms.UUIDField(widget=forms.HiddenInput)
