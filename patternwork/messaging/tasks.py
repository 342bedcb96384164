"""The tasks the worker runs (django-tasks; the database backend's worker is `run_worker`)."""

from django_tasks import task

from patternwork.messaging import dispatch


@task()
def refresh_change_curves_task(practice_id: int) -> int:
    """Refit one practice's expected-change curves and re-judge its open courses."""
    from patternwork.accounts.models import Practice
    from patternwork.measures.tracking import refresh_curves

    practice = Practice.objects.filter(pk=practice_id).first()
    if practice is None:
        return 0
    return refresh_curves(practices=[practice])[practice.pk]


@task()
def send_message_task(message_id: int) -> str:
    return dispatch.send_message(message_id)


@task()
def nightly_task(name: str) -> str:
    """A nightly job registered with `core.nightly` (the retention purge, audit anchors)."""
    from patternwork.core import nightly

    return nightly.run(name)
