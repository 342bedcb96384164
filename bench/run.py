"""`make bench`: the service outcome report over a synthetic national service.

    bench/run.py [--courses 1000000] [--seed 1] [--repeat 3] [--skip-postgres] [--dir DIR]

Generates the courses and scores once, then in separate processes:
- DuckDB over the rows as Parquet (the near-limit reference, computed from raw scores);
- SQLite (a temporary file) and PostgreSQL (a throwaway server from
  scripts/with_postgres.py): load through the real schema, build the outcome summaries
  from the raw scores in SQL, then time `patternwork.reports.selectors.service_report`
  in a fresh Django process and take that process's peak memory.
Prints the timings, checks that all three give identical figures and that the targets
hold (PostgreSQL <= 3x DuckDB, SQLite <= 10x DuckDB, Django process < 500 MB), and exits
non-zero when they do not. Then, each in its own process:
- the list throughput of the staff pages and the REST API side by side
  (`bench/throughput.py`; `bench/run.py throughput` alone);
- the category ranker's top-1 and top-3 on the held-out synthetic fragments, written to
  bench/RESULTS.md (`bench/ranker.py`; `bench/run.py ranker` alone);
- the cost of recording an attended session with PHQ-9 and GAD-7 through the services
  (`bench/write_cost.py`; `bench/run.py write` alone; target 4 ms);
- the main pages under a load generator against a ceiling app (`bench/pages.py`;
  `bench/run.py pages [--database postgresql] [--write]` alone; needs wrk; target half the
  ceiling);
- the memory of a 150 MB session recording's upload and playback under gunicorn
  (`bench/recordings.py`; `bench/run.py recordings [--upload-mb 150] [--write]` alone;
  target: the worker stays under 100 MB above its baseline).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import pages, ranker, recordings, throughput, write_cost  # noqa: E402
from bench import service_report as synthetic  # noqa: E402  (needs the path above)

TARGETS = {"postgresql": 3, "sqlite": 10}
MEMORY_LIMIT_MB = 500


def _peak_rss_mb() -> float:
    """This process's peak resident memory.

    VmHWM belongs to the process's own address space; getrusage's ru_maxrss would also
    count the parent's memory at the fork that started this process.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "patternwork.settings_test")
    import django

    django.setup()


def _run(command: list[str], env: dict | None = None) -> None:
    print(f"  $ {' '.join(command[-4:])}", flush=True)
    subprocess.run(command, check=True, env=env, cwd=ROOT)  # noqa: S603


def _dataset(args) -> synthetic.Dataset:
    meta = json.loads((Path(args.dir) / "dataset.json").read_text())
    return synthetic.Dataset(Path(args.dir), meta["courses"], meta["scores"])


def engine(args) -> None:
    """Load the dataset into the configured database, then time the report in a new process."""
    _django()
    from django.core.management import call_command
    from django.db import connection

    vendor = connection.vendor
    if vendor == "sqlite":
        with connection.cursor() as cursor:
            for pragma in ("synchronous=OFF", "cache_size=-400000", "temp_store=MEMORY"):
                cursor.execute(f"PRAGMA {pragma}")
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrate = round(time.perf_counter() - started, 2)
    loaded = synthetic.load(_dataset(args))
    timings = {"migrate": migrate, **loaded["timings"]}
    print(f"  {vendor} load: {timings}", flush=True)
    result = Path(args.dir) / f"result-{vendor}.json"
    _run([sys.executable, __file__, "report", "--dir", args.dir, "--repeat", str(args.repeat)])
    data = json.loads(result.read_text())
    data["load"] = timings
    result.write_text(json.dumps(data))


def report(args) -> None:
    """Time the real service_report in a fresh Django process (the measured process)."""
    _django()
    from django.db import connection

    from patternwork.accounts.models import Practice
    from patternwork.reports.selectors import service_report

    practice = Practice.objects.get(slug=synthetic.PRACTICE_SLUG)
    connection.ensure_connection()
    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        result = service_report(practice)
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    service_report(practice)
    _, python_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    data = {
        "engine": connection.vendor,
        "version": _version(connection),
        "times": times,
        "seconds": statistics.median(times),
        "rss_mb": _peak_rss_mb(),
        "python_heap_mb": python_peak / 2**20,
        "figures": synthetic.report_figures(result),
    }
    (Path(args.dir) / f"result-{connection.vendor}.json").write_text(json.dumps(data))


