from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from patternwork.accounts.forms import AuditedSetPasswordForm, StaffPasswordResetForm
from patternwork.clinic.views import auth, home

_reset_done = reverse_lazy("clinic:password-reset-complete")

urlpatterns = [
    # `/` is the public list of practices (portal:directory), which sends staff here.
    path("caseload/", home.home, name="home"),
    path("login/", auth.login_view, name="login"),
    path("login/verify/", auth.otp_verify, name="otp-verify"),
    path("login/setup/", auth.otp_setup, name="otp-setup"),
    path("logout/", auth.logout_view, name="logout"),
    path("invitation/<str:token>/", auth.invitation_accept, name="invitation-accept"),
    path(
        "password/change/",
        auth.staff_password_change,
        name="password-change",
    ),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(
            template_name="clinic/password_reset.html",
            email_template_name="clinic/email/password_reset.txt",
            subject_template_name="clinic/email/password_reset_subject.txt",
            form_class=StaffPasswordResetForm,
            success_url=reverse_lazy("clinic:password-reset-sent"),
        ),
        name="password-reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="clinic/password_reset_sent.html"),
        name="password-reset-sent",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="clinic/password_reset_confirm.html",
            success_url=_reset_done,
            form_class=AuditedSetPasswordForm,
        ),
        name="password-reset-confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="clinic/password_reset_complete.html"
        ),
        name="password-reset-complete",
    ),
]
