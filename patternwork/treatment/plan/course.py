"""Course settings, phases, appointment statuses and the measures due at each session.

Sources: Lemma, Target & Fonagy (2011), *Brief Dynamic Interpersonal Therapy*, for the
16-session course and its phases; NHS Talking Therapies for session-by-session measures and
the finished course of treatment. docs/dit-course.md says which rules are Patternwork's own.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from functools import lru_cache

MIN_SESSIONS = 8
MAX_SESSIONS = 30
DEFAULT_SESSIONS = 16
MIN_SESSION_MINUTES = 20
MAX_SESSION_MINUTES = 120
DEFAULT_SESSION_MINUTES = 50
MIN_SESSIONS_FOR_FINISHED = 2

PHQ9 = "PHQ-9"
GAD7 = "GAD-7"
WSAS = "WSAS"

SESSION_MINUTES_INVALID = (
    f"Session length must be a whole number of minutes from {MIN_SESSION_MINUTES} "
    f"to {MAX_SESSION_MINUTES}."
)
CADENCE_INVALID = "Cadence must be weekly or fortnightly."
START_DATE_INVALID = "Enter the date of the first session."
START_TIME_INVALID = "Enter the time the sessions start."
SESSIONS_INVALID = f"Planned sessions must be a whole number from {MIN_SESSIONS} to {MAX_SESSIONS}."
SESSION_NUMBER_INVALID = "Session number must be a whole number of at least 1."
ATTENDED_INVALID = "Attended sessions must be a whole number of at least 0."


class Cadence(StrEnum):
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"

    @property
    def days(self) -> int:
        return 7 if self is Cadence.WEEKLY else 14


class Phase(StrEnum):
    INITIAL = "initial"
    MIDDLE = "middle"
    ENDING = "ending"
    OVER_PLAN = "over_plan"


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    ATTENDED = "attended"
    CANCELLED_CLIENT = "cancelled_client"
    CANCELLED_THERAPIST = "cancelled_therapist"
    DNA = "dna"


_CADENCE_VALUES = frozenset(cadence.value for cadence in Cadence)


def whole_between(value: object, low: int, high: int | None = None) -> bool:
    # bool is an int subclass, and True sessions is never what a caller meant.
    if isinstance(value, bool) or not isinstance(value, int):
        return False
    return low <= value and (high is None or value <= high)


def check_planned(planned: int) -> None:
    if not whole_between(planned, MIN_SESSIONS, MAX_SESSIONS):
        raise ValueError(SESSIONS_INVALID)


def check_attended(attended: int) -> None:
    if not whole_between(attended, 0):
        raise ValueError(ATTENDED_INVALID)


def check_session_number(session_number: int) -> None:
    if not whole_between(session_number, 1):
        raise ValueError(SESSION_NUMBER_INVALID)


class PlanSettingsError(ValueError):
    """Carry every problem with a course plan, keyed by field name."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {msg}" for field, msg in problems.items()))
        self.problems = dict(problems)


def settings_problems(
    *,
    planned_sessions: object,
    cadence: object,
    session_minutes: object,
    start_date: object,
    start_time: object,
) -> dict[str, str]:
    """Return every problem with these plan values as field name -> message, empty if none.

    The range of 8-30 sessions holds the longer DIT variants (20, 24 and 26 sessions);
    weekly 50-minute sessions are the default, and fortnightly and 20-120 minutes are
    allowed for services that work otherwise (docs/dit-course.md).
    """
    problems: dict[str, str] = {}
    if not whole_between(planned_sessions, MIN_SESSIONS, MAX_SESSIONS):
        problems["planned_sessions"] = SESSIONS_INVALID
    if not (isinstance(cadence, str) and cadence in _CADENCE_VALUES):
        problems["cadence"] = CADENCE_INVALID
    if not whole_between(session_minutes, MIN_SESSION_MINUTES, MAX_SESSION_MINUTES):
        problems["session_minutes"] = SESSION_MINUTES_INVALID
    # datetime is a date subclass; the start time is a separate field.
    if not isinstance(start_date, date) or isinstance(start_date, datetime):
        problems["start_date"] = START_DATE_INVALID
    if not isinstance(start_time, time):
        problems["start_time"] = START_TIME_INVALID
    return problems


@dataclass(frozen=True, kw_only=True)
class PlanSettings:
    """Hold a valid course plan; construction raises PlanSettingsError with every problem.

    start_time is local wall-clock time; time zones are the caller's business.
    """

    start_date: date
    start_time: time
    planned_sessions: int = DEFAULT_SESSIONS
    cadence: Cadence = Cadence.WEEKLY
    session_minutes: int = DEFAULT_SESSION_MINUTES

    def __post_init__(self) -> None:
        problems = settings_problems(
            planned_sessions=self.planned_sessions,
            cadence=self.cadence,
            session_minutes=self.session_minutes,
            start_date=self.start_date,
            start_time=self.start_time,
        )
        if problems:
            raise PlanSettingsError(problems)
        # Values read back from a database or a form arrive as plain strings.
        object.__setattr__(self, "cadence", Cadence(self.cadence))


