"""A synthetic national-scale service for the service report benchmark.

Three steps, each usable at any size (the test suite runs them at 500 courses):
- `generate` writes finished courses and one PHQ-9 and GAD-7 total per attended session
  as tab-separated files (pure Python, seeded, so every engine gets the same rows);
- `load` puts them in the database Django is connected to, through the real schema: a
  practice, its therapists, one referral, client and course per course (copied from one
  row made by the ORM, in SQL), the raw scores in a benchmark table, and the per-course
  outcome summaries built from those scores with window functions (`SUMMARY_SQL`);
- `duckdb_figures` computes the same figures with DuckDB over the rows as Parquet, the
  near-limit reference, written independently of the app's SQL.
`report_figures` turns a `ServiceReport` into plain numbers so the three can be compared.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from django.core.management.color import no_style
from django.db import connection, transaction

THERAPISTS = 200
MISSING = 0.02  # share of single scores a client leaves out
EPOCH = dt.date(2022, 1, 3)
DAYS = 2200
PRACTICE_SLUG = "bench-service"
NULL = r"\N"
COURSE_COLUMNS = (
    "course_no",
    "therapist_no",
    "referral_on",
    "started_on",
    "first_session_on",
    "ended_on",
    "attended",
    "dna",
    "last_session_on",
)
SCORE_COLUMNS = ("course_no", "contact", "phq9", "gad7")


@dataclass(frozen=True)
class Dataset:
    directory: Path
    courses: int
    scores: int

    @property
    def courses_path(self) -> Path:
        return self.directory / "courses.tsv"

    @property
    def scores_path(self) -> Path:
        return self.directory / "scores.tsv"


def _clamp(value: float, top: int) -> int:
    return 0 if value < 0 else top if value > top else int(value)


def generate(directory: Path, *, courses: int, seed: int, missing: float = MISSING) -> Dataset:
    """Write `courses` finished courses of 2-20 attended sessions with their scores."""
    rng = random.Random(seed)
    rand = rng.random
    iso = [(EPOCH + dt.timedelta(days=day)).isoformat() for day in range(DAYS)]
    directory.mkdir(parents=True, exist_ok=True)
    rows = 0
    with (
        open(directory / "courses.tsv", "w", encoding="utf-8") as course_file,
        open(directory / "scores.tsv", "w", encoding="utf-8") as score_file,
    ):
        course_lines: list[str] = []
        score_lines: list[str] = []
        for number in range(1, courses + 1):
            sessions = 2 + int(rand() * 19)
            dna = int(rand() * rand() * 5)
            referral = int(rand() * 1095)
            first = referral + int(rand() * rand() * 300)
            started = max(referral, first - int(rand() * 7))
            last = first + 7 * (sessions + dna - 1)
            ended = last + int(rand() * 14)
            therapist = int(rand() * THERAPISTS)
            course_lines.append(
                f"{number}\t{therapist}\t{iso[referral]}\t{iso[started]}\t{iso[first]}"
                f"\t{iso[ended]}\t{sessions}\t{dna}\t{iso[last]}\n"
            )
            phq, gad = rand() * 28, rand() * 22
            phq_step = (phq * (0.15 + rand()) - phq) / (sessions - 1)
            gad_step = (gad * (0.15 + rand()) - gad) / (sessions - 1)
            for contact in range(1, sessions + 1):
                phq_total = NULL if rand() < missing else _clamp(phq + (rand() - 0.5) * 6, 27)
                gad_total = NULL if rand() < missing else _clamp(gad + (rand() - 0.5) * 5, 21)
                score_lines.append(f"{number}\t{contact}\t{phq_total}\t{gad_total}\n")
                phq += phq_step
                gad += gad_step
            rows += sessions
            if len(score_lines) >= 200_000:
                course_file.writelines(course_lines)
                score_file.writelines(score_lines)
                course_lines.clear()
                score_lines.clear()
        course_file.writelines(course_lines)
        score_file.writelines(score_lines)
    return Dataset(directory, courses, rows)


def read_rows(path: Path, *, block: int = 100_000) -> Iterator[list[tuple]]:
    """The rows of a generated file as tuples of int, ISO date text or None, in blocks."""
    rows: list[tuple] = []
    with open(path, encoding="utf-8") as source:
        for line in source:
            rows.append(
                tuple(
                    None if cell == NULL else int(cell) if cell.isdigit() else cell
                    for cell in line.rstrip("\n").split("\t")
                )
            )
            if len(rows) >= block:
                yield rows
                rows = []
    if rows:
        yield rows


def _table_sql(vendor: str) -> list[str]:
    scores_tail = " WITHOUT ROWID" if vendor == "sqlite" else ""
    return [
        "DROP TABLE IF EXISTS bench_score",
        "DROP TABLE IF EXISTS bench_course",
        "DROP TABLE IF EXISTS bench_therapist",
        "CREATE TABLE bench_therapist (therapist_no INTEGER PRIMARY KEY, membership_id BIGINT NOT NULL)",
        "CREATE TABLE bench_course (course_no INTEGER PRIMARY KEY, therapist_no INTEGER NOT NULL,"
        " referral_on DATE, started_on DATE, first_session_on DATE, ended_on DATE,"
        " attended INTEGER NOT NULL, dna INTEGER NOT NULL, last_session_on DATE)",
        "CREATE TABLE bench_score (course_no INTEGER NOT NULL, contact INTEGER NOT NULL,"
        f" phq9 SMALLINT, gad7 SMALLINT, PRIMARY KEY (course_no, contact)){scores_tail}",
    ]


def _copy_file(cursor, table: str, columns: tuple[str, ...], path: Path) -> None:
    if connection.vendor == "postgresql":
        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with cursor.cursor.copy(statement) as copy, open(path, "rb") as source:
            while chunk := source.read(1 << 20):
                copy.write(chunk)
        return
    marks = ", ".join(["%s"] * len(columns))
    insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608  (our own table)
    for rows in read_rows(path):
        cursor.executemany(insert, rows)


# Per-course first and last valid totals of one measure, as outcomes.course_outcome picks
# them: the first by contact order, the last from another contact (each contact has at
# most one score per measure here, so any later row is another contact).
_PAIR_SQL = """
SELECT course_no,
       MAX(CASE WHEN from_first = 1 THEN total END) AS first_total,
       MAX(CASE WHEN from_last = 1 AND from_first > 1 THEN total END) AS last_total,
       COUNT(*) AS scores
