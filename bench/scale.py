"""The scale test: the production topology on loopback, under load, with an app instance killed.

    scripts/with_postgres.py -- python bench/scale.py [--users 200] [--minutes 3]

`make scale-test` runs it inside the throwaway PostgreSQL server of scripts/with_postgres.py
(DATABASE_URL and PGHOST come from there). In a temporary folder it:

1. installs nginx with apt-get if it is missing (or stops, saying why);
2. migrates, loads the demo practice and makes a logged-in staff session per simulated user
   in the database (both factors, as the two-step login leaves it);
3. starts 2 gunicorn instances on two ports, `manage.py run_worker`, and nginx terminating
   TLS with a certificate openssl makes on the spot, balancing the two (deploy/nginx is the
   production form of the same configuration);
4. runs locust headless (bench/locustfile.py): `--users` clinicians for `--minutes`,
   4 reads to 1 write; halfway it kills one instance's master and workers with SIGKILL and
   starts it again;
5. checks: every acknowledged write (a marker in a note amendment) is in the database; no
   deadlock in the PostgreSQL log; no wrong answer (only successes and clean 502/503s, with
   nginx's retries of reads counted from its log); p95 of the reads outside the kill window
   under 300 ms. It prints the figures and exits non-zero if any check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import stack

READ_P95_LIMIT_MS = 300
# Reads that start this long before the kill, or end before the instance answers again
# plus this margin, are in the kill window.
WINDOW_MARGIN_S = 5


# --- Steps run in a process of their own, with Django set up --------------------------


def prepare(out: Path, users: int) -> None:
    """Load the demo; write the pages each clinician reads and the sessions to use."""
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse
    from django.utils.html import escape

    from patternwork.accounts.models import Membership
    from patternwork.demo import seed
    from patternwork.treatment.models import Appointment, Course, SessionNote

    seed.seed()
    _second_caseload(seed)
    clinicians = {}
    members = {}
    for staff in (seed.THERAPIST, seed.THERAPIST_2):
        member = Membership.objects.select_related("user").get(user__email=staff.email)
        members[staff.email] = member
        courses = list(
            Course.objects.filter(therapist=member)
            .exclude(state__in=["declined", "withdrawn"])
            .select_related("client")
        )
        attended = list(
            Appointment.objects.filter(
                course__in=courses, status=Appointment.Status.ATTENDED
            ).select_related("course__client")
        )
        signed = list(
            SessionNote.objects.filter(course__in=courses, signed_at__isnull=False).select_related(
                "appointment", "course__client"
            )
        )
        if not courses or not attended or not signed:
            raise SystemExit(f"the demo has no courses, sessions or signed notes for {staff.email}")

        def named(client):
            return escape(client.full_name)

        clinicians[staff.email] = {
            "caseload": [[reverse("clinic:home"), escape(member.user.full_name)]],
            "course": [
                [reverse("clinic:course-detail", args=[c.public_id]), named(c.client)]
                for c in courses
            ],
            "session": [
                [reverse("clinic:appointment-detail", args=[a.public_id]), named(a.course.client)]
                for a in attended
            ],
            "questionnaires": [
                [reverse("clinic:measures-record", args=[a.public_id]), named(a.course.client)]
                for a in attended
            ],
            "amend": [
                [
                    reverse("clinic:note-amend", args=[n.appointment.public_id]),
                    reverse("clinic:appointment-detail", args=[n.appointment.public_id]),
                ]
                for n in signed
            ],
        }
    # Every page answers as expected before the load starts: a wrong expectation here
    # would otherwise read as a wrong answer under load.
    for email, pages in clinicians.items():
        browser = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https", secure=True)
        browser.cookies[settings.SESSION_COOKIE_NAME] = stack.staff_session(members[email].user)
        for kind in ("caseload", "course", "session", "questionnaires"):
            url, expected = pages[kind][0]
            answer = browser.get(url, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1")
            if answer.status_code != 200 or expected not in answer.content.decode():
                raise SystemExit(f"{url} answered {answer.status_code} without {expected!r}")
    emails = list(clinicians)
    seats = [{"clinician": emails[n % len(emails)], "session": None} for n in range(users)]
    for seat in seats:
        seat["session"] = stack.staff_session(members[seat["clinician"]].user)
    plan = {
        "clinicians": clinicians,
        "seats": seats,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "origin": os.environ["PATTERNWORK_BASE_URL"],
    }
    (out / "plan.json").write_text(json.dumps(plan))
    print(
        f"  {sum(len(p['course']) for p in clinicians.values())} courses, "
        f"{sum(len(p['session']) for p in clinicians.values())} attended sessions, "
        f"{sum(len(p['amend']) for p in clinicians.values())} signed notes to amend, "
        f"{len(seats)} sessions",
        flush=True,
    )


SECOND_CASELOAD = 4


def _second_caseload(seed) -> None:
    """The demo's second therapist gets a few courses of their own, so both read and write."""
    import datetime as dt

    from patternwork.accounts.models import Membership
    from patternwork.demo import course_data

    member = Membership.objects.select_related("practice").get(user__email=seed.THERAPIST_2.email)
    for n in range(SECOND_CASELOAD):
        story = course_data.Story(
            f"Scale Client {n:02d}",
            "",
            dt.date(1988, 2, 1 + n),
            "she/her",
            n % 5,
            dt.time(13 + n, 0),
            weeks_ago=3 + n,
            reason_for_referral="Fictional client for the scale test.",
        )
        course_data._run_story(member.practice, member, story)


