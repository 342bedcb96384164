"""The background worker: a scheduler tick, then the task queue, round and round.

Each round recovers stalled sends, queues the day's risk-flag digests, hands every due
message to the task queue (`messaging.dispatch.tick`), and then runs the queued tasks with
django-tasks-db's worker until the queue is empty. Several of these may run side by side on
PostgreSQL: the hand-over and the send claim are conditional UPDATEs, and the task queue is
read with SELECT ... FOR UPDATE SKIP LOCKED.
"""

import logging
import os
import signal
import socket
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends

from patternwork.messaging import dispatch


class Command(BaseCommand):
    help = "Send the messages that go out by themselves (reminders, digests), until stopped."

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval",
            type=float,
            default=10.0,
            help="Seconds between rounds when there is nothing to do (default 10).",
        )
        parser.add_argument(
            "--once", action="store_true", help="Run one round and stop (for cron or a test)."
        )

    def handle(self, *, interval: float, once: bool, verbosity: int, **options):
        self.running = True
        if not once:
            signal.signal(signal.SIGTERM, self._stop)
            signal.signal(signal.SIGINT, self._stop)
        if verbosity < 2:
            # django-tasks-db logs every empty round of its batch worker; keep the task lines.
            logging.getLogger("django_tasks_db").setLevel(logging.WARNING)
        worker = self._task_worker()
        if verbosity:
            self.stdout.write(f"Worker started; a round every {interval:g} s.")
        while self.running:
            close_old_connections()
            handed = dispatch.tick()
            if worker is not None and self.running:
                worker.run()
            if verbosity > 1 or (verbosity and handed):
                self.stdout.write(f"Handed {handed} message(s) to the task queue.")
            if once:
                break
            self._sleep(interval)

    def _stop(self, signum, frame):
        # Finish the round in hand (a send is never cut off half-way), then leave.
        self.running = False

    def _sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while self.running and time.monotonic() < end:
            time.sleep(min(0.5, end - time.monotonic()))

    def _task_worker(self):
        """django-tasks-db's worker in batch mode, or None where tasks run inline."""
        backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
        if type(backend).__module__.split(".")[0] != "django_tasks_db":
            return None
        from django_tasks_db.management.commands.db_worker import Worker

        return Worker(
            queue_names=list(backend.queues) or ["default"],
            interval=0,
            batch=True,
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=False,
            max_tasks=None,
            worker_id=f"{socket.gethostname()[:40]}-{os.getpid()}",
            excluded_queue_names=[],
        )
