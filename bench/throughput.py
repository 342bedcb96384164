"""List throughput, pages and API side by side: requests per second through the whole
Django stack (middleware, authentication, access scope, rendering) in one process.

    bench/run.py throughput [--rows 50] [--requests 200]

A fresh SQLite file holds one practice with a therapist whose caseload has `rows` clients,
each with an appointment. Each list is fetched with `rows` items on the page: the staff
client list page (HTML, a verified session) and the same rows from the API (JSON, a
read token), plus the appointment list from the API. Timed in-process, without a network
or server in between, so the figures compare the app's own cost per request.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path


def setup(directory: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{directory / 'throughput.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "patternwork.settings_test")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def world(rows: int):
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    from patternwork.accounts.api_tokens import create_api_token
    from patternwork.accounts.models import Membership, Practice, TOTPDevice, User
    from patternwork.clients.models import Client as ClientRecord
    from patternwork.treatment.models import Appointment, Course

    practice = Practice.objects.create(name="Bench practice", slug="bench")
    user = User.objects.create_user("bench@example.test", "bench-password-0123", full_name="B")
    therapist = Membership.objects.create(user=user, practice=practice, role="therapist")
    device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    from datetime import date, timedelta

    from django.utils import timezone

    start = timezone.now() + timedelta(days=7)
    for n in range(rows):
        client = ClientRecord.objects.create(
            practice=practice,
            therapist=therapist,
            client_number=f"C{n:05d}",
            full_name=f"Bench Client {n}",
            date_of_birth=date(1990, 1, 1),
        )
        course = Course.objects.create(practice=practice, client=client, therapist=therapist)
        Appointment.objects.create(
            practice=practice,
            course=course,
            therapist=therapist,
            starts_at=start + timedelta(hours=n),
            ends_at=start + timedelta(hours=n, minutes=50),
        )
    _, token = create_api_token(membership=therapist, name="bench", scope="read", days=1)
    browser = Client()
    browser.force_login(user)
    session = browser.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return browser, Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def measure(fetch, requests: int) -> dict:
    for _ in range(10):  # warm up: templates compiled, connections open
        fetch()
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        fetch()
        times.append(time.perf_counter() - started)
    median = statistics.median(times)
    return {"per_second": len(times) / sum(times), "median_ms": median * 1000}


def run(rows: int, requests: int) -> list[tuple[str, dict]]:
    from django.conf import settings

    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api": "1000000/minute"},
    }
    browser, api = world(rows)

    def ok(response):
        assert response.status_code == 200, response.status_code
        return response

    page = "/clients/?page=1"
    figures = [
        (f"page: client list (HTML, {rows} rows)", lambda: ok(browser.get(page))),
        (
            f"API: GET /api/v1/clients/?limit={rows}",
            lambda: ok(api.get(f"/api/v1/clients/?limit={rows}")),
        ),
        (
            f"API: GET /api/v1/appointments/?limit={rows}",
            lambda: ok(api.get(f"/api/v1/appointments/?limit={rows}")),
        ),
    ]
    return [(name, measure(fetch, requests)) for name, fetch in figures]


def main(rows: int = 50, requests: int = 200) -> int:
    with tempfile.TemporaryDirectory(prefix="patternwork-throughput-") as directory:
        setup(Path(directory))
        results = run(rows, requests)
    print()
    print(f"List throughput, one process, in-process requests ({requests} each, {rows} rows)")
    print(f"{'list':<46}{'requests/s':>12}{'median':>12}")
    for name, figure in results:
        print(f"{name:<46}{figure['per_second']:>12.0f}{figure['median_ms']:>10.1f} ms")
    return 0
