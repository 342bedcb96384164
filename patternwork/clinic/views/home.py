from django import forms
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from patternwork.accounts.access import reader_for, record_reads
from patternwork.accounts.models import Membership
from patternwork.accounts.selectors import active_clinicians
from patternwork.clinic import caseload_rows
from patternwork.clinic.decorators import staff_view
from patternwork.core.fast_widgets import speed_up, unbound_fields
from patternwork.reports import caseload as caseloads
from patternwork.supervision import selectors as supervision
from patternwork.treatment.models import Course


class CaseloadFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or client number"), required=False, max_length=100)
    phase = forms.ChoiceField(
        label=_("Phase"),
        required=False,
        choices=[
            ("", _("Any")),
            ("initial", _("Initial")),
            ("middle", _("Middle")),
            ("ending", _("Ending")),
            ("over_plan", _("Over plan")),
        ],
    )
    state = forms.ChoiceField(
        label=_("Course"),
        required=False,
        choices=[("", _("Any open")), *[c for c in Course.State.choices if c[0] != "ended"]],
    )
    overdue = forms.BooleanField(label=_("Only with overdue items"), required=False)
    therapist = forms.ChoiceField(label=_("Therapist"), required=False)

    def __init__(self, *args, therapists=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(m.public_id), m.user.full_name) for m in therapists]
        if len(choices) > 1:
            self.fields["therapist"].choices = [("", _("All")), *choices]
        else:
            del self.fields["therapist"]


FILTERS_TEMPLATE = "clinic/partials/caseload_filters.html"


def _filter_fields(form: CaseloadFilterForm) -> str:
    """The filter form's fields; unbound, the same for every request with the same
    therapist choices (a dozen bound fields' worth of rendering saved)."""
    therapist = form.fields.get("therapist")
    choices = tuple((value, str(label)) for value, label in therapist.choices) if therapist else ()
    html = unbound_fields(form, FILTERS_TEMPLATE, choices)
    return html if html is not None else render_to_string(FILTERS_TEMPLATE, {"form": form})


@staff_view()
def home(request):
    """The caseload: today's and this week's appointments, and each open course."""
    membership = request.membership
    therapists = []
    if membership.role != Membership.Role.THERAPIST:
        scope = active_clinicians(membership.practice)
        if membership.role == Membership.Role.SUPERVISOR:
            scope = scope.filter(
                pk__in=[membership.pk, *membership.supervisees.values_list("pk", flat=True)]
            )
        therapists = list(scope)
    form = CaseloadFilterForm(request.GET or None, therapists=therapists)
    # Its text inputs and selects written without Django's widget templates, same markup.
    speed_up(form)
    show_therapist = membership.role != Membership.Role.THERAPIST
    filters = form.cleaned_data if form.is_valid() else {}
    caseload = caseloads.caseload(
        membership,
        query=filters.get("q", ""),
        phase=filters.get("phase", ""),
        state=filters.get("state", ""),
        overdue_only=filters.get("overdue", False),
        therapist=filters.get("therapist", ""),
    )
    # The open risk flags at the top show each answer; so do the not-on-track clients'
    # scores. Both reads are recorded in one write.
    record_reads(
        reader_for(request),
        [
            ([flag.client for flag in caseload.flags], "risk answer"),
            ([row.client for row in caseload.not_on_track], "not-on-track flag"),
        ],
    )
    # Actions agreed in supervision stay here until done; notes waiting for a
    # co-signature show to their author and to the supervisor who signs them.
    open_actions = supervision.open_actions_of(membership)
    waiting_cosign = supervision.NOTES_WAITING_LISTED.rows(reader_for(request))
    return render(
        request,
        "clinic/caseload.html",
        {
            "caseload": caseload,
            "form": form,
            "filter_fields": _filter_fields(form),
            "risk_flag_list": caseload_rows.risk_flag_list(
                caseload.flags, show_therapist=show_therapist
            ),
            # The not-on-track list written once (same markup as its partials).
            "not_on_track_list": caseload_rows.not_on_track_list(
                caseload.not_on_track, show_therapist=show_therapist
            ),
            # The tables' rows written once, their strings made once and every value
            # escaped (clinic.caseload_rows).
            "course_table": caseload_rows.course_table(
                caseload_rows.course_rows(caseload.rows, caseload.off_track_ids),
                show_therapist=show_therapist,
            ),
            "today_list": caseload_rows.appointment_list(
                caseload_rows.appointment_rows(caseload.today, today=True),
                show_therapist=show_therapist,
                today=True,
            ),
            "week_list": caseload_rows.appointment_list(
                caseload_rows.appointment_rows(caseload.week, today=False),
                show_therapist=show_therapist,
                today=False,
            ),
            "open_actions": open_actions,
            "waiting_cosign": waiting_cosign,
            # Both lists written once (the partial's markup).
            "supervision_section": caseload_rows.supervision_section(
                open_actions,
                waiting_cosign,
                show_therapist=show_therapist,
                csrf_token=get_token(request),
            ),
        },
    )
