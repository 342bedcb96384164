"""Retention and erasure, for admins: the practice's period, a client's date of death, and
an erasure request (refused, with the date it becomes possible, inside the period)."""

from django.apps import apps
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from patternwork.accounts import services as accounts_services
from patternwork.accounts.access import fetch, reader_for
from patternwork.accounts.models import Membership
from patternwork.clients import selectors
from patternwork.clients import services as clients_services
from patternwork.clinic.decorators import staff_view
from patternwork.clinic.forms.retention import DeathForm, ErasureForm, RetentionForm
from patternwork.core.forms import add_service_errors
from patternwork.interop import retention

ADMIN = Membership.Role.ADMIN


@staff_view(ADMIN)
def practice_retention(request):
    practice = request.membership.practice
    form = RetentionForm(request.POST or None, instance=practice)
    if request.method == "POST" and form.is_valid():
        try:
            accounts_services.set_retention(
                practice=practice,
                years_after_contact=form.cleaned_data["retention_years_after_contact"],
                years_after_death=form.cleaned_data["retention_years_after_death"],
                by=request.membership,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Retention period saved."))
            return redirect("clinic:practice-retention")
    status = 400 if form.is_bound else 200
    return render(
        request, "clinic/retention/practice_retention.html", {"form": form}, status=status
    )


def _client(request, public_id):
    return fetch(reader_for(request), selectors.client_rows(), public_id)


def _ends_on(kept) -> str:
    return formats.date_format(kept.ends_on, "j F Y")


@staff_view(ADMIN)
def client_death(request, public_id):
    """Record, correct or remove a client's date of death; shows the purge date it gives."""
    client = _client(request, public_id)
    form = DeathForm(
        request.POST or None,
        initial={"died_on": client.died_on, "source": client.death_source},
    )
    if request.method == "POST" and form.is_valid():
        try:
            stored = clients_services.record_death(
                client=client,
                died_on=form.cleaned_data["died_on"],
                source=form.cleaned_data["source"],
                by=request.membership,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Saved. The record is kept until %(date)s.")
                % {"date": _ends_on(retention.retention(stored))},
            )
            return redirect("clinic:client-death", public_id=client.public_id)
    context = {
        "client": client,
        "form": form,
        "kept": retention.retention(client),
        "recorded_by": client.death_recorded_by.user.full_name
        if client.death_recorded_by_id
        else "",
    }
    status = 400 if form.is_bound else 200
    return render(request, "clinic/retention/client_death.html", context, status=status)


@staff_view(ADMIN)
def client_erasure(request, public_id):
    """What an erasure would delete, and the request: refused (and audited) inside the
    retention period, carried out through each app's eraser after it."""
    client = _client(request, public_id)
    form = ErasureForm(request.POST or None, client=client)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            number = client.client_number
            try:
                retention.request_erasure(
                    client=client, by=request.membership, reason=form.cleaned_data["reason"]
                )
            except retention.ErasureRefused as refused:
                form.add_error(None, str(refused))
                status = 409
            else:
                messages.success(
                    request, _("The record of client %(number)s is erased.") % {"number": number}
                )
                return redirect("clinic:client-list")
    kept = retention.retention(client)
    context = {
        "client": client,
        "form": form,
        "kept": kept,
        "possible": kept.passed(timezone.localdate()),
        "rows": _labelled(retention.preview(client)),
    }
    return render(request, "clinic/retention/client_erasure.html", context, status=status)


def _labelled(counts: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(
        (str(apps.get_model(label)._meta.verbose_name_plural).capitalize(), n)
        for label, n in counts.items()
    )
