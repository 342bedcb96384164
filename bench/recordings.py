"""Memory of a session recording's upload and playback, through the real app under gunicorn.

    bench/run.py recordings [--upload-mb 150] [--write]

1. A fresh install (production settings, SQLite and recordings under a temporary var/,
   fresh keys) gets the demo practice; the demo therapist records the client's consent on
   a course with an attended session.
2. gunicorn serves it with one sync worker. After a warm-up request, the worker's VmRSS
   is the baseline.
3. A generated WAV of `--upload-mb` MB is posted to the session's upload form over HTTP,
   sent in 1 MiB pieces; a thread samples the worker's VmRSS from /proc every 20 ms.
   Then the whole recording is played back (decrypted, streamed) and hashed, and the
   sampling goes on.
4. The target: the worker's peak stays under 100 MB above its baseline (Django writes an
   upload that large to a temporary file; the app seals it a 64 KiB chunk at a time).
   VmHWM, the kernel's own high-water mark, is reported beside the sampled peak.

A figure, not a test: nothing here is timed against a limit.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MB = 100
PIECE = 1024 * 1024


def prepare(directory: Path) -> None:
    """Migrate, seed the demo, record consent; write the plan (cookie, URLs)."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.urls import reverse

    from bench.pages import _session
    from patternwork.accounts.models import Membership
    from patternwork.demo import seed
    from patternwork.supervision import recordings
    from patternwork.treatment.models import Appointment

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    seed.seed()
    therapist = Membership.objects.select_related("user").get(user__email=seed.THERAPIST.email)
    appointment = (
        Appointment.objects.filter(course__therapist=therapist, status="attended")
        .select_related("course")
        .order_by("starts_at")
        .first()
    )
    if recordings.current_consent(appointment.course) is None:
        recordings.give_consent(
            course=appointment.course,
            method="written",
            given_on=appointment.starts_at.date(),
            actor=therapist,
        )
    plan = {
        "cookie": _session(therapist.user),
        "page": reverse("clinic:appointment-detail", args=[appointment.public_id]),
        "upload": reverse("clinic:recording-upload", args=[appointment.public_id]),
        "appointment": str(appointment.public_id),
    }
    (directory / "plan.json").write_text(json.dumps(plan))


def recording_url(directory: Path) -> None:
    """Print the newest recording's audio URL (run in the app's environment)."""
    import django

    django.setup()
    from django.urls import reverse

    from patternwork.supervision.models import SessionRecording

    newest = SessionRecording.objects.order_by("-created_at").first()
    (directory / "recording.json").write_text(
        json.dumps(
            {
                "url": reverse("clinic:recording-audio", args=[newest.public_id]),
                "stored": newest.sealed.storage.size(newest.sealed.name),
            }
        )
    )


def make_wav(path: Path, megabytes: int) -> str:
    """A WAV header then noise, written a MiB at a time; returns its SHA-256."""
    data_size = megabytes * 1_000_000 - 44
    header = (
        b"RIFF"
        + (36 + data_size).to_bytes(4, "little")
        + b"WAVEfmt "
        + (16).to_bytes(4, "little")
        + (1).to_bytes(2, "little")  # PCM
        + (1).to_bytes(2, "little")  # mono
        + (44100).to_bytes(4, "little")
        + (88200).to_bytes(4, "little")
        + (2).to_bytes(2, "little")
        + (16).to_bytes(2, "little")
        + b"data"
        + data_size.to_bytes(4, "little")
    )
    digest = hashlib.sha256(header)
    with path.open("wb") as out:
        out.write(header)
        left = data_size
        while left:
            piece = os.urandom(min(PIECE, left))
            out.write(piece)
            digest.update(piece)
            left -= len(piece)
    return digest.hexdigest()


def status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


class Sampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self.running = pid, 0, True

    def run(self) -> None:
        while self.running:
            self.peak_kb = max(self.peak_kb, status_kb(self.pid, "VmRSS"))
            time.sleep(0.02)


def worker_of(master: int) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.2)
    raise SystemExit("gunicorn started no worker")


def serve(env: dict, directory: Path) -> tuple[subprocess.Popen, int]:
    from bench.pages import _free_port

    port = _free_port()
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "patternwork.wsgi",
        *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "300"),
        *("--pythonpath", str(ROOT), "--control-socket", str(directory / "gunicorn.ctl")),
        *("--error-logfile", "-", "--log-level", "warning"),
    ]
    server = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return server, port
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("gunicorn did not start")


def _get(port: int, path: str, cookie: str) -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    connection.request("GET", path, headers={"Cookie": cookie})
    response = connection.getresponse()
    body = response.read()
    headers = dict(response.getheaders())
    headers["Set-Cookie"] = "; ".join(response.msg.get_all("Set-Cookie") or [])
    connection.close()
    return response.status, headers, body


def upload(port: int, plan: dict, cookie: str, csrf: str, wav: Path) -> int:
    boundary = "----patternwork-bench-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
        f'{csrf}\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="session.wav"\r\nContent-Type: audio/wav\r\n\r\n'
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    connection.putrequest("POST", plan["upload"])
    connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    connection.putheader("Content-Length", str(len(head) + wav.stat().st_size + len(tail)))
    connection.putheader("Cookie", cookie)
    connection.putheader("Referer", f"http://127.0.0.1:{port}{plan['page']}")
    connection.endheaders()
    connection.send(head)
    with wav.open("rb") as source:
        while piece := source.read(PIECE):
            connection.send(piece)
    connection.send(tail)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status


