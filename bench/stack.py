"""Pieces the scale test and the crash soak share: real app processes, started and killed.

Everything here runs gunicorn (and `manage.py` commands) as separate processes with the
production settings module, as a deployment would; nothing serves from inside the caller.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from base64 import b64encode
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def app_env(var: Path, **extra: str) -> dict[str, str]:
    """Production settings with fresh keys, the instance's files under `var`."""
    var.mkdir(parents=True, exist_ok=True)
    env = {
        key: value
        for key, value in os.environ.items()
        # The caller's test settings and keys must not leak into the production processes.
        if not key.startswith(("DJANGO_", "PATTERNWORK_", "SECRET_KEY", "DATABASE_URL"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "patternwork.settings",
            "PATTERNWORK_VAR_DIR": str(var),
            "SECRET_KEY": secrets.token_hex(32),
            "SECRET_KEY_FILE": "",
            "PATTERNWORK_ENCRYPTION_KEYS": b64encode(secrets.token_bytes(32)).decode(),
            "PATTERNWORK_ENCRYPTION_KEYS_FILE": "",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "PATTERNWORK_SUGGESTION_MODEL": "off",
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update(extra)
    return env


def _run(env: dict[str, str], argv: list[str], what: str) -> str:
    """Run a Python process in the repository; stop the bench with its output if it fails."""
    done = subprocess.run(  # noqa: S603
        [sys.executable, *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{what} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def manage(env: dict[str, str], *args: str, quiet: bool = True) -> str:
    return _run(env, ["manage.py", *args], f"manage.py {' '.join(args)}")


def python(env: dict[str, str], code: str) -> str:
    """Run `code` in a fresh process with Django set up from `env`; return its stdout."""
    prelude = "import django\ndjango.setup()\n"
    return _run(env, ["-c", prelude + code], "a helper process")


def start_gunicorn(
    env: dict[str, str], port: int, log: Path, *, workers: int = 2, threads: int = 1
) -> subprocess.Popen:
    """gunicorn in its own process group (so kill -9 can take the master and workers)."""
    command = [
        str(BIN / "gunicorn"),
        "patternwork.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        # Its own control socket: by default every gunicorn on the machine shares one path.
        "--control-socket",
        str(log.with_suffix(".ctl")),
        "--error-logfile",
        str(log),
        "--log-level",
        "warning",
    ]
    with log.open("ab") as out:
        return subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def wait_healthy(url: str, process: subprocess.Popen | None = None, timeout: float = 90) -> None:
    context = ssl._create_unverified_context()  # noqa: S323 - loopback, self-signed
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise SystemExit(f"the process serving {url} exited ({process.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2, context=context) as answer:  # noqa: S310
                if answer.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {timeout:.0f} s")


def kill_group(process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    """Signal the process's whole group: a gunicorn master and all its workers at once."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    kill_group(process, signal.SIGTERM)


def staff_session(user) -> str:
    """A session as the two-step login leaves it (both factors), made in the database."""
    from django.test import Client
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY

    from patternwork.accounts.middleware import SESSION_STARTED
    from patternwork.accounts.models import TOTPDevice

    browser = Client()
    browser.force_login(user)
    session = browser.session
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[SESSION_STARTED] = timezone.now().isoformat()
    session.save()
    return session.session_key
