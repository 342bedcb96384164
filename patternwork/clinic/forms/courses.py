from django import forms
from django.utils.translation import gettext_lazy as _

from patternwork.treatment import plan
from patternwork.treatment.models import Appointment, Course

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class PlanForm(forms.Form):
    """The course plan; the plan module holds the rules, this form only reads input."""

    planned_sessions = forms.IntegerField(
        label=_("Planned sessions"),
        initial=plan.DEFAULT_SESSIONS,
        help_text=_("DIT is usually 16 sessions; %(low)s to %(high)s are allowed.")
        % {"low": plan.MIN_SESSIONS, "high": plan.MAX_SESSIONS},
    )
    cadence = forms.ChoiceField(
        label=_("How often"), choices=Course.Cadence.choices, initial=Course.Cadence.WEEKLY
    )
    session_minutes = forms.IntegerField(
        label=_("Session length (minutes)"), initial=plan.DEFAULT_SESSION_MINUTES
    )
    start_date = forms.DateField(label=_("Date of the first session"), widget=DATE_INPUT)
    start_time = forms.TimeField(label=_("Time"), widget=TIME_INPUT)
    letter_share_session = forms.IntegerField(
        label=_("Goodbye letter shared in session"),
        required=False,
        help_text=_("Leave empty for the penultimate planned session."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ChangePlanForm(PlanForm):
    """A plan change keeps the course's dates: no new start date."""

    start_date = None
    start_time = forms.TimeField(label=_("Session time from now on"), widget=TIME_INPUT)


class EndCourseForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why is the course ending?"),
        # "Not offered DIT" is the assessment decision's ending, recorded with it.
        choices=[
            ("", _("Choose…")),
            *(c for c in Course.EndReason.choices if c[0] != Course.EndReason.NOT_OFFERED),
        ],
    )
    note = forms.CharField(
        label=_("Note on the ending (optional)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, open_flags: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if open_flags:
            self.fields["override_reason"] = override_reason_field(
                _("Reason for ending with the risk answers unacknowledged")
            )


def override_reason_field(label) -> forms.CharField:
    """The reason for going on past open risk flags; the service decides if it is needed."""
    return forms.CharField(
        label=label,
        help_text=_(
            "Only if they cannot be acknowledged first. The reason is kept with the record "
            "and shown to the supervisor."
        ),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AssessmentForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    time = forms.TimeField(label=_("Time"), widget=TIME_INPUT)
    minutes = forms.IntegerField(label=_("Length (minutes)"), initial=60)


class PastSessionForm(forms.Form):
    """A session that already took place: when, how long, and whether the client came."""

    date = forms.DateField(label=_("Date it took place"), widget=DATE_INPUT)
    time = forms.TimeField(label=_("Time it started"), widget=TIME_INPUT)
    minutes = forms.IntegerField(label=_("Length (minutes)"), initial=plan.DEFAULT_SESSION_MINUTES)
    kind = forms.ChoiceField(
        label=_("Kind of session"),
        choices=Appointment.Kind.choices,
        initial=Appointment.Kind.TREATMENT,
        widget=forms.RadioSelect,
    )
    status = forms.ChoiceField(
        label=_("Did the client come?"),
        choices=[
            (Appointment.Status.ATTENDED, _("Attended")),
            (Appointment.Status.DNA, _("Did not attend")),
        ],
        widget=forms.RadioSelect,
    )


class CancelForm(forms.Form):
    by = forms.ChoiceField(
        label=_("Cancelled by"),
        choices=[("client", _("The client")), ("therapist", _("The therapist"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class MoveForm(forms.Form):
    date = forms.DateField(label=_("New date"), widget=DATE_INPUT)
    time = forms.TimeField(label=_("New time"), widget=TIME_INPUT)
    scope = forms.ChoiceField(
        label=_("Move"),
        choices=[
            ("single", _("Only this appointment")),
            ("following", _("This and all following appointments")),
        ],
        initial="single",
        widget=forms.RadioSelect,
    )


class NoteForm(forms.Form):
    """The note editor: one field per phase prompt, free text, and the version edited."""

    body = forms.CharField(
        label=_("Session note"),
        required=False,
        max_length=50000,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, prompts, **kwargs):
        super().__init__(*args, **kwargs)
        self.prompt_keys = []
        for prompt in prompts:
            key = f"prompt_{prompt.key}"
            self.prompt_keys.append((key, prompt.key))
            self.fields[key] = forms.CharField(
                label=prompt.label,
                help_text=prompt.help,
                required=False,
                max_length=20000,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        self.order_fields([key for key, _ in self.prompt_keys] + ["body", "version"])

    def answers(self) -> dict[str, str]:
        return {prompt: self.cleaned_data.get(key, "") for key, prompt in self.prompt_keys}


class AmendmentForm(forms.Form):
    body = forms.CharField(
        label=_("Amendment"), max_length=20000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ClosureDayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    label = forms.CharField(label=_("What it is"), max_length=100)
