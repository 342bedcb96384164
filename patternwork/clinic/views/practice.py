"""Practice settings, staff management and the audit log: admins only."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patternwork.accounts import selectors, services
from patternwork.accounts.access import deny_not_found, reader_for, visible
from patternwork.accounts.models import Membership
from patternwork.audit.selectors import events_for_practice, instance_events
from patternwork.clients.models import Client
from patternwork.clinic.decorators import staff_view
from patternwork.clinic.forms.practice import (
    NO_SUCH_CLIENT,
    AuditFilterForm,
    InviteStaffForm,
    PracticeSettingsForm,
    ProfileForm,
    RoleForm,
    SuperviseesForm,
)
from patternwork.core.forms import add_service_errors
from patternwork.messaging import kinds as message_kinds
from patternwork.messaging import services as messaging_services
from patternwork.messaging.selectors import messages_for_admin
from patternwork.supervision.models import CosignSetting

ADMIN = Membership.Role.ADMIN
PAGE_SIZE = 50


@staff_view(ADMIN)
def practice_settings(request):
    practice = request.membership.practice
    form = PracticeSettingsForm(request.POST or None, instance=practice)
    if request.method == "POST" and form.is_valid():
        try:
            change = messaging_services.update_practice_settings(
                practice=practice, data=form.cleaned_data, changed_by=request.membership
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Settings saved.") if change.changed else _("Nothing changed.")
            )
            return redirect("clinic:practice-settings")
    status = 400 if form.is_bound else 200
    return render(request, "clinic/practice_settings.html", {"form": form}, status=status)


@staff_view()
def profile(request):
    """The clinician's own public profile, shown on the practice's public page if they say so.

    Admins carry no clients and have no profile: they are told so and nothing is saved.
    """
    membership = request.membership
    if membership.role not in Membership.CLINICIAN_ROLES:
        status = 400 if request.method == "POST" else 200
        return render(request, "clinic/profile.html", {"form": None}, status=status)
    form = ProfileForm(request.POST or None, instance=membership)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                change = services.update_profile(
                    membership=membership, data=form.cleaned_data, changed_by=membership
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, _("Profile saved.") if change.changed else _("Nothing changed.")
                )
                return redirect("clinic:profile")
    return render(request, "clinic/profile.html", {"form": form}, status=status)


@staff_view(ADMIN)
def staff_list(request):
    members = selectors.staff_of_practice(request.membership)
    return render(request, "clinic/staff_list.html", {"members": members})


@staff_view(ADMIN)
def staff_invite(request):
    form = InviteStaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.invite_staff(
                practice=request.membership.practice,
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                role=form.cleaned_data["role"],
                invited_by=request.membership,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "%(name)s has been invited. The invitation email holds a link valid for 72 hours."
                )
                % {"name": member.user.full_name},
            )
            return redirect("clinic:staff-detail", public_id=member.public_id)
    return render(request, "clinic/staff_invite.html", {"form": form})


def _member(request, public_id) -> Membership:
    return selectors.get_staff_member(request.membership, public_id, user=request.user)


def _detail_context(request, member, *, role_form=None, supervisees_form=None):
    therapists = selectors.therapists_of_practice(request.membership.practice)
    return {
        "member": member,
        "cosign_setting": CosignSetting.objects.filter(therapist=member).first(),
        "role_form": role_form or RoleForm(initial={"role": member.role}),
        "supervisees_form": supervisees_form
        or SuperviseesForm(
            therapists=therapists, initial={"supervisees": list(member.supervisees.all())}
        ),
    }


@staff_view(ADMIN)
def staff_detail(request, public_id):
    member = _member(request, public_id)
    return render(request, "clinic/staff_detail.html", _detail_context(request, member))


@staff_view(ADMIN)
@require_POST
def staff_role(request, public_id):
    member = _member(request, public_id)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            services.change_role(
                membership=member, role=form.cleaned_data["role"], changed_by=request.membership
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Role changed."))
            return redirect("clinic:staff-detail", public_id=member.public_id)
    context = _detail_context(request, member, role_form=form)
    return render(request, "clinic/staff_detail.html", context, status=400)


@staff_view(ADMIN)
@require_POST
def staff_supervisees(request, public_id):
    member = _member(request, public_id)
    therapists = selectors.therapists_of_practice(request.membership.practice)
    form = SuperviseesForm(request.POST, therapists=therapists)
    if form.is_valid():
        try:
            services.set_supervisees(
                supervisor=member,
                supervisees=form.cleaned_data["supervisees"],
                changed_by=request.membership,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Supervisees saved."))
            return redirect("clinic:staff-detail", public_id=member.public_id)
    context = _detail_context(request, member, supervisees_form=form)
    return render(request, "clinic/staff_detail.html", context, status=400)


@staff_view(ADMIN)
@require_POST
def staff_deactivate(request, public_id):
    member = _member(request, public_id)
    try:
        services.deactivate_member(membership=member, deactivated_by=request.membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("%(name)s is deactivated and logged out.") % {"name": member.user.full_name}
        )
    return redirect("clinic:staff-detail", public_id=member.public_id)


@staff_view(ADMIN)
@require_POST
def staff_reactivate(request, public_id):
    member = _member(request, public_id)
    services.reactivate_member(membership=member, reactivated_by=request.membership)
    messages.success(request, _("%(name)s is active again.") % {"name": member.user.full_name})
    return redirect("clinic:staff-detail", public_id=member.public_id)


@staff_view(ADMIN)
def audit_log(request):
    form = AuditFilterForm(request.GET or None)
    filters = dict(form.cleaned_data) if form.is_valid() else {}
    if filters.get("client"):
        client = (
            visible(reader_for(request), Client)
            .filter(client_number__iexact=filters["client"].strip())
            .first()
        )
        if client is None:
            form.add_error("client", NO_SUCH_CLIENT)
            filters = {}
        else:
            filters["client_record"] = client
    events = events_for_practice(request.membership, filters=filters)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "clinic/audit_log.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@staff_view()
def instance_audit(request):
    """Events of no practice, for the instance's operator only (others: audited 404)."""
    if not request.user.is_operator:
        raise deny_not_found(
            user=request.user,
            membership=request.membership,
            object_type="page",
            object_id=request.path[:64],
        )
    page = Paginator(instance_events(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "clinic/instance_audit.html", {"page": page})


@staff_view(ADMIN)
def message_log(request):
    """The outbox of the admin's practice: what went out by itself, and what failed."""
    page = Paginator(messages_for_admin(request.membership), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for message in page:
        message.kind_label = message_kinds.label(message.kind)
    return render(request, "clinic/message_log.html", {"page": page})
