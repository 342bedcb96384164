from django import forms
from django.utils.translation import gettext_lazy as _

from patternwork.measures.services import Answers

NOT_APPLICABLE = "na"


class MeasuresForm(forms.Form):
    """All questionnaires due at a session on one screen, one radio group per item.

    Every item is optional here: the scorer decides completeness per instrument, so an
    instrument left entirely blank is simply not recorded, and a half-answered one is
    refused with the missing items named.
    """

    def __init__(self, *args, instruments, versions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instruments = list(instruments)
        self.groups = []
        for instrument in self.instruments:
            names = []
            for item in instrument.items:
                choices = [(str(option.value), option.label) for option in item.options]
                if item.not_applicable_allowed:
                    choices.append((NOT_APPLICABLE, _("Not applicable")))
                name = self.field_name(instrument.code, item.key)
                self.fields[name] = forms.ChoiceField(
                    label=f"{item.number}. {item.text}",
                    choices=choices,
                    required=False,
                    widget=forms.RadioSelect,
                )
                names.append(name)
            version_name = f"version:{instrument.code}"
            self.fields[version_name] = forms.IntegerField(
                required=False,
                widget=forms.HiddenInput,
                initial=(versions or {}).get(instrument.code),
            )
            self.groups.append((instrument, names))

    @staticmethod
    def field_name(code: str, key: str) -> str:
        return f"{code}:{key}"

    def bound_groups(self):
        return [(instrument, [self[name] for name in names]) for instrument, names in self.groups]

    def answers(self) -> list[Answers]:
        result = []
        for instrument, names in self.groups:
            values = {}
            for name, item in zip(names, instrument.items, strict=True):
                raw = self.cleaned_data.get(name)
                if raw == NOT_APPLICABLE:
                    values[item.key] = None
                elif raw not in (None, ""):
                    values[item.key] = int(raw)
            result.append(Answers(instrument.code, values))
        return result

    def versions(self) -> dict[str, int]:
        return {
            instrument.code: self.cleaned_data[f"version:{instrument.code}"]
            for instrument, _names in self.groups
            if self.cleaned_data.get(f"version:{instrument.code}") is not None
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