def _version(connection) -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return cursor.fetchone()[0].split()[0]
    return sqlite3.sqlite_version


def duck(args) -> None:
    """The DuckDB reference: export to Parquet, then time the figures from raw scores."""
    import duckdb

    # Only for the thresholds in force (PATTERNWORK_OUTCOME_THRESHOLDS), as the report reads them.
    _django()
    from patternwork.measures.config import outcome_config

    dataset = _dataset(args)
    connection = duckdb.connect()
    started = time.perf_counter()
    courses, scores = synthetic.export_parquet(dataset, connection)
    export = time.perf_counter() - started
    sql = synthetic.duckdb_sql(courses, scores, outcome_config())
    times, figures = [], None
    for _ in range(args.repeat):
        started = time.perf_counter()
        figures = synthetic.duckdb_figures(connection, sql)
        times.append(time.perf_counter() - started)
    data = {
        "engine": "duckdb",
        "version": duckdb.__version__,
        "times": times,
        "seconds": statistics.median(times),
        "rss_mb": _peak_rss_mb(),
        "load": {"parquet export": round(export, 2)},
        "figures": figures,
    }
    (Path(args.dir) / "result-duckdb.json").write_text(json.dumps(data))


def _machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {memory:.0f} GiB, Python {platform.python_version()}"


def main(args) -> int:
    directory = Path(args.dir or tempfile.mkdtemp(prefix="patternwork-bench-"))
    args.dir = str(directory)
    print(f"Machine: {_machine()}")
    print(f"Generating {args.courses:,} finished courses (seed {args.seed}) in {directory}")
    started = time.perf_counter()
    dataset = synthetic.generate(directory, courses=args.courses, seed=args.seed)
    print(
        f"  {dataset.scores:,} sessions with PHQ-9 and GAD-7 in {time.perf_counter() - started:.1f} s"
    )
    (directory / "dataset.json").write_text(
        json.dumps({"courses": dataset.courses, "scores": dataset.scores})
    )
    me = [sys.executable, __file__]
    common = ["--dir", args.dir, "--repeat", str(args.repeat)]
    try:
        print("DuckDB (Parquet)", flush=True)
        _run([*me, "duckdb", *common])
        print("SQLite (temporary file)", flush=True)
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{directory / 'bench.sqlite3'}"}
        _run([*me, "engine", *common], env=env)
        engines = ["duckdb", "sqlite"]
        if not args.skip_postgres:
            print("PostgreSQL (throwaway server)", flush=True)
            _run(
                [
                    sys.executable,
                    str(ROOT / "scripts/with_postgres.py"),
                    "--",
                    *me,
                    "engine",
                    *common,
                ]
            )
            engines.append("postgresql")
        results = {
            name: json.loads((directory / f"result-{name}.json").read_text()) for name in engines
        }
    finally:
        if not args.keep:
            shutil.rmtree(directory, ignore_errors=True)
    status = _summarise(results, dataset)
    _run([*me, "throughput", "--rows", str(args.rows), "--requests", str(args.requests)])
    _run([*me, "ranker"])
    # The write cost and the pages report their own missed targets; a miss fails the run.
    load = [
        *("--duration", str(args.duration), "--rounds", str(args.rounds)),
        *("--concurrency", args.concurrency, "--workers", str(args.workers)),
        *("--worker-class", args.worker_class),
        *("--threads", str(args.threads), *(["--write"] if args.write else [])),
    ]
    parts = [
        [*me, "write", "--writes", str(args.writes)],
        [*me, "pages", *load],
        [*me, "recordings", "--upload-mb", str(args.upload_mb)],
    ]
    codes = [subprocess.run(part, cwd=ROOT, check=False).returncode for part in parts]  # noqa: S603
    return status or max(codes)


