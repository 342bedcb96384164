"""Forms of the assessment record, readiness, goals, the decision and the waiting list."""

from django import forms
from django.utils.translation import gettext_lazy as _

from patternwork.clinic.forms.courses import DATE_INPUT, TIME_INPUT
from patternwork.treatment import plan
from patternwork.treatment.models import Assessment, Occasion

TEXT = forms.Textarea(attrs={"rows": 3})
RULER = {"min_value": 0, "max_value": 10}


class OnePageForm(forms.Form):
    """A form that shares the assessment page with the others: its own id prefix, so two
    "When" labels (readiness, ratings) or two "goal_1" fields (goals, ratings) never
    share an id and each label names its own field."""

    id_prefix = "id"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


def _text(label, help_text=""):
    return forms.CharField(
        label=label, required=False, max_length=10000, widget=TEXT, help_text=help_text
    )


class AssessmentRecordForm(forms.Form):
    presenting = _text(_("Presenting difficulties, in the client's words"))
    relationships = _text(
        _("Relationships in brief"),
        _("One person a line: who they are, then what the relationship is like."),
    )
    risk_current = _text(_("Risk: current thoughts of harm to self or others"))
    risk_history = _text(_("Risk: history"))
    risk_protective = _text(_("Protective factors"))
    safety_plan = _text(_("Safety plan"))
    safety_contacts = _text(_("Who to contact, and how"))
    suitability = forms.ChoiceField(
        label=_("Suitability for DIT"),
        required=False,
        choices=[("", _("Not decided yet")), *Assessment.Suitability.choices],
    )
    suitability_reasons = _text(_("Reasons"))
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReadinessForm(OnePageForm):
    id_prefix = "readiness"
    occasion = forms.ChoiceField(
        label=_("When"),
        choices=[(o.value, Occasion(o.value).label) for o in plan.READINESS_OCCASIONS],
    )
    importance = forms.IntegerField(
        label=_("How important is it for you to change this? (0-10)"), **RULER
    )
    confidence = forms.IntegerField(label=_("How confident are you that you can? (0-10)"), **RULER)
    hopes = _text(_("What do you hope will be different?"))


class GoalsForm(OnePageForm):
    id_prefix = "goals"
    goal_1 = forms.CharField(label=_("Goal 1"), required=False, max_length=500)
    goal_2 = forms.CharField(label=_("Goal 2"), required=False, max_length=500)
    goal_3 = forms.CharField(label=_("Goal 3"), required=False, max_length=500)

    def texts(self) -> list[str]:
        return [self.cleaned_data[f"goal_{n}"] for n in range(1, plan.MAX_GOALS + 1)]


class GoalRatingForm(OnePageForm):
    id_prefix = "rating"
    occasion = forms.ChoiceField(label=_("When"), choices=Occasion.choices)

    def __init__(self, *args, goals=(), **kwargs):
        super().__init__(*args, **kwargs)
        for goal in goals:
            self.fields[f"goal_{goal.position}"] = forms.IntegerField(
                label=_("Goal %(n)s: progress (0-10)") % {"n": goal.position},
                required=False,
                **RULER,
            )

    def scores(self) -> dict[int, int]:
        return {
            int(name.removeprefix("goal_")): value
            for name, value in self.cleaned_data.items()
            if name.startswith("goal_") and value is not None
        }


class DecisionForm(OnePageForm):
    id_prefix = "decision"
    decision = forms.ChoiceField(label=_("Decision"), choices=Assessment.Decision.choices)
    version = forms.IntegerField(widget=forms.HiddenInput)


class PriorityForm(forms.Form):
    priority = forms.BooleanField(label=_("Priority"), required=False)
    priority_reason = forms.CharField(
        label=_("Reason for the priority"), required=False, max_length=2000, widget=TEXT
    )


class OfferForm(forms.Form):
    therapist = forms.ModelChoiceField(
        label=_("Therapist"), queryset=None, to_field_name="public_id"
    )
    date = forms.DateField(label=_("Date of the first session"), widget=DATE_INPUT)
    time = forms.TimeField(label=_("Time"), widget=TIME_INPUT)

    def __init__(self, *args, therapists, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["therapist"].queryset = therapists
        self.fields["therapist"].label_from_instance = lambda m: m.user.full_name or m.user.email


class OfferAnswerForm(forms.Form):
    answer = forms.ChoiceField(
        choices=[("accept", _("Accepted")), ("decline", _("Declined"))], label=_("Answer")
    )
