"""The caseload file reader: pure, no database."""

import datetime as dt
from pathlib import Path

import pytest

from patternwork.interop import caseload_file as cf
from patternwork.interop.caseload_file import RowError, read_caseload
from patternwork.treatment import plan
from tests.interop.caseload_rows import appointment_row, client_row, score_row, to_csv

NOW = dt.datetime(2026, 4, 1, 12, 0)
TEMPLATE = (
    Path(__file__).resolve().parents[2] / "patternwork/interop/static/interop/caseload_template.csv"
)
T = "therapist@example.test"


def read(rows, **kwargs):
    return read_caseload(to_csv(rows, **kwargs), now=NOW)


def errors(rows, **kwargs):
    return [(e.row, e.column) for e in read(rows, **kwargs).errors]


def test_a_good_file_gives_typed_rows():
    result = read(
        [
            client_row("A1", "Jo Bloggs", therapist="Therapist@Example.TEST", weekday="tue"),
            score_row("A1", "03/03/2026", "phq9", 17),
            score_row("A1", "2026-03-03", "GAD 7", 12),
            appointment_row("A1", "2026-04-07", time="9:30"),
        ]
    )

    assert result.errors == []
    (client,) = result.clients
    assert (client.external_id, client.therapist_email, client.weekday, client.at) == (
        "A1",
        "therapist@example.test",
        1,
        dt.time(10, 0),
    )
    assert (client.planned_sessions, client.cadence, client.session_minutes) == (16, "weekly", 50)
    assert [(s.row, s.measure, s.total, s.day) for s in client.scores] == [
        (3, "PHQ-9", 17, dt.date(2026, 3, 3)),
        (4, "GAD-7", 12, dt.date(2026, 3, 3)),
    ]
    (session,) = client.held()
    assert (session.day, session.at, session.rows) == (dt.date(2026, 3, 3), dt.time(10), (3, 4))
    assert [(a.day, at) for a, at in client.booked()] == [(dt.date(2026, 4, 7), dt.time(9, 30))]
    assert client.remaining() == 15


def test_the_shipped_template_reads_without_errors():
    result = read_caseload(TEMPLATE.read_bytes(), now=NOW)

    assert result.errors == []
    assert [c.external_id for c in result.clients] == ["OLD-0001", "OLD-0002"]
    assert TEMPLATE.read_text().splitlines()[0].split(",") == list(cf.COLUMNS)


def test_a_byte_order_mark_is_read_past():
    result = read([client_row("A1", "Jo", therapist=T)], bom=True)

    assert (result.errors, len(result.clients)) == ([], 1)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", cf.EMPTY_FILE),
        (b"  \n\n", cf.EMPTY_FILE),
        ("record,external_id\n".encode("utf-16"), cf.UTF16),
        ("record,full_name\nclient,Zoë\n".encode("latin-1"), cf.NOT_UTF8.format(position=27)),
        (b"record,external_id\n\n", cf.NO_ROWS),
        (b"record,external_id\nclient,A\0B\n", cf.BINARY),
        (
            b'record,external_id\nclient,"A\n',
            "The file cannot be read as CSV: unexpected end of data.",
        ),
    ],
)
def test_a_file_that_cannot_be_read_is_one_clear_error(data, message):
    result = read_caseload(data, now=NOW)

    assert result.errors == [RowError(0, "", message)]
    assert result.clients == []


def test_a_huge_file_is_refused_before_it_is_read():
    data = b"x" * (cf.MAX_BYTES + 1)

    (error,) = read_caseload(data, now=NOW).errors

    assert error.row == 0
    assert error.message.startswith(f"The file is {cf.MAX_BYTES + 1} bytes")


def test_too_many_rows_are_refused():
    rows = [client_row(f"A{n}", "Jo", therapist=T) for n in range(cf.MAX_ROWS + 1)]

    (error,) = read(rows).errors

    assert error == RowError(0, "", cf.TOO_MANY_ROWS.format(limit=cf.MAX_ROWS))


def test_a_cell_larger_than_the_csv_limit_is_a_clear_error():
    data = b'record,external_id\nclient,"' + b"a" * 200_000 + b'"\n'

    (error,) = read_caseload(data, now=NOW).errors

    assert error.row == 0
    assert error.message.startswith("The file cannot be read as CSV: field larger than")


def test_missing_unknown_and_repeated_columns_are_named_on_the_header_row():
    columns = [c for c in cf.COLUMNS if c not in ("therapist_email", "total")]
    data = to_csv([], columns=[*columns, "nickname", "record"])
    data += b"client\n"

    result = read_caseload(data, now=NOW)

    assert [(e.row, e.column) for e in result.errors] == [
        (1, "nickname"),
        (1, "record"),
        (1, "therapist_email"),
        (1, "total"),
    ]
    assert result.errors[0].message == cf.UNKNOWN_COLUMN.format(column="nickname")


def test_optional_columns_may_be_left_out_and_header_names_are_forgiving():
    columns = [c for c in cf.COLUMNS if c not in cf.OPTIONAL_COLUMNS]
    data = to_csv([client_row("A1", "Jo", therapist=T)], columns=columns)
    data = data.replace(b"full_name", b"Full Name", 1)

    result = read_caseload(data, now=NOW)

    assert result.errors == []
    assert result.clients[0].session_minutes == 50


