from django import forms
from django.utils.translation import gettext_lazy as _

from patternwork.letters.services import EMPTY, MAX_LENGTH, normalise


class LetterForm(forms.Form):
    """The letter's text and the version the editor started from."""

    body = forms.CharField(
        label=_("The letter"),
        max_length=MAX_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 30, "class": "letter-editor", "spellcheck": "true"}),
        help_text=_(
            "Paragraphs are separated by a blank line. Write in the places marked "
            "“[To complete: …]”, or delete them: the letter cannot be shared while any remain."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def clean_body(self) -> str:
        body = normalise(self.cleaned_data["body"])
        if not body:
            raise forms.ValidationError(EMPTY)
        return body


class ShareForm(forms.Form):
    """Sharing confirms the version the therapist has just read."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
