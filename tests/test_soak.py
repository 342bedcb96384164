"""The crash soak, short: 3 runs of gunicorn on SQLite killed with SIGKILL under 8 writers.

`make soak` runs 20 (bench/soak.py). Each run must lose no acknowledged write, keep the
database's integrity, a flag for every risk answer, an audit row for every write and an
unbroken audit chain.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# It starts gunicorn and kills it: `make test` runs it, `make test-fast` leaves it out.
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]


def test_three_kill_runs_lose_no_acknowledged_write(tmp_path):
    figures = tmp_path / "soak.json"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PATTERNWORK_", "SECRET_KEY", "DATABASE_URL"))
    }
    done = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "bench/soak.py",
            "--runs",
            "3",
            "--writers",
            "8",
            "--json",
            str(figures),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    result = json.loads(figures.read_text())
    assert result["summary"]["runs"] == 3
    assert result["summary"]["failed_runs"] == 0
    assert all(run["problems"] == [] for run in result["runs"])
    # The runs wrote before the kill: each acknowledged write was then looked for.
    assert result["summary"]["acknowledged_writes"] > 0