def find_markers(out: Path) -> None:
    """Which markers are in the note amendments now (decrypted, so read through Django)."""
    import re

    from patternwork.treatment.models import NoteAmendment

    pattern = re.compile(r"scale-[0-9a-f-]{36}")
    found = set()
    for body in NoteAmendment.objects.values_list("body", flat=True).iterator():
        found.update(pattern.findall(body))
    (out / "found.json").write_text(json.dumps(sorted(found)))


# --- The stack ----------------------------------------------------------------------


def ensure_nginx() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if found:
        return found
    if not shutil.which("apt-get"):
        raise SystemExit("nginx is missing and there is no apt-get to install it: install nginx.")
    if os.geteuid() != 0:
        raise SystemExit("nginx is missing; installing it needs root: sudo apt-get install nginx")
    print("nginx is missing: installing it with apt-get (Debian's nginx package)", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update", "-q"],
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", "nginx"],
    ):
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode != 0:
            raise SystemExit(
                f"{' '.join(command)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
            )
    if not Path("/usr/sbin/nginx").exists():
        raise SystemExit("apt-get installed nginx but /usr/sbin/nginx is not there")
    return "/usr/sbin/nginx"


NGINX_CONF = """\
{user}
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    log_format upstreams '$msec $request_method $status $request_time '
                         '"$upstream_addr" "$upstream_status" $request_uri';
    access_log {dir}/nginx-access.log upstreams;
{common}
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name 127.0.0.1 localhost;
        ssl_certificate {dir}/cert.pem;
        ssl_certificate_key {dir}/key.pem;
{server}
    }}
}}
"""


def nginx_conf(directory: Path, port: int, app_ports: list[int]) -> str:
    """deploy/nginx/patternwork.conf with this run's ports and files filled in."""
    template = (stack.ROOT / "deploy" / "nginx" / "patternwork.conf").read_text()
    upstream = template.split("# -- upstream --")[1].split("# -- end upstream --")[0]
    servers = "".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;\n" for p in app_ports)
    kept = [line for line in upstream.splitlines(True) if "server 127.0.0.1:" not in line]
    upstream = "".join(kept).replace("    # -- app servers --\n", servers)
    proxy = template.split("# -- proxy --")[1].split("# -- end proxy --")[0]
    return NGINX_CONF.format(
        user="user root;" if os.geteuid() == 0 else "",
        dir=directory,
        port=port,
        common=upstream,
        server=proxy,
    )


