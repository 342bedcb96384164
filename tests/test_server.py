"""The production stack as `make run` starts it: gunicorn, WhiteNoise, SQLite under var/.

Drives the real login of the printed demo therapist over HTTP.
"""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from binascii import unhexlify
from pathlib import Path

import pytest
from django_otp.oath import TOTP

from patternwork.demo import seed

# It starts gunicorn: `make test` runs it, `make test-fast` leaves it out.
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture(scope="module")
def server(tmp_path_factory, migrated_sqlite):
    var = tmp_path_factory.mktemp("var")
    (var / "secret_key").write_text("server-test-secret-" + "s" * 40)
    (var / "encryption_keys").write_text("c2VydmVyLXRlc3QtZW5jcnlwdGlvbi1rZXktMzJieSE=")
    port = free_port()
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "patternwork.settings",
        "PATTERNWORK_VAR_DIR": str(var),
        "SECRET_KEY_FILE": str(var / "secret_key"),
        "PATTERNWORK_ENCRYPTION_KEYS_FILE": str(var / "encryption_keys"),
        "PATTERNWORK_HTTPS": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    # The migrated copy of the test database stands in for migrating from nothing, which
    # costs a process as much as the test database's first migration; `migrate` then
    # checks that nothing is left to apply.
    migrated_sqlite(var / "patternwork.sqlite3")
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"], ["seed_demo"]):
        subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *command],
            cwd=REPO,
            env=env,
            check=True,
            capture_output=True,
        )
    log = (var / "gunicorn.log").open("wb")
    process = subprocess.Popen(  # noqa: S603
        [
            str(BIN / "gunicorn"),
            "patternwork.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1):  # noqa: S310
                break
        except OSError:
            # Refused before gunicorn listens; timed out while a busy machine still boots
            # the workers.
            time.sleep(0.1)
    else:
        process.kill()
        log.close()
        pytest.fail(f"gunicorn did not start: {(var / 'gunicorn.log').read_text()[-2000:]}")
    yield base
    process.terminate()
    process.wait(timeout=10)
    log.close()


def opener():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect), jar


def fetch(open_, url, data=None):
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        with open_.open(url, data=body, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as redirect:
        with redirect:
            return redirect.code, redirect.headers, redirect.read().decode()


def csrf(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_server_serves_login_page_static_files_and_health(server):
    open_, _ = opener()

    status, headers, html = fetch(open_, f"{server}/login/")
    css = re.search(r'href="(/static/patternwork/app\.[0-9a-f]+\.css)"', html).group(1)
    css_status, css_headers, _ = fetch(open_, server + css)
    health_status, _, health = fetch(open_, f"{server}/healthz")

    assert status == 200
    assert "Log in" in html
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert css_status == 200
    assert "max-age" in css_headers["Cache-Control"]
    assert (health_status, health) == (200, '{"status": "ok", "database": "ok"}')


def test_server_demo_therapist_logs_in_and_sees_the_caseload(server):
    open_, _ = opener()
    _, _, html = fetch(open_, f"{server}/login/")

    status, headers, _ = fetch(
        open_,
        f"{server}/login/",
        {
            "csrfmiddlewaretoken": csrf(html),
            "email": seed.THERAPIST.email,
            "password": seed.DEMO_PASSWORD,
        },
    )
    assert (status, headers["Location"]) == (302, "/login/verify/?next=%2Fcaseload%2F")

    _, _, verify = fetch(open_, f"{server}/login/verify/?next=%2Fcaseload%2F")
    code = TOTP(unhexlify(seed.demo_totp_key(seed.THERAPIST.email))).token()
    status, headers, _ = fetch(
        open_,
        f"{server}/login/verify/",
        {"csrfmiddlewaretoken": csrf(verify), "token": f"{code:06d}", "next": "/caseload/"},
    )
    assert (status, headers["Location"]) == (302, "/caseload/")

    # `/` is the public list of practices; a logged-in member goes on to the caseload.
    status, headers, _ = fetch(open_, f"{server}/")
    assert (status, headers["Location"]) == (302, "/caseload/")

    status, headers, caseload = fetch(open_, f"{server}/caseload/")
    assert status == 200
    assert "<h1>Caseload</h1>" in caseload
    assert headers["Cache-Control"] == "no-store"
