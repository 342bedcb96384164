"""The cost of recording one attended session with its PHQ-9 and GAD-7, through the services.

    bench/run.py write [--writes 60] [--profile] [--sql]

A fresh SQLite file, configured as served (WAL, `synchronous=FULL`, so each commit is
synced), holds the demo practice and a few more clients whose courses started weeks ago,
so their past appointments are still booked. Each write is what a therapist does after a
session: mark the appointment attended and record the two questionnaires. Timed two ways
on alternate appointments, in one process:

- `separately`: `treatment.services.mark_attended`, then `measures.services.record_responses`
  (two transactions, the outcome summary refreshed by each);
- `together`: `measures.services.record_attended_session` (one transaction, the summary
  refreshed once at its end).

Reported per write: median and 90th percentile time, CPU time, the time in the commit
(its fsync), SQL statements, commits and outcome summary writes; and, as the floor under
any write on that disk, SQLite alone inserting and committing one row in a file beside
it. `--profile` prints cProfile's view of the timed `together` writes (sorted by internal
time, then cumulative); `--sql` prints the statements of the last one.
"""

from __future__ import annotations

import cProfile
import datetime as dt
import io
import os
import pstats
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

TARGET_MS = 4.0
CLIENTS = 8


def setup(directory: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{directory / 'write.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "patternwork.settings_test")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def world(clients: int):
    """The demo practice, plus clients whose courses began 20 weeks ago, nothing recorded."""
    from django.utils import timezone

    from patternwork.accounts.models import Membership
    from patternwork.clients import services as client_services
    from patternwork.demo import seed
    from patternwork.treatment import scheduling, services
    from patternwork.treatment.models import Appointment
    from patternwork.treatment.services import intake
    from patternwork.treatment.services.courses import PlanValues

    seed.seed()
    therapist = Membership.objects.get(user__email=seed.THERAPIST_2.email)
    practice = therapist.practice
    today = scheduling.today(practice)
    for n in range(clients):
        referral = client_services.create_referral(
            practice=practice,
            data={
                "full_name": f"Bench Writer {n}",
                "date_of_birth": dt.date(1990, 1, 1),
                "reason": "Fictional benchmark client.",
                "consent_to_contact": True,
                "received_at": timezone.now() - dt.timedelta(weeks=30),
            },
            created_by=therapist,
        )
        client = intake.accept_referral(
            referral=referral,
            therapist=therapist,
            client_data={"consent_treatment": True},
            by=therapist,
        )
        # Weekdays and hours spread so no two courses clash in the therapist's diary.
        start = today - dt.timedelta(weeks=20)
        start -= dt.timedelta(days=(start.weekday() - n % 5) % 7)
        services.start_course(
            course=client.courses.get(),
            values=PlanValues(
                planned_sessions=16,
                cadence="weekly",
                session_minutes=50,
                start_date=start,
                start_time=dt.time(8 + n // 5, 0),
            ),
            actor=therapist,
        )
    past = Appointment.objects.filter(
        course__therapist=therapist,
        status=Appointment.Status.BOOKED,
        starts_at__lt=timezone.now(),
    ).order_by("starts_at", "id")
    return therapist, list(past)


def _answers():
    from patternwork.measures.services import Answers

    return [
        Answers("PHQ-9", {f"q{i}": v for i, v in enumerate([2, 2, 1, 1, 1, 1, 1, 1, 0], 1)}),
        Answers("GAD-7", {f"q{i}": v for i, v in enumerate([1, 1, 1, 1, 1, 1, 1], 1)}),
    ]


def _separately(appointment, therapist) -> None:
    from patternwork.measures import services as measures
    from patternwork.treatment import services

    appointment = services.mark_attended(appointment=appointment, actor=therapist)
    measures.record_responses(
        appointment=appointment, answers=_answers(), source="clinic", by=therapist
    )


def _together(appointment, therapist) -> None:
    from patternwork.measures import services as measures

    measures.record_attended_session(appointment=appointment, answers=_answers(), by=therapist)


class Counter:
    """SQL statements, commits and outcome-summary writes made by one write."""

    def __init__(self, connection):
        self.connection = connection
        self.statements = self.commits = self.summaries = 0

    def __call__(self, execute, sql, params, many, context):
        self.statements += 1
        self.sql.append(sql)
        if "measures_outcomesummary" in sql and not sql.lstrip().upper().startswith("SELECT"):
            self.summaries += 1
        return execute(sql, params, many, context)

    def __enter__(self):
        self.statements = self.commits = self.summaries = 0
        self.commit_ms = 0.0
        self.sql = []
        real = self.connection._commit

        def commit():
            self.commits += 1
            started = time.perf_counter()
            try:
                return real()
            finally:
                self.commit_ms += (time.perf_counter() - started) * 1000

        self.connection._commit = commit
        self._wrapper = self.connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        self._wrapper.__exit__(*exc)
        del self.connection._commit


def run(writes: int, profiler: cProfile.Profile | None = None) -> dict[str, dict]:
    from django.db import connection

    from patternwork.measures.models import OutcomeSummary

    therapist, appointments = world(CLIENTS)
    ways = {"separately": _separately}
    if hasattr(
        __import__("patternwork.measures.services").measures.services, "record_attended_session"
    ):
        ways["together"] = _together
    figures = {
        name: {
            "times": [],
            "cpu": [],
            "commit_ms": [],
            "statements": [],
            "commits": [],
            "summaries": [],
        }
        for name in ways
    }
    counter = Counter(connection)
    names = list(ways)
    usable = appointments[: writes * len(names) + 4]
    last_sql: list[str] = []
    for index, appointment in enumerate(usable):
        name = names[index % len(names)]
        warm_up = index < 2 * len(names)  # the first use of each code path
        profiled = profiler is not None and name == "together" and not warm_up
        with counter:
            if profiled:
                profiler.enable()
            started, cpu = time.perf_counter(), time.process_time()
            ways[name](appointment, therapist)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            if profiled:
                profiler.disable()
        if warm_up:
            continue
        if name == names[-1]:
            last_sql = counter.sql
        figure = figures[name]
        figure["times"].append(elapsed * 1000)
        figure["cpu"].append(cpu * 1000)
        figure["statements"].append(counter.statements)
        figure["commits"].append(counter.commits)
        figure["commit_ms"].append(counter.commit_ms)
        figure["summaries"].append(counter.summaries)
    # Both ways must leave the same state behind: the summary agrees with a rebuild.
    assert OutcomeSummary.objects.count() > 0
    figures["sql"] = last_sql
    return figures


def bare_commits(directory: Path, count: int = 100) -> list[float]:
    """The floor under any write: one row inserted and committed by SQLite alone, in a
    file on the same disk configured as served (WAL, `synchronous=FULL`), in ms."""
    database = sqlite3.connect(directory / "bare.sqlite3", isolation_level=None)
    try:
        database.execute("PRAGMA journal_mode=WAL")
        database.execute("PRAGMA synchronous=FULL")
        database.execute("CREATE TABLE t (x INTEGER)")
        times = []
        for number in range(count):
            started = time.perf_counter()
            database.execute("BEGIN IMMEDIATE")
            database.execute("INSERT INTO t VALUES (?)", (number,))
            database.execute("COMMIT")
            times.append((time.perf_counter() - started) * 1000)
        return times
    finally:
        database.close()


def main(writes: int = 60, profile: bool = False, sql: bool = False) -> int:
    profiler = cProfile.Profile() if profile else None
    with tempfile.TemporaryDirectory(prefix="patternwork-write-") as directory:
        setup(Path(directory))
        figures = run(writes, profiler)
        floor = bare_commits(Path(directory))
    statements = figures.pop("sql")
    if sql:
        print(f"\nThe last timed write's {len(statements)} statements:")
        for number, text in enumerate(statements, 1):
            print(f"{number:>3}. {text}")
    if profiler is not None:
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(35)
            print(out.getvalue())
    print()
    print("Recording an attended session with PHQ-9 and GAD-7 (SQLite file, synchronous=FULL)")
    print(
        f"{'way':<12}{'writes':>8}{'median':>11}{'p90':>11}{'CPU median':>13}"
        f"{'commit median':>16}{'SQL':>6}{'commits':>9}{'summary writes':>16}"
    )
    status = 0
    for name, figure in figures.items():
        times = sorted(figure["times"])
        median = statistics.median(times)
        p90 = times[int(0.9 * (len(times) - 1))]
        print(
            f"{name:<12}{len(times):>8}{median:>8.2f} ms{p90:>8.2f} ms"
            f"{statistics.median(figure['cpu']):>10.2f} ms"
            f"{statistics.median(figure['commit_ms']):>13.2f} ms"
            f"{statistics.median(figure['statements']):>6.0f}"
            f"{statistics.median(figure['commits']):>9.0f}"
            f"{statistics.median(figure['summaries']):>16.0f}"
        )
        if name == "together" and median > TARGET_MS:
            print(f"TARGET MISSED: {median:.2f} ms per write (target {TARGET_MS} ms)")
            status = 1
    floor = sorted(floor)
    print(
        f"The floor on this disk (SQLite alone, one row inserted and committed, "
        f"{len(floor)} times): median {statistics.median(floor):.2f} ms, best {floor[0]:.2f} ms"
    )
    return status
