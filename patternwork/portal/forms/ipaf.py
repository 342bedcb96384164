from django import forms
from django.utils.translation import gettext_lazy as _

from patternwork.formulation.ipaf_sharing import REPLY_MAX_LENGTH
from patternwork.formulation.models import IpafReply


class IpafReplyForm(forms.Form):
    fit = forms.ChoiceField(
        label=_("How well does this fit?"),
        choices=IpafReply.Fit.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how well it fits.")},
    )
    body = forms.CharField(
        label=_("In your own words"),
        help_text=_("What fits, what doesn't, and why. Your therapist reads this."),
        required=False,
        max_length=REPLY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
