"""One appointment: the session page with attendance, cancelling, moving and the note."""

from datetime import datetime
from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patternwork.accounts.access import PreparedRows, fetch, reader_for, record_read
from patternwork.accounts.models import Membership
from patternwork.clinic.decorators import staff_view
from patternwork.clinic.forms.courses import AmendmentForm, CancelForm, MoveForm, NoteForm
from patternwork.clinic.forms.supervision import RecordingForm
from patternwork.core.concurrency import STALE_EDIT_MESSAGE, StaleEdit
from patternwork.core.fast_widgets import speed_up, unbound_fields
from patternwork.core.forms import add_service_errors
from patternwork.formulation import selectors as formulation_selectors
from patternwork.measures.flag_selectors import responses_at
from patternwork.supervision import recordings
from patternwork.supervision.selectors import session_supervision
from patternwork.treatment import plan, prompts, scheduling, selectors, services
from patternwork.treatment.models import Appointment
from patternwork.treatment.services.notes import note_answers, note_phase

Role = Membership.Role
CLINICIANS = (Role.THERAPIST, Role.SUPERVISOR, Role.ADMIN)
FORM_FIELDS_TEMPLATE = "clinic/partials/form_fields.html"


def _appointment(request, public_id) -> Appointment:
    return fetch(reader_for(request), selectors.appointment_rows(), public_id)


def _note_form(appointment, note, data=None):
    phase = note.phase if note else note_phase(appointment)
    initial = {"version": note.version if note else None, "body": note.body if note else ""}
    initial |= {f"prompt_{k}": v for k, v in note_answers(note).items()}
    return NoteForm(data, prompts=prompts.prompts_for(phase), initial=initial)


def _session_page(
    request,
    appointment,
    *,
    note_form=None,
    cancel_form=None,
    move_form=None,
    amend_form=None,
    recording_form=None,
    status=200,
):
    course = appointment.course
    notes_visible = selectors.can_read_clinical(request.membership, course)
    if notes_visible:
        record_read(reader_for(request), [course.client], "session")
    note = selectors.note_for(appointment) if notes_visible else None
    phase = None
    if appointment.session_number:
        phase = plan.phase_for(appointment.session_number, course.planned_sessions)
    # Each form is made only where the page shows it: cancelling and moving a booked
    # appointment, amending a signed note, uploading where a recording may be uploaded.
    booked = appointment.status == Appointment.Status.BOOKED
    if move_form is None and booked:
        local = appointment.starts_at.astimezone(scheduling.zone(course.practice))
        move_form = MoveForm(initial={"date": local.date(), "time": local.time()})
    panel = recordings.session_panel(request.membership, appointment)
    if recording_form is None and panel is not None and panel.may_upload:
        recording_form = RecordingForm()
    context = {
        "appointment": appointment,
        "course": course,
        "client": course.client,
        "phase": phase,
        "notes_visible": notes_visible,
        "note": note,
        "note_form": note_form or (_note_form(appointment, note) if notes_visible else None),
        "amend_form": amend_form or (AmendmentForm() if note and note.is_signed else None),
        "cancel_form": cancel_form or (CancelForm() if booked else None),
        "move_form": move_form,
        "started": appointment.starts_at <= timezone.now(),
        "responses": list(responses_at(appointment, with_flags=True).values())
        if notes_visible
        else [],
        "formulation": _formulation(appointment, phase) if notes_visible else None,
        "due": _due(appointment),
        "supervision": session_supervision(appointment, note, request.membership),
        "recordings": panel,
        "recording_form": recording_form,
    }
    # The forms' widgets written in Python, the markup of Django's templates.
    for name in ("note_form", "amend_form", "cancel_form", "move_form", "recording_form"):
        if context[name] is not None:
            speed_up(context[name])
    # An empty form's fields are the same on every session page: written once, when the
    # page first shows them (None for a form that came back with its errors, which the
    # page writes as it is).
    for name in ("amend_form", "cancel_form", "recording_form"):
        form = context[name]
        if form is not None:
            context[name.replace("_form", "_fields")] = partial(
                unbound_fields, form, FORM_FIELDS_TEMPLATE, type(form)
            )
    return render(request, "clinic/courses/appointment_detail.html", context, status=status)


def _formulation(appointment, phase):
    """The agreed IPAF, this session's episodes and the trend (middle and ending phases)."""
    if phase not in (plan.Phase.MIDDLE, plan.Phase.ENDING, plan.Phase.OVER_PLAN):
        return None
    return formulation_selectors.session_formulation(appointment)


