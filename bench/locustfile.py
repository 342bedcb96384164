"""Logged-in clinicians for the scale test (bench/scale.py runs it; not for use alone).

Each simulated user holds a staff session made in the database (both factors, as a real
login leaves it) and, between pauses, reads its caseload, a course, a session page or a
session's questionnaires (4 in 5 requests), or amends a signed note (1 in 5). Every
amendment carries a marker made here, so the run can look for it in the database
afterwards. Every request is judged on the spot and written to SCALE_LOG:

- a read is right only as a 200 that shows the client (or clinician) it was asked about;
- a write is acknowledged by the 302 back to its session page;
- a 502 or 503 from the proxy is a clean refusal; anything else is a wrong answer.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
import uuid

from locust import FastHttpUser, between, events, task

PLAN = json.loads(open(os.environ["SCALE_PLAN"], encoding="utf-8").read())  # noqa: SIM115
LOG = open(os.environ["SCALE_LOG"], "w", encoding="utf-8")  # noqa: SIM115
THINK = [float(part) for part in os.environ.get("SCALE_THINK", "10,30").split(",")]
SEATS = itertools.count()
CLEAN_REFUSALS = {502, 503}


@events.quitting.add_listener
def _close(**_kwargs):
    LOG.flush()
    LOG.close()


class Clinician(FastHttpUser):
    wait_time = between(*THINK)
    # The certificate is self-signed on the spot.
    insecure = True

    def on_start(self):
        # A clinician already at work is somewhere in their pause when the run begins, not
        # at its end: each user waits a random part of one pause before its first request.
        # Without it all 200 first requests land within the 10 s that locust takes to
        # spawn them, twice the steady rate, and the queue they build is the whole tail.
        time.sleep(random.uniform(0, max(THINK)))
        seat = PLAN["seats"][next(SEATS) % len(PLAN["seats"])]
        self.pages = PLAN["clinicians"][seat["clinician"]]
        # A CSRF secret of our own, sent as the cookie and as the form field, as a browser
        # that had loaded the form would.
        self.csrf = uuid.uuid4().hex
        self.headers = {
            "Cookie": f"{PLAN['session_cookie']}={seat['session']}; csrftoken={self.csrf}",
            "Origin": PLAN["origin"],
        }

    def _log(self, kind, page, status, started, elapsed, verdict, marker=""):
        LOG.write(f"{started:.3f}\t{kind}\t{page}\t{status}\t{elapsed:.1f}\t{verdict}\t{marker}\n")

    def _read(self, page):
        url, expected = random.choice(self.pages[page])
        started = time.time()
        clock = time.perf_counter()
        with self.client.get(
            url, headers=self.headers, name=page, catch_response=True, allow_redirects=False
        ) as answer:
            elapsed = (time.perf_counter() - clock) * 1000
            status = answer.status_code or 0
            if status == 200 and expected in (answer.text or ""):
                verdict = "ok"
                answer.success()
            elif status in CLEAN_REFUSALS:
                verdict = "refused"
                answer.failure(f"refused {status}")
            else:
                verdict = "wrong"
                answer.failure(f"wrong answer {status}")
        self._log("read", page, status, started, elapsed, verdict)

    @task(1)
    def caseload(self):
        self._read("caseload")

    @task(1)
    def course(self):
        self._read("course")

    @task(1)
    def session(self):
        self._read("session")

    @task(1)
    def questionnaires(self):
        self._read("questionnaires")

    @task(1)
    def amend_note(self):
        url, back = random.choice(self.pages["amend"])
        marker = f"scale-{uuid.uuid4()}"
        body = {"csrfmiddlewaretoken": self.csrf, "body": f"Fictional amendment {marker}."}
        started = time.time()
        clock = time.perf_counter()
        with self.client.post(
            url,
            data=body,
            headers=self.headers,
            name="amend note",
            catch_response=True,
            allow_redirects=False,
        ) as answer:
            elapsed = (time.perf_counter() - clock) * 1000
            status = answer.status_code or 0
            location = answer.headers.get("Location", "") if answer.headers else ""
            if status == 302 and location.endswith(back):
                verdict = "ack"
                answer.success()
            elif status in CLEAN_REFUSALS:
                verdict = "refused"
                answer.failure(f"refused {status}")
            else:
                verdict = "wrong"
                answer.failure(f"wrong answer {status}")
        self._log("write", "amend note", status, started, elapsed, verdict, marker)
