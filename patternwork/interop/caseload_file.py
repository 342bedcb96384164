"""Read and check a caseload file: clients, their open courses, bookings and past scores.

Pure Python, no Django: it turns the bytes of a CSV file into typed rows, or into
errors that each name the row (as a spreadsheet numbers it: the header is row 1) and the
column. Everything that can be decided from the file alone is decided here: formats,
required cells, ranges, duplicates, past versus future, and the plan's date rules
(`treatment.plan.date_problems`). What needs the database (the therapists, the
therapist's diary, closure days, clients imported before) is checked by
`interop.caseload`, which writes through the owning apps' services.

The format is documented in docs/caseload-import.md; the template ships as
patternwork/interop/static/interop/caseload_template.csv.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time

from patternwork.measures import definitions
from patternwork.treatment import plan

CLIENT, APPOINTMENT, SCORE = "client", "appointment", "score"
RECORDS = (CLIENT, APPOINTMENT, SCORE)
MEASURES = (plan.PHQ9, plan.GAD7)

# In the template's order. A file may leave out the optional ones.
COLUMNS = (
    "record",
    "external_id",
    "full_name",
    "preferred_name",
    "date_of_birth",
    "pronouns",
    "email",
    "phone",
    "therapist_email",
    "referral_received",
    "planned_sessions",
    "cadence",
    "session_minutes",
    "weekday",
    "time",
    "date",
    "measure",
    "total",
)
OPTIONAL_COLUMNS = frozenset({"preferred_name", "pronouns", "email", "phone", "cadence"})
OPTIONAL_COLUMNS |= {"session_minutes"}
REQUIRED_COLUMNS = tuple(column for column in COLUMNS if column not in OPTIONAL_COLUMNS)

# A file this size holds a caseload of a few hundred clients. Every row is written
# through the services (some thirty queries each), so larger caseloads are split into
# several files (each client's rows kept together) and one import stays one short
# transaction that a web request can wait for.
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
# Model field lengths (clients.Client and clients.Referral).
MAX_LENGTHS = {
    "external_id": 64,
    "full_name": 200,
    "preferred_name": 100,
    "pronouns": 40,
    "email": 254,
    "phone": 40,
    "therapist_email": 254,
}
EARLIEST_BIRTH = date(1900, 1, 1)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

FILE_ROW, HEADER_ROW = 0, 1

# File problems (row 0).
EMPTY_FILE = "The file is empty."
TOO_LARGE = (
    "The file is {size} bytes; an import takes at most {limit} bytes (2 MB). Split it into "
    "smaller files, keeping all the rows of one client in the same file."
)
UTF16 = (
    "The file is saved as UTF-16 ('Unicode text'). Save it from your spreadsheet as "
    "'CSV UTF-8' and upload it again."
)
NOT_UTF8 = (
    "The file is not UTF-8 text (byte {position} cannot be read). Save it from your "
    "spreadsheet as 'CSV UTF-8' and upload it again."
)
NOT_CSV = "The file cannot be read as CSV: {problem}."
BINARY = "The file holds NUL characters, so it is not a CSV text file. Export it from your spreadsheet as 'CSV UTF-8'."
TOO_MANY_ROWS = (
    "The file has more than {limit} rows. Split it into smaller files, keeping all the rows "
    "of one client in the same file."
)
NO_ROWS = "The file has a header but no rows to import."
# Header problems (row 1).
MISSING_COLUMN = "The column {column} is missing. The template lists every column."
UNKNOWN_COLUMN = "There is no column {column}. The template lists every column."
REPEATED_COLUMN = "The column {column} appears more than once."
# Row problems.
EXTRA_CELLS = "This row has more cells than the header has columns."
RECORD_INVALID = "Say what the row is: client, appointment or score."
REQUIRED = "This cell must be filled in for a {record} row."
TOO_LONG = "At most {limit} characters."
DATE_INVALID = "Write the date as YYYY-MM-DD (2026-03-02) or DD/MM/YYYY (02/03/2026)."
TIME_INVALID = "Write the time as HH:MM on the 24-hour clock (14:30)."
WHOLE_NUMBER = "Write a whole number."
WEEKDAY_INVALID = "Write a day of the week: Monday to Sunday (or Mon to Sun)."
EMAIL_INVALID = "Write an email address (name@example.org)."
MEASURE_INVALID = "The measure is PHQ-9 or GAD-7."
TOTAL_INVALID = "A {code} total is a whole number from {low} to {high}."
BORN_INVALID = "The date of birth must be after 1 January 1900 and not in the future."
REFERRAL_IN_FUTURE = "The referral cannot be received after today."
DUPLICATE_CLIENT = "Row {row} already has a client with this external id."
NO_CLIENT_ROW = "No client row has this external id."
SCORE_NOT_PAST = (
    "A past score belongs to a session that has taken place: {when} is still to come. "
    "Book future sessions as appointment rows."
)
APPOINTMENT_NOT_FUTURE = (
    "An appointment must still be to come: {when} has passed. A session that took place "
    "is imported through its scores."
)
DUPLICATE_SCORE = "Row {row} already gives a {code} total for this client's session on this date."
DUPLICATE_APPOINTMENT = "Row {row} already books this client at this date and time."

_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DATE_UK = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_MEASURE_KEY = re.compile(r"[^a-z0-9]")


@dataclass(frozen=True, order=True)
class RowError:
    """One problem: the row as a spreadsheet numbers it (0: the file, 1: the header)."""

    row: int
    column: str
    message: str


@dataclass(frozen=True)
class AppointmentRow:
    row: int
    day: date
    at: time | None


@dataclass(frozen=True)
class ScoreRow:
    row: int
    day: date
    at: time | None
    measure: str
    total: int


@dataclass(frozen=True)
class HeldSession:
    """A session that took place elsewhere, and the scores taken at it."""

    day: date
    at: time
    scores: tuple[ScoreRow, ...]

    @property
    def rows(self) -> tuple[int, ...]:
        return tuple(score.row for score in self.scores)


@dataclass
class ClientRow:
    """A client and their open course, with the rows that belong to them."""

    row: int
    external_id: str
    full_name: str
    preferred_name: str
    date_of_birth: date
    pronouns: str
    email: str
    phone: str
    therapist_email: str
    referral_received: date
    planned_sessions: int
    cadence: str
    session_minutes: int
    weekday: int
    at: time
    appointments: list[AppointmentRow] = field(default_factory=list)
    scores: list[ScoreRow] = field(default_factory=list)

    def held(self) -> list[HeldSession]:
        """Past sessions in time order: one per date and time that has scores."""
        sessions: dict[tuple[date, time], list[ScoreRow]] = {}
        for score in self.scores:
            sessions.setdefault((score.day, score.at or self.at), []).append(score)
        return [
            HeldSession(day, at, tuple(scores)) for (day, at), scores in sorted(sessions.items())
        ]

    def booked(self) -> list[tuple[AppointmentRow, time]]:
        """The appointment rows in time order, each with its time (the course's if blank)."""
        rows = [(row, row.at or self.at) for row in self.appointments]
        return sorted(rows, key=lambda pair: (pair[0].day, pair[1], pair[0].row))

    def remaining(self) -> int:
        """Sessions still to book to reach the plan, when the file lists no appointments."""
        return max(self.planned_sessions - len(self.held()), 0)


@dataclass
class CaseloadFile:
    """The clients that can be written, and every problem found, sorted by row."""

    clients: list[ClientRow]
    errors: list[RowError]
    rows: int

    @property
    def ok(self) -> bool:
        return not self.errors


class FileProblem(ValueError):
    """The file as a whole cannot be read."""


def decode(data: bytes) -> str:
    """Return the file's text: UTF-8 with or without a byte order mark, nothing else."""
    if not data.strip():
        raise FileProblem(EMPTY_FILE)
    if len(data) > MAX_BYTES:
        raise FileProblem(TOO_LARGE.format(size=len(data), limit=MAX_BYTES))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileProblem(UTF16)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileProblem(NOT_UTF8.format(position=error.start + 1)) from None
    if "\0" in text:
        raise FileProblem(BINARY)
    return text


def read_caseload(data: bytes | str, *, now: datetime) -> CaseloadFile:
    """Read a caseload file and check it; `now` is the practice's local time, naive.

    Bytes are decoded first (`decode`); text is taken as it is.
    """
    try:
        text = decode(data) if isinstance(data, bytes) else data
        if isinstance(data, str) and not text.strip():
            raise FileProblem(EMPTY_FILE)
        header, rows = _rows(text.removeprefix("\ufeff"))
    except FileProblem as problem:
        return CaseloadFile([], [RowError(FILE_ROW, "", str(problem))], 0)
    errors = _header_errors(header)
    if errors:
        return CaseloadFile([], errors, len(rows))
    checker = _Checker(now)
    for number, cells in rows:
        checker.row(number, cells)
    clients = checker.finish()
    return CaseloadFile(clients, sorted(checker.errors), len(rows))


def _column_name(name: str | None) -> str:
    return re.sub(r"\s+", "_", (name or "").strip().lower())


def _rows(text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header and the non-blank rows with their spreadsheet row numbers."""
    # Strict: an unclosed quote is an error, not a cell that swallows the rest of the file.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [_column_name(name) for name in next(reader, [])]
        rows = []
        # Numbered as a spreadsheet shows them: one row per record, blank ones counted,
        # and a cell holding line breaks still one row.
        for number, cells in enumerate(reader, start=HEADER_ROW + 1):
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise FileProblem(TOO_MANY_ROWS.format(limit=MAX_ROWS))
            named = {name: cells[i].strip() for i, name in enumerate(header) if i < len(cells)}
            if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
                named[""] = "extra"
            rows.append((number, named))
    except csv.Error as error:
        raise FileProblem(NOT_CSV.format(problem=str(error).rstrip("."))) from None
    if not any(header):
        raise FileProblem(EMPTY_FILE)
    if not rows:
        raise FileProblem(NO_ROWS)
    return header, rows


def _header_errors(header: list[str]) -> list[RowError]:
    errors = []
    seen: set[str] = set()
    for name in header:
        if not name:
            continue
        if name not in COLUMNS:
            errors.append(RowError(HEADER_ROW, name, UNKNOWN_COLUMN.format(column=name)))
        elif name in seen:
            errors.append(RowError(HEADER_ROW, name, REPEATED_COLUMN.format(column=name)))
        seen.add(name)
    errors += [
        RowError(HEADER_ROW, column, MISSING_COLUMN.format(column=column))
        for column in REQUIRED_COLUMNS
        if column not in seen
    ]
    return sorted(errors)


def parse_date(value: str) -> date | None:
    """A date written YYYY-MM-DD or DD/MM/YYYY (the UK's order); None if it is not one."""
    if match := _DATE_ISO.match(value):
        year, month, day = (int(part) for part in match.groups())
    elif match := _DATE_UK.match(value):
        day, month, year = (int(part) for part in match.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_time(value: str) -> time | None:
    match = _TIME.match(value)
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    if not (0 <= hour <= 23 and 0 <= minute <= 59) or int(match.group(3) or 0) != 0:
        return None
    return time(hour, minute)


def parse_weekday(value: str) -> int | None:
    key = value.strip().lower()
    for index, name in enumerate(WEEKDAYS):
        if key in (name, name[:3]):
            return index
    return None


def parse_measure(value: str) -> str | None:
    """PHQ-9 or GAD-7, however the old system spelled it (phq9, PHQ 9, gad-7)."""
    key = _MEASURE_KEY.sub("", value.lower())
    return next((code for code in MEASURES if _MEASURE_KEY.sub("", code.lower()) == key), None)


def parse_whole(value: str) -> int | None:
    return int(value) if re.fullmatch(r"[0-9]{1,4}", value) else None


def written(day: date) -> str:
    """A date as the services write it in their messages (2 March 2026)."""
    return f"{day.day} {day:%B %Y}"


def _moment(day: date, at: time) -> str:
    return f"{written(day)} at {at:%H:%M}"


class _Checker:
    """Check rows one by one, then tie appointments and scores to their client."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.today = now.date()
        self.errors: list[RowError] = []
        self.clients: dict[str, ClientRow] = {}
        self.client_rows: dict[str, int] = {}
        self.broken_clients: dict[str, int] = {}
        self.pending: list[tuple[str, AppointmentRow | ScoreRow]] = []
        self.orphans: dict[str, list[int]] = {}

    def error(self, row: int, column: str, message: str) -> None:
        self.errors.append(RowError(row, column, message))

    def row(self, number: int, cells: Mapping[str, str]) -> None:
        before = len(self.errors)
        if "" in cells:
            self.error(number, "", EXTRA_CELLS)
        record = cells.get("record", "").lower()
        if record not in RECORDS:
            self.error(number, "record", RECORD_INVALID)
            return
        external_id = self._text(number, cells, "external_id", record, required=True)
        if record == CLIENT:
            client = self._client(number, cells, external_id)
            if external_id and external_id in self.client_rows:
                self.error(
                    number,
                    "external_id",
                    DUPLICATE_CLIENT.format(row=self.client_rows[external_id]),
                )
                return
            if external_id:
                self.client_rows[external_id] = number
            if client is not None and len(self.errors) == before:
                self.clients[external_id] = client
            elif external_id:
                self.broken_clients[external_id] = number
            return
        item = (
            self._appointment(number, cells)
            if record == APPOINTMENT
            else self._score(number, cells)
        )
        if item is not None and external_id and len(self.errors) == before:
            self.pending.append((external_id, item))

    def finish(self) -> list[ClientRow]:
        for external_id, item in self.pending:
            client = self.clients.get(external_id)
            if client is None:
                if external_id not in self.client_rows:
                    self.error(item.row, "external_id", NO_CLIENT_ROW)
                # Rows of a client whose own row is broken wait for it to be fixed; that
                # row's errors are listed already.
                continue
            self._attach(client, item)
        return [client for client in self.clients.values()]

    def _attach(self, client: ClientRow, item: AppointmentRow | ScoreRow) -> None:
        at = item.at or client.at
        if isinstance(item, ScoreRow):
            if datetime.combine(item.day, at) > self.now:
                self.error(item.row, "date", SCORE_NOT_PAST.format(when=_moment(item.day, at)))
                return
            if self._breaks_date_rules(client, item, [item.day]):
                return
            for earlier in client.scores:
                if (earlier.day, earlier.measure) == (item.day, item.measure):
                    self.error(
                        item.row,
                        "date",
                        DUPLICATE_SCORE.format(row=earlier.row, code=item.measure),
                    )
                    return
            client.scores.append(item)
            return
        if datetime.combine(item.day, at) <= self.now:
            self.error(item.row, "date", APPOINTMENT_NOT_FUTURE.format(when=_moment(item.day, at)))
            return
        if self._breaks_date_rules(client, item, [item.day]):
            return
        for earlier in client.appointments:
            if (earlier.day, earlier.at or client.at) == (item.day, at):
                self.error(item.row, "date", DUPLICATE_APPOINTMENT.format(row=earlier.row))
                return
        client.appointments.append(item)

    def _breaks_date_rules(self, client: ClientRow, item, days: Iterable[date]) -> bool:
        problems = plan.date_problems(referral_received=client.referral_received, sessions=days)
        for problem in problems:
            message = plan.DATE_MESSAGES[problem].format(
                referral=written(client.referral_received), end=""
            )
            self.error(item.row, "date", message)
        return bool(problems)

    def _text(
        self,
        number: int,
        cells: Mapping[str, str],
        column: str,
        record: str,
        *,
        required: bool = False,
    ) -> str:
        value = cells.get(column, "")
        if required and not value:
            self.error(number, column, REQUIRED.format(record=record))
            return ""
        limit = MAX_LENGTHS.get(column)
        if limit is not None and len(value) > limit:
            self.error(number, column, TOO_LONG.format(limit=limit))
            return ""
        return value

    def _parsed(self, number, cells, column, record, parse, message, *, required=True):
        value = cells.get(column, "")
        if not value:
            if required:
                self.error(number, column, REQUIRED.format(record=record))
            return None
        parsed = parse(value)
        if parsed is None:
            self.error(number, column, message)
        return parsed

    def _email(self, number, cells, column, record, *, required: bool) -> str:
        value = self._text(number, cells, column, record, required=required).lower()
        if value and not _EMAIL.match(value):
            self.error(number, column, EMAIL_INVALID)
        return value

    def _client(self, number: int, cells: Mapping[str, str], external_id: str) -> ClientRow | None:
        record = CLIENT
        full_name = self._text(number, cells, "full_name", record, required=True)
        preferred = self._text(number, cells, "preferred_name", record)
        pronouns = self._text(number, cells, "pronouns", record)
        phone = self._text(number, cells, "phone", record)
        email = self._email(number, cells, "email", record, required=False)
        therapist = self._email(number, cells, "therapist_email", record, required=True)
        born = self._parsed(number, cells, "date_of_birth", record, parse_date, DATE_INVALID)
        if born is not None and not EARLIEST_BIRTH <= born <= self.today:
            self.error(number, "date_of_birth", BORN_INVALID)
        received = self._parsed(
            number, cells, "referral_received", record, parse_date, DATE_INVALID
        )
        if received is not None and received > self.today:
            self.error(number, "referral_received", REFERRAL_IN_FUTURE)
        planned = self._parsed(
            number, cells, "planned_sessions", record, parse_whole, plan.SESSIONS_INVALID
        )
        minutes = self._parsed(
            number,
            cells,
            "session_minutes",
            record,
            parse_whole,
            plan.SESSION_MINUTES_INVALID,
            required=False,
        )
        cadence = cells.get("cadence", "").lower() or plan.Cadence.WEEKLY.value
        weekday = self._parsed(number, cells, "weekday", record, parse_weekday, WEEKDAY_INVALID)
        at = self._parsed(number, cells, "time", record, parse_time, TIME_INVALID)
        if minutes is None and not cells.get("session_minutes"):
            minutes = plan.DEFAULT_SESSION_MINUTES
        # The plan's own rules for the values given; a cell that did not parse is
        # reported above, so a valid stand-in keeps it from being reported twice.
        problems = plan.settings_problems(
            planned_sessions=plan.DEFAULT_SESSIONS if planned is None else planned,
            cadence=cadence,
            session_minutes=plan.DEFAULT_SESSION_MINUTES if minutes is None else minutes,
            start_date=self.today,
            start_time=time(0, 0),
        )
        for name, message in problems.items():
            self.error(number, name, message)
        if problems or None in (born, received, planned, minutes, weekday, at):
            return None
        return ClientRow(
            row=number,
            external_id=external_id,
            full_name=full_name,
            preferred_name=preferred,
            date_of_birth=born,
            pronouns=pronouns,
            email=email,
            phone=phone,
            therapist_email=therapist,
            referral_received=received,
            planned_sessions=planned,
            cadence=cadence,
            session_minutes=minutes,
            weekday=weekday,
            at=at,
        )

    def _appointment(self, number: int, cells: Mapping[str, str]) -> AppointmentRow | None:
        day = self._parsed(number, cells, "date", APPOINTMENT, parse_date, DATE_INVALID)
        at = self._parsed(
            number, cells, "time", APPOINTMENT, parse_time, TIME_INVALID, required=False
        )
        if day is None or (cells.get("time") and at is None):
            return None
        return AppointmentRow(number, day, at)

    def _score(self, number: int, cells: Mapping[str, str]) -> ScoreRow | None:
        day = self._parsed(number, cells, "date", SCORE, parse_date, DATE_INVALID)
        at = self._parsed(number, cells, "time", SCORE, parse_time, TIME_INVALID, required=False)
        measure = self._parsed(number, cells, "measure", SCORE, parse_measure, MEASURE_INVALID)
        total = None
        if measure is not None:
            instrument = definitions.get_instrument(measure)
            message = TOTAL_INVALID.format(
                code=measure, low=instrument.total_min, high=instrument.total_max
            )
            total = self._parsed(number, cells, "total", SCORE, parse_whole, message)
            if total is not None and not instrument.total_min <= total <= instrument.total_max:
                self.error(number, "total", message)
                total = None
        elif not cells.get("total"):
            self.error(number, "total", REQUIRED.format(record=SCORE))
        if None in (day, measure, total) or (cells.get("time") and at is None):
            return None
        return ScoreRow(number, day, at, measure, total)
