"""The pages benchmark's choices that can go wrong without a run: which database it
serves from, where each database's table goes, and when a kept folder may be reused."""

import json

import pytest

from bench import pages
from bench import run as bench_run


def test_pages_run_on_sqlite_unless_postgresql_is_asked_for():
    assert bench_run.parse(["pages"]).database == "sqlite"
    assert bench_run.parse(["pages", "--database", "postgresql"]).database == "postgresql"
    with pytest.raises(SystemExit):
        bench_run.parse(["pages", "--database", "mysql"])


def test_each_database_writes_its_own_table():
    sqlite, postgresql = pages.markers("sqlite"), pages.markers("postgresql")

    assert sqlite == ("<!-- pages:start -->", "<!-- pages:end -->")
    assert set(sqlite).isdisjoint(postgresql)
    text = pages.RESULTS.read_text()
    assert all(text.count(marker) == 1 for marker in (*sqlite, *postgresql))


@pytest.mark.parametrize(
    ("prepared_on", "asked", "reused"),
    [
        ("sqlite", "sqlite", True),
        (None, "sqlite", True),  # a folder kept before plans named their database
        ("postgresql", "sqlite", False),  # its data went with its server
        ("postgresql", "postgresql", False),
        ("sqlite", "postgresql", False),
    ],
)
def test_a_kept_folder_is_reused_only_for_a_sqlite_file(tmp_path, prepared_on, asked, reused):
    plan = {"users": {}, "pages": []}
    if prepared_on:
        plan["database"] = prepared_on
    (tmp_path / "plan.json").write_text(json.dumps(plan))

    assert pages._prepared(tmp_path, asked) is reused


def test_each_page_is_compared_with_the_ceiling_runs_around_it(tmp_path, monkeypatch):
    # The machine slows down steadily through the round: every page runs at exactly half
    # the ceiling's speed of its moment, so every ratio must come out 0.5, which a ratio
    # to one ceiling run at the round's start would not give.
    clock = iter(range(1000))
    served = []

    def fake_wrk(url, cookie, concurrency, duration):
        speed = 1000 - next(clock) * 10
        if url.startswith("ceiling"):
            served.append("C")
            return {"rps": float(speed), "p50": 1.0, "p99": 2.0, "errors": 0}
        served.append("P")
        # A page run happens between two ceiling runs: half their mean speed.
        return {"rps": speed / 2, "p50": 1.0, "p99": 2.0, "errors": 0}

    monkeypatch.setattr(pages, "wrk", fake_wrk)
    monkeypatch.setattr(
        pages, "_serve", lambda module, *rest: (None, "ceiling" if "ceiling" in module else "app")
    )
    monkeypatch.setattr(pages, "_stop", lambda server: None)
    measured = {
        "cookies": {"t": "x"},
        "pages": [{"who": "t", "url": f"/p{n}/"} for n in range(7)],
    }
    args = bench_run.parse(["pages", "--duration", "4", "--rounds", "1", "--concurrency", "8"])
    results = pages.load(tmp_path, {}, measured, args)

    warm_up = len(measured["pages"]) + 1
    assert "".join(served[warm_up:]) == "CPPPCPPPCPC"
    ratios = [results[(n, 8)][0]["ratio"] for n in range(7)]
    assert all(abs(ratio - 0.5) < 0.05 for ratio in ratios), ratios
    assert len(results[("ceiling", 8)]) == 4


def test_the_in_process_cpu_decides_only_a_run_without_the_load_generator(capsys):
    measured = {
        "database": "SQLite file",
        "pages": [
            {"page": "oversight", "data": "demo", "queries": 19, "bytes": 2048, "cpu_ms": 10.0}
        ],
    }
    args = bench_run.parse(["pages", "--concurrency", "8"])
    run = {"rps": 60.0, "ratio": 0.6, "p50": 20.0, "p99": 40.0, "errors": 0}
    loaded = {("ceiling", 8): [{**run, "rps": 100.0, "ratio": 1.0}], (0, 8): [run]}

    # 0.4x the ceiling's CPU, but 0.6x its throughput under load: the target is met.
    assert pages.report(loaded, measured, args, ceiling_cpu=4.0) == 0
    assert "NOTE (in-process CPU" in capsys.readouterr().out
    # Without a load run, the CPU figure is all there is to judge by.
    assert pages.report({}, measured, args, ceiling_cpu=4.0) == 1
    assert "TARGET MISSED: oversight (demo): 0.40x" in capsys.readouterr().out
    # A page short under load is a miss whatever its CPU.
    short = {**loaded, (0, 8): [{**run, "ratio": 0.45}]}
    assert pages.report(short, measured, args, ceiling_cpu=20.0) == 1
