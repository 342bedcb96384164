"""Forms of the client's portal: logging in, setting a password, the questionnaires."""

from __future__ import annotations

# The login, code and password forms are the staff ones: the same rules for everybody.
from django.utils.translation import gettext_lazy as _

from patternwork.accounts.forms import LoginForm, SetPasswordForm, TokenForm
from patternwork.measures import forms as questionnaire_forms

__all__ = ["LoginForm", "QuestionnaireForm", "SetPasswordForm", "TokenForm"]

CHOOSE_AN_ANSWER = _("Choose an answer to this question before sending.")


class QuestionnaireForm(questionnaire_forms.QuestionnaireForm):
    """The questionnaires due before one appointment; a half-finished one can be saved
    as a draft, and on sending the unanswered questions are marked."""

    missing_message = CHOOSE_AN_ANSWER
