"""The tasks the worker runs (django-tasks; the database backend's worker is `run_worker`)."""

from django_tasks import task

from patternwork.messaging import dispatch


@task()
def send_message_task(message_id: int) -> str:
    return dispatch.send_message(message_id)


@task()
def nightly_task(name: str) -> str:
    """A nightly job registered with `core.nightly` (the retention purge, audit anchors)."""
    from patternwork.core import nightly

    return nightly.run(name)
