"""The questionnaire form shared by the clinic and the client's portal.

One radio group per item, every item optional (the scorer, not the form, decides
whether a questionnaire is complete), the same field names everywhere, and the same
way back from fields to answers. The interfaces only word it differently.
"""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from patternwork.core import fast_widgets
from patternwork.measures.services import Answers

NOT_APPLICABLE = "na"
CHOOSE_AN_ANSWER = _("Choose an answer to this question.")
NOT_AN_OPTION = _("Choose one of the answers shown.")


class QuestionnaireForm(forms.Form):
    """The questionnaires of one appointment. `number_items` prefixes each question
    with its number (the clinic's paper-like layout)."""

    number_items = False
    missing_message = CHOOSE_AN_ANSWER

    def __init__(self, *args, instruments, **kwargs):
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
                    label=f"{item.number}. {item.text}" if self.number_items else item.text,
                    choices=choices,
                    required=False,
                    # Each option's input written without Django's templates: the
                    # pages lay out every option themselves, some 70 on a page.
                    widget=fast_widgets.RadioSelect,
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
        """Answers already saved, as the form's initial values."""
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
        """The answers given, from the fields that are valid.

        Also called on a form with errors: the valid answers (a risk answer above all)
        still reach the recording service, which keeps what must not be lost.
        """
        cleaned = getattr(self, "cleaned_data", {})
        result = []
        for instrument, names in self.groups:
            values = {}
            for name, item in zip(names, instrument.items, strict=True):
                raw = cleaned.get(name)
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
                if name in self.fields and name not in self.errors:
                    self.add_error(name, self.missing_message)
