"""Session recordings: the client's consent on the course page, upload and deletion on the
session page, and the audio itself, streamed decrypted with range support."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from patternwork.accounts.access import deny_not_found, fetch, reader_for
from patternwork.accounts.models import Membership
from patternwork.clinic.decorators import staff_view
from patternwork.clinic.forms.supervision import RecordingConsentForm, RecordingForm
from patternwork.clinic.views.appointments import _appointment, _session_page
from patternwork.core.crypto import DecryptionError
from patternwork.core.forms import add_service_errors
from patternwork.core.http import RangeNotSatisfiable, byte_range
from patternwork.supervision import recordings
from patternwork.treatment import selectors as treatment_selectors

Role = Membership.Role
CLINICIANS = (Role.THERAPIST, Role.SUPERVISOR)
DAMAGED = _("This recording cannot be played: its stored file failed its integrity check.")


@require_POST
@staff_view(*CLINICIANS)
def consent_give(request, public_id):
    course = fetch(reader_for(request), treatment_selectors.course_rows(), public_id)
    form = RecordingConsentForm(request.POST)
    if form.is_valid():
        try:
            recordings.give_consent(
                course=course,
                method=form.cleaned_data["method"],
                given_on=form.cleaned_data["given_on"],
                actor=request.membership,
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Consent to recording recorded."))
    else:
        messages.error(request, _("Say how and when the client gave consent."))
    return redirect("clinic:course-detail", public_id=course.public_id)


@require_POST
@staff_view(*CLINICIANS)
def consent_revoke(request, public_id):
    course = fetch(reader_for(request), treatment_selectors.course_rows(), public_id)
    try:
        deleted = recordings.revoke_consent(course=course, actor=request.membership)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Consent withdrawn. %(n)d recording(s) of this course deleted.") % {"n": deleted},
        )
    return redirect("clinic:course-detail", public_id=course.public_id)


class _SizeLimit(TemporaryFileUploadHandler):
    """Stop reading a file part once it passes the recordings' size limit, so an
    oversized upload is refused without first filling the temporary folder with it."""

    def new_file(self, *args, **kwargs):
        self.received = 0
        return super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > recordings.max_bytes():
            self.request.recording_too_large = True
            raise StopUpload(connection_reset=False)
        return super().receive_data_chunk(raw_data, start)


@csrf_exempt
def recording_upload(request, public_id):
    # The upload handler must be in place before anything reads the body; the CSRF
    # check (which reads it) runs right after, in the view below.
    request.upload_handlers = [_SizeLimit(request)]
    return _recording_upload(request, public_id=public_id)


@require_POST
@staff_view(*CLINICIANS)
@csrf_protect
def _recording_upload(request, public_id):
    appointment = _appointment(request, public_id)
    form = RecordingForm(request.POST, request.FILES)
    if getattr(request, "recording_too_large", False):
        form.is_valid()
        form.errors.pop("file", None)
        form.add_error("file", recordings.too_large())
    elif form.is_valid():
        try:
            recordings.upload_recording(
                appointment=appointment,
                upload=form.cleaned_data["file"],
                actor=request.membership,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Recording uploaded and stored encrypted."))
            return redirect("clinic:appointment-detail", public_id=appointment.public_id)
    return _session_page(request, appointment, recording_form=form, status=400)


@require_POST
@staff_view(*CLINICIANS)
def recording_delete(request, public_id):
    recording = recordings.playable(reader_for(request), public_id)
    appointment_id = recording.appointment.public_id
    try:
        recordings.delete_recording(recording=recording, actor=request.membership)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Recording deleted."))
    return redirect("clinic:appointment-detail", public_id=appointment_id)


@require_GET
def recording_audio(request, public_id):
    """The decrypted audio, whole (200) or one byte range (206), never cached.

    Only the treating therapist and their supervisor get it; anyone else, signed in or
    not, gets a 404, since an audio element cannot follow a login redirect anyway.
    """
    if not request.user.is_authenticated or not request.user.is_verified():
        raise Http404("Not found.")
    if request.membership is None:
        raise deny_not_found(
            user=request.user, membership=None, object_type="page", object_id=request.path[:64]
        )
    reader = reader_for(request)
    recording = recordings.playable(reader, public_id)
    size = recording.size
    try:
        wanted = byte_range(request.headers.get("Range"), size)
    except RangeNotSatisfiable:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return _private(response)
    start, end = wanted if wanted is not None else (0, size - 1)
    try:
        body = recordings.stream(recording, start, end)
    except DecryptionError:
        return _private(HttpResponse(DAMAGED, status=409, content_type="text/plain"))
    if start == 0:
        recordings.record_play(reader, recording)
    response = StreamingHttpResponse(body, content_type=recording.content_type)
    response["Content-Length"] = str(end - start + 1)
    if wanted is not None:
        response.status_code = 206
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return _private(response)


def _private(response):
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
