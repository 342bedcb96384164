"""The production configuration under deploy/ agrees with the settings it feeds.

Several app processes behind one proxy only work if no shared state lives in one
process's memory, and if the proxy never replays a write; both are checked here.
"""

import re
from importlib import import_module
from pathlib import Path

from django.conf import settings

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "deploy"
READ = re.compile(r"env_(?:str|bool|int|list|secret|base_url)\(\s*\"([A-Z_]+)\"")


def settings_read() -> set[str]:
    source = (REPO / "patternwork" / "settings.py").read_text()
    return set(READ.findall(source))


def env_example() -> dict[str, str]:
    lines = (DEPLOY / "patternwork.env.example").read_text().splitlines()
    pairs = (line.split("=", 1) for line in lines if line and not line.startswith("#"))
    return dict(pairs)


def test_the_example_env_sets_every_setting_the_settings_read():
    example = env_example()
    names = settings_read()
    assert {"PATTERNWORK_TRUSTED_PROXIES", "DATABASE_URL", "PATTERNWORK_ENCRYPTION_KEYS"} <= names
    missing = {n for n in names if n not in example and f"{n}_FILE" not in example}
    assert not missing
    # Behind nginx: one trusted proxy, the scheme from its header, HTTPS on.
    assert example["PATTERNWORK_TRUSTED_PROXIES"] == "1"
    assert example["SECURE_PROXY_SSL_HEADER"] == "true"
    assert example["DATABASE_URL"].startswith("postgres://")


def test_no_shared_state_lives_in_a_process():
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.dummy.DummyCache"
    engine = import_module(settings.SESSION_ENGINE).SessionStore
    assert issubclass(engine, import_module("django.contrib.sessions.backends.db").SessionStore)
    assert settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend" or (
        # The test settings run tasks inline; production's queue is checked in its source.
        'TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"'
        in (REPO / "patternwork" / "settings.py").read_text()
    )


def test_nginx_retries_only_what_is_safe_to_send_again():
    conf = (DEPLOY / "nginx" / "patternwork.conf").read_text()
    directives = [line.split("#")[0].strip() for line in conf.splitlines()]
    retry = [d for d in directives if d.startswith("proxy_next_upstream ")]
    assert len(retry) == 1
    assert "non_idempotent" not in retry[0]
    upstream = conf.split("upstream patternwork_app {")[1].split("}")[0]
    assert len(re.findall(r"^\s*server 127\.0\.0\.1:\d+", upstream, re.MULTILINE)) >= 2
    assert "proxy_set_header X-Forwarded-Proto https;" in directives
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in directives


def test_every_unit_reads_the_env_file_and_runs_unprivileged():
    units = sorted((DEPLOY / "systemd").glob("*.service"))
    assert {u.name for u in units} >= {
        "patternwork-web@.service",
        "patternwork-worker.service",
        "patternwork-migrate.service",
    }
    for unit in units:
        text = unit.read_text()
        assert "EnvironmentFile=/etc/patternwork/patternwork.env" in text
        assert "User=patternwork" in text
