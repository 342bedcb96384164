"""The letter after an assessment that did not lead to DIT: start, edit, share, PDF."""

import io

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from patternwork.accounts.access import fetch, reader_for
from patternwork.accounts.models import Membership
from patternwork.clinic.decorators import staff_view
from patternwork.core.concurrency import STALE_EDIT_MESSAGE, StaleEdit
from patternwork.core.forms import add_service_errors
from patternwork.letters import decision, rendering
from patternwork.letters.models import DecisionLetter
from patternwork.treatment import selectors

Role = Membership.Role
CLINICIANS = (Role.THERAPIST, Role.SUPERVISOR, Role.ADMIN)


class LetterForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Letter"), max_length=20000, widget=forms.Textarea(attrs={"rows": 18})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


def _course(request, public_id):
    return fetch(reader_for(request), selectors.course_rows(), public_id, reads="assessment letter")


def _letter(course):
    return DecisionLetter.objects.filter(course=course).first()


@staff_view(*CLINICIANS)
def decision_letter(request, public_id):
    course = _course(request, public_id)
    letter = _letter(course)
    form = None
    status = 200
    if request.method == "POST" and letter is None:
        try:
            decision.start_decision_letter(course=course, by=request.membership)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("clinic:assessment-record", public_id=course.public_id)
        return redirect("clinic:decision-letter", public_id=course.public_id)
    if letter is not None and letter.state == DecisionLetter.State.DRAFT:
        form = LetterForm(
            request.POST or None, initial={"body": letter.body, "version": letter.version}
        )
        if request.method == "POST":
            if form.is_valid():
                try:
                    decision.save_decision_letter(
                        letter=letter,
                        body=form.cleaned_data["body"],
                        expected_version=form.cleaned_data["version"],
                        by=request.membership,
                    )
                except StaleEdit:
                    form.add_error(None, STALE_EDIT_MESSAGE)
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    messages.success(request, _("Letter saved."))
                    return redirect("clinic:decision-letter", public_id=course.public_id)
            status = 400
    return render(
        request,
        "clinic/assessment/decision_letter.html",
        {"course": course, "client": course.client, "letter": letter, "form": form},
        status=status,
    )


@require_POST
@staff_view(*CLINICIANS)
def decision_letter_share(request, public_id):
    course = _course(request, public_id)
    letter = _letter(course)
    try:
        if letter is None:
            raise ValidationError(decision.NO_LETTER_DECISION)
        decision.share_decision_letter(
            letter=letter,
            expected_version=int(request.POST.get("version") or 0),
            by=request.membership,
        )
    except (ValueError, StaleEdit):
        messages.error(request, STALE_EDIT_MESSAGE)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The letter is shared on the client's portal."))
    return redirect("clinic:decision-letter", public_id=course.public_id)


def pdf_response(letter: DecisionLetter) -> FileResponse:
    content = rendering.letter_pdf(decision.document(letter), title=_("Letter after assessment"))
    response = FileResponse(
        io.BytesIO(content),
        as_attachment=True,
        filename="assessment-letter.pdf",
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@staff_view(*CLINICIANS)
def decision_letter_pdf(request, public_id):
    course = _course(request, public_id)
    letter = _letter(course)
    if letter is None:
        messages.error(request, _("Start the letter first."))
        return redirect("clinic:assessment-record", public_id=course.public_id)
    decision.audit_download(letter=letter, user=request.user, role=request.membership.role)
    return pdf_response(letter)
