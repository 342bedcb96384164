"""The public pages: the practices of this instance at `/`, and each practice's page.

Anyone may read them. They show only a practice's public fields and the profiles its
clinicians chose to publish, and one figure computed from records: the estimated wait,
a range in weeks that names no count of people or courses.
"""

from zoneinfo import ZoneInfo

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from patternwork.accounts import selectors
from patternwork.reports.selectors import recent_waits
from patternwork.reports.wait_estimate import MIN_WAITS, WINDOW_DAYS, estimate_wait


def directory(request):
    """`/`: staff go on to their caseload as before; everyone else sees the practices."""
    if request.user.is_authenticated and request.membership is not None:
        return redirect("clinic:home")
    return render(request, "portal/directory.html", {"practices": selectors.public_practices()})


def practice_page(request, practice_slug):
    practice = selectors.get_public_practice(practice_slug)
    if practice is None:
        raise Http404
    today = timezone.now().astimezone(ZoneInfo(practice.time_zone)).date()
    context = {
        "practice": practice,
        "profiles": selectors.public_profiles(practice),
        "wait": estimate_wait(recent_waits(practice, today=today, days=WINDOW_DAYS)),
        "window_days": WINDOW_DAYS,
        "min_waits": MIN_WAITS,
    }
    return render(request, "portal/practice_page.html", context)
