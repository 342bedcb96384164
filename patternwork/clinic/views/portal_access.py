"""Inviting a client to the portal, and removing their access (POST-only buttons)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patternwork.accounts.access import fetch, reader_for
from patternwork.accounts.models import Membership
from patternwork.clients import logins
from patternwork.clients.selectors import client_rows
from patternwork.clinic.decorators import staff_view

Role = Membership.Role
# The client's clinicians (their therapist and the therapist's supervisor) and admins:
# the client selector already limits each member to the clients in their scope.
ALLOWED = (Role.THERAPIST, Role.SUPERVISOR, Role.ADMIN)


def _act(request, public_id, service, done: str):
    client = fetch(reader_for(request), client_rows(), public_id)
    try:
        service(client=client, by=request.membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done % {"email": client.email})
    return redirect("clinic:client-detail", public_id=client.public_id)


@staff_view(*ALLOWED)
@require_POST
def portal_invite(request, public_id):
    return _act(
        request,
        public_id,
        logins.invite_client,
        _(
            "An invitation is on its way to %(email)s. Its link works once, for 72 hours; "
            "any earlier link no longer works."
        ),
    )


@staff_view(*ALLOWED)
@require_POST
def portal_revoke(request, public_id):
    return _act(
        request,
        public_id,
        logins.revoke_portal_access,
        _("Portal access is removed: the client can no longer log in, and any link is void."),
    )
