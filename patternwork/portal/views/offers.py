"""The client's offer of a start (see it, accept or decline it), and the letter after an
assessment that did not lead to DIT."""

import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from patternwork.accounts.access import CLIENT_ROLE, fetch, reader_for
from patternwork.letters import decision, rendering
from patternwork.letters.models import DecisionLetter
from patternwork.portal.decorators import client_view
from patternwork.portal.forms.offers import OfferAnswerForm
from patternwork.treatment.models import Offer
from patternwork.treatment.services import waiting


@client_view
def offer(request, public_id):
    found = fetch(reader_for(request), Offer.objects.select_related("therapist__user"), public_id)
    form = OfferAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and found.status == Offer.Status.OPEN:
        accept = form.cleaned_data["answer"] == "accept"
        try:
            waiting.answer_offer(offer=found, accept=accept, user=request.user, role=CLIENT_ROLE)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Thank you: your first session is booked.")
                if accept
                else _("Thank you for letting us know. You stay on the waiting list."),
            )
        return redirect("portal:offer", public_id=found.public_id)
    found.refresh_from_db()
    return render(
        request,
        "portal/client/offer.html",
        {
            "client": request.client,
            "practice": request.client.practice,
            "offer": found,
            "form": form,
            "lapsed": found.status == Offer.Status.LAPSED
            or (found.status == Offer.Status.OPEN and timezone.now() >= found.respond_by),
        },
        status=400 if form.is_bound else 200,
    )


@client_view
def decision_letter_pdf(request, public_id):
    """A letter after assessment the therapist shared; drafts do not exist for the client."""
    letter = fetch(
        reader_for(request),
        DecisionLetter.objects.filter(state=DecisionLetter.State.SHARED).select_related(
            "course__therapist__user", "practice", "client"
        ),
        public_id,
    )
    decision.audit_download(letter=letter, user=request.user, role=CLIENT_ROLE)
    content = rendering.letter_pdf(decision.document(letter), title=_("Letter after assessment"))
    response = FileResponse(
        io.BytesIO(content),
        as_attachment=True,
        filename="assessment-letter.pdf",
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
