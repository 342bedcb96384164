"""The staff member's personal API tokens: create (shown once), list and revoke."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patternwork.accounts.api_tokens import create_api_token, revoke_api_token, tokens_of
from patternwork.accounts.passkeys import has_second_factor
from patternwork.clinic.decorators import staff_view
from patternwork.clinic.forms.api_tokens import ApiTokenForm, RevokeTokenForm
from patternwork.core.forms import add_service_errors

TEMPLATE = "clinic/api_tokens.html"


def _page(request, *, form=None, created=None, secret="", status=200):
    context = {
        "form": form or ApiTokenForm(),
        "tokens": list(tokens_of(request.membership)),
        "two_factor": has_second_factor(request.user),
        "now": timezone.now(),
        "created": created,
        "secret": secret,
    }
    return render(request, TEMPLATE, context, status=status)


@staff_view()
def api_tokens(request):
    return _page(request)


@staff_view()
@require_POST
def api_token_create(request):
    # The secret is shown in this response and never again: only its hash is stored, so
    # it is rendered here rather than carried through a redirect.
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            token, secret = create_api_token(
                membership=request.membership,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                days=form.cleaned_data["days"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _page(request, created=token, secret=secret)
    return _page(request, form=form, status=400)


@staff_view()
@require_POST
def api_token_revoke(request):
    form = RevokeTokenForm(request.POST)
    token = None
    if form.is_valid():
        token = tokens_of(request.membership).filter(public_id=form.cleaned_data["token"]).first()
    if token is None:
        messages.error(request, _("There is no such token of yours."))
        return redirect("clinic:api-tokens")
    try:
        revoke_api_token(token=token, by=request.membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The token “%(name)s” is revoked: it stopped working at once.")
            % {"name": token.name},
        )
    return redirect("clinic:api-tokens")
