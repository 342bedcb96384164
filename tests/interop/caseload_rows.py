"""Caseload files for the import tests: fictional clients, built row by row.

Dates suit the frozen clock of the course tests (Wednesday 1 April 2026, 12:00 in
London): past sessions fall in March 2026, bookings in April.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping

import pytest

from patternwork.interop.caseload_file import COLUMNS

REFERRAL = "2026-01-05"
FIRST_PAST_MONDAY = dt.date(2026, 3, 2)
FIRST_FUTURE_MONDAY = dt.date(2026, 4, 6)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


def client_row(external_id: str, name: str, *, therapist: str, **cells: str) -> dict:
    return {
        "record": "client",
        "external_id": external_id,
        "full_name": name,
        "date_of_birth": "1990-05-17",
        "therapist_email": therapist,
        "referral_received": REFERRAL,
        "planned_sessions": "16",
        "weekday": "Monday",
        "time": "10:00",
        **cells,
    }


def score_row(external_id: str, day: dt.date | str, measure: str, total: int | str, **cells):
    return {
        "record": "score",
        "external_id": external_id,
        "date": str(day),
        "measure": measure,
        "total": str(total),
        **cells,
    }


def appointment_row(external_id: str, day: dt.date | str, **cells: str) -> dict:
    return {"record": "appointment", "external_id": external_id, "date": str(day), **cells}


def to_csv(rows: Iterable[Mapping[str, str]], *, columns=COLUMNS, bom: bool = False) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return (("\ufeff" if bom else "") + out.getvalue()).encode()


def caseload(therapists: list[str], clients: int = 20) -> list[dict]:
    """Ten rows a client: the client, PHQ-9 and GAD-7 at three past sessions, three bookings.

    Client i has its own weekday and hour (Monday to Friday, 09:00 to 12:00), so nobody's
    sessions clash, and is with therapists[i % len(therapists)].
    """
    rows = []
    for index in range(clients):
        external_id = f"OLD-{index:04d}"
        weekday, hour = index % 5, 9 + index // 5
        at = f"{hour:02d}:00"
        rows.append(
            client_row(
                external_id,
                f"Imported Person {index}",
                therapist=therapists[index % len(therapists)],
                weekday=WEEKDAYS[weekday],
                time=at,
            )
        )
        for week in range(3):
            day = FIRST_PAST_MONDAY + dt.timedelta(days=weekday, weeks=week)
            rows.append(score_row(external_id, day, "PHQ-9", 16 - 2 * week))
            rows.append(score_row(external_id, day, "GAD-7", 12 - 2 * week))
        for week in range(3):
            day = FIRST_FUTURE_MONDAY + dt.timedelta(days=weekday, weeks=week)
            rows.append(appointment_row(external_id, day))
    return rows


def row_number(rows: list[dict], row: dict) -> int:
    """The spreadsheet row of a data row (the header is row 1)."""
    return rows.index(row) + 2


@pytest.fixture
def caseload_rows(therapist, other_therapist):
    """A 200-row caseload file for two therapists of the practice: ten rows a client."""
    return caseload([therapist.user.email, other_therapist.user.email])


@pytest.fixture
def small_caseload_rows(therapist, other_therapist):
    """Forty rows (four clients), for tests where the size of the file is not the point."""
    return caseload([therapist.user.email, other_therapist.user.email], clients=4)