def _due(appointment) -> tuple[str, ...]:
    if appointment.status != Appointment.Status.ATTENDED:
        return ()
    if appointment.kind == Appointment.Kind.ASSESSMENT or not appointment.session_number:
        return (plan.PHQ9, plan.GAD7, plan.WSAS)
    return plan.measures_due(appointment.session_number, appointment.course.planned_sessions)


# Compiled once per shape of the reader's scope, not built on every request.
_SESSION_PAGE_ROWS = PreparedRows(selectors.session_page_rows)


@staff_view()
def appointment_detail(request, public_id):
    appointment = fetch(reader_for(request), _SESSION_PAGE_ROWS, public_id)
    return _session_page(request, appointment)


def _outcome(request, public_id, service, done: str):
    appointment = _appointment(request, public_id)
    try:
        service(appointment=appointment, actor=request.membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect("clinic:appointment-detail", public_id=appointment.public_id)


@staff_view(*CLINICIANS)
@require_POST
def appointment_attended(request, public_id):
    return _outcome(request, public_id, services.mark_attended, _("Recorded as attended."))


@staff_view(*CLINICIANS)
@require_POST
def appointment_dna(request, public_id):
    return _outcome(
        request, public_id, services.mark_did_not_attend, _("Recorded as did not attend.")
    )


@staff_view(*CLINICIANS)
@require_POST
def appointment_cancel(request, public_id):
    appointment = _appointment(request, public_id)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.cancel_appointment(
                appointment=appointment,
                by=form.cleaned_data["by"],
                reason=form.cleaned_data["reason"],
                actor=request.membership,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The appointment is cancelled."))
            return redirect("clinic:appointment-detail", public_id=appointment.public_id)
    return _session_page(request, appointment, cancel_form=form, status=400)


@staff_view(*CLINICIANS)
@require_POST
def appointment_move(request, public_id):
    appointment = _appointment(request, public_id)
    form = MoveForm(request.POST)
    if form.is_valid():
        zone = scheduling.zone(appointment.course.practice)
        new_start = datetime.combine(
            form.cleaned_data["date"], form.cleaned_data["time"], tzinfo=zone
        )
        try:
            moved = services.move_appointment(
                appointment=appointment,
                new_start=new_start,
                scope=form.cleaned_data["scope"],
                actor=request.membership,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(count)s appointment(s) moved.") % {"count": len(moved)})
            return redirect("clinic:appointment-detail", public_id=appointment.public_id)
    return _session_page(request, appointment, move_form=form, status=400)


def _note_appointment(request, public_id) -> Appointment:
    return fetch(reader_for(request), selectors.appointment_rows(), public_id, reads="session note")


@staff_view(*CLINICIANS)
@require_POST
def note_save(request, public_id):
    appointment = _note_appointment(request, public_id)
    note = selectors.note_for(appointment)
    form = _note_form(appointment, note, data=request.POST)
    status = 400
    if form.is_valid():
        try:
            services.save_note(
                appointment=appointment,
                answers=form.answers(),
                body=form.cleaned_data["body"],
                expected_version=form.cleaned_data.get("version"),
                actor=request.membership,
            )
        except StaleEdit:
            # Nothing was written; the editor's own text stays in the bound form.
            form.add_error(None, STALE_EDIT_MESSAGE)
            status = 409
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Note saved."))
            return redirect("clinic:appointment-detail", public_id=appointment.public_id)
    return _session_page(request, appointment, note_form=form, status=status)


@staff_view(*CLINICIANS)
@require_POST
def note_sign(request, public_id):
    appointment = _note_appointment(request, public_id)
    note = selectors.note_for(appointment)
    if note is None:
        messages.error(request, _("Write and save the note before signing it."))
        return redirect("clinic:appointment-detail", public_id=appointment.public_id)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    try:
        services.sign_note(note=note, expected_version=version, actor=request.membership)
    except StaleEdit:
        messages.error(
            request, _("The note changed since you opened it. Read it again, then sign.")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Note signed. It can now only be amended."))
    return redirect("clinic:appointment-detail", public_id=appointment.public_id)


@staff_view(*CLINICIANS)
@require_POST
def note_amend(request, public_id):
    appointment = _note_appointment(request, public_id)
    note = selectors.note_for(appointment)
    form = AmendmentForm(request.POST)
    if note is not None and form.is_valid():
        try:
            services.amend_note(note=note, body=form.cleaned_data["body"], actor=request.membership)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Amendment added; the signed note is unchanged."))
            return redirect("clinic:appointment-detail", public_id=appointment.public_id)
    return _session_page(request, appointment, amend_form=form, status=400)
