"""The client's goodbye letters: the ones their therapist shared, to read and to keep.

A draft never reaches the client, and another client's letter does not exist for them
(404). Every download of the PDF is audited, as for staff.
"""

import io

from django.http import FileResponse
from django.shortcuts import render

from patternwork.accounts.access import fetch, reader_for
from patternwork.letters import rendering, selectors, services
from patternwork.portal.decorators import client_view

CLIENT_ROLE = "client"


@client_view
def letter_list(request):
    return render(
        request,
        "portal/letters/letter_list.html",
        {
            "practice": request.client.practice,
            "letters": selectors.shared_letters_for(request.client),
        },
    )


def _shared_letter(request, public_id):
    return fetch(reader_for(request), selectors.shared_letter_rows(), public_id)


@client_view
def letter_detail(request, public_id):
    letter = _shared_letter(request, public_id)
    version = selectors.latest_version(letter)
    return render(
        request,
        "portal/letters/letter_detail.html",
        {
            "practice": request.client.practice,
            "letter": letter,
            "document": selectors.letter_document(letter, version),
        },
    )


@client_view
def letter_pdf(request, public_id):
    letter = _shared_letter(request, public_id)
    version = selectors.latest_version(letter)
    content = rendering.letter_pdf(selectors.letter_document(letter, version))
    services.audit_letter_download(
        letter=letter, version=version.number, user=request.user, role=CLIENT_ROLE
    )
    response = FileResponse(
        io.BytesIO(content),
        as_attachment=True,
        filename="goodbye-letter.pdf",
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
