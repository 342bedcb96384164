"""The client's journal entry form: a date, the optional prompts and free text."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from patternwork.formulation import journal
from patternwork.formulation.journal_services import (
    ANSWER_MAX_LENGTH,
    BODY_MAX_LENGTH,
    EMPTY_ENTRY,
)

PROMPT_PREFIX = "prompt_"


class JournalEntryForm(forms.Form):
    """One optional field per offered prompt, free text, and the version being edited."""

    written_on = forms.DateField(
        label=_("Date of this entry"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Enter the date."), "invalid": _("Enter a real date.")},
    )
    body = forms.CharField(
        label=_("Anything else you want to write (optional)"),
        required=False,
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, agreed: journal.AgreedPattern | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.prompts = journal.prompts_for(agreed, gettext)
        for prompt in self.prompts:
            self.fields[PROMPT_PREFIX + prompt.key] = forms.CharField(
                label=prompt.label,
                help_text=prompt.help,
                required=False,
                max_length=ANSWER_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        self.order_fields(
            ["written_on", *(PROMPT_PREFIX + p.key for p in self.prompts), "body", "version"]
        )

    @classmethod
    def initial_for(cls, entry, answers: dict[str, str]) -> dict:
        initial = {"written_on": entry.written_on, "body": entry.body, "version": entry.version}
        initial.update({PROMPT_PREFIX + key: value for key, value in answers.items()})
        return initial

    def prompt_fields(self):
        return [self[PROMPT_PREFIX + p.key] for p in self.prompts]

    def answers(self) -> dict[str, str]:
        return {p.key: self.cleaned_data.get(PROMPT_PREFIX + p.key, "") for p in self.prompts}

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not (
            any(v.strip() for v in self.answers().values()) or cleaned.get("body", "").strip()
        ):
            raise forms.ValidationError(EMPTY_ENTRY)
        return cleaned
