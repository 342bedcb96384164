"""The crash soak: gunicorn on a SQLite file, killed with SIGKILL under concurrent writers.

    python bench/soak.py [--runs 20] [--writers 8]

`make soak` runs 20 runs; tests/test_soak.py runs 3. Once, a SQLite database is migrated
and given a practice with one therapist and a started course per writer, through the
services. Then each run:

1. copies that database to a fresh file and serves it with gunicorn (2 workers), with
   the production settings: WAL, synchronous=FULL;
2. starts the writers, each a thread with the therapist's session and API token, on
   its own course. Each writes, over HTTP, a past session recorded as attended (the
   clinic's form), a PHQ-9 for it through the API with an Idempotency-Key (every third
   with a risk answer to item 9), and the session's note (the clinic's form) carrying a
   marker. A write is acknowledged when its whole answer (302 or 201) has arrived;
3. at a random moment kills the master and its workers together with SIGKILL;
4. checks, in a fresh process: `PRAGMA integrity_check` is ok; every acknowledged write
   is there (the session attended, the questionnaire, its risk flag, the note with its
   marker); every risk answer in the database has its flag; every acknowledged write
   has its audit row; `manage.py verify_audit` passes.

It exits non-zero if any run fails, and prints each run's figures and the totals.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import random
import re
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import stack

THERAPIST_EMAIL = "soak.therapist@example.org"
# Past sessions are written at night, 20 minutes each, so they never overlap the courses'
# own daytime sessions; slot n is the n-th 30-minute step back from yesterday at 06:00.
SLOT_MINUTES = 30
SLOTS_PER_NIGHT = 12
NIGHT_START_HOUR = 6
KILL_AFTER_S = (1.5, 6.0)
# Production settings but for the static files (bench/soak_settings.py says why).
SETTINGS = {"DJANGO_SETTINGS_MODULE": "bench.soak_settings"}
CHECK_LABEL = re.compile(r"soak-[0-9a-f-]{36}")


# --- Steps run in a process of their own, with Django set up --------------------------


def prepare(out: Path, writers: int) -> None:
    """A practice, its therapist (both factors) and a started course per writer."""
    from django.conf import settings

    from patternwork.accounts import services as account_services
    from patternwork.accounts.api_tokens import create_api_token
    from patternwork.accounts.models import ApiToken, Membership
    from patternwork.demo import course_data
    from patternwork.demo.seed import DemoStaff, _device, _member

    practice, _admin = account_services.create_practice(
        name="Soak Practice (fictional)",
        slug="soak-practice",
        admin_email="soak.admin@example.org",
        admin_name="Soak Admin",
    )
    therapist = _member(practice, DemoStaff(THERAPIST_EMAIL, "Sam Soak", Membership.Role.THERAPIST))
    _device(therapist.user)
    courses = []
    for n in range(writers):
        story = course_data.Story(
            f"Soak Client {n:02d}",
            "",
            dt.date(1985, 1, 1 + n),
            "they/them",
            n % 5,
            dt.time(9 + n, 0),
            # One week in: the referral is 5 weeks old, room for every night slot, and
            # the story writes only its first session, so preparing stays quick.
            weeks_ago=1,
            reason_for_referral="Fictional client for the crash soak.",
        )
        course_data._run_story(practice, therapist, story)
        courses.append(str(practice.clients.get(full_name=story.full_name).courses.get().public_id))
    _token, token = create_api_token(
        membership=therapist, name="soak", scope=ApiToken.Scope.WRITE, days=30
    )
    # The session is made here, in the database every run starts from: its idle clock
    # starts at its first request, so every run finds it fresh.
    (out / "setup.json").write_text(
        json.dumps(
            {
                "courses": courses,
                "token": token,
                "session": {
                    "cookie": settings.SESSION_COOKIE_NAME,
                    "key": stack.staff_session(therapist.user),
                },
            }
        )
    )


def check(out: Path) -> None:
    """After the kill: what was acknowledged is there, and the invariants hold."""
    from django.core.management import call_command
    from django.db import connection

    from patternwork.audit.models import AuditEvent
    from patternwork.measures.models import Response, RiskFlag
    from patternwork.treatment.models import Appointment, SessionNote

    acked = json.loads((out / "acked.json").read_text())
    problems = []
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA integrity_check")
        integrity = [row[0] for row in cursor.fetchall()]
    if integrity != ["ok"]:
        problems.append(f"integrity_check: {integrity[:5]}")

    appointments = {
        str(a.public_id): a
        for a in Appointment.objects.filter(public_id__in=[w["id"] for w in acked["session"]])
    }
    for write in acked["session"]:
        found = appointments.get(write["id"])
        if found is None or found.status != Appointment.Status.ATTENDED:
            problems.append(f"acknowledged session {write['id']} is missing or not attended")
    responses = {
        str(r.public_id): r
        for r in Response.objects.filter(public_id__in=[w["id"] for w in acked["phq9"]])
    }
    for write in acked["phq9"]:
        found = responses.get(write["id"])
        if found is None:
            problems.append(f"acknowledged PHQ-9 {write['id']} is missing")
        elif write["risk"] and not found.risk_flags.exists():
            problems.append(f"acknowledged PHQ-9 {write['id']} with a risk answer has no flag")
    markers = set()
    notes = SessionNote.objects.filter(
        appointment__public_id__in=[w["appointment"] for w in acked["note"]]
    )
    for body in notes.values_list("body", flat=True):
        markers.update(CHECK_LABEL.findall(body))
    for write in acked["note"]:
        if write["marker"] not in markers:
            problems.append(f"acknowledged note {write['marker']} is missing")

    # Invariants over everything in the database, acknowledged or not.
    for response in Response.objects.filter(instrument="PHQ-9"):
        if (response.answers or {}).get("q9") and not response.risk_flags.exists():
            problems.append(f"PHQ-9 {response.public_id} has a risk answer and no flag")
    # Audit rows name the object by its public id.
    written = (
        [str(a.public_id) for a in appointments.values()]
        + [str(r.public_id) for r in responses.values()]
        + [str(n.public_id) for n in notes]
    )
    audited = set(
        AuditEvent.objects.filter(object_id__in=written).values_list("object_id", flat=True)
    )
    if set(written) - audited:
        problems.append(f"{len(set(written) - audited)} acknowledged writes have no audit row")
    try:
        call_command("verify_audit", verbosity=0)
    except SystemExit as exit_:
        if exit_.code:
            problems.append(f"verify_audit failed ({exit_.code})")
    except Exception as error:
        problems.append(f"verify_audit failed: {error}")
    risk_flags = RiskFlag.objects.filter(response__in=responses.values()).count()
    (out / "checked.json").write_text(json.dumps({"problems": problems, "flags": risk_flags}))


# --- The writers --------------------------------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Writer(threading.Thread):
    def __init__(self, number, writers, base, course, session, token, acked, lock):
        super().__init__(daemon=True)
        self.number, self.writers, self.base, self.course = number, writers, base, course
        self.acked, self.lock = acked, lock
        self.csrf = uuid.uuid4().hex
        self.cookie = f"{session['cookie']}={session['key']}; csrftoken={self.csrf}"
        self.token = token
        self.opener = urllib.request.build_opener(NoRedirect)
        self.attempts = 0

    def _send(self, path, *, form=None, payload=None, headers=None):
        if form is not None:
            form = {"csrfmiddlewaretoken": self.csrf, **form}
            body = urllib.parse.urlencode(form).encode()
            headers = {
                "Cookie": self.cookie,
                "Content-Type": "application/x-www-form-urlencoded",
                **(headers or {}),
            }
        else:
            body = json.dumps(payload).encode()
            headers = {
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
                **(headers or {}),
            }
        request = urllib.request.Request(self.base + path, data=body, headers=headers)  # noqa: S310
        try:
            with self.opener.open(request, timeout=30) as answer:
                return answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.headers, error.read()

    def run(self):
        yesterday = dt.date.today() - dt.timedelta(days=1)
        step = 0
        try:
            while True:
                slot = step * self.writers + self.number
                step += 1
                night = yesterday - dt.timedelta(days=slot // SLOTS_PER_NIGHT)
                start = dt.datetime.combine(night, dt.time(NIGHT_START_HOUR)) - dt.timedelta(
                    minutes=SLOT_MINUTES * (1 + slot % SLOTS_PER_NIGHT)
                )
                self.attempts += 1
                status, headers, _ = self._send(
                    f"/courses/{self.course}/past-session/",
                    form={
                        "date": start.date().isoformat(),
                        "time": start.strftime("%H:%M"),
                        "minutes": "20",
                        "kind": "treatment",
                        "status": "attended",
                    },
                )
                location = headers.get("Location", "") if headers else ""
                found = re.search(r"/appointments/([0-9a-f-]{36})/", location)
                if status != 302 or not found:
                    with self.lock:
                        self.acked["refused"].append(f"session {status}")
                    continue
                appointment = found.group(1)
                with self.lock:
                    self.acked["session"].append({"id": appointment})
                risk = slot % 3 == 0
                answers = {f"q{n}": 1 for n in range(1, 9)} | {"q9": 2 if risk else 0}
                status, _, body = self._send(
                    "/api/v1/questionnaire-responses/",
                    payload={"appointment": appointment, "instrument": "PHQ-9", "answers": answers},
                    headers={"Idempotency-Key": str(uuid.uuid4())},
                )
                if status != 201:
                    with self.lock:
                        self.acked["refused"].append(f"phq9 {status} {body[:200]!r}")
                else:
                    with self.lock:
                        self.acked["phq9"].append({"id": json.loads(body)["id"], "risk": risk})
                marker = f"soak-{uuid.uuid4()}"
                status, _, _ = self._send(
                    f"/appointments/{appointment}/note/",
                    form={"body": f"Fictional note {marker}.", "version": ""},
                )
                if status == 302:
                    with self.lock:
                        self.acked["note"].append({"appointment": appointment, "marker": marker})
                else:
                    with self.lock:
                        self.acked["refused"].append(f"note {status}")
        except (OSError, urllib.error.URLError, http.client.HTTPException, ValueError):
            # The server is gone (reset, refused or cut short): this writer is done.
            return


# --- The runs -----------------------------------------------------------------------


def one_run(number: int, work: Path, template: Path, setup: dict, writers: int, rng) -> dict:
    run = work / f"run-{number:02d}"
    var = run / "var"
    var.mkdir(parents=True)
    database = var / "soak.sqlite3"
    shutil.copyfile(template, database)
    env = stack.app_env(
        var,
        DATABASE_URL=f"sqlite:///{database}",
        PATTERNWORK_HTTPS="false",
        SECRET_KEY=setup["secret_key"],
        PATTERNWORK_ENCRYPTION_KEYS=setup["encryption_keys"],
        **SETTINGS,
    )
    session = setup["session"]
    port = stack.free_port()
    server = stack.start_gunicorn(env, port, run / "gunicorn.log", workers=2)
    base = f"http://127.0.0.1:{port}"
    try:
        stack.wait_healthy(f"{base}/healthz", server)
        acked = {"session": [], "phq9": [], "note": [], "refused": []}
        lock = threading.Lock()
        threads = [
            Writer(n, writers, base, setup["courses"][n], session, setup["token"], acked, lock)
            for n in range(writers)
        ]
        for thread in threads:
            thread.start()
        wait = rng.uniform(*KILL_AFTER_S)
        time.sleep(wait)
        stack.kill_group(server)
        for thread in threads:
            thread.join(timeout=35)
    finally:
        stack.stop(server)
    (run / "acked.json").write_text(json.dumps(acked))
    stack.python(
        env, f"from pathlib import Path\nfrom bench.soak import check\ncheck(Path({str(run)!r}))"
    )
    checked = json.loads((run / "checked.json").read_text())
    return {
        "run": number,
        "killed_after_s": round(wait, 2),
        "sessions": len(acked["session"]),
        "phq9": len(acked["phq9"]),
        "risk_answers": sum(1 for w in acked["phq9"] if w["risk"]),
        "risk_flags": checked["flags"],
        "notes": len(acked["note"]),
        "refused": len(acked["refused"]),
        "refused_examples": acked["refused"][:3],
        "problems": checked["problems"],
    }


def build_template(work: Path, writers: int) -> tuple[Path, dict]:
    var = work / "template"
    database = var / "soak.sqlite3"
    env = stack.app_env(
        var, DATABASE_URL=f"sqlite:///{database}", PATTERNWORK_HTTPS="false", **SETTINGS
    )
    stack.manage(env, "migrate", "--noinput")
    stack.python(
        env, f"from pathlib import Path\nfrom bench.soak import prepare\n"
        f"prepare(Path({str(work)!r}), {writers})",
    )  # fmt: skip
    # One file, with the write-ahead log folded in, for every run to start from.
    with sqlite3.connect(database) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    setup = json.loads((work / "setup.json").read_text())
    setup["secret_key"] = env["SECRET_KEY"]
    setup["encryption_keys"] = env["PATTERNWORK_ENCRYPTION_KEYS"]
    return database, setup


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--seed", type=int, default=None, help="for the kill moments")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="patternwork-soak-"))
    started = time.monotonic()
    try:
        template, setup = build_template(work, args.writers)
        print(f"soak: template ready in {time.monotonic() - started:.0f} s", flush=True)
        results = []
        for number in range(1, args.runs + 1):
            result = one_run(number, work, template, setup, args.writers, rng)
            results.append(result)
            print(
                f"run {number:2d}: killed after {result['killed_after_s']:.2f} s; acknowledged "
                f"{result['sessions']} sessions, {result['phq9']} PHQ-9 "
                f"({result['risk_answers']} with a risk answer), {result['notes']} notes; "
                f"{'ok' if not result['problems'] else 'FAILED: ' + '; '.join(result['problems'][:5])}",
                flush=True,
            )
        totals = {
            key: sum(r[key] for r in results)
            for key in ("sessions", "phq9", "risk_answers", "notes", "refused")
        }
        failed = [r for r in results if r["problems"]]
        summary = {
            "runs": len(results),
            "writers": args.writers,
            "failed_runs": len(failed),
            **totals,
            "acknowledged_writes": totals["sessions"] + totals["phq9"] + totals["notes"],
            "wall_s": round(time.monotonic() - started, 1),
        }
        print(json.dumps(summary))
        if args.json:
            args.json.write_text(json.dumps({"summary": summary, "runs": results}, indent=2))
        if failed or not summary["acknowledged_writes"]:
            print("SOAK FAILED", file=sys.stderr)
            return 1
        return 0
    finally:
        if args.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
