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
from patternwork.core.fast_widgets import kept_unbound_fields, speed_up
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
        choices = therapist_choices(therapists)
        if choices:
            self.fields["therapist"].choices = [("", _("All")), *choices]
        else:
            del self.fields["therapist"]
        # Its text inputs and selects written without Django's widget templates, same markup.
        speed_up(self)


def therapist_choices(therapists) -> tuple[tuple[str, str], ...]:
    """The filter's therapists, by public id; none when there is only one to choose."""
    choices = tuple((str(m.public_id), m.user.full_name) for m in therapists)
    return choices if len(choices) > 1 else ()


FILTERS_TEMPLATE = "clinic/partials/caseload_filters.html"


def _filter_fields(request, therapists) -> tuple[str, CaseloadFilterForm | None]:
    """The filter form's fields, and the bound form. Unbound, the fields are the same for
    every request with the same therapist choices, so the form is built only when they
    are not kept yet (`kept_unbound_fields`): a dozen bound fields' worth of rendering
    and the form's copy of its fields saved."""
    if not request.GET:
        html = kept_unbound_fields(
            lambda: CaseloadFilterForm(therapists=therapists),
            FILTERS_TEMPLATE,
            therapist_choices(therapists),
        )
        return html, None
    form = CaseloadFilterForm(request.GET, therapists=therapists)
    return render_to_string(FILTERS_TEMPLATE, {"form": form}), form


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
    filter_fields, form = _filter_fields(request, therapists)
    show_therapist = membership.role != Membership.Role.THERAPIST
    filters = form.cleaned_data if form is not None and form.is_valid() else {}
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
    # One token for the page: the actions' forms and the frame's (the context
    # processor's lazy token is then never made).
    csrf_token = get_token(request)
    return render(
        request,
        "clinic/caseload.html",
        {
            "caseload": caseload,
            "form": form,
            "filter_fields": filter_fields,
            "csrf_token": csrf_token,
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
                csrf_token=csrf_token,
            ),
        },
    )
