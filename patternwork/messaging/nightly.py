"""Nightly work the worker's round queues: refitting the expected-change curves.

Once per practice per local night, from CURVE_HOUR in the practice's zone (the first
scheduler round after it), a task refits the practice's curves from the finished courses
and re-judges its open courses (`measures.tracking.refresh_curves`). The claim is a
`DailyRun` row, so two workers never queue it twice.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import IntegrityError, transaction

from patternwork.accounts.models import Practice
from patternwork.messaging.models import DailyRun
from patternwork.treatment import scheduling

KIND = "change_curves"
CURVE_HOUR = time(2, 0)


def queue_curve_refits(*, now: datetime) -> int:
    """Queue tonight's refit for each practice whose curve hour has come; return how many."""
    from patternwork.messaging.tasks import refresh_change_curves_task

    done = set(
        DailyRun.objects.filter(job=KIND, date__gte=now.date() - timedelta(days=1)).values_list(
            "practice_id", "date"
        )
    )
    queued = 0
    for practice in Practice.objects.all():
        local = now.astimezone(scheduling.zone(practice))
        if local.time() < CURVE_HOUR or (practice.pk, local.date()) in done:
            continue
        try:
            with transaction.atomic():
                DailyRun.objects.create(job=KIND, practice=practice, date=local.date())
        except IntegrityError:
            continue  # queued already tonight (by this worker or another)
        refresh_change_curves_task.enqueue(practice.pk)
        queued += 1
    return queued
