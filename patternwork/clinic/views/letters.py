"""The goodbye letter and the course summary in the staff UI.

Both are clinical documents: the clinical scope applies (another therapist's client, or
an admin where the practice keeps clinical records from admins, gets an audited 404).
"""

import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patternwork.accounts.access import fetch, reader_for
from patternwork.accounts.models import Membership
from patternwork.clinic.decorators import staff_view
from patternwork.clinic.forms.letters import LetterForm, ShareForm
from patternwork.core.concurrency import STALE_EDIT_MESSAGE, StaleEdit
from patternwork.core.forms import add_service_errors
from patternwork.letters import drafting, rendering, selectors, services
from patternwork.treatment.selectors import course_rows

Role = Membership.Role
CLINICIANS = (Role.THERAPIST, Role.SUPERVISOR, Role.ADMIN)


def pdf_response(content: bytes, filename: str) -> FileResponse:
    """A PDF to save, never to show inline or keep in a cache."""
    response = FileResponse(
        io.BytesIO(content), as_attachment=True, filename=filename, content_type="application/pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


def _course(request, public_id):
    return fetch(reader_for(request), course_rows(), public_id, reads="goodbye letter")


def _existing_letter(course):
    letter = selectors.letter_of(course)
    if letter is None:
        raise Http404("No goodbye letter yet.")
    return letter


def _page(request, course, letter, *, form=None, status=200):
    versions = selectors.versions_of(letter) if letter else []
    context = {
        "course": course,
        "client": course.client,
        "letter": letter,
        "versions": versions,
        "share_session": course.share_session,
    }
    if letter is None:
        attended = course.appointments.attended_treatment().count()
        context["refusal"] = services.drafting_refusal(course, attended)
    else:
        wanted = request.GET.get("version", "")
        shown = next((v for v in versions if str(v.number) == wanted), versions[0])
        latest = versions[0]
        context |= {
            "shown": shown,
            "document": selectors.letter_document(letter, shown),
            "open_places": drafting.open_places(latest.body),
            "unprintable": rendering.unprintable(latest.body),
            "form": form
            or (
                LetterForm(initial={"body": latest.body, "version": letter.version})
                if letter.state == letter.State.DRAFT
                else None
            ),
        }
    return render(request, "clinic/letters/letter.html", context, status=status)


@staff_view(*CLINICIANS)
def letter_page(request, public_id):
    """The letter of a course: start it, edit it (GET shows, POST saves), read versions."""
    course = _course(request, public_id)
    letter = selectors.letter_of(course)
    if request.method != "POST":
        return _page(request, course, letter)
    if letter is None:
        raise Http404("No goodbye letter yet.")
    form = LetterForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            letter = services.save_letter(
                letter=letter,
                body=form.cleaned_data["body"],
                expected_version=form.cleaned_data["version"],
                by=request.membership,
            )
        except StaleEdit:
            # Nothing was saved; the therapist's own text stays in the bound form.
            form.add_error(None, STALE_EDIT_MESSAGE)
            status = 409
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved as version %(n)s.") % {"n": letter.version})
            return redirect("clinic:letter", public_id=course.public_id)
    return _page(request, course, letter, form=form, status=status)


@staff_view(*CLINICIANS)
@require_POST
def letter_start(request, public_id):
    course = _course(request, public_id)
    try:
        services.start_letter(course=course, by=request.membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _(
                "The letter is drafted from the course. Read it through, write in the marked "
                "places, and save."
            ),
        )
    return redirect("clinic:letter", public_id=course.public_id)


STALE_SHARE = _(
    "The letter was saved again since you opened this page. Read the latest version below "
    "before sharing it."
)


@staff_view(*CLINICIANS)
def letter_share(request, public_id):
    """Show the letter exactly as the client will read it, and share it on confirmation."""
    course = _course(request, public_id)
    letter = _existing_letter(course)
    if letter.state != letter.State.DRAFT:
        messages.info(request, _("This letter has already been shared with the client."))
        return redirect("clinic:letter", public_id=course.public_id)
    errors, status = [], 200
    if request.method == "POST":
        form = ShareForm(request.POST)
        status = 400
        if not form.is_valid():
            errors = [_("Read the letter below and confirm again.")]
        else:
            try:
                services.share_letter(
                    letter=letter,
                    expected_version=form.cleaned_data["version"],
                    by=request.membership,
                )
            except StaleEdit:
                errors, status = [STALE_SHARE], 409
                letter = selectors.letter_of(course)
            except ValidationError as error:
                errors = error.messages
            else:
                messages.success(
                    request,
                    _("The letter is shared: %(name)s can read it in the portal.")
                    % {"name": course.client.display_name},
                )
                return redirect("clinic:letter", public_id=course.public_id)
    version = selectors.latest_version(letter)
    return render(
        request,
        "clinic/letters/letter_share.html",
        {
            "course": course,
            "client": course.client,
            "letter": letter,
            "document": selectors.letter_document(letter, version),
            "open_places": drafting.open_places(version.body),
            "form": ShareForm(initial={"version": letter.version}),
            "errors": errors,
        },
        status=status,
    )


@staff_view(*CLINICIANS)
@require_POST
def letter_discussed(request, public_id):
    course = _course(request, public_id)
    letter = _existing_letter(course)
    try:
        services.mark_discussed(letter=letter, by=request.membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The letter is recorded as discussed with the client."))
    return redirect("clinic:letter", public_id=course.public_id)


@staff_view(*CLINICIANS)
def letter_pdf(request, public_id):
    course = _course(request, public_id)
    letter = _existing_letter(course)
    version = selectors.latest_version(letter)
    content = rendering.letter_pdf(selectors.letter_document(letter, version))
    services.audit_letter_download(
        letter=letter, version=version.number, user=request.user, role=request.membership.role
    )
    filename = f"goodbye-letter-{course.client.client_number}-v{version.number}.pdf"
    return pdf_response(content, filename)


@staff_view(*CLINICIANS)
def course_summary_pdf(request, public_id):
    course = _course(request, public_id)
    content = rendering.summary_pdf(selectors.summary_document(course))
    services.audit_summary_download(course=course, by=request.membership)
    return pdf_response(content, f"course-summary-{course.client.client_number}.pdf")
