"""Jobs that run once a night on the task worker, registered by the apps that own them.

An app registers a job from its `AppConfig.ready()`; the worker's scheduler tick
(`messaging.dispatch.tick`) calls `claim_due()` and queues each claimed job on the task
queue. A job is claimed once per UTC day through a unique row, so several workers never
run the same night's job twice; a job that fails runs again the next night.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from django.db import IntegrityError, transaction

logger = logging.getLogger("patternwork.nightly")

_jobs: dict[str, Callable[[], object]] = {}


def register(name: str, job: Callable[[], object]) -> None:
    _jobs[name] = job


def names() -> list[str]:
    return sorted(_jobs)


def claim_due(now: datetime) -> list[str]:
    """The jobs not yet claimed today (UTC), claimed now."""
    from patternwork.core.models import NightlyRun

    claimed = []
    for name in names():
        try:
            with transaction.atomic():
                NightlyRun.objects.create(job=name, day=now.date())
        except IntegrityError:
            continue
        claimed.append(name)
    return claimed


def run(name: str) -> str:
    job = _jobs.get(name)
    if job is None:
        logger.warning("nightly job %s is not registered", name)
        return "unknown"
    job()
    return "done"
