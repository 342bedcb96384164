"""Run a command against a throwaway PostgreSQL server, then stop and remove it.

Usage: with_postgres.py [--durable] -- COMMAND [ARGS...]

The server lives in a fresh temporary directory, listens only on a Unix socket in
that directory (no TCP port to collide with), and is stopped and deleted afterwards,
also when the command fails or the run is interrupted. initdb refuses to run as
root, so as root the server runs as the `postgres` user. `throwaway_server` is the same
server for a Python caller (the pages benchmark).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
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


@contextlib.contextmanager
def throwaway_server(*, durable: bool = False) -> Iterator[dict[str, str]]:
    """Start a throwaway server; yield the environment that reaches it; stop and remove it.

    Without `durable` the server skips fsync (the test suite's speed); with it, commits wait
    for the disk as a deployment's do, for timings that compare with a synced SQLite file.
    """
    for tool in ("initdb", "pg_ctl"):
        if not (PG_BIN / tool).exists():
            raise ServerError(f"{PG_BIN / tool} not found; install PostgreSQL 15.")
    root = Path(tempfile.mkdtemp(prefix="patternwork-pg-"))
    data, log = root / "data", root / "server.log"
    if os.geteuid() == 0:
        account = pwd.getpwnam(SERVER_USER)
        os.chown(root, account.pw_uid, account.pw_gid)
    # A SIGTERM unwinds like Ctrl-C, so the server is stopped and removed either way.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    started = False
    try:
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
                    *([] if durable else ["--no-sync"]),
                ],
                stdout=subprocess.DEVNULL,
            )
            options = f"-c listen_addresses='' -k {root} -p {PORT}"
            if not durable:
                options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            _run(
                [
                    str(PG_BIN / "pg_ctl"),
                    *("-D", str(data), "-l", str(log), "-o", options, "-w", "start"),
                ],
                stdout=subprocess.DEVNULL,
            )
        except subprocess.CalledProcessError as exc:
            tail = log.read_text(errors="replace")[-4000:] if log.exists() else ""
            raise ServerError(f"{exc}\n{tail}") from exc
        started = True
        yield {
            "DATABASE_URL": "postgres://postgres@/postgres",
            "PGHOST": str(root),
            "PGPORT": PORT,
            "PGUSER": "postgres",
            "PATH": f"{os.environ.get('PATH', '')}:{PG_BIN}",
        }
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
        signal.signal(signal.SIGTERM, previous)


class ServerError(Exception):
    """The server could not be set up (missing binaries, initdb or start failed)."""


def main(argv: list[str]) -> int:
    if "--" not in argv or argv.index("--") == len(argv) - 1:
        print("usage: with_postgres.py [--durable] -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    command = argv[argv.index("--") + 1 :]
    durable = "--durable" in argv[: argv.index("--")]
    try:
        with throwaway_server(durable=durable) as server:
            print(f"PostgreSQL running on socket {server['PGHOST']} (throwaway)", flush=True)
            env = {**os.environ, **server}
            return subprocess.run(command, env=env, check=False).returncode  # noqa: S603
    except ServerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
