"""Template context for the staff UI."""

from django.utils.functional import SimpleLazyObject

from patternwork.accounts.models import Membership
from patternwork.clients.selectors import referral_status_counts
from patternwork.clinic.forms.referrals import open_total


def open_referral_count(membership: Membership) -> int:
    """`referrals_for(membership).filter(status__in=OPEN_STATUSES).count()`, from the
    prepared counts by status (one query whose SQL is made once per process)."""
    return open_total(referral_status_counts(membership))


def open_referrals(request) -> dict:
    """The number of open referrals for the navigation: one query, only if a page shows it."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}
    return {"open_referral_count": SimpleLazyObject(lambda: open_referral_count(membership))}