@dataclass(frozen=True)
class PhaseRange:
    """Hold the inclusive session numbers first..last of one phase."""

    first: int
    last: int

    def __contains__(self, session_number: object) -> bool:
        return whole_between(session_number, self.first, self.last)

    def __len__(self) -> int:
        return self.last - self.first + 1

    @property
    def sessions(self) -> range:
        return range(self.first, self.last + 1)


@dataclass(frozen=True)
class PhaseBounds:
    initial: PhaseRange
    middle: PhaseRange
    ending: PhaseRange

    @property
    def planned(self) -> int:
        return self.ending.last


# Pure and asked for the same few plans on every page (once per timeline row): kept.
# `typed` keeps True and 16.0 apart from 1 and 16, so they are still refused.
@lru_cache(maxsize=1024, typed=True)
def phase_bounds(planned: int) -> PhaseBounds:
    """Split sessions 1..planned into the initial, middle and ending phases.

    Initial and ending are round(planned / 4) sessions each, halves rounded up: 16 gives
    1-4 / 5-12 / 13-16 and 10 gives 1-3 / 4-7 / 8-10, scaling the 4/8/4 structure of
    Lemma, Target & Fonagy (2011) chapters 4, 6 and 9 to any planned length.
    """
    check_planned(planned)
    # Python's round() rounds 2.5 to 2; (n + 2) // 4 is n / 4 rounded half up.
    quarter = (planned + 2) // 4
    return PhaseBounds(
        initial=PhaseRange(1, quarter),
        middle=PhaseRange(quarter + 1, planned - quarter),
        ending=PhaseRange(planned - quarter + 1, planned),
    )


@lru_cache(maxsize=1024, typed=True)
def phase_for(session_number: int, planned: int) -> Phase:
    """Return the phase of attended treatment session session_number of planned.

    Sessions beyond the plan are over plan, shown as such rather than as a fourth phase.
    """
    check_session_number(session_number)
    bounds = phase_bounds(planned)
    if session_number in bounds.initial:
        return Phase.INITIAL
    if session_number in bounds.middle:
        return Phase.MIDDLE
    if session_number in bounds.ending:
        return Phase.ENDING
    return Phase.OVER_PLAN


def number_sessions(statuses: Iterable[AppointmentStatus | str]) -> list[int | None]:
    """Number the attended appointments 1, 2, ... in time order; give the others None.

    Only attended treatment appointments count towards n: a cancelled or missed session
    does not move the client on through the phases, and the national "finished a course of
    treatment" rule counts attended treatment sessions only. An unknown status raises
    ValueError.
    """
    numbers: list[int | None] = []
    attended = 0
    for status in statuses:
        if AppointmentStatus(status) is AppointmentStatus.ATTENDED:
            attended += 1
            numbers.append(attended)
        else:
            numbers.append(None)
    return numbers


def measures_due(session_number: int, planned: int) -> tuple[str, ...]:
    """Return the instrument codes due at attended session session_number of planned.

    PHQ-9 and GAD-7 at every session (Lemma et al. 2011 pilot; NHS Talking Therapies
    session-by-session monitoring: when a client stops coming, the last score stands for
    the end of treatment). WSAS at the first and at the planned-th session, the expected
    last attended one, so functioning is paired from the first session to the last; a
    course that ends at another session is asked for it at the ending
    (measures_due_at_ending).
    """
    check_session_number(session_number)
    check_planned(planned)
    if session_number in (1, planned):
        return (PHQ9, GAD7, WSAS)
    return (PHQ9, GAD7)


def measures_due_at_ending(
    *, last_attended: int | None, recorded: Collection[str]
) -> tuple[str, ...]:
    """Return the instrument codes the ending asks for at the last attended session.

    WSAS pairs functioning from the first to the last attended session. A course that
    ends early or over plan ends at a session where measures_due did not ask for it, so
    the ending asks for it there, once: never when that session already has one (or when
    no session was attended). PHQ-9 and GAD-7 were due at that session itself.
    """
    if last_attended is None:
        return ()
    check_session_number(last_attended)
    return () if WSAS in recorded else (WSAS,)


def is_finished_course(*, ended: bool, attended: int) -> bool:
    """Say whether a course counts as a finished course of treatment.

    Source: NHS Digital, A guide to IAPT data and publications v2.1: the course has ended
    with at least two attended treatment sessions.
    """
    check_attended(attended)
    return ended and attended >= MIN_SESSIONS_FOR_FINISHED
