"""Client records: list and search, create, view, edit, assign a therapist, export."""

import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patternwork.accounts.access import fetch, reader_for, record_read
from patternwork.accounts.models import Membership
from patternwork.accounts.selectors import active_clinicians
from patternwork.clients import selectors
from patternwork.clients.models import Client
from patternwork.clinic.decorators import staff_view
from patternwork.clinic.forms.clients import AssignTherapistForm, ClientForm, ClientSearchForm
from patternwork.clinic.views.practice import PAGE_SIZE
from patternwork.core.concurrency import STALE_EDIT_MESSAGE, StaleEdit
from patternwork.core.forms import add_service_errors
from patternwork.interop import retention
from patternwork.interop import services as interop
from patternwork.interop.subject_access import may_export
from patternwork.measures import flag_selectors
from patternwork.treatment.models import Course
from patternwork.treatment.services import intake

Role = Membership.Role


def _shown_flags(request, flags):
    """The open flags whose answers this member may read; showing them is a recorded read."""
    shown = flag_selectors.readable_by(request.membership, flags)
    record_read(reader_for(request), [flag.client for flag in shown], "risk answer")
    return shown


@staff_view()
def client_list(request):
    form = ClientSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    clients = selectors.search_clients(request.membership, filters.get("q", ""))
    if filters.get("status"):
        clients = clients.filter(status=filters["status"])
    page = Paginator(clients, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "clinic/clients/client_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@staff_view(Role.ADMIN, Role.THERAPIST, Role.SUPERVISOR)
def client_new(request):
    """Add a client. Clinicians add to their own caseload; admins choose the therapist."""
    membership = request.membership
    form = ClientForm(request.POST or None)
    assign = None
    if membership.role == Role.ADMIN:
        assign = AssignTherapistForm(
            request.POST or None, therapists=active_clinicians(membership.practice)
        )
    if request.method == "POST" and form.is_valid() and (assign is None or assign.is_valid()):
        therapist = assign.cleaned_data["therapist"] if assign else membership
        try:
            client = intake.create_client(
                practice=membership.practice,
                data=form.cleaned_data,
                therapist=therapist,
                created_by=membership,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Client %(number)s created.") % {"number": client.client_number}
            )
            return redirect("clinic:client-detail", public_id=client.public_id)
    return render(
        request,
        "clinic/clients/client_form.html",
        {"form": form, "assign": assign, "creating": True},
    )


def _detail(request, client, *, assign=None, clashing=(), status=200):
    courses = list(client.courses.select_related("therapist__user").order_by("-created_at"))
    open_course = next((c for c in courses if c.state != Course.State.ENDED), None)
    if assign is None:
        assign = AssignTherapistForm(
            therapists=active_clinicians(request.membership.practice),
            initial={"therapist": client.therapist.public_id if client.therapist else None},
        )
    return render(
        request,
        "clinic/clients/client_detail.html",
        {
            "client": client,
            "courses": courses,
            "open_course": open_course,
            "assign": assign,
            "clashing": clashing,
            "referrals": list(client.referrals.all()),
            "may_export": may_export(request.membership),
            # Admins see how long the record is kept (two queries: the last contact).
            "kept": retention.retention(client) if request.membership.is_admin else None,
        },
        status=status,
    )


@staff_view()
def client_detail(request, public_id):
    client = fetch(reader_for(request), selectors.client_rows(), public_id)
    return _detail(request, client)


@staff_view(Role.ADMIN)
def client_record_export(request, public_id):
    """The client's whole record as one zip for the admin to hand over (subject access)."""
    export = interop.export_record(reader=reader_for(request), client=public_id)
    response = FileResponse(
        io.BytesIO(export.content),
        as_attachment=True,
        filename=export.filename,
        content_type="application/zip",
    )
    response["Cache-Control"] = "no-store"
    return response


@staff_view()
def client_edit(request, public_id):
    client = fetch(reader_for(request), selectors.client_rows(), public_id)
    flags = flag_selectors.open_flags_of(client)
    # The form works on a copy: the service compares against the stored row.
    form = ClientForm(
        request.POST or None,
        instance=Client.objects.get(pk=client.pk),
        initial={"version": client.version},
        open_flags=bool(flags),
    )
    if request.method == "POST" and form.is_valid():
        try:
            intake.update_client(
                client=client,
                data=form.cleaned_data,
                expected_version=form.cleaned_data.get("version") or 0,
                changed_by=request.membership,
                close_override_reason=form.cleaned_data.get("close_override_reason", ""),
            )
        except StaleEdit:
            form.add_error(None, STALE_EDIT_MESSAGE)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("clinic:client-detail", public_id=client.public_id)
    status = (
        409 if form.non_field_errors() and STALE_EDIT_MESSAGE in form.non_field_errors() else 200
    )
    context = {
        "form": form,
        "client": client,
        # Closing the record asks about these: the count for all, the answers in scope.
        "flags": _shown_flags(request, flags),
        "open_flag_count": len(flags),
    }
    return render(request, "clinic/clients/client_form.html", context, status=status)


@staff_view(Role.ADMIN)
@require_POST
def client_assign(request, public_id):
    """Assign a therapist. If the new therapist is busy at any of the client's booked
    times, nothing changes and the page lists those sessions, each linked to its page
    where it can be moved."""
    client = fetch(reader_for(request), selectors.client_rows(), public_id)
    form = AssignTherapistForm(
        request.POST, therapists=active_clinicians(request.membership.practice)
    )
    if not form.is_valid():
        return _detail(request, client, assign=form, status=400)
    try:
        intake.assign_therapist(
            client=client, therapist=form.cleaned_data["therapist"], assigned_by=request.membership
        )
    except intake.ReassignmentClash as clash:
        add_service_errors(form, clash)
        return _detail(request, client, assign=form, clashing=clash.appointments, status=409)
    except ValidationError as error:
        add_service_errors(form, error)
        return _detail(request, client, assign=form, status=400)
    messages.success(request, _("Therapist assigned."))
    return redirect("clinic:client-detail", public_id=client.public_id)
