"""The course: its page, starting it, changing its plan, ending it, replacements, and
recording a session that already took place."""

from datetime import datetime
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patternwork.accounts.access import PreparedRows, fetch, reader_for, record_read
from patternwork.accounts.models import Membership
from patternwork.clinic.decorators import staff_view
from patternwork.clinic.forms.courses import (
    AssessmentForm,
    ChangePlanForm,
    EndCourseForm,
    PastSessionForm,
    PlanForm,
)
from patternwork.clinic.forms.supervision import RecordingConsentForm
from patternwork.clinic.templatetags.clinic import phase_label
from patternwork.clinic.templatetags.course_tables import day_and_month_names, day_and_time
from patternwork.core.concurrency import STALE_EDIT_MESSAGE, StaleEdit
from patternwork.core.fast_widgets import kept_unbound_fields, speed_up
from patternwork.core.forms import add_service_errors
from patternwork.formulation import journal_selectors
from patternwork.measures import flag_selectors, track_selectors
from patternwork.measures.selectors import due_at_ending, phq9_by_session
from patternwork.reports import caseload as caseloads
from patternwork.supervision import recordings
from patternwork.treatment import goal_chart, scheduling, selectors, services, waiting_selectors
from patternwork.treatment.models import Appointment, Occasion
from patternwork.treatment.services.courses import PlanValues

Role = Membership.Role
CLINICIANS = (Role.THERAPIST, Role.SUPERVISOR, Role.ADMIN)


def _course(request, public_id):
    return fetch(reader_for(request), selectors.course_rows(), public_id)


def _shown_flags(request, flags):
    """The open flags whose answers this member may read; showing them is a recorded read."""
    shown = flag_selectors.readable_by(request.membership, flags)
    record_read(reader_for(request), [flag.client for flag in shown], "risk answer")
    return shown


# Compiled once per shape of the reader's scope, not built on every request.
_COURSE_PAGE_ROWS = PreparedRows(caseloads.course_page_rows)


@staff_view()
def course_detail(request, public_id):
    course = fetch(reader_for(request), _COURSE_PAGE_ROWS, public_id)
    clinical = selectors.can_read_clinical(request.membership, course)
    view, measures = caseloads.course_page(course, clinical=clinical)
    goals = waiting_selectors.goal_lines(course) if clinical else ()
    readiness = waiting_selectors.readiness_of(course) if clinical else ()
    if clinical:
        # The page shows the course's scores and risk answers.
        record_read(reader_for(request), [course.client], "course")
    panel = recordings.course_panel(request.membership, course)
    return render(
        request,
        "clinic/courses/course_detail.html",
        {
            "course": course,
            "client": course.client,
            "view": view,
            "notes_visible": clinical,
            "measures": measures,
            "not_on_track": track_selectors.not_on_track_of(
                request.membership, course, scores=phq9_by_session(measures)
            )
            if clinical
            else None,
            "timeline": _timeline_rows(view),
            "journal": journal_selectors.course_journal(request.membership, course),
            "goals": goals,
            "goal_chart": goal_chart_of(goals),
            "ratings_due": (
                waiting_selectors.ratings_due(course, view.attended, goals, readiness)
                if clinical
                else ()
            ),
            "readiness": readiness,
            "waiting": course.on_waiting_list,
            "recording_consent": panel,
            "consent_fields": _consent_fields() if panel and panel.treating else None,
        },
    )


FORM_FIELDS_TEMPLATE = "clinic/partials/form_fields.html"


def _consent_fields() -> str | None:
    """The unbound consent form's fields, written once per language and day (its only
    initial value is today): the same for every course that offers it."""
    today = timezone.localdate()

    def build() -> RecordingConsentForm:
        form = RecordingConsentForm(initial={"given_on": today})
        # Its widgets written in Python, the markup of Django's templates (core.fast_widgets).
        speed_up(form)
        return form

    # The form is built only when its fields are not kept for this language and day.
    return kept_unbound_fields(build, FORM_FIELDS_TEMPLATE, today)


# Any id: the appointment link is reversed once, and each row puts its own id in it.
_SOME_ID = UUID(int=0)


def _timeline_rows(view) -> list[dict]:
    """The timeline's rows with their link, time and labels worked out once per request
    (a label once per status or phase; the link's halves, the time zone and the day and
    month names once), so the template's loop does no lookups of its own."""
    before, after = reverse("clinic:appointment-detail", args=[_SOME_ID]).split(str(_SOME_ID))
    zone = timezone.get_current_timezone()
    names = day_and_month_names(get_language())
    statuses = dict(Appointment.Status.choices)
    status_labels: dict[str, str] = {}
    phase_labels: dict[object, str] = {}
    rows = []
    for item in view.timeline:
        appointment = item.appointment
        status = appointment.status
        if status not in status_labels:
            status_labels[status] = str(statuses.get(status, status))
        phase = item.phase
        if phase not in phase_labels:
            phase_labels[phase] = phase_label(phase)
        rows.append(
            {
                "url": f"{before}{appointment.public_id}{after}",
                # `timezone.localtime` without its checks: the stored time is aware.
                "when": day_and_time(appointment.starts_at.astimezone(zone), names),
                "minutes": appointment.duration_minutes,
                "kind": appointment.kind,
                "expected_number": item.expected_number,
                "session_number": appointment.session_number,
                "phase": phase,
                "phase_label": phase_labels[phase],
                "status": status,
                "status_label": status_labels[status],
                "reason": appointment.status_reason
                if status != Appointment.Status.ATTENDED
                else "",
                "has_note": item.has_note,
            }
        )
    return rows


