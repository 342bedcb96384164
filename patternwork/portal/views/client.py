"""The client's portal: logging in (second factor optional), home, calendar, questionnaires.

Every page extends portal/client/base.html, which shows the practice's crisis information
(from `practice` in the context, else the logged-in client's practice, else the UK
default) and says that the portal is not watched around the clock.
"""

from datetime import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from patternwork.accounts import login
from patternwork.accounts.access import PreparedVisible, fetch, reader_for
from patternwork.accounts.models import DEFAULT_CRISIS_INFORMATION, Practice, User
from patternwork.accounts.totp import confirmed_device, setup_picture
from patternwork.clients import logins
from patternwork.clients.models import Client
from patternwork.core.http import ics_response, safe_next
from patternwork.letters.models import DecisionLetter
from patternwork.measures import presession as questionnaires
from patternwork.measures import services as measure_services
from patternwork.portal import home_lists
from patternwork.portal.decorators import client_for, client_view
from patternwork.portal.forms.client import LoginForm, QuestionnaireForm, SetPasswordForm, TokenForm
from patternwork.treatment import selectors as treatment_selectors
from patternwork.treatment import waiting_selectors
from patternwork.treatment.calendar.events import (
    client_calendar_filename,
    render_client_calendar,
)

NOT_A_CLIENT = gettext_lazy(
    "This login is for the clients of a practice. Staff log in on the staff login page."
)
RECORD_CLOSED = gettext_lazy(
    "Your portal access has ended because your record at the practice is closed. Contact "
    "the practice if you need anything."
)


def _next_url(request) -> str:
    return safe_next(request, reverse("portal:home"))


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


def _named_practice(request) -> Practice | None:
    """The practice a login link names (?practice=slug), for its name and crisis lines."""
    slug = request.GET.get("practice", "")[:60]
    return Practice.objects.filter(slug=slug).first() if slug else None


def _login_url(practice: Practice | None) -> str:
    url = reverse("portal:login")
    return f"{url}?{urlencode({'practice': practice.slug})}" if practice else url


def _fully_logged_in(request) -> bool:
    user = request.user
    if not user.is_authenticated or client_for(user) is None:
        return False
    return user.is_verified() or confirmed_device(user) is None


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request):
    next_url = _next_url(request)
    if _fully_logged_in(request):
        return redirect(next_url)
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                user = login.authenticate_password(
                    request=request,
                    email=form.cleaned_data["email"],
                    password=form.cleaned_data["password"],
                )
            except login.LoginRefused as refused:
                form.add_error(None, refused.message)
                status = 429 if refused.throttled else 400
            else:
                client = client_for(user)
                if client is None:
                    closed = Client.objects.filter(user=user).exists()
                    form.add_error(None, RECORD_CLOSED if closed else NOT_A_CLIENT)
                else:
                    login.start_session(request, user, audit=logins.portal_audit(client))
                    if confirmed_device(user) is not None:
                        return redirect(_with_next("portal:otp-verify", next_url))
                    return redirect(next_url)
    context = {
        "form": form,
        "next": next_url,
        "practice": _named_practice(request),
        "default_crisis_information": DEFAULT_CRISIS_INFORMATION,
    }
    return render(request, "portal/client/login.html", context, status=status)


@require_POST
def logout_view(request):
    client = client_for(request.user) if request.user.is_authenticated else None
    practice = client.practice if client is not None else None
    login.end_session(request, audit=logins.portal_audit(client) if client is not None else None)
    messages.info(request, _("You have logged out."))
    return redirect(_login_url(practice))


@never_cache
def otp_verify(request):
    """The second step, for a client who set up an authenticator app."""
    next_url = _next_url(request)
    if not request.user.is_authenticated:
        return redirect(_with_next("portal:login", next_url))
    client = client_for(request.user)
    if client is None:
        raise Http404("Not found.")
    device = confirmed_device(request.user)
    if request.user.is_verified() or device is None:
        return redirect(next_url)
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                login.verify_second_factor(
                    request=request,
                    device=device,
                    token=form.cleaned_data["token"],
                    audit=logins.portal_audit(client),
                )
            except login.LoginRefused as refused:
                form.add_error(None if refused.throttled else "token", refused.message)
                status = 429 if refused.throttled else 400
            else:
                return redirect(next_url)
    context = {"form": form, "next": next_url, "practice": client.practice}
    return render(request, "portal/client/otp_verify.html", context, status=status)


@client_view
@never_cache
def otp_setup(request):
    """Optional: add a code from an authenticator app to every login from now on."""
    if confirmed_device(request.user) is not None:
        messages.info(request, _("Your login already asks for a code from your app."))
        return redirect("portal:home")
    key = login.setup_key(request.session)
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            device = logins.enable_second_factor(
                client=request.client, key=key, token=form.cleaned_data["token"]
            )
            if device is not None:
                login.complete_second_factor(request, device)
                messages.success(
                    request,
                    _("Done: from now on, logging in also asks for a code from your app."),
                )
                return redirect("portal:home")
            form.add_error("token", login.WRONG_SETUP_CODE)
    context = {
        "form": form,
        "practice": request.client.practice,
        **setup_picture(login.setup_device(request.user, key)),
    }
    return render(request, "portal/client/otp_setup.html", context, status=status)


