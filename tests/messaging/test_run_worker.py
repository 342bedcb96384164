"""`run_worker` with the real database task backend (django-tasks-db), not the inline one."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from patternwork.messaging.management.commands import run_worker
from patternwork.messaging.models import Message
from patternwork.treatment import services as treatment
from tests.course_fixtures import weekly

pytestmark = pytest.mark.usefixtures("frozen")

NOW = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def database_tasks(settings, monkeypatch):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    # A real worker runs outside any transaction and drops stale connections each round;
    # here the test's transaction holds the connection, and closing it (as PostgreSQL's
    # backend does inside a transaction) would end the test.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    monkeypatch.setattr(run_worker, "close_old_connections", lambda: None)


def test_run_worker_once_sends_due_reminders_through_the_database_queue(
    database_tasks, reminded_course, therapist
):
    treatment.start_course(course=reminded_course, values=weekly(), actor=therapist)
    out = io.StringIO()

    call_command("run_worker", "--once", stdout=out)
    call_command("run_worker", "--once", stdout=out)

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["jo.bloggs@example.test"]
    assert Message.objects.filter(status=Message.Status.SENT).count() == 1
    # The round also queued the night's refit of the expected-change curves (after 02:00).
    assert {
        (result.task_path.rsplit(".", 1)[-1], result.status)
        for result in DBTaskResult.objects.all()
    } == {
        ("send_message_task", "SUCCESSFUL"),
        ("refresh_change_curves_task", "SUCCESSFUL"),
        ("nightly_task", "SUCCESSFUL"),
    }
    assert "Handed 1 message(s) to the task queue." in out.getvalue()
