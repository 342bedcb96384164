from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from patternwork.accounts import password_reset, services
from patternwork.core.links import absolute_url


class LoginForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=_("Six-digit code from your authenticator app"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("Enter the six digits your app shows.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "size": 8,
            }
        ),
    )

    def clean_token(self) -> str:
        return self.cleaned_data["token"].strip()


class SetPasswordForm(forms.Form):
    password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters. A long phrase is easiest to remember."),
    )
    password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords do not match."))
        elif first:
            try:
                password_validation.validate_password(first, self.user)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class AuditedSetPasswordForm(auth_forms.SetPasswordForm):
    """Password reset's final step, saved through the audited service."""

    def save(self, commit=True):
        services.change_password(user=self.user, password=self.cleaned_data["new_password1"])
        return self.user


class StaffPasswordResetForm(auth_forms.PasswordResetForm):
    """Password reset's request, for staff logins only (the portal has its own).

    The emailed link starts with PATTERNWORK_BASE_URL: Django builds it from the
    request's Host header by default, which a forged request could point at another
    site to collect the reset token. Requests are rate-limited per account and per
    address (accounts.password_reset); a refused one looks the same to the asker and
    sends nothing.
    """

    confirm_url_name = "clinic:password-reset-confirm"
    audit_prefix = "auth"

    def may_reset(self, user) -> bool:
        return user.memberships.filter(is_active=True).exists()

    def get_users(self, email):
        return (user for user in super().get_users(email) if self.may_reset(user))

    def save(self, **kwargs):
        if not password_reset.allow_request(
            email=self.cleaned_data["email"], audit_prefix=self.audit_prefix
        ):
            return
        base = urlsplit(settings.PATTERNWORK_BASE_URL)
        kwargs.update(domain_override=base.netloc, use_https=base.scheme == "https")
        return super().save(**kwargs)

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        path = reverse(
            self.confirm_url_name,
            kwargs={"uidb64": context["uid"], "token": context["token"]},
        )
        context = {**context, "reset_url": absolute_url(path)}
        super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)