FROM (SELECT course_no, {measure} AS total,
             ROW_NUMBER() OVER (PARTITION BY course_no ORDER BY contact) AS from_first,
             ROW_NUMBER() OVER (PARTITION BY course_no ORDER BY contact DESC) AS from_last
      FROM bench_score WHERE {measure} IS NOT NULL) ranked
GROUP BY course_no
"""

# A course's date problems, as the summary stores them (the codes of the plan's
# DateProblem, in its order): a session before the referral, a session after the end.
# `generate` never breaks these rules; loaded test data may.
_DATE_PROBLEMS_SQL = """CASE
    WHEN c.first_session_on < c.referral_on AND c.last_session_on > c.ended_on
        THEN 'session_before_referral,session_after_end'
    WHEN c.first_session_on < c.referral_on THEN 'session_before_referral'
    WHEN c.last_session_on > c.ended_on THEN 'session_after_end'
    ELSE '' END"""

SUMMARY_SQL = """
INSERT INTO measures_outcomesummary
    (course_id, practice_id, therapist_id, referral_received_on, started_on, first_session_on,
     ended_on, ended, attended, did_not_attend, phq9_first, phq9_last, phq9_count,
     gad7_first, gad7_last, gad7_count, date_problems)
SELECT %s + c.course_no, %s, m.membership_id, c.referral_on, c.started_on, c.first_session_on,
       c.ended_on, %s, c.attended, c.dna,
       p.first_total, p.last_total, COALESCE(p.scores, 0),
       g.first_total, g.last_total, COALESCE(g.scores, 0), {date_problems}
