"""Passkeys for staff: the second login step with a passkey, and the page that lists,
adds and removes them.

Each form posts as any form does; patternwork/passkeys.js only runs the browser's
ceremony (navigator.credentials) and fills in the form's hidden `credential` field. The
options views hand the browser a challenge that waits in the session.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from patternwork.accounts import login, passkeys, totp
from patternwork.clinic.decorators import member_password_stage, staff_view
from patternwork.clinic.forms.passkeys import AddPasskeyForm, PasskeyLoginForm, RemovePasskeyForm
from patternwork.clinic.views.auth import next_url, with_next

NO_PASSKEYS = _("You have no passkey yet.")


def _done(request) -> bool:
    """Whether the second step is complete for this session, passkey rule included."""
    if not request.user.is_verified():
        return False
    return passkeys.verified_with_passkey(request.user) or not passkeys.passkey_required(
        request.membership
    )


def _may_add(request) -> bool:
    """A verified session may add a passkey; so may a login with no second factor at all
    (the first one is set up right after the password, as an authenticator app is)."""
    return request.user.is_verified() or not passkeys.has_second_factor(request.user)


def _json_options(body: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response


@member_password_stage
@never_cache
def passkey_verify(request):
    target = next_url(request)
    if _done(request):
        return redirect(target)
    if not passkeys.has_passkey(request.user):
        if request.user.is_verified():
            # Verified with a code, but the practice requires a passkey: add one now.
            return redirect(with_next("clinic:passkeys", target))
        return redirect(with_next("clinic:otp-verify", target))
    form = PasskeyLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            passkeys.log_in_with_passkey(
                request=request,
                credential=form.cleaned_data["credential"],
                audit=login.staff_audit(request.user),
            )
        except passkeys.PasskeyRefused as refused:
            form.add_error(None, refused.message)
        else:
            return redirect(target)
    context = {
        "form": form,
        "next": target,
        "may_use_app": not passkeys.passkey_required(request.membership)
        and totp.confirmed_device(request.user) is not None,
    }
    return render(
        request, "clinic/passkey_verify.html", context, status=400 if form.errors else 200
    )


@member_password_stage
@require_POST
def passkey_login_options(request):
    if not passkeys.has_passkey(request.user):
        return JsonResponse({"error": NO_PASSKEYS}, status=400)
    return _json_options(
        passkeys.authentication_options(session=request.session, user=request.user)
    )


@member_password_stage
@never_cache
def passkey_list(request):
    target = next_url(request)
    if not _may_add(request):
        return redirect(with_next("clinic:otp-verify", request.get_full_path()))
    return _list_page(request, form=AddPasskeyForm(), target=target)


def _list_page(request, *, form, target, status=200):
    verified = request.user.is_verified()
    context = {
        "form": form,
        "next": target,
        # Someone still logging in (password only, or required to add a passkey) sees
        # the way on, not the list or the rest of the staff pages.
        "logging_in": not _done(request),
        "passkeys": list(passkeys.passkeys_of(request.user)) if verified else [],
        "required": passkeys.passkey_required(request.membership),
        "current": getattr(request.user, "otp_device", None),
    }
    return render(request, "clinic/passkeys.html", context, status=status)


@member_password_stage
@require_POST
def passkey_add_options(request):
    if not _may_add(request):
        return JsonResponse({"error": _("Finish logging in first.")}, status=403)
    return _json_options(passkeys.registration_options(session=request.session, user=request.user))


@member_password_stage
@require_POST
def passkey_add(request):
    target = next_url(request)
    if not _may_add(request):
        return redirect(with_next("clinic:otp-verify", reverse("clinic:passkeys")))
    form = AddPasskeyForm(request.POST)
    if not form.is_valid():
        return _list_page(request, form=form, target=target, status=400)
    audit = login.staff_audit(request.user)
    was_verified, was_done = request.user.is_verified(), _done(request)
    try:
        passkey = passkeys.add_passkey(
            session=request.session,
            user=request.user,
            name=form.cleaned_data["name"],
            credential=form.cleaned_data["credential"],
            audit=audit,
        )
    except passkeys.PasskeyRefused as refused:
        form.add_error(None, refused.message)
        return _list_page(request, form=form, target=target, status=400)
    messages.success(request, _("The passkey “%(name)s” is added.") % {"name": passkey.name})
    if was_done:
        return redirect("clinic:passkeys")
    # The new passkey completes this login: the first second factor, set up right after
    # the password, or the passkey the practice requires of its admins.
    login.complete_second_factor(request, passkey)
    if not was_verified:
        audit.login_step(request.user, "passkey_enrolled")
    return redirect(target)


@staff_view()
@require_POST
def passkey_remove(request):
    form = RemovePasskeyForm(request.POST)
    passkey = None
    if form.is_valid():
        passkey = (
            passkeys.passkeys_of(request.user)
            .filter(public_id=form.cleaned_data["passkey"])
            .first()
        )
    if passkey is None:
        messages.error(request, _("There is no such passkey of yours."))
        return redirect("clinic:passkeys")
    try:
        passkeys.remove_passkey(
            passkey=passkey,
            user=request.user,
            membership=request.membership,
            audit=login.staff_audit(request.user),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The passkey “%(name)s” is removed.") % {"name": passkey.name})
    return redirect("clinic:passkeys")