def test_rows_are_numbered_as_a_spreadsheet_shows_them():
    rows = [
        client_row("A1", "Jo\nBloggs", therapist=T),
        {},
        score_row("A1", "2026-03-02", "PHQ-9", 99),
    ]

    assert errors(rows) == [(4, "total")]


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        ({"record": "person"}, "record", cf.RECORD_INVALID),
        ({"external_id": ""}, "external_id", cf.REQUIRED.format(record="client")),
        ({"external_id": "x" * 65}, "external_id", cf.TOO_LONG.format(limit=64)),
        ({"full_name": ""}, "full_name", cf.REQUIRED.format(record="client")),
        ({"date_of_birth": "1990-02-30"}, "date_of_birth", cf.DATE_INVALID),
        ({"date_of_birth": "17 May 1990"}, "date_of_birth", cf.DATE_INVALID),
        ({"date_of_birth": "2026-04-02"}, "date_of_birth", cf.BORN_INVALID),
        ({"email": "not-an-address"}, "email", cf.EMAIL_INVALID),
        ({"therapist_email": ""}, "therapist_email", cf.REQUIRED.format(record="client")),
        ({"referral_received": "2026-04-02"}, "referral_received", cf.REFERRAL_IN_FUTURE),
        ({"planned_sessions": "7"}, "planned_sessions", plan.SESSIONS_INVALID),
        ({"planned_sessions": "sixteen"}, "planned_sessions", plan.SESSIONS_INVALID),
        ({"cadence": "monthly"}, "cadence", plan.CADENCE_INVALID),
        ({"session_minutes": "200"}, "session_minutes", plan.SESSION_MINUTES_INVALID),
        ({"weekday": "Someday"}, "weekday", cf.WEEKDAY_INVALID),
        ({"time": "25:00"}, "time", cf.TIME_INVALID),
        ({"time": "2pm"}, "time", cf.TIME_INVALID),
    ],
)
def test_a_bad_client_cell_is_named_by_row_and_column(cells, column, message):
    result = read([client_row("A1", "Jo Bloggs", therapist=T) | cells])

    assert result.errors == [RowError(2, column, message)]
    assert result.clients == []


def test_every_error_of_a_row_is_listed():
    row = client_row("A1", "", therapist="", weekday="", time="")

    assert errors([row]) == [
        (2, "full_name"),
        (2, "therapist_email"),
        (2, "time"),
        (2, "weekday"),
    ]


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (score_row("A1", "2026-03-02", "BDI", 12), "measure", cf.MEASURE_INVALID),
        (
            score_row("A1", "2026-03-02", "GAD-7", 22),
            "total",
            cf.TOTAL_INVALID.format(code="GAD-7", low=0, high=21),
        ),
        (score_row("A1", "2026-03-02", "PHQ-9", "-1"), "total", None),
        (score_row("A1", "", "PHQ-9", 3), "date", cf.REQUIRED.format(record="score")),
        (
            score_row("A1", "2026-04-01", "PHQ-9", 3, time="13:00"),
            "date",
            cf.SCORE_NOT_PAST.format(when="1 April 2026 at 13:00"),
        ),
        (
            score_row("A1", "2026-01-02", "PHQ-9", 3),
            "date",
            plan.SESSION_BEFORE_REFERRAL.format(referral="5 January 2026"),
        ),
        (
            appointment_row("A1", "2026-04-01", time="11:00"),
            "date",
            cf.APPOINTMENT_NOT_FUTURE.format(when="1 April 2026 at 11:00"),
        ),
        (appointment_row("A1", "next week"), "date", cf.DATE_INVALID),
        (appointment_row("B2", "2026-04-06"), "external_id", cf.NO_CLIENT_ROW),
    ],
)
def test_a_bad_score_or_appointment_row_is_named(row, column, message):
    result = read([client_row("A1", "Jo Bloggs", therapist=T), row])

    (error,) = result.errors
    assert (error.row, error.column) == (3, column)
    if message is not None:
        assert error.message == message
    assert len(result.clients) == 1
    assert result.clients[0].scores == result.clients[0].appointments == []


def test_duplicates_name_the_earlier_row():
    rows = [
        client_row("A1", "Jo Bloggs", therapist=T),
        client_row("A1", "Jo Bloggs", therapist=T),
        score_row("A1", "2026-03-02", "PHQ-9", 12),
        score_row("A1", "02/03/2026", "phq-9", 11),
        appointment_row("A1", "2026-04-06"),
        appointment_row("A1", "2026-04-06", time="10:00"),
    ]

    result = read(rows)

    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (3, "external_id", cf.DUPLICATE_CLIENT.format(row=2)),
        (5, "date", cf.DUPLICATE_SCORE.format(row=4, code="PHQ-9")),
        (7, "date", cf.DUPLICATE_APPOINTMENT.format(row=6)),
    ]


def test_rows_of_a_broken_client_wait_for_it():
    rows = [
        client_row("A1", "Jo Bloggs", therapist=T, planned_sessions="40"),
        score_row("A1", "2026-03-02", "PHQ-9", 12),
    ]

    assert errors(rows) == [(2, "planned_sessions")]


def test_extra_cells_beyond_the_header_are_an_error():
    data = to_csv([client_row("A1", "Jo", therapist=T)]).rstrip(b"\r\n") + b",surprise\r\n"

    assert [(e.row, e.column) for e in read_caseload(data, now=NOW).errors] == [(2, "")]