FROM bench_course c
JOIN bench_therapist m ON m.therapist_no = c.therapist_no
LEFT JOIN ({phq9}) p ON p.course_no = c.course_no
LEFT JOIN ({gad7}) g ON g.course_no = c.course_no
""".format(
    phq9=_PAIR_SQL.format(measure="phq9"),
    gad7=_PAIR_SQL.format(measure="gad7"),
    date_problems=_DATE_PROBLEMS_SQL,
)


def _uuid_sql() -> str:
    if connection.vendor == "postgresql":
        return "gen_random_uuid()"
    return "lower(hex(randomblob(16)))"  # Django keeps UUIDs as 32 hex digits on SQLite


def _moment_sql(column: str, at: str) -> str:
    if connection.vendor == "postgresql":
        return f"(c.{column} + time '{at}') AT TIME ZONE 'UTC'"
    return f"c.{column} || ' {at}'"  # Django keeps datetimes as UTC text on SQLite


def _clone(cursor, model, template_id: int, overrides: dict[str, str]) -> None:
    """Insert one row per benchmark course: the template row with `overrides` (SQL)."""
    table = model._meta.db_table
    columns = [
        column.name for column in connection.introspection.get_table_description(cursor, table)
    ]
    chosen = [overrides.get(column, f"t.{connection.ops.quote_name(column)}") for column in columns]
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    cursor.execute(
        f"INSERT INTO {table} ({names}) SELECT {', '.join(chosen)} FROM bench_course c"  # noqa: S608  (our own SQL)
        f" JOIN bench_therapist m ON m.therapist_no = c.therapist_no"
        f" CROSS JOIN {table} t WHERE t.id = %s",
        [template_id],
    )


def _templates(practice, therapist):
    from patternwork.clients.models import Client, Referral
    from patternwork.treatment.models import Course

    received = dt.datetime(2024, 1, 1, 9, tzinfo=dt.UTC)
    client = Client.objects.create(
        practice=practice,
        client_number="TEMPLATE",
        full_name="Synthetic Client",
        date_of_birth=dt.date(1990, 1, 1),
        therapist=therapist,
        consent_treatment=True,
    )
    referral = Referral.objects.create(
        practice=practice,
        source=Referral.Source.PROFESSIONAL,
        status=Referral.Status.ACCEPTED,
        received_at=received,
        full_name="Synthetic Client",
        reason="Synthetic benchmark referral.",
        client=client,
    )
    course = Course.objects.create(
        practice=practice,
        client=client,
        therapist=therapist,
        referral=referral,
        state=Course.State.ENDED,
        end_reason=Course.EndReason.COMPLETED,
        started_at=received,
        ended_at=received,
    )
    return client, referral, course


def _staff(practice_name: str):
    from patternwork.accounts.models import Membership, Practice, User

    practice = Practice.objects.create(name=practice_name, slug=PRACTICE_SLUG)
    users = User.objects.bulk_create(
        # "!" is Django's mark for an unusable password: nobody logs in as these.
        User(email=f"therapist{n}@bench.example", full_name=f"Therapist {n:03d}", password="!")  # noqa: S106
        for n in range(THERAPISTS)
    )
    members = Membership.objects.bulk_create(
        Membership(user=user, practice=practice, role=Membership.Role.THERAPIST) for user in users
    )
    return practice, members


def load(dataset: Dataset, *, practice_name: str = "Synthetic national service") -> dict:
    """Load a generated dataset; return the practice and how long each step took (s)."""
    from patternwork.clients.models import Client, Referral
    from patternwork.measures.models import OutcomeSummary
    from patternwork.treatment.models import Course

    timings: dict[str, float] = {}

    def step(name: str, started: float) -> float:
        now = time.perf_counter()
        timings[name] = round(now - started, 2)
        return now

    mark = time.perf_counter()
    with transaction.atomic():
        practice, members = _staff(practice_name)
        client, referral, course = _templates(practice, members[0])
        with connection.cursor() as cursor:
            for statement in _table_sql(connection.vendor):
                cursor.execute(statement)
            cursor.executemany(
                "INSERT INTO bench_therapist (therapist_no, membership_id) VALUES (%s, %s)",
                [(number, member.pk) for number, member in enumerate(members)],
            )
            _copy_file(cursor, "bench_course", COURSE_COLUMNS, dataset.courses_path)
            _copy_file(cursor, "bench_score", SCORE_COLUMNS, dataset.scores_path)
            mark = step("raw rows", mark)
            uuid = _uuid_sql()
            _clone(
                cursor,
                Client,
                client.pk,
                {
                    "id": f"{client.pk} + c.course_no",
                    "public_id": uuid,
                    "client_number": "'S' || c.course_no",
                    "therapist_id": "m.membership_id",
                },
            )
            _clone(
                cursor,
                Referral,
                referral.pk,
                {
                    "id": f"{referral.pk} + c.course_no",
                    "public_id": uuid,
                    "received_at": _moment_sql("referral_on", "09:00:00"),
                    "client_id": f"{client.pk} + c.course_no",
                },
            )
            _clone(
                cursor,
                Course,
                course.pk,
                {
                    "id": f"{course.pk} + c.course_no",
                    "public_id": uuid,
                    "client_id": f"{client.pk} + c.course_no",
                    "referral_id": f"{referral.pk} + c.course_no",
                    "therapist_id": "m.membership_id",
                    "started_at": _moment_sql("started_on", "12:00:00"),
                    "ended_at": _moment_sql("ended_on", "17:00:00"),
                },
            )
            # The templates were only patterns to copy; they are not part of the service.
            for model, pk in ((Course, course.pk), (Referral, referral.pk), (Client, client.pk)):
                cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE id = %s", [pk])  # noqa: S608
            mark = step("referrals, clients, courses", mark)
            cursor.execute(SUMMARY_SQL, [course.pk, practice.pk, True])
            mark = step("outcome summaries from raw scores", mark)
            if connection.vendor == "postgresql":
                models = [Client, Referral, Course, OutcomeSummary]
                for statement in connection.ops.sequence_reset_sql(no_style(), models):
                    cursor.execute(statement)
    if not connection.in_atomic_block:  # VACUUM needs its own transaction
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        step("analyze", mark)
    return {"practice": practice, "timings": timings}


def report_figures(report) -> dict[str, int | str]:
    """A ServiceReport as plain numbers (fractions as text), for exact comparison."""

    def text(value: Fraction | None) -> str:
        return "" if value is None else str(value)

    rates, waits = report.outcomes, report.waits
    return {
        "referrals": report.referrals,
        "started": report.started,
        "finished": report.finished,
        "attended_sessions": report.attended_sessions.total,
        "did_not_attend": report.did_not_attend.count,
        "paired": report.paired.count,
        "without_paired_scores": rates.finished_unpaired,
        "at_caseness": rates.paired_at_caseness,
        "recovery_denominator": rates.recovery.denominator,
        "recovered": rates.recovery.count,
        "reliable_recovery": rates.reliable_recovery.count,
        "reliable_improvement": rates.reliable_improvement.count,
        "reliable_deterioration": rates.reliable_deterioration.count,
        "waits": waits.count,
        "wait_days": waits.total_days,
        "wait_median": text(waits.median_days),
        "within_42_days": waits.within_6_weeks.count,
        "within_126_days": waits.within_18_weeks.count,
    }


def export_parquet(dataset: Dataset, duck) -> tuple[Path, Path]:
    """Convert the generated rows to Parquet with DuckDB (typed as in the databases)."""
    courses, scores = dataset.directory / "courses.parquet", dataset.directory / "scores.parquet"
    course_types = (
        "{'course_no': 'INTEGER', 'therapist_no': 'INTEGER', 'referral_on': 'DATE',"
        " 'started_on': 'DATE', 'first_session_on': 'DATE', 'ended_on': 'DATE',"
        " 'attended': 'INTEGER', 'dna': 'INTEGER', 'last_session_on': 'DATE'}"
    )
    score_types = (
        "{'course_no': 'INTEGER', 'contact': 'INTEGER', 'phq9': 'SMALLINT', 'gad7': 'SMALLINT'}"
    )
    for source, target, types in (
        (dataset.courses_path, courses, course_types),
        (dataset.scores_path, scores, score_types),
    ):
        copy = (
            f"COPY (SELECT * FROM read_csv('{source}', delim='\\t', header=false,"  # noqa: S608  (our own paths and types)
            f" nullstr='\\N', columns={types})) TO '{target}' (FORMAT parquet)"
        )
        duck.execute(copy)
    return courses, scores


def _holds(expression: str, threshold) -> str:
    return f"({expression}) {threshold.comparator.value} {int(threshold.value)}"


def duckdb_sql(courses: Path, scores: Path, config) -> str:
    """The service report's figures in DuckDB SQL, from the raw score rows."""
    dep, anx = config.depression, config.anxiety
    firsts_and_lasts = """
        SELECT course_no, arg_min({m}, contact) AS first,
               CASE WHEN count(*) > 1 THEN arg_max({m}, contact) END AS last
        FROM read_parquet('{scores}') WHERE {m} IS NOT NULL GROUP BY course_no"""
    return f"""
    WITH phq AS ({firsts_and_lasts.format(m="phq9", scores=scores)}),
    gad AS ({firsts_and_lasts.format(m="gad7", scores=scores)}),
    course AS (
        SELECT c.*, phq.first AS pf, phq.last AS pl, gad.first AS gf, gad.last AS gl,
               c.ended_on IS NOT NULL AND c.attended >= 2 AS finished,
               phq.last IS NOT NULL AND gad.last IS NOT NULL AS paired,
               -- A course whose dates break the plan's rules never enters a wait figure.
               CASE WHEN c.first_session_on < c.referral_on OR c.last_session_on > c.ended_on
                    THEN NULL
                    ELSE date_diff('day', c.referral_on, c.first_session_on) END AS wait
        FROM read_parquet('{courses}') c
        LEFT JOIN phq USING (course_no) LEFT JOIN gad USING (course_no)),
    changes AS (
        SELECT *,
            coalesce(pf IS NOT NULL AND {_holds("pf", dep.caseness)}, false)
                OR coalesce(gf IS NOT NULL AND {_holds("gf", anx.caseness)}, false) AS caseness,
            paired AND {_holds("pf - pl", dep.reliable_change)} AS phq_down,
            paired AND NOT {_holds("pf - pl", dep.reliable_change)}
                   AND {_holds("pl - pf", dep.reliable_change)} AS phq_up,
            paired AND {_holds("gf - gl", anx.reliable_change)} AS gad_down,
            paired AND NOT {_holds("gf - gl", anx.reliable_change)}
                   AND {_holds("gl - gf", anx.reliable_change)} AS gad_up
        FROM course),
    outcome AS (
        SELECT *,
            paired AND caseness AND NOT {_holds("pl", dep.caseness)}
                   AND NOT {_holds("gl", anx.caseness)} AS recovered,
            (phq_down OR gad_down) AND NOT (phq_up OR gad_up) AS improved,
            phq_up OR gad_up AS deteriorated
        FROM changes)
    SELECT
        count(*) FILTER (WHERE referral_on IS NOT NULL) AS referrals,
        count(*) FILTER (WHERE started_on IS NOT NULL) AS started,
        count(*) FILTER (WHERE finished) AS finished,
        coalesce(sum(attended) FILTER (WHERE finished), 0) AS attended_sessions,
        coalesce(sum(dna) FILTER (WHERE finished), 0) AS did_not_attend,
        count(*) FILTER (WHERE finished AND paired) AS paired,
        count(*) FILTER (WHERE finished AND NOT paired) AS without_paired_scores,
        count(*) FILTER (WHERE finished AND paired AND caseness) AS at_caseness,
        count(*) FILTER (WHERE finished AND NOT (paired AND NOT caseness))
            AS recovery_denominator,
        count(*) FILTER (WHERE finished AND recovered) AS recovered,
        count(*) FILTER (WHERE finished AND recovered AND improved) AS reliable_recovery,
        count(*) FILTER (WHERE finished AND improved) AS reliable_improvement,
        count(*) FILTER (WHERE finished AND deteriorated) AS reliable_deterioration,
        count(wait) FILTER (WHERE finished) AS waits,
        coalesce(sum(wait) FILTER (WHERE finished), 0) AS wait_days,
        median(wait) FILTER (WHERE finished) AS wait_median,
        count(*) FILTER (WHERE finished AND wait <= 42) AS within_42_days,
        count(*) FILTER (WHERE finished AND wait <= 126) AS within_126_days
    FROM outcome
    """  # noqa: S608  (paths and thresholds are ours)


def duckdb_figures(duck, sql: str) -> dict[str, int | str]:
    cursor = duck.execute(sql)
    names = [column[0] for column in cursor.description]
    values = dict(zip(names, cursor.fetchone(), strict=True))
    median = values["wait_median"]
    values["wait_median"] = "" if median is None else str(Fraction(median))
    return {name: value if isinstance(value, str) else int(value) for name, value in values.items()}
