"""Public pages: the self-referral form of each practice and its thank-you page."""

import logging

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from patternwork.accounts.models import Practice
from patternwork.clients import services
from patternwork.core.middleware import client_address
from patternwork.portal.forms.referrals import SelfReferralForm, issue_form_token

logger = logging.getLogger(__name__)


def _practice(slug: str) -> Practice:
    return get_object_or_404(Practice, slug=slug)


def self_referral(request, practice_slug):
    practice = _practice(practice_slug)
    if not practice.taking_referrals:
        # Nothing is read or stored while the practice is closed to referrals; a form
        # sent from a page opened before it closed gets the same explanation.
        status = 409 if request.method == "POST" else 200
        return render(
            request, "portal/self_referral_closed.html", {"practice": practice}, status=status
        )
    now = timezone.now()
    form = SelfReferralForm(
        request.POST if request.method == "POST" else None, practice=practice, now=now
    )
    status = 200
    if form.is_bound:
        if form.honeypot_filled():
            # Pretend success so a bot learns nothing; nothing is stored or counted.
            logger.info("Self-referral honeypot filled for practice %s; discarded.", practice.slug)
            return redirect("portal:self-referral-sent", practice_slug=practice.slug)
        status = 400
        if form.is_valid():
            try:
                # The guard counts this attempt towards the address's hourly limit.
                services.check_submission_rate(client_address(request))
            except ValidationError as error:
                form.add_error(None, error)
                status = 429
            else:
                services.submit_self_referral(practice=practice, data=form.referral_data())
                return redirect("portal:self-referral-sent", practice_slug=practice.slug)
    context = {
        "practice": practice,
        "form": form,
        # A fresh token on every showing: a refused form sent again is timed afresh.
        "form_token": issue_form_token(practice, now),
    }
    return render(request, "portal/self_referral.html", context, status=status)


def self_referral_sent(request, practice_slug):
    return render(request, "portal/self_referral_sent.html", {"practice": _practice(practice_slug)})
