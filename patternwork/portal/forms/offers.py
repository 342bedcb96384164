from django import forms
from django.utils.translation import gettext_lazy as _


class OfferAnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Your answer"),
        choices=[("accept", _("Yes, I accept this start")), ("decline", _("No, not this one"))],
        widget=forms.RadioSelect,
    )
