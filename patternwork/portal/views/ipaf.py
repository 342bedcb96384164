"""The client's view of the IPAF: the versions their therapist shared, in plain words.

The client answers in their own words or marks a version agreed. Another client's
version, or one that was never shared, does not exist for them (an audited 404).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from patternwork.accounts.access import fetch, reader_for, record_read
from patternwork.core.forms import add_service_errors
from patternwork.formulation import ipaf_sharing, selectors
from patternwork.formulation.models import AgreedVia, IpafVersion
from patternwork.portal.decorators import client_view
from patternwork.portal.forms.ipaf import IpafReplyForm

AGREED = _("Thank you. Your therapist will see that you agreed to this version.")
REPLIED = _("Thank you. Your therapist will read your answer before your next session.")


def _version(request, public_id) -> IpafVersion:
    return fetch(reader_for(request), selectors.shared_ipaf_rows(), public_id, reads="IPAF")


@client_view
def ipaf_list(request):
    versions = selectors.shared_ipafs_for(request.client)
    if versions:
        record_read(reader_for(request), [request.client], "IPAF")
    return render(
        request,
        "portal/ipaf/ipaf_list.html",
        {"practice": request.client.practice, "versions": versions},
    )


def _page(request, version, form=None, status=200):
    latest = selectors.latest_shared_number(version) == version.number
    open_course = version.course.is_open
    return render(
        request,
        "portal/ipaf/ipaf_detail.html",
        {
            "practice": request.client.practice,
            "version": version,
            "replies": list(version.replies.order_by("created_at", "id")),
            "can_answer": latest and open_course,
            "is_latest": latest,
            "agreed_here": version.agreed_via == AgreedVia.PORTAL,
            "form": form or IpafReplyForm(),
        },
        status=status,
    )


@client_view
def ipaf_detail(request, public_id):
    return _page(request, _version(request, public_id))


@client_view
@require_POST
def ipaf_agree(request, public_id):
    version = _version(request, public_id)
    try:
        ipaf_sharing.agree_on_portal(version=version, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _page(request, version, status=400)
    messages.success(request, AGREED)
    return redirect("portal:ipaf", public_id=version.public_id)


@client_view
@require_POST
def ipaf_reply(request, public_id):
    version = _version(request, public_id)
    form = IpafReplyForm(request.POST)
    if form.is_valid():
        try:
            ipaf_sharing.reply_on_portal(
                version=version,
                user=request.user,
                fit=form.cleaned_data["fit"],
                body=form.cleaned_data["body"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, REPLIED)
            return redirect("portal:ipaf", public_id=version.public_id)
    return _page(request, version, form=form, status=400)
