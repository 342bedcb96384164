"""Forms of the client's portal: logging in, setting a password, the questionnaires."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

# The login, code and password forms are the staff ones: the same rules for everybody.
from patternwork.accounts.forms import LoginForm, SetPasswordForm, TokenForm
from patternwork.measures.services import Answers

__all__ = ["LoginForm", "QuestionnaireForm", "SetPasswordForm", "TokenForm"]

NOT_APPLICABLE = "na"
CHOOSE_AN_ANSWER = _("Choose an answer to this question before sending.")
NOT_AN_OPTION = _("Choose one of the answers shown.")


class QuestionnaireForm(forms.Form):
    """The questionnaires due before one appointment, one radio group per question.

    Every question is optional here, so that a half-finished questionnaire can be saved
    as a draft; on sending, the service names the unanswered questions and `add_missing`
    puts a message next to each.
    """

    def __init__(self, *args, instruments, **kwargs):
        super().__init__(*args, **kwargs)
        self.groups = []
        for instrument in instruments:
            names = []
            for item in instrument.items:
                choices = [(str(option.value), option.label) for option in item.options]
                if item.not_applicable_allowed:
                    choices.append((NOT_APPLICABLE, _("Not applicable")))
                name = self.field_name(instrument.code, item.key)
                self.fields[name] = forms.ChoiceField(
                    label=item.text,
                    choices=choices,
                    required=False,
                    widget=forms.RadioSelect,
                    error_messages={"invalid_choice": NOT_AN_OPTION},
                )
                names.append(name)
            self.groups.append((instrument, names))

    @staticmethod
    def field_name(code: str, key: str) -> str:
        """A name safe in ids and links: "phq9-q1" for PHQ-9 item q1."""
        return f"{re.sub(r'[^a-z0-9]', '', code.lower())}-{key}"

    @classmethod
    def initial_from(cls, responses) -> dict:
        """Answers already saved (drafts), as the form's initial values."""
        initial = {}
        for response in responses:
            for key, value in response.answers.items():
                initial[cls.field_name(response.instrument, key)] = (
                    NOT_APPLICABLE if value is None else str(value)
                )
        return initial

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

    def add_missing(self, missing: dict[str, tuple[str, ...]]) -> None:
        """Mark each unanswered question the service named."""
        for code, keys in missing.items():
            for key in keys:
                name = self.field_name(code, key)
                if name in self.fields:
                    self.add_error(name, CHOOSE_AN_ANSWER)
