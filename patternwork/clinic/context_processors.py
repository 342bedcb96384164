"""Template context for the staff UI."""

from django.utils.functional import SimpleLazyObject

from patternwork.clients.selectors import referrals_for
from patternwork.clinic.forms.referrals import OPEN_STATUSES


def open_referrals(request) -> dict:
    """The number of open referrals for the navigation: one query, only if a page shows it."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}
    return {
        "open_referral_count": SimpleLazyObject(
            lambda: referrals_for(membership).filter(status__in=OPEN_STATUSES).count()
        )
    }