def _summarise(results: dict, dataset: synthetic.Dataset) -> int:
    reference = results["duckdb"]
    print()
    print(
        f"Service report over {dataset.courses:,} finished courses ({dataset.scores:,} score rows)"
    )
    print(f"{'engine':<22}{'report (median)':>16}{'runs':>26}{'x DuckDB':>10}{'peak RSS':>11}")
    failures = []
    for name, data in results.items():
        ratio = data["seconds"] / reference["seconds"]
        runs = ", ".join(f"{t:.3f}" for t in data["times"])
        print(
            f"{name + ' ' + data['version']:<22}{data['seconds']:>14.3f} s{runs:>26}"
            f"{ratio:>9.2f}x{data['rss_mb']:>8.0f} MB"
        )
        if name in TARGETS and ratio > TARGETS[name]:
            failures.append(f"{name} took {ratio:.2f}x DuckDB's time (target {TARGETS[name]}x)")
        if name != "duckdb" and data["rss_mb"] >= MEMORY_LIMIT_MB:
            failures.append(f"{name}: Django process peaked at {data['rss_mb']:.0f} MB")
    for name, data in results.items():
        print(f"  {name} preparation (s, not part of the report): {data['load']}")
        if "python_heap_mb" in data:
            print(f"  {name} Python heap peak during one report: {data['python_heap_mb']:.2f} MB")
    figures = {name: data["figures"] for name, data in results.items()}
    agree = all(value == reference["figures"] for value in figures.values())
    print(f"Figures agree exactly across {', '.join(figures)}: {'yes' if agree else 'NO'}")
    for key, value in reference["figures"].items():
        others = {name: f[key] for name, f in figures.items() if f[key] != value}
        print(f"  {key:<24}{value!s:>14}{'  differs: ' + str(others) if others else ''}")
    if not agree:
        failures.append("the engines disagree")
    for failure in failures:
        print(f"TARGET MISSED: {failure}")
    if not failures:
        print("All targets met.")
    return 1 if failures else 0


def parse(argv: list[str]):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "step",
        nargs="?",
        default="all",
        choices=[
            "all",
            "engine",
            "report",
            "duckdb",
            "throughput",
            "ranker",
            "write",
            "pages",
            "recordings",
        ],
    )
    parser.add_argument("--courses", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", help="work folder (default: a new temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--rows", type=int, default=50, help="rows per list page (throughput)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per list")
    parser.add_argument("--writes", type=int, default=60, help="timed writes per way (write)")
    parser.add_argument("--profile", action="store_true", help="cProfile the writes (write)")
    parser.add_argument("--sql", action="store_true", help="print one write's SQL (write)")
    parser.add_argument("--duration", type=int, default=5, help="seconds per load run (pages)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (pages)")
    parser.add_argument("--concurrency", default="8,32", help="connections, comma-separated")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per app (pages)")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class (pages)")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    parser.add_argument("--only", default="", help="page names, comma-separated (pages)")
    parser.add_argument(
        "--database",
        choices=pages.DATABASES,
        default="sqlite",
        help="what Patternwork runs on (pages): a SQLite file, or a throwaway PostgreSQL 15",
    )
    parser.add_argument(
        "--write", action="store_true", help="put the pages (or recordings) table in RESULTS.md"
    )
    parser.add_argument("--upload-mb", type=int, default=150, help="upload size (recordings)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse(sys.argv[1:])
    steps = {
        "engine": engine,
        "report": report,
        "duckdb": duck,
        "throughput": lambda args: sys.exit(throughput.main(args.rows, args.requests)),
        "ranker": lambda args: sys.exit(ranker.main(["--split", "held", "--write"])),
        "write": lambda args: sys.exit(write_cost.main(args.writes, args.profile, args.sql)),
        "pages": lambda args: sys.exit(pages.run(args)),
        "recordings": lambda args: sys.exit(recordings.main(args.upload_mb, args.write)),
    }
    if arguments.step == "all":
        sys.exit(main(arguments))
    steps[arguments.step](arguments)
