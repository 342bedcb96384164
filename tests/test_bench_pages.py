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