def make_certificate(directory: Path) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        raise SystemExit("openssl is missing: apt-get install openssl")
    subprocess.run(  # noqa: S603
        [
            openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(directory / "key.pem"), "-out", str(directory / "cert.pem"),
            "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# --- The checks ---------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def by_start(reads: list[dict], window: tuple[float, float], width: int = 20) -> list[str]:
    """Reads grouped by when they started, `width` seconds a group: where the slow ones are.

    A tail spread over the whole run is a shortage of capacity; one gathered at the start,
    while locust spawns its users, is the ramp's burst.
    """
    ok = [r for r in reads if r["verdict"] == "ok"]
    if not ok:
        return []
    first = min(r["start"] for r in ok)
    groups: dict[int, list[float]] = {}
    for row in ok:
        groups.setdefault(int((row["start"] - first) // width), []).append(row["ms"])
    lines = []
    for index in sorted(groups):
        values = groups[index]
        start = first + index * width
        mark = " (kill window)" if start + width >= window[0] and start <= window[1] else ""
        lines.append(
            f"{index * width:>4}-{(index + 1) * width:<4}s n={len(values):<4} "
            f"p50={statistics.median(values):.0f} ms p95={percentile(values, 0.95):.0f} ms{mark}"
        )
    return lines


def analyse(work: Path, kill: dict, found: set[str], pg_log: Path) -> tuple[dict, list[str]]:
    rows = []
    for line in (work / "requests.tsv").read_text().splitlines():
        started, kind, page, status, elapsed, verdict, marker = line.split("\t")
        rows.append(
            {
                "start": float(started),
                "end": float(started) + float(elapsed) / 1000,
                "kind": kind,
                "page": page,
                "status": int(status),
                "ms": float(elapsed),
                "verdict": verdict,
                "marker": marker,
            }
        )
    window = (kill["killed"] - WINDOW_MARGIN_S, kill["back"] + WINDOW_MARGIN_S)

    def in_window(row):
        return row["end"] >= window[0] and row["start"] <= window[1]

    reads = [r for r in rows if r["kind"] == "read"]
    writes = [r for r in rows if r["kind"] == "write"]
    acked = [r["marker"] for r in writes if r["verdict"] == "ack"]
    lost = [m for m in acked if m not in found]
    refused_writes = [r["marker"] for r in writes if r["verdict"] == "refused"]
    outside = [r["ms"] for r in reads if r["verdict"] == "ok" and not in_window(r)]
    inside = [r["ms"] for r in reads if r["verdict"] == "ok" and in_window(r)]
    wrong = [r for r in rows if r["verdict"] == "wrong"]
    log_text = pg_log.read_text(errors="replace") if pg_log.exists() else ""
    deadlocks = log_text.count("deadlock detected")
    retried = refused_by_proxy = 0
    for line in (work / "nginx-access.log").read_text().splitlines():
        upstreams = line.split('"')[1] if '"' in line else ""
        if "," in upstreams:
            retried += 1
        if " 502 " in line or " 503 " in line:
            refused_by_proxy += 1
    duration = max(r["end"] for r in rows) - min(r["start"] for r in rows) if rows else 0
    figures = {
        "requests": len(rows),
        "reads": len(reads),
        "writes": len(writes),
        "duration_s": round(duration, 1),
        "throughput_rps": round(len(rows) / duration, 1) if duration else 0,
        "writes_acknowledged": len(acked),
        "writes_refused_cleanly": len(refused_writes),
        "refused_writes_that_landed_anyway": sum(1 for m in refused_writes if m in found),
        "acknowledged_writes_lost": len(lost),
        "reads_refused_cleanly": sum(1 for r in reads if r["verdict"] == "refused"),
        "wrong_answers": len(wrong),
        "wrong_examples": [f"{r['kind']} {r['page']} {r['status']}" for r in wrong[:5]],
        "nginx_retries_to_other_instance": retried,
        "nginx_502_503": refused_by_proxy,
        "deadlocks_in_postgres_log": deadlocks,
        "kill_window_s": round(window[1] - window[0], 1),
        "instance_back_after_s": round(kill["back"] - kill["killed"], 1),
        "reads_outside_window": len(outside),
        "read_p50_ms": round(statistics.median(outside), 1) if outside else None,
        "read_p95_ms": round(percentile(outside, 0.95), 1),
        "read_p99_ms": round(percentile(outside, 0.99), 1),
        "read_p95_in_window_ms": round(percentile(inside, 0.95), 1),
        "write_p95_ms": round(
            percentile([r["ms"] for r in writes if r["verdict"] == "ack"], 0.95), 1
        ),
        "load_average_after": load_average(),
        "reads_by_start": by_start(reads, window),
    }
    failures = []
    if not acked:
        failures.append("no write was acknowledged")
    if lost:
        failures.append(f"{len(lost)} acknowledged writes are not in the database")
    if deadlocks:
        failures.append(f"{deadlocks} deadlocks in the PostgreSQL log")
    if wrong:
        failures.append(f"{len(wrong)} wrong answers, e.g. {figures['wrong_examples']}")
    if not outside:
        failures.append("no read outside the kill window")
    elif figures["read_p95_ms"] >= READ_P95_LIMIT_MS:
        failures.append(
            f"read p95 outside the kill window {figures['read_p95_ms']} ms "
            f">= {READ_P95_LIMIT_MS} ms (load average {figures['load_average_after']})"
        )
    return figures, failures


# --- The run ------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--minutes", type=float, default=3)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per instance")
    parser.add_argument("--think", default="10,30", help="seconds between a user's requests")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if "DATABASE_URL" not in os.environ or not os.environ["DATABASE_URL"].startswith("postgres"):
        print("run me inside scripts/with_postgres.py (make scale-test does)", file=sys.stderr)
        return 2
    nginx = ensure_nginx()
    locust = stack.BIN / "locust"
    if not locust.exists():
        print("locust is missing: make scale-test installs the scale group", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="patternwork-scale-"))
    processes: list[subprocess.Popen] = []
    instances: dict[int, subprocess.Popen] = {}
    proxy_port = stack.free_port()
    app_ports = [stack.free_port(), stack.free_port()]
    base = f"https://127.0.0.1:{proxy_port}"
    env = stack.app_env(
        work / "var",
        DATABASE_URL=os.environ["DATABASE_URL"],
        PATTERNWORK_HTTPS="true",
        SECURE_PROXY_SSL_HEADER="true",
        PATTERNWORK_TRUSTED_PROXIES="1",
        PATTERNWORK_BASE_URL=base,
        # Every app process and the worker share one database: many short connections.
        DB_CONN_MAX_AGE="600",
    )
    started = time.monotonic()
    try:
        print(f"== scale test in {work} (load average {load_average()}) ==", flush=True)
        # The static files are collected while the database is migrated: neither needs
        # the other, and on a shared 2-core machine the minutes count.
        collect = subprocess.Popen(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=stack.ROOT,
            env=env,
        )
        stack.manage(env, "migrate", "--noinput")
        if collect.wait() != 0:
            raise SystemExit("collectstatic failed")
        print(f"  migrated in {time.monotonic() - started:.0f} s", flush=True)
        stack.python(
            env,
            f"from pathlib import Path\nfrom bench.scale import prepare\n"
            f"prepare(Path({str(work)!r}), {args.users})",
        )
        print(f"  demo loaded and sessions made at {time.monotonic() - started:.0f} s", flush=True)
        for port in app_ports:
            instances[port] = stack.start_gunicorn(
                env, port, work / f"app-{port}.log", workers=args.workers
            )
        with (work / "worker.log").open("ab") as out:
            processes.append(
                subprocess.Popen(
                    [sys.executable, "manage.py", "run_worker"],
                    cwd=stack.ROOT,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        for port, process in instances.items():
            stack.wait_healthy(f"http://127.0.0.1:{port}/healthz", process)
        make_certificate(work)
        for part in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (work / part).mkdir()
        (work / "nginx.conf").write_text(nginx_conf(work, proxy_port, app_ports))
        check = subprocess.run(  # noqa: S603
            [nginx, "-t", "-q", "-p", str(work), "-c", str(work / "nginx.conf")],
            capture_output=True,
            text=True,
            check=False,
        )
        if check.returncode != 0:
            raise SystemExit(f"nginx refused its configuration:\n{check.stderr}")
        processes.append(
            subprocess.Popen(  # noqa: S603
                [nginx, "-p", str(work), "-c", str(work / "nginx.conf")],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
        stack.wait_healthy(f"{base}/healthz")
        print(
            f"  2 app instances (:{app_ports[0]}, :{app_ports[1]}), 1 worker and nginx on "
            f"{base} up at {time.monotonic() - started:.0f} s; locust: {args.users} users "
            f"for {args.minutes:g} min (load average {load_average()})",
            flush=True,
        )
        seconds = int(args.minutes * 60)
        load_env = {
            **os.environ,
            "SCALE_PLAN": str(work / "plan.json"),
            "SCALE_LOG": str(work / "requests.tsv"),
            "SCALE_THINK": args.think,
        }
        with (work / "locust.log").open("wb") as out:
            load = subprocess.Popen(  # noqa: S603
                [
                    str(locust), "-f", str(stack.ROOT / "bench" / "locustfile.py"),
                    "--headless", "--users", str(args.users),
                    "--spawn-rate", str(max(1, args.users // 10)),
                    "--run-time", f"{seconds}s", "--host", base, "--only-summary",
                    "--stop-timeout", "10", "--exit-code-on-error", "0",
                ],
                cwd=work, env=load_env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
            time.sleep(seconds / 2)
            victim = app_ports[0]
            kill = {"killed": time.time()}
            stack.kill_group(instances[victim])
            print(f"  kill -9 of the instance on :{victim} (master and workers)", flush=True)
            instances[victim] = stack.start_gunicorn(
                env, victim, work / f"app-{victim}.log", workers=args.workers
            )
            stack.wait_healthy(f"http://127.0.0.1:{victim}/healthz", instances[victim])
            kill["back"] = time.time()
            print(f"  it answers again {kill['back'] - kill['killed']:.1f} s later", flush=True)
            if load.wait(timeout=seconds + 120) != 0:
                print((work / "locust.log").read_text()[-3000:], file=sys.stderr)
                raise SystemExit("locust failed")
        stack.python(
            env, f"from pathlib import Path\nfrom bench.scale import find_markers\n"
            f"find_markers(Path({str(work)!r}))",
        )  # fmt: skip
        found = set(json.loads((work / "found.json").read_text()))
        pg_log = Path(os.environ.get("PGHOST", "/nonexistent")) / "server.log"
        figures, failures = analyse(work, kill, found, pg_log)
        figures["users"] = args.users
        figures["minutes"] = args.minutes
        figures["think_s"] = args.think
        figures["wall_s"] = round(time.monotonic() - started)
        print(json.dumps(figures, indent=2))
        if args.json:
            args.json.write_text(json.dumps(figures, indent=2))
        if failures:
            print("SCALE TEST FAILED:\n  " + "\n  ".join(failures), file=sys.stderr)
            return 1
        print(f"scale test passed in {figures['wall_s']} s")
        return 0
    finally:
        for process in [*instances.values(), *processes]:
            stack.stop(process)
        if args.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