@sensitive_post_parameters("password1", "password2")
@never_cache
def invitation(request, token: str):
    try:
        client = logins.client_for_invitation_token(token)
    except logins.InvalidInvitation as invalid:
        return _invitation_refused(request, invalid)
    # An unsaved login, so the password checks can compare against the name and address.
    form = SetPasswordForm(
        User(email=client.email, full_name=client.full_name), request.POST or None
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                logins.accept_client_invitation(
                    token=token, password=form.cleaned_data["password1"]
                )
            except logins.InvalidInvitation as invalid:
                return _invitation_refused(request, invalid)
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                messages.success(
                    request, _("Your password is set. Log in with your email address and it.")
                )
                return redirect(_login_url(client.practice))
    context = {"form": form, "client": client, "practice": client.practice}
    return render(request, "portal/client/invitation_accept.html", context, status=status)


def _invitation_refused(request, invalid: logins.InvalidInvitation):
    context = {
        "reason": invalid.reason,
        "practice": invalid.practice,
        "login_url": _login_url(invalid.practice),
        "default_crisis_information": DEFAULT_CRISIS_INFORMATION,
    }
    return render(request, "portal/client/invitation_invalid.html", context, status=400)


# The home page's reads, each compiled once (`accounts.access.PreparedVisible`) and run
# with the client's id and the time: the same statements for every client.
_NEXT_SHEET = PreparedVisible(lambda since: questionnaires.next_sheet_rows(since)[:1], datetime)
_OPEN_OFFER = PreparedVisible(lambda at: waiting_selectors.open_offer_rows(at)[:1], datetime)
# Only what the list shows, as values: not the course (with its encrypted notes) nor the
# therapist's whole user row, and no model instances.
_UPCOMING = PreparedVisible(
    lambda at: treatment_selectors.upcoming_rows(at).values_list(*home_lists.COLUMNS),
    datetime,
)
# The links only: a letter's body is not decrypted to list it.
_DECISION_LETTERS = PreparedVisible(
    lambda: (
        DecisionLetter.objects.filter(state=DecisionLetter.State.SHARED)
        .order_by("-shared_at")
        .values_list("public_id", "shared_at")
    )
)


@client_view
def home(request):
    client = request.client
    now = timezone.now()
    reader = reader_for(request)
    appointment = _NEXT_SHEET.rows(reader, now - questionnaires.WINDOW_AFTER)
    offer = _OPEN_OFFER.rows(reader, now)
    sheet = questionnaires.sheet_for(appointment[0], now) if appointment else None
    appointments = [home_lists.UpcomingAppointment(*row) for row in _UPCOMING(reader, now)]
    context = {
        "client": client,
        "practice": client.practice,
        "appointments": appointments,
        # The list written once (the template's markup), not by a loop of blocktranslates.
        "appointment_list": home_lists.appointment_list(appointments),
        # Its session position came with it: no second read for the questionnaires due.
        "sheet": sheet,
        "due_list": home_lists.due_list(sheet.due) if sheet else "",
        "offer": offer[0] if offer else None,
        # The links only: a letter's body is not decrypted to list it.
        "decision_letters": [
            {"public_id": public_id, "shared_at": shared_at}
            for public_id, shared_at in _DECISION_LETTERS(reader)
        ],
        # The guard lets a client with an app through only once verified with it.
        "has_second_factor": request.user.is_verified(),
    }
    return render(request, "portal/client/home.html", context)


@client_view
def calendar(request):
    """The client's own appointments as an .ics file (cancelled ones marked as such)."""
    client = request.client
    body = render_client_calendar(
        appointments=treatment_selectors.client_appointments(client),
        practice=client.practice,
        now=timezone.now(),
    )
    return ics_response(body, filename=client_calendar_filename(client.practice, client))


@client_view
def questionnaire(request, public_id):
    client = request.client
    appointment = fetch(reader_for(request), treatment_selectors.appointment_rows(), public_id)
    sheet = questionnaires.sheet_for(appointment, timezone.now())
    context = {"client": client, "practice": client.practice, "sheet": sheet}
    if not sheet.is_open:
        status = 400 if request.method == "POST" else 200
        return render(request, "portal/client/questionnaire_closed.html", context, status=status)
    if sheet.all_sent:
        return redirect("portal:questionnaire-done", public_id=appointment.public_id)
    form = QuestionnaireForm(
        request.POST or None,
        instruments=[q.instrument for q in sheet.to_fill],
        initial=QuestionnaireForm.initial_from(q.response for q in sheet.to_fill if q.response),
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                questionnaires.save_portal_responses(
                    client=client,
                    appointment=appointment,
                    answers=form.answers(),
                    submit=request.POST.get("action") == "submit",
                )
            except measure_services.IncompleteSubmission as incomplete:
                form.add_missing(incomplete.missing)
                form.add_error(None, _("Some questions have no answer yet: they are marked below."))
            except ValidationError as error:
                if getattr(error, "code", None) == "sent":
                    return redirect("portal:questionnaire-done", public_id=appointment.public_id)
                form.add_error(None, error.messages)
            else:
                return redirect("portal:questionnaire-done", public_id=appointment.public_id)
    context["form"] = form
    return render(request, "portal/client/questionnaire.html", context, status=status)


@client_view
def questionnaire_done(request, public_id):
    """After saving or sending: thanks, and the crisis information first if it is needed."""
    client = request.client
    appointment = fetch(reader_for(request), treatment_selectors.appointment_rows(), public_id)
    sheet = questionnaires.sheet_for(appointment, timezone.now())
    if all(q.response is None for q in sheet.due):
        return redirect("portal:questionnaire", public_id=appointment.public_id)
    context = {"client": client, "practice": client.practice, "sheet": sheet}
    return render(request, "portal/client/questionnaire_done.html", context)