# Short enough to sit side by side under the goal chart.
CHART_OCCASIONS = {
    "assessment": gettext_lazy("Assessment"),
    "end_initial": gettext_lazy("End of initial"),
    "end_middle": gettext_lazy("End of middle"),
    "ending": gettext_lazy("Last session"),
}


def goal_chart_of(goals):
    """The Goal-Based Outcomes chart of the course's goals (treatment.goal_chart)."""
    if not goals:
        return None
    return goal_chart.goal_chart(
        [[score for _label, score in line.scores] for line in goals],
        [str(CHART_OCCASIONS[value]) for value in Occasion.values],
    )


def _plan_values(data, *, start_date=None) -> PlanValues:
    return PlanValues(
        planned_sessions=data["planned_sessions"],
        cadence=data["cadence"],
        session_minutes=data["session_minutes"],
        start_date=data.get("start_date", start_date),
        start_time=data["start_time"],
        letter_share_session=data.get("letter_share_session"),
    )


@staff_view(*CLINICIANS)
def course_start(request, public_id):
    course = _course(request, public_id)
    form = PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.start_course(
                course=course, values=_plan_values(form.cleaned_data), actor=request.membership
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The course has started; its appointments are booked."))
            return redirect("clinic:course-detail", public_id=course.public_id)
    return render(
        request,
        "clinic/courses/course_start.html",
        {"course": course, "client": course.client, "form": form},
    )


@staff_view(*CLINICIANS)
def course_plan(request, public_id):
    course = _course(request, public_id)
    initial = {
        "planned_sessions": course.planned_sessions,
        "cadence": course.cadence,
        "session_minutes": course.session_minutes,
        "start_time": course.start_time,
        "letter_share_session": course.letter_share_session,
        "version": course.version,
    }
    form = ChangePlanForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.change_plan(
                course=course,
                values=_plan_values(form.cleaned_data, start_date=course.start_date),
                expected_version=form.cleaned_data.get("version") or 0,
                actor=request.membership,
            )
        except StaleEdit:
            form.add_error(None, STALE_EDIT_MESSAGE)
            status = 409
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The plan is changed; future appointments were updated."))
            return redirect("clinic:course-detail", public_id=course.public_id)
    return render(
        request,
        "clinic/courses/course_plan.html",
        {"course": course, "client": course.client, "form": form},
        status=status,
    )


@staff_view(*CLINICIANS)
def course_end(request, public_id):
    """End the course; open risk flags and a missing last WSAS are shown before the form."""
    course = _course(request, public_id)
    flags = flag_selectors.open_flags_of(course)
    form = EndCourseForm(request.POST or None, open_flags=bool(flags))
    if request.method == "POST" and form.is_valid():
        try:
            services.end_course(
                course=course,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                override_reason=form.cleaned_data.get("override_reason", ""),
                actor=request.membership,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The course has ended."))
            return redirect("clinic:course-detail", public_id=course.public_id)
    clinical = selectors.can_read_clinical(request.membership, course)
    return render(
        request,
        "clinic/courses/course_end.html",
        {
            "course": course,
            "client": course.client,
            "form": form,
            # Risk answers and scores are clinical content: others see only the count.
            "flags": _shown_flags(request, flags),
            "open_flag_count": len(flags),
            "ending": due_at_ending(course) if clinical and course.is_open else None,
        },
        status=400 if form.is_bound else 200,
    )


@staff_view(*CLINICIANS)
@require_POST
def course_replacement(request, public_id):
    course = _course(request, public_id)
    try:
        appointment = services.add_replacement(course=course, actor=request.membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        when = appointment.starts_at.astimezone(scheduling.zone(course.practice))
        messages.success(
            request,
            _("Replacement appointment booked for %(when)s.") % {"when": f"{when:%d %b %Y %H:%M}"},
        )
    return redirect("clinic:course-detail", public_id=course.public_id)


@staff_view(*CLINICIANS)
def course_assessment(request, public_id):
    course = _course(request, public_id)
    form = AssessmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        start = datetime.combine(
            form.cleaned_data["date"],
            form.cleaned_data["time"],
            tzinfo=scheduling.zone(course.practice),
        )
        try:
            services.book_assessment(
                course=course,
                start=start,
                minutes=form.cleaned_data["minutes"],
                actor=request.membership,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Assessment booked."))
            return redirect("clinic:course-detail", public_id=course.public_id)
    return render(
        request,
        "clinic/courses/course_assessment.html",
        {"course": course, "client": course.client, "form": form},
    )


@staff_view(*CLINICIANS)
def course_record_past(request, public_id):
    course = _course(request, public_id)
    initial = {"minutes": course.session_minutes, "time": course.start_time}
    form = PastSessionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        start = datetime.combine(
            data["date"], data["time"], tzinfo=scheduling.zone(course.practice)
        )
        try:
            appointment = services.record_past_session(
                course=course,
                start=start,
                minutes=data["minutes"],
                kind=data["kind"],
                status=data["status"],
                actor=request.membership,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The past session is recorded."))
            return redirect("clinic:appointment-detail", public_id=appointment.public_id)
    return render(
        request,
        "clinic/courses/course_record_past.html",
        {"course": course, "client": course.client, "form": form},
        status=400 if form.errors else 200,
    )
