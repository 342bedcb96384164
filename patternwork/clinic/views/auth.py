"""Login in two steps (password, then a code or a passkey), logout, invitations and
password reset."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from patternwork.accounts import login, passkeys, services, tokens, totp
from patternwork.accounts.forms import LoginForm, SetPasswordForm, TokenForm
from patternwork.accounts.models import Membership
from patternwork.clinic.decorators import member_password_stage, staff_view
from patternwork.core.http import safe_next

STAFF_ONLY = _lazy(
    "This login is for practice staff. Clients log in to their portal at /portal/login/."
)


def next_url(request) -> str:
    return safe_next(request, reverse("clinic:home"))


def with_next(url_name: str, target: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': target})}"


# The page of each second step that accounts.passkeys.second_step names.
SECOND_STEP_PAGES = {
    passkeys.PASSKEY: "clinic:passkey-verify",
    passkeys.APP: "clinic:otp-verify",
    passkeys.ADD_PASSKEY: "clinic:passkeys",
    passkeys.ADD_APP: "clinic:otp-setup",
}


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request):
    target = next_url(request)
    if request.user.is_authenticated and request.user.is_verified():
        return redirect(target)
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = login.authenticate_password(
                request=request,
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
            )
        except login.LoginRefused as refused:
            form.add_error(None, refused.message)
        else:
            if not user.memberships.filter(is_active=True).exists():
                # Clients log in through the portal; this login is for staff only.
                form.add_error(None, STAFF_ONLY)
                return render(request, "clinic/login.html", {"form": form, "next": target})
            login.start_session(request, user, audit=login.staff_audit(user))
            # The membership the session will work under (MembershipMiddleware's choice).
            membership = (
                Membership.objects.filter(user=user, is_active=True)
                .select_related("practice")
                .order_by("pk")
                .first()
            )
            step = passkeys.second_step(user, membership)
            return redirect(with_next(SECOND_STEP_PAGES[step], target))
    return render(request, "clinic/login.html", {"form": form, "next": target})


@member_password_stage
@never_cache
def otp_verify(request):
    target = next_url(request)
    if request.user.is_verified():
        return redirect(target)
    device = totp.confirmed_device(request.user)
    if device is None:
        return redirect(with_next("clinic:otp-setup", target))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            login.verify_second_factor(
                request=request,
                device=device,
                token=form.cleaned_data["token"],
                audit=login.staff_audit(request.user),
            )
        except login.LoginRefused as refused:
            form.add_error(None if refused.throttled else "token", refused.message)
        else:
            return redirect(target)
    return render(request, "clinic/otp_verify.html", {"form": form, "next": target})


@member_password_stage
@never_cache
def otp_setup(request):
    target = next_url(request)
    if totp.confirmed_device(request.user) is not None:
        return redirect(with_next("clinic:otp-verify", target))
    if not request.user.is_verified() and passkeys.has_passkey(request.user):
        # Someone with only a password never sets up a new second factor over an existing
        # one: they log in with the passkey first.
        return redirect(with_next("clinic:passkey-verify", target))
    key = login.setup_key(request.session)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        audit = login.staff_audit(request.user)
        device = login.enable_second_factor(
            user=request.user, key=key, token=form.cleaned_data["token"], audit=audit
        )
        if device is not None:
            login.complete_second_factor(request, device)
            audit.login_step(request.user, "otp_enrolled")
            messages.success(request, _("Two-factor authentication is set up."))
            return redirect(target)
        audit.otp_failed(request.user)
        form.add_error("token", login.WRONG_SETUP_CODE)
    picture = totp.setup_picture(login.setup_device(request.user, key))
    return render(
        request,
        "clinic/otp_setup.html",
        {"form": form, "next": target, **picture},
    )


@require_POST
def logout_view(request):
    user = request.user
    login.end_session(request, audit=login.staff_audit(user) if user.is_authenticated else None)
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
        services.change_password(
            user=request.user,
            password=form.cleaned_data["new_password1"],
            practice=request.membership.practice,
        )
        # Keep this session; other sessions of the user end with the old password hash.
        update_session_auth_hash(request, request.user)
        messages.success(request, _("Your password has been changed."))
        return redirect("clinic:home")
    return render(request, "clinic/password_change.html", {"form": form})