def play(port: int, path: str, cookie: str) -> tuple[int, str, int]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    connection.request("GET", path, headers={"Cookie": cookie})
    response = connection.getresponse()
    digest, size = hashlib.sha256(), 0
    while piece := response.read(PIECE):
        digest.update(piece)
        size += len(piece)
    connection.close()
    return response.status, digest.hexdigest(), size


def main(megabytes: int, write: bool) -> int:
    from bench.pages import app_env_file

    directory = Path(tempfile.mkdtemp(prefix="patternwork-recordings-"))
    me = [sys.executable, __file__]
    env = app_env_file(directory)
    server = None
    try:
        print(f"Recordings: a {megabytes} MB upload through gunicorn (1 sync worker)", flush=True)
        subprocess.run([*me, "prepare", str(directory)], env=env, cwd=ROOT, check=True)  # noqa: S603
        plan = json.loads((directory / "plan.json").read_text())
        wav = directory / "session.wav"
        original = make_wav(wav, megabytes)
        server, port = serve(env, directory)
        worker = worker_of(server.pid)
        session = f"sessionid={plan['cookie']}"
        status, headers, _page = _get(port, plan["page"], session)
        csrf = re.search(r"csrftoken=([^;]+)", headers.get("Set-Cookie", ""))
        if status != 200 or csrf is None:
            raise SystemExit(f"the session page answered {status} without a CSRF cookie")
        cookie = f"{session}; csrftoken={csrf.group(1)}"
        _get(port, plan["page"], cookie)  # warm: templates and imports loaded
        baseline = status_kb(worker, "VmRSS")
        hwm_before = status_kb(worker, "VmHWM")
        sampler = Sampler(worker)
        sampler.start()
        started = time.perf_counter()
        answered = upload(port, plan, cookie, csrf.group(1), wav)
        upload_s = time.perf_counter() - started
        upload_peak = sampler.peak_kb
        upload_hwm = status_kb(worker, "VmHWM")
        if answered != 302:
            raise SystemExit(f"the upload answered {answered}, not a redirect")
        subprocess.run([*me, "url", str(directory)], env=env, cwd=ROOT, check=True)  # noqa: S603
        recording = json.loads((directory / "recording.json").read_text())
        started = time.perf_counter()
        played, digest, size = play(port, recording["url"], cookie)
        play_s = time.perf_counter() - started
        sampler.running = False
        sampler.join()
        play_hwm = status_kb(worker, "VmHWM")
    finally:
        if server is not None:
            os.killpg(server.pid, 15)
            server.wait(timeout=30)
        shutil.rmtree(directory, ignore_errors=True)
    mb = 1024
    rows = {
        "worker baseline VmRSS": f"{baseline / mb:.1f} MB (VmHWM {hwm_before / mb:.1f} MB)",
        "peak VmRSS during the upload": f"{upload_peak / mb:.1f} MB",
        "upload: peak above baseline": f"{(upload_peak - baseline) / mb:.1f} MB",
        "VmHWM after the upload": f"{upload_hwm / mb:.1f} MB (+{(upload_hwm - baseline) / mb:.1f} MB)",
        "VmHWM after playing it all back": f"{play_hwm / mb:.1f} MB (+{(play_hwm - baseline) / mb:.1f} MB)",
        "upload / playback wall time": f"{upload_s:.1f} s / {play_s:.1f} s",
        "stored (sealed) size": f"{recording['stored']:,} bytes for {megabytes * 1_000_000:,}",
        "playback identical to the upload": "yes"
        if (played, digest, size) == (200, original, megabytes * 1_000_000)
        else "NO",
    }
    for name, value in rows.items():
        print(f"  {name:<36}{value}")
    worst = max(upload_hwm, play_hwm) - baseline
    ok = worst < TARGET_MB * mb and rows["playback identical to the upload"] == "yes"
    print(
        f"Target (worker under {TARGET_MB} MB above baseline, by VmHWM): "
        f"{'met' if ok else 'MISSED'} (+{worst / mb:.1f} MB)"
    )
    if write:
        _write_results(megabytes, rows, ok)
    return 0 if ok else 1


def _write_results(megabytes: int, rows: dict, ok: bool) -> None:
    from bench.run import _machine

    results = ROOT / "bench" / "RESULTS.md"
    text = results.read_text()
    start, end = "<!-- recordings -->", "<!-- /recordings -->"
    table = "\n".join(f"| {name} | {value} |" for name, value in rows.items())
    section = (
        f"{start}\n## Session recordings: memory of a {megabytes} MB upload\n\n"
        f'`make bench BENCH_ARGS="recordings --write"` ({_machine()}; gunicorn, 1 sync worker, '
        f"production settings on SQLite; the worker's /proc status sampled every 20 ms).\n\n"
        f"| measure | value |\n| --- | --- |\n{table}\n\n"
        f"Target: the worker stays under {TARGET_MB} MB above its baseline: "
        f"{'met' if ok else 'MISSED'}.\n{end}"
    )
    if start in text:
        text = text[: text.index(start)] + section + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    results.write_text(text)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    step = sys.argv[1]
    if step == "prepare":
        prepare(Path(sys.argv[2]))
    elif step == "url":
        recording_url(Path(sys.argv[2]))
