"""Caseload import for admins: upload a file, see the dry run, confirm, see the result.

The file is uploaded once and kept server-side (`interop.models.CaseloadUpload`); the
preview and the import both read the stored copy, so what is imported is what was
previewed. Another practice's upload is a 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patternwork.accounts.access import fetch, reader_for, visible
from patternwork.accounts.models import Membership
from patternwork.clinic.decorators import staff_view
from patternwork.clinic.forms.imports import CaseloadUploadForm
from patternwork.core.forms import add_service_errors
from patternwork.interop import services
from patternwork.interop.caseload import ImportResult
from patternwork.interop.caseload_file import MAX_ROWS
from patternwork.interop.models import CaseloadUpload

ADMIN = Membership.Role.ADMIN
RECENT = 20


def _uploads():
    return CaseloadUpload.objects.select_related("uploaded_by__user").defer("content")


@staff_view(ADMIN)
def caseload_import(request):
    posted = request.method == "POST"
    form = CaseloadUploadForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            stored = services.upload_caseload(
                membership=request.membership, filename=upload.name, data=upload.read()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("clinic:caseload-upload", public_id=stored.public_id)
    recent = visible(request.membership, _uploads())[:RECENT]
    return render(
        request,
        "clinic/imports/caseload_import.html",
        {"form": form, "recent": recent, "max_rows": MAX_ROWS},
        status=400 if form.errors else 200,
    )


@staff_view(ADMIN)
def caseload_upload(request, public_id):
    upload = fetch(reader_for(request), _uploads(), public_id)
    result = ImportResult.from_data(upload.result)
    return render(
        request,
        "clinic/imports/caseload_upload.html",
        {"upload": upload, "result": result, "counts": result.counts()},
    )


@staff_view(ADMIN)
@require_POST
def caseload_upload_import(request, public_id):
    upload = fetch(reader_for(request), _uploads(), public_id)
    try:
        result = services.import_upload(upload=upload, membership=request.membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if result.written:
            messages.success(
                request,
                _("Imported %(clients)s clients.") % {"clients": len(result.created)},
            )
        else:
            messages.error(
                request,
                _("Nothing was imported: the checks found errors. They are listed below."),
            )
    return redirect("clinic:caseload-upload", public_id=upload.public_id)
