"""The portal's password reset, apart from the staff one: a client's link opens the portal."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from patternwork.accounts.forms import AuditedSetPasswordForm
from patternwork.portal.forms.password_reset import PortalPasswordResetForm

urlpatterns = [
    path(
        "portal/password/reset/",
        auth_views.PasswordResetView.as_view(
            template_name="portal/client/password_reset.html",
            email_template_name="portal/client/email/password_reset.txt",
            subject_template_name="portal/client/email/password_reset_subject.txt",
            form_class=PortalPasswordResetForm,
            success_url=reverse_lazy("portal:password-reset-sent"),
        ),
        name="password-reset",
    ),
    path(
        "portal/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="portal/client/password_reset_sent.html"
        ),
        name="password-reset-sent",
    ),
    path(
        "portal/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="portal/client/password_reset_confirm.html",
            success_url=reverse_lazy("portal:password-reset-complete"),
            form_class=AuditedSetPasswordForm,
        ),
        name="password-reset-confirm",
    ),
    path(
        "portal/password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="portal/client/password_reset_complete.html"
        ),
        name="password-reset-complete",
    ),
]
