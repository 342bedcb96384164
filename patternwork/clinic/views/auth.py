"""Login in two steps (password, then TOTP), logout, invitations and password reset."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from patternwork.accounts import services, tokens, totp
from patternwork.accounts.forms import LoginForm, SetPasswordForm, TokenForm
from patternwork.accounts.middleware import SESSION_STARTED
from patternwork.clinic.decorators import staff_view

UNSETUP_DEVICE_NAME = "Authenticator app"
STAFF_ONLY = _lazy(
    "This login is for practice staff. Clients log in to their portal at /portal/login/."
)


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("clinic:home")


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request):
    next_url = _next_url(request)
    if request.user.is_authenticated and request.user.is_verified():
        return redirect(next_url)
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.authenticate_password(
                request=request,
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
            )
        except services.LoginRefused as refused:
            form.add_error(None, refused.message)
        else:
            if not user.memberships.filter(is_active=True).exists():
                # Clients log in through the portal; this login is for staff only.
                form.add_error(None, STAFF_ONLY)
                return render(request, "clinic/login.html", {"form": form, "next": next_url})
            login(request, user)
            request.session[SESSION_STARTED] = timezone.now().isoformat()
            services.record_login(user=user, step="password")
            if totp.confirmed_device(user) is None:
                return redirect(_with_next("clinic:otp-setup", next_url))
            return redirect(_with_next("clinic:otp-verify", next_url))
    return render(request, "clinic/login.html", {"form": form, "next": next_url})


@login_required
@never_cache
def otp_verify(request):
    next_url = _next_url(request)
    if request.user.is_verified():
        return redirect(next_url)
    device = totp.confirmed_device(request.user)
    if device is None:
        return redirect(_with_next("clinic:otp-setup", next_url))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _details = device.verify_is_allowed()
        if not allowed:
            form.add_error(None, _("Too many wrong codes. Wait a few seconds and try again."))
        elif device.verify_token(form.cleaned_data["token"]):
            _complete_second_factor(request, device, step="otp")
            return redirect(next_url)
        else:
            services.record_otp_failure(user=request.user)
            form.add_error("token", _("That code is not right, or it has already been used."))
    return render(request, "clinic/otp_verify.html", {"form": form, "next": next_url})


@login_required
@never_cache
def otp_setup(request):
    next_url = _next_url(request)
    if totp.confirmed_device(request.user) is not None:
        return redirect(_with_next("clinic:otp-verify", next_url))
    device, _created = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": UNSETUP_DEVICE_NAME}
    )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            _complete_second_factor(request, device, step="otp_enrolled")
            messages.success(request, _("Two-factor authentication is set up."))
            return redirect(next_url)
        services.record_otp_failure(user=request.user)
        form.add_error("token", _("That code is not right. Check the time on your phone."))
    size, path = totp.qr_svg_path(device.config_url)
    return render(
        request,
        "clinic/otp_setup.html",
        {
            "form": form,
            "next": next_url,
            "qr_size": size,
            "qr_path": path,
            "secret": totp.base32_secret(device),
        },
    )


def _complete_second_factor(request, device, *, step: str) -> None:
    otp_login(request, device)
    # A new session id once fully authenticated: a fixated pre-login id is worthless.
    request.session.cycle_key()
    services.record_login(user=request.user, step=step)


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        services.record_logout(user=request.user)
    logout(request)
    messages.info(request, _("You have logged out."))
    return redirect("clinic:login")


@sensitive_post_parameters("password1", "password2")
@never_cache
def invitation_accept(request, token: str):
    try:
        user = tokens.user_for_invitation_token(token)
    except tokens.InvalidToken as invalid:
        return render(
            request, "clinic/invitation_invalid.html", {"reason": str(invalid)}, status=400
        )
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.accept_invitation(user=user, password=form.cleaned_data["password1"])
        messages.success(
            request, _("Your password is set. Log in to set up two-factor authentication.")
        )
        return redirect("clinic:login")
    return render(request, "clinic/invitation_accept.html", {"form": form, "invited": user})


@staff_view()
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
def staff_password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.change_password(user=request.user, password=form.cleaned_data["new_password1"])
        # Keep this session; other sessions of the user end with the old password hash.
        update_session_auth_hash(request, request.user)
        messages.success(request, _("Your password has been changed."))
        return redirect("clinic:home")
    return render(request, "clinic/password_change.html", {"form": form})
