"""Run a command against a throwaway PostgreSQL server, then stop and remove it.

Usage: with_postgres.py -- COMMAND [ARGS...]

The server lives in a fresh temporary directory, listens only on a Unix socket in
that directory (no TCP port to collide with), and is stopped and deleted afterwards,
also when the command fails or the run is interrupted. initdb refuses to run as
root, so as root the server runs as the `postgres` user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

PG_BIN = Path(os.environ.get("PATTERNWORK_PG_BIN", "/usr/lib/postgresql/15/bin"))
SERVER_USER = "postgres"
PORT = "5432"


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", SERVER_USER, "--", *command]
    return ["su", "-s", "/bin/sh", SERVER_USER, "-c", " ".join(map(_quote, command))]


def _quote(part: str) -> str:
    return "'" + part.replace("'", "'\"'\"'") + "'"


def _run(command: list[str], **kwargs) -> None:
    subprocess.run(_as_server_user(command), check=True, **kwargs)  # noqa: S603


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str]) -> int:
    if "--" not in argv or argv.index("--") == len(argv) - 1:
        print("usage: with_postgres.py -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    command = argv[argv.index("--") + 1 :]
    for tool in ("initdb", "pg_ctl"):
        if not (PG_BIN / tool).exists():
            print(f"error: {PG_BIN / tool} not found; install PostgreSQL 15.", file=sys.stderr)
            return 2

    signal.signal(signal.SIGTERM, _interrupt)
    root = Path(tempfile.mkdtemp(prefix="patternwork-pg-"))
    data, log = root / "data", root / "server.log"
    if os.geteuid() == 0:
        account = pwd.getpwnam(SERVER_USER)
        os.chown(root, account.pw_uid, account.pw_gid)
    started = False
    try:
        _run(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
            stdout=subprocess.DEVNULL,
        )
        options = (
            f"-c listen_addresses='' -k {root} -p {PORT} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        _run(
            [str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"],
            stdout=subprocess.DEVNULL,
        )
        started = True
        env = {
            **os.environ,
            "DATABASE_URL": "postgres://postgres@/postgres",
            "PGHOST": str(root),
            "PGPORT": PORT,
            "PGUSER": "postgres",
            "PATH": f"{os.environ.get('PATH', '')}:{PG_BIN}",
        }
        print(f"PostgreSQL running on socket {root} (throwaway)", flush=True)
        return subprocess.run(command, env=env, check=False).returncode  # noqa: S603
    except subprocess.CalledProcessError as exc:
        print(f"error: {exc}", file=sys.stderr)
        if log.exists():
            print(log.read_text(errors="replace")[-4000:], file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        if started:
            subprocess.run(  # noqa: S603
                _as_server_user(
                    [str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
                ),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=False,
            )
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
