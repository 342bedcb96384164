from django import forms
from django.utils.translation import gettext_lazy as _

from patternwork.measures.forms import QuestionnaireForm


class MeasuresForm(QuestionnaireForm):
    """All questionnaires due at a session on one screen, with the version each
    recorded one had when the page was shown (so a concurrent save is not overwritten).
    """

    number_items = True

    def __init__(self, *args, instruments, versions=None, **kwargs):
        super().__init__(*args, instruments=instruments, **kwargs)
        for instrument in self.instruments:
            self.fields[self.version_name(instrument.code)] = forms.IntegerField(
                required=False,
                widget=forms.HiddenInput,
                initial=(versions or {}).get(instrument.code),
            )

    @classmethod
    def version_name(cls, code: str) -> str:
        return cls.field_name(code, "version")

    def versions(self) -> dict[str, int]:
        cleaned = getattr(self, "cleaned_data", {})
        return {
            instrument.code: cleaned[self.version_name(instrument.code)]
            for instrument in self.instruments
            if cleaned.get(self.version_name(instrument.code)) is not None
        }


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label=_("What was done about this answer"),
        help_text=_(
            "For example: asked about it in the session, safety plan reviewed, GP informed."
        ),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TrackAcknowledgeForm(forms.Form):
    note = forms.CharField(
        label=_("What was agreed about this client"),
        help_text=_(
            "For example: discussed with the client, focus reviewed, taken to supervision."
        ),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
