"""Questionnaires at a session, risk and not-on-track flags, and the supervisor's oversight."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from patternwork.accounts.access import fetch, reader_for, record_reads
from patternwork.accounts.models import Membership
from patternwork.clinic import caseload_rows
from patternwork.clinic.decorators import staff_view
from patternwork.clinic.forms.measures import (
    AcknowledgeForm,
    MeasuresForm,
    TrackAcknowledgeForm,
)
from patternwork.core.concurrency import StaleEdit
from patternwork.measures import definitions, flag_selectors, services, track_selectors, tracking
from patternwork.measures.forms import NOT_APPLICABLE
from patternwork.measures.models import Response
from patternwork.measures.selectors import ORDER, instruments_due
from patternwork.reports import caseload as caseloads
from patternwork.treatment import selectors
from patternwork.treatment.models import Appointment

Role = Membership.Role
CLINICIANS = (Role.THERAPIST, Role.SUPERVISOR, Role.ADMIN)
STALE = _(
    "Someone else changed these answers while you were entering them. Your answers are "
    "kept below; check them against the saved ones and save again."
)


def instruments_for(appointment: Appointment, recorded, *, at_ending: bool = False) -> list:
    """The questionnaires to show: those due (at the ending, those it asks for too) and
    those already recorded."""
    codes = set(instruments_due(appointment, at_ending=at_ending)) | set(recorded)
    return [definitions.get_instrument(code) for code in ORDER if code in codes]


def _initial(recorded) -> dict:
    initial = {}
    for code, response in recorded.items():
        for key, value in response.answers.items():
            initial[MeasuresForm.field_name(code, key)] = (
                NOT_APPLICABLE if value is None else str(value)
            )
    return initial


def _warn_if_flagged(request, responses) -> None:
    if any(r.risk_flags.open().exists() for r in responses):
        messages.warning(
            request,
            _("A risk answer was given. It is flagged on the caseload until acknowledged."),
        )


@staff_view(*CLINICIANS)
def measures_record(request, public_id):
    appointment = fetch(
        reader_for(request), selectors.appointment_rows(), public_id, reads="questionnaires"
    )
    recorded = flag_selectors.responses_at(appointment, include_drafts=True)
    # Reached from the ending page: back there once saved, to finish ending the course.
    at_ending = request.GET.get("for") == "ending"
    instruments = instruments_for(appointment, recorded, at_ending=at_ending)
    versions = {code: response.version for code, response in recorded.items()}
    form = MeasuresForm(
        request.POST or None,
        instruments=instruments,
        versions=versions,
        initial=_initial(recorded),
    )
    status = 200
    if request.method == "POST":
        # The form is checked first, but the service is called even when it has errors:
        # whatever else is wrong, a risk answer given here is saved and flagged.
        submit = form.is_valid()
        status = 400
        try:
            saved = services.record_responses(
                appointment=appointment,
                answers=form.answers(),
                source=Response.Source.CLINIC,
                by=request.membership,
                versions=form.versions(),
                submit=submit,
            )
        except StaleEdit:
            form.add_error(None, STALE)
            status = 409
        except services.IncompleteSubmission as incomplete:
            form.add_missing(incomplete.missing)
            # Messages name the instrument and its missing items, so they read well alone.
            form.add_error(None, incomplete.messages)
            _warn_if_flagged(request, incomplete.saved)
        except ValidationError as error:
            if submit or getattr(error, "code", None) != "nothing":
                form.add_error(None, error.messages)
        else:
            _warn_if_flagged(request, saved)
            if submit:
                summary = ", ".join(f"{r.instrument} {r.total} ({r.band.lower()})" for r in saved)
                messages.success(request, _("Saved: %(summary)s.") % {"summary": summary})
                if at_ending and appointment.course.is_open:
                    return redirect("clinic:course-end", public_id=appointment.course.public_id)
                return redirect("clinic:appointment-detail", public_id=appointment.public_id)
    return render(
        request,
        "clinic/measures/measures_record.html",
        {
            "appointment": appointment,
            "course": appointment.course,
            "client": appointment.course.client,
            "form": form,
            "recorded": recorded,
        },
        status=status,
    )


@staff_view(*CLINICIANS)
def risk_flag(request, public_id):
    flag = fetch(reader_for(request), flag_selectors.flag_rows(), public_id)
    form = AcknowledgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.acknowledge_flag(
                flag=flag, note=form.cleaned_data["note"], actor=request.membership
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Flag acknowledged; the action taken is recorded."))
            return redirect("clinic:course-detail", public_id=flag.course.public_id)
    return render(
        request,
        "clinic/measures/risk_flag.html",
        {
            "flag": flag,
            "client": flag.client,
            "course": flag.course,
            "form": form,
            "history": flag_selectors.risk_history(flag),
        },
        status=400 if form.errors else 200,
    )


@staff_view(*CLINICIANS)
def track_flag(request, public_id):
    """A not-on-track flag with its why; the treating therapist or supervisor acknowledges it."""
    flag = fetch(reader_for(request), track_selectors.flag_rows(), public_id)
    form = TrackAcknowledgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            tracking.acknowledge(
                flag=flag, note=form.cleaned_data["note"], actor=request.membership
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Acknowledged; your note is recorded."))
            return redirect("clinic:course-detail", public_id=flag.course.public_id)
    return render(
        request,
        "clinic/measures/track_flag.html",
        {
            "row": track_selectors.with_why([flag])[0],
            "client": flag.client,
            "course": flag.course,
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@staff_view(Role.SUPERVISOR, Role.ADMIN)
def oversight(request):
    """Open risk flags (with endings and closures that overrode them) and overdue
    milestones across the member's scope."""
    caseload = caseloads.caseload(request.membership, appointments=False)
    flags = caseload.flags
    not_on_track = caseload.not_on_track
    record_reads(
        reader_for(request),
        [
            ([flag.client for flag in flags], "risk answer"),
            ([row.client for row in not_on_track], "not-on-track flag"),
        ],
    )
    behind = [row for row in caseload.rows if row.overdue]
    return render(
        request,
        "clinic/measures/oversight.html",
        {
            "flags": flags,
            "not_on_track": not_on_track,
            "behind": behind,
            "caseload": caseload,
            "risk_flag_list": caseload_rows.risk_flag_list(
                flags, show_therapist=request.membership.role != Role.THERAPIST
            ),
            "not_on_track_list": caseload_rows.not_on_track_list(
                not_on_track, show_therapist=request.membership.role != Role.THERAPIST
            ),
            "behind_table": caseload_rows.behind_table(behind),
            "ended_over_flags": flag_selectors.ENDED_OVER_OPEN_FLAGS.rows(
                request.membership, clinical=True
            ),
            "closed_over_flags": flag_selectors.CLOSED_OVER_OPEN_FLAGS.rows(
                request.membership, clinical=True
            ),
        },
    )
