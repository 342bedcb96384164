"""Referral triage: the practice's admins, and its clinicians where it makes them triage.

Everyone on the staff sees the referrals of clients they may see once accepted
(`accounts.access`); only triage sees, enters and decides the unassigned ones.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patternwork.accounts.access import fetch, reader_for, record_scope, require_triage
from patternwork.clients import services
from patternwork.clients.models import Referral
from patternwork.clients.selectors import referral_rows, referral_status_counts, referrals_for
from patternwork.clinic.decorators import staff_view
from patternwork.clinic.forms.referrals import (
    DECIDED_STATUSES,
    OPEN,
    OPEN_STATUSES,
    AcceptForm,
    DeclineForm,
    ReferralFilterForm,
    ReferralForm,
    open_total,
)
from patternwork.core.forms import add_service_errors
from patternwork.treatment.services import intake

PAGE_SIZE = 50


def _status_counts(membership) -> dict[str, int]:
    counts = referral_status_counts(membership)
    counts[OPEN] = open_total(counts)
    return counts


def _filtered(membership, status: str):
    # The list shows the client's number, never who decided: no join to the decider's user.
    referrals = referrals_for(membership).select_related(None).select_related("client")
    if status == OPEN:
        return referrals.filter(status__in=OPEN_STATUSES).order_by("received_at", "pk")
    referrals = referrals.filter(status=status)
    if status in DECIDED_STATUSES:
        return referrals.order_by("-decided_at", "-pk")
    return referrals.order_by("received_at", "pk")


@staff_view()
def referral_list(request):
    form = ReferralFilterForm(request.GET)
    status = form.cleaned_data["status"] if form.is_valid() else OPEN
    counts = _status_counts(request.membership)
    # An empty tab (the usual case for most of them) skips the row query altogether: even
    # a LIMIT 0 slice is compiled with all its joins before Django sees it is empty.
    rows = _filtered(request.membership, status) if counts[status] else []
    paginator = Paginator(rows, PAGE_SIZE)
    paginator.count = counts[status]  # known from the counts above: no second COUNT query
    page = paginator.get_page(request.GET.get("page"))
    tabs = [(value, label, counts[value]) for value, label in form.fields["status"].choices]
    context = {
        "form": form,
        "status": status,
        "tabs": tabs,
        "page": page,
        # Also feeds the navigation's count, saving the context processor's query here.
        "open_referral_count": counts[OPEN],
    }
    return render(
        request,
        "clinic/referrals/referral_list.html",
        context,
        status=200 if form.is_valid() else 400,
    )


@staff_view()
def referral_create(request):
    require_triage(request)
    form = ReferralForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            referral = services.create_referral(
                practice=request.membership.practice,
                data=form.referral_data(),
                created_by=request.membership,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Referral saved. It is now in the triage list as new."))
            return redirect("clinic:referral-detail", public_id=referral.public_id)
    return render(
        request,
        "clinic/referrals/referral_create.html",
        {"form": form},
        status=400 if form.is_bound else 200,
    )


def _referral(request, public_id) -> Referral:
    return fetch(reader_for(request), referral_rows(), public_id)


def _detail(request, referral, *, status=200, decline_form=None, accept_form=None):
    context = {"referral": referral, "is_open": referral.status in OPEN_STATUSES}
    if context["is_open"]:
        context["decline_form"] = decline_form or DeclineForm()
        context["accept_form"] = accept_form or AcceptForm(
            referral=referral,
            initial={"therapist": request.membership if not request.membership.is_admin else None},
        )
    return render(request, "clinic/referrals/referral_detail.html", context, status=status)


def _already_decided(request, referral):
    """Refuse an action on an accepted or declined referral with a message, not a form."""
    messages.error(
        request,
        services.REFERRAL_ALREADY_DECIDED.format(status=referral.get_status_display().lower()),
    )
    return redirect("clinic:referral-detail", public_id=referral.public_id)


@staff_view()
def referral_detail(request, public_id):
    return _detail(request, _referral(request, public_id))


@staff_view()
@require_POST
def referral_contacted(request, public_id):
    referral = _referral(request, public_id)
    try:
        services.mark_referral_contacted(referral=referral, by=request.membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Marked as contacted today."))
    return redirect("clinic:referral-detail", public_id=referral.public_id)


@staff_view()
@require_POST
def referral_decline(request, public_id):
    referral = _referral(request, public_id)
    if referral.status in DECIDED_STATUSES:
        return _already_decided(request, referral)
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            services.decline_referral(
                referral=referral, reason=form.cleaned_data["reason"], by=request.membership
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                # Decided by someone else a moment ago: show them the outcome.
                messages.error(request, " ".join(error.messages))
                return redirect("clinic:referral-detail", public_id=referral.public_id)
            add_service_errors(form, error)
        else:
            messages.success(request, _("Referral declined."))
            return redirect("clinic:referral-detail", public_id=referral.public_id)
    return _detail(request, referral, status=400, decline_form=form)


def _after_accepting(request, referral, client) -> str:
    """The new client's page when the acceptor may see it, else back to the referral.

    Accepting for a colleague makes the client the colleague's: a therapist who is not
    in scope would only meet a 404 there.
    """
    scope = record_scope(request.membership)
    if scope is None or client.therapist_id in scope:
        return reverse("clinic:client-detail", kwargs={"public_id": client.public_id})
    return reverse("clinic:referral-detail", kwargs={"public_id": referral.public_id})


@staff_view()
@require_POST
def referral_accept(request, public_id):
    referral = _referral(request, public_id)
    if referral.status in DECIDED_STATUSES:
        return _already_decided(request, referral)
    form = AcceptForm(request.POST, referral=referral)
    if form.is_valid():
        try:
            client = intake.accept_referral(
                referral=referral,
                therapist=form.cleaned_data["therapist"],
                client_data=form.client_data(),
                by=request.membership,
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                messages.error(request, " ".join(error.messages))
                return redirect("clinic:referral-detail", public_id=referral.public_id)
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Referral accepted: %(name)s is client %(number)s, assigned to %(therapist)s.")
                % {
                    "name": client.full_name,
                    "number": client.client_number,
                    "therapist": form.cleaned_data["therapist"].user.full_name,
                },
            )
            return redirect(_after_accepting(request, referral, client))
    return _detail(request, referral, status=400, accept_form=form)
