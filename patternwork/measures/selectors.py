"""Reads of a course's questionnaire scores for its page: the chart, the table, the outcome.

The caller has already decided that the member may read the course's clinical content
(``treatment.selectors.can_read_clinical``). Everything here is built in a fixed number of
queries, whatever the number of sessions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.text import capfirst, get_text_list
from django.utils.translation import gettext_noop, ngettext

from patternwork.core.prepared import PreparedRead
from patternwork.core.words import translator
from patternwork.measures import chart, definitions, outcomes, scoring, summary
from patternwork.measures.models import Response, RiskFlag
from patternwork.treatment import plan
from patternwork.treatment import selectors as treatment_selectors
from patternwork.treatment.models import Appointment, Course

# WSAS is charted and tabled beside them, but stays out of the outcome: functioning is
# not part of the NHS Talking Therapies recovery figures (docs/outcomes.md).
CHARTED = (plan.PHQ9, plan.GAD7, plan.WSAS)
# The order questionnaires are asked in, on paper as on screen.
ORDER = (plan.PHQ9, plan.GAD7, plan.WSAS)

COMPARATOR_WORDS = {
    definitions.Comparator.GE: gettext_noop("%(value)s or more"),
    definitions.Comparator.GT: gettext_noop("above %(value)s"),
    definitions.Comparator.LE: gettext_noop("%(value)s or less"),
    definitions.Comparator.LT: gettext_noop("below %(value)s"),
}


class RowKind:
    SESSION = "session"
    ASSESSMENT = "assessment"
    # A risk answer given at an appointment that is no longer attended, or outside one:
    # it is never dropped from the page, though it has no place on the chart.
    OTHER = "other"


class ChartedResponse(NamedTuple):
    """A charted response's columns the course's measures use, read as values: the
    same attribute names as the model's, without a model instance per row."""

    pk: int
    appointment_id: int | None
    instrument: str
    instrument_version: int
    answers: Any
    total: int | None
    band: str
    caseness: bool | None


@dataclass(frozen=True)
class Score:
    total: int
    band: str
    caseness: bool | None


@dataclass(frozen=True)
class RiskAnswer:
    instrument: str
    item_number: int
    value: int
    label: str
    # False when the response was edited since and no longer holds this answer.
    current: bool
    # None when no flag was raised for it (it was already flagged on the same response).
    flag_open: bool | None


@dataclass(frozen=True)
class MeasureRow:
    when: datetime
    kind: str
    session: int | None
    appointment_public_id: object | None
    phq9: Score | None
    gad7: Score | None
    risk: tuple[RiskAnswer, ...]
    wsas: Score | None = None

    @property
    def position(self) -> int | None:
        if self.kind == RowKind.ASSESSMENT:
            return chart.ASSESSMENT
        if self.kind == RowKind.SESSION:
            return self.session
        return None


@dataclass(frozen=True)
class CourseMeasures:
    chart: chart.Chart
    rows: list[MeasureRow]
    risk_positions: tuple[int, ...]
    outcome: outcomes.CourseOutcome
    sentence: str
    description: str
    # The bands of the charted instruments read by band (WSAS), for the chart's key.
    bands: tuple[tuple[str, definitions.Band], ...] = ()


@dataclass(frozen=True)
class EndingQuestionnaires:
    """What the ending asks to record at the course's last attended session."""

    appointment: Appointment
    codes: tuple[str, ...]


def due_at_ending(course: Course) -> EndingQuestionnaires | None:
    """The questionnaires still to record at the last attended session, if any (2 queries).

    The plan says which (plan.measures_due_at_ending): WSAS, when that session has none.
    """
    last = (
        course.appointments.attended_treatment()
        .filter(session_number__isnull=False)
        .order_by("-session_number")
        .first()
    )
    if last is None:
        return None
    recorded = Response.objects.filter(
        appointment=last, status=Response.Status.COMPLETE
    ).values_list("instrument", flat=True)
    codes = plan.measures_due_at_ending(
        last_attended=last.session_number, recorded=frozenset(recorded)
    )
    return EndingQuestionnaires(last, codes) if codes else None


def instruments_due(appointment: Appointment, *, at_ending: bool = False) -> tuple[str, ...]:
    """The questionnaires due at an appointment, in the order they are asked.

    PHQ-9 and GAD-7 at every session, WSAS where the plan has it due for the session's
    number (the expected one for a booked session); all three at an assessment. At the
    course's ending (asked from its ending page, or once it has ended) the last attended
    session also asks what the ending calls for.
    """
    number = treatment_selectors.expected_session_number(appointment)
    if number is None:
        return ORDER
    course = appointment.course
    due = set(plan.measures_due(number, course.planned_sessions))
    if at_ending or not course.is_open:
        ending = due_at_ending(course)
        if ending is not None and ending.appointment.pk == appointment.pk:
            due |= set(ending.codes)
    return tuple(code for code in ORDER if code in due)


def _instrument(code: str, version: int) -> definitions.Instrument | None:
    try:
        return definitions.get_instrument(code, version)
    except definitions.UnknownInstrument:
        return None


def _risk_answers(response: Response | ChartedResponse, flags: list[RiskFlag]) -> list[RiskAnswer]:
    """The response's current risk answers, then any flagged answer it no longer holds."""
    instrument = _instrument(response.instrument, response.instrument_version)
    hits: tuple[scoring.RiskHit, ...] = ()
    # An instrument without risk items has no hits, whatever its answers.
    if instrument is not None and instrument.risk_items:
        try:
            hits = scoring.risk_hits(instrument, response.answers)
        except scoring.ResponseError:
            # Stored answers are validated on write; if a definition ever stops accepting
            # them, the flags below still show every risk answer that was given.
            hits = ()

    def number(item_key: str) -> int:
        item = instrument.item(item_key) if instrument else None
        return item.number if item else 0

    def label(item_key: str, value: int) -> str:
        item = instrument.item(item_key) if instrument else None
        options = item.options if item else ()
        return next((o.label for o in options if o.value == value), str(value))

    answers = []
    for hit in hits:
        matching = [f for f in flags if (f.item, f.value) == (hit.item, hit.value)]
        flag_open = any(f.is_open for f in matching) if matching else None
        answers.append(
            RiskAnswer(
                response.instrument,
                number(hit.item),
                hit.value,
                label(hit.item, hit.value),
                current=True,
                flag_open=flag_open,
            )
        )
    current = {(hit.item, hit.value) for hit in hits}
    earlier: dict[tuple[str, int], list[RiskFlag]] = {}
    for flag in flags:
        if (flag.item, flag.value) not in current:
            earlier.setdefault((flag.item, flag.value), []).append(flag)
    for (item_key, value), matching in earlier.items():
        answers.append(
            RiskAnswer(
                matching[0].instrument,
                number(item_key),
                value,
                matching[0].value_label,
                current=False,
                flag_open=any(f.is_open for f in matching),
            )
        )
    return answers


def _chart_bands(instrument: definitions.Instrument) -> tuple[tuple[int, int], ...]:
    """The bands the chart marks: an instrument without caseness is read by its bands."""
    if instrument.caseness is not None:
        return ()
    return tuple((band.low, band.high) for band in instrument.bands)


def _score(response: Response | ChartedResponse | None) -> Score | None:
    if response is None:
        return None
    return Score(response.total, response.band, response.caseness)


def _where(position: int, t: Callable[[str], str]) -> str:
    if position == chart.ASSESSMENT:
        return t(gettext_noop("assessment"))
    return t(gettext_noop("session %(number)s")) % {"number": position}


def _trend(panel: chart.Panel, t: Callable[[str], str]) -> str:
    first, last = panel.first, panel.last
    if first is None or last is None:
        return t(gettext_noop("no %(code)s scores")) % {"code": panel.code}
    if first == last:
        return t(gettext_noop("%(code)s %(total)s at %(where)s")) % {
            "code": panel.code,
            "total": first.total,
            "where": _where(first.position, t),
        }
    return t(
        gettext_noop("%(code)s from %(first)s at %(first_where)s to %(last)s at %(last_where)s")
    ) % {
        "code": panel.code,
        "first": first.total,
        "first_where": _where(first.position, t),
        "last": last.total,
        "last_where": _where(last.position, t),
    }


def _risk_words(positions: tuple[int, ...], t: Callable[[str], str]) -> str:
    if not positions:
        return t(gettext_noop("no risk answers"))
    places = []
    if chart.ASSESSMENT in positions:
        places.append(t(gettext_noop("assessment")))
    sessions = [str(p) for p in positions if p != chart.ASSESSMENT]
    if sessions:
        places.append(
            ngettext("session %(numbers)s", "sessions %(numbers)s", len(sessions))
            % {"numbers": get_text_list(sessions, t(gettext_noop("and")))}
        )
    return ngettext("risk answer at %(places)s", "risk answers at %(places)s", len(positions)) % {
        "places": get_text_list(places, t(gettext_noop("and")))
    }


def describe_chart(drawn: chart.Chart, planned: int) -> str:
    """Say in words what the chart shows, for its <desc> (screen readers, no images)."""
    # The chart description's fixed words, translated once per language.
    t = translator()
    parts = [_trend(panel, t) for panel in drawn.panels]
    parts.append(_risk_words(tuple(marker.position for marker in drawn.risk), t))
    lines = [
        t(gettext_noop("%(code)s %(threshold)s"))
        % {
            "code": panel.code,
            "threshold": t(COMPARATOR_WORDS[panel.caseness.comparator])
            % {"value": panel.caseness.value},
        }
        for panel in drawn.panels
        if panel.caseness is not None
    ]
    text = capfirst("; ".join(parts)) + "."
    if lines:
        text += " " + t(gettext_noop("Dashed lines mark caseness: %(lines)s.")) % {
            "lines": get_text_list(lines, t(gettext_noop("and")))
        }
    for panel in drawn.panels:
        if panel.bands:
            text += " " + t(gettext_noop("Dotted lines mark the %(code)s bands: %(bands)s.")) % {
                "code": panel.code,
                "bands": get_text_list(
                    [f"{band.low}\N{EN DASH}{band.high}" for band in panel.bands],
                    t(gettext_noop("and")),
                ),
            }
    text += " " + t(
        gettext_noop(
            "Shaded bands mark the initial, middle and ending phases of the "
            "%(planned)s-session plan."
        )
    ) % {"planned": planned}
    over = [band for band in drawn.bands if band.phase == plan.Phase.OVER_PLAN]
    if over:
        count = over[0].last - over[0].first + 1
        text += " " + ngettext(
            "Session %(first)s is past the plan.",
            "Sessions %(first)s to %(last)s are past the plan.",
            count,
        ) % {"first": over[0].first, "last": over[0].last}
    return text


def course_measures(
    course: Course, *, appointments: list[Appointment] | None = None
) -> CourseMeasures:
    """The course's PHQ-9, GAD-7 and WSAS by session, its risk answers and its outcome in words.

    Scores count when complete and given at an attended contact (as for outcomes); the chart
    places them by attended treatment session number, with a slot for assessment. Every
    attended treatment session has a table row, so a session without scores shows as such.
    Five queries: attended appointments, responses, risk flags, and two for the outcome.
    Given the course's `appointments` (all of them, by start), already read by the page,
    two: responses and risk flags, the outcome being worked out from the same rows.
    """
    if appointments is None:
        attended = list(
            course.appointments.filter(status=Appointment.Status.ATTENDED).order_by(
                "starts_at", "id"
            )
        )
    else:
        attended = [a for a in appointments if a.status == Appointment.Status.ATTENDED]
    responses = [ChartedResponse(*row) for row in _CHARTED_RESPONSES(course.pk)]
    flags = _COURSE_FLAGS.rows(course.pk)
    flags_by_response: dict[int, list[RiskFlag]] = {}
    for flag in flags:
        flags_by_response.setdefault(flag.response_id, []).append(flag)
    scored: dict[int, dict[str, Response]] = {}
    for response in responses:
        scored.setdefault(response.appointment_id, {})[response.instrument] = response
    # Every response with a risk answer or a flag: the charted ones, and any other a flag
    # points at (a draft, or one whose appointment is no longer attended).
    risky: dict[int, Response] = {r.pk: r for r in responses}
    for flag in flags:
        risky.setdefault(flag.response_id, flag.response)
    risk_by_key: dict[object, list[RiskAnswer]] = {}
    for response in sorted(risky.values(), key=lambda r: (r.instrument, r.pk)):
        answers = _risk_answers(response, flags_by_response.get(response.pk, []))
        if answers:
            key = response.appointment_id or ("response", response.pk)
            risk_by_key.setdefault(key, []).extend(answers)

    rows = []
    attended_ids = set()
    for appointment in attended:
        attended_ids.add(appointment.pk)
        found = scored.get(appointment.pk, {})
        risk = tuple(risk_by_key.get(appointment.pk, ()))
        if appointment.kind == Appointment.Kind.TREATMENT and appointment.session_number:
            kind = RowKind.SESSION
        elif appointment.kind == Appointment.Kind.ASSESSMENT and (found or risk):
            kind = RowKind.ASSESSMENT
        elif risk:
            kind = RowKind.OTHER
        else:
            continue
        rows.append(
            MeasureRow(
                when=appointment.starts_at,
                kind=kind,
                session=appointment.session_number if kind == RowKind.SESSION else None,
                appointment_public_id=appointment.public_id,
                phq9=_score(found.get(plan.PHQ9)),
                gad7=_score(found.get(plan.GAD7)),
                risk=risk,
                wsas=_score(found.get(plan.WSAS)),
            )
        )
    for response in risky.values():
        key = response.appointment_id or ("response", response.pk)
        if response.appointment_id in attended_ids or key not in risk_by_key:
            continue
        if isinstance(response, ChartedResponse):
            # A charted response's appointment is an attended one of this course, so it
            # is never here unless the rows disagree; then it is read whole, as before.
            response = Response.objects.select_related("appointment").get(pk=response.pk)
        appointment = response.appointment
        rows.append(
            MeasureRow(
                when=appointment.starts_at
                if appointment
                else (response.completed_at or response.created_at),
                kind=RowKind.OTHER,
                session=None,
                appointment_public_id=appointment.public_id if appointment else None,
                phq9=None,
                gad7=None,
                risk=tuple(risk_by_key.pop(key)),
            )
        )
    rows.sort(key=lambda row: row.when)

    series_scores: dict[str, dict[int, int]] = {code: {} for code in CHARTED}
    for row in rows:
        position = row.position
        if position is None:
            continue
        for code, score in ((plan.PHQ9, row.phq9), (plan.GAD7, row.gad7), (plan.WSAS, row.wsas)):
            # Rows are in time order, so the assessment slot keeps the earliest assessment
            # score: the one the outcome takes as the first score.
            if score is not None and position not in series_scores[code]:
                series_scores[code][position] = score.total
    risk_positions = tuple(
        sorted({row.position for row in rows if row.risk and row.position is not None})
    )
    series = []
    for code in CHARTED:
        instrument = definitions.get_instrument(code)
        series.append(
            chart.Series(
                code=code,
                low=instrument.total_min,
                high=instrument.total_max,
                caseness=instrument.caseness,
                # A total from an older definition with another range stays in the table;
                # the chart draws only what fits the current scale, rather than failing.
                scores={
                    position: total
                    for position, total in series_scores[code].items()
                    if instrument.total_min <= total <= instrument.total_max
                },
                bands=_chart_bands(instrument),
            )
        )
    drawn = chart.build_chart(
        series=series, phases=plan.phase_bounds(course.planned_sessions), risk=risk_positions
    )
    if appointments is None:
        outcome = summary.course_outcome(course)
    else:
        outcome = summary.course_outcome(
            course,
            attended=sum(1 for a in attended if a.kind == Appointment.Kind.TREATMENT),
            points=_score_points(attended, responses),
        )
    return CourseMeasures(
        chart=drawn,
        rows=rows,
        risk_positions=risk_positions,
        outcome=outcome,
        sentence=outcomes.describe(outcome),
        description=describe_chart(drawn, course.planned_sessions),
        bands=tuple(
            (code, band)
            for code in CHARTED
            if _chart_bands(definitions.get_instrument(code))
            for band in definitions.get_instrument(code).bands
        ),
    )


# The course's charted responses and its risk flags, compiled once (core.prepared). A
# charted response is read as values for its scores and risk answers only: its ids,
# timestamps and who entered it are left unread (a dozen columns, three of them
# converted per row), and no model instance is built for it.
_CHARTED_RESPONSES = PreparedRead(
    lambda course_id: (
        Response.objects.filter(
            course_id=course_id,
            status=Response.Status.COMPLETE,
            instrument__in=CHARTED,
            appointment__status=Appointment.Status.ATTENDED,
        )
        .order_by("appointment_id", "instrument")
        .values_list(*ChartedResponse._fields)
    ),
    int,
)
_COURSE_FLAGS = PreparedRead(
    lambda course_id: (
        RiskFlag.objects.filter(course_id=course_id)
        .select_related("response__appointment")
        # The note on the action taken is not shown here: left encrypted.
        .defer("action_note")
        .order_by("raised_at", "id")
    ),
    int,
)


def _score_points(attended: list[Appointment], responses: list[ChartedResponse]):
    """`summary.score_points` from rows already read: the complete PHQ-9 and GAD-7 of
    attended treatment sessions, in the order of their sessions."""
    sessions = {a.pk: a for a in attended if a.kind == Appointment.Kind.TREATMENT}
    depression, anxiety = [], []
    for response in sorted(
        (
            r
            for r in responses
            if r.instrument in (plan.PHQ9, plan.GAD7) and r.appointment_id in sessions
        ),
        key=lambda r: (sessions[r.appointment_id].starts_at, r.appointment_id, r.pk),
    ):
        point = outcomes.ScorePoint(
            response.appointment_id, sessions[response.appointment_id].starts_at, response.total
        )
        (depression if response.instrument == plan.PHQ9 else anxiety).append(point)
    return depression, anxiety


def missing_measures_of(measures: CourseMeasures) -> tuple[int, ...]:
    """`sessions_missing_measures` of one course, from its measures table: no query."""
    return tuple(
        sorted(
            row.session
            for row in measures.rows
            if row.kind == RowKind.SESSION and (row.phq9 is None or row.gad7 is None)
        )
    )


def phq9_by_session(measures: CourseMeasures) -> list[tuple[int, int]]:
    """The course's valid PHQ-9 totals as (session, total), by session, from its measures
    table (as `tracking.valid_phq9` reads them): no query."""
    return sorted(
        (row.session, row.phq9.total)
        for row in measures.rows
        if row.kind == RowKind.SESSION and row.phq9 is not None
    )


def sessions_missing_measures(course_ids) -> dict[int, tuple[int, ...]]:
    """Attended session numbers lacking a complete PHQ-9 or GAD-7, per course (one query)."""
    return missing_by_course(missing_measures_rows(course_ids))


def missing_measures_rows(course_ids) -> QuerySet:
    """`sessions_missing_measures`' query: (course id, session number), in order."""
    # A session lacks one unless both a complete PHQ-9 and a complete GAD-7 exist: two
    # lookups on the one-response-per-instrument index, not a join grouped by every
    # column of the appointment.
    complete = Response.objects.filter(appointment_id=OuterRef("pk"), status="complete")
    return (
        Appointment.objects.attended_treatment()
        # A list of ids, or the courses' own query as a subquery.
        .filter(course_id__in=course_ids if isinstance(course_ids, QuerySet) else list(course_ids))
        .filter(
            ~(
                Exists(complete.filter(instrument=plan.PHQ9))
                & Exists(complete.filter(instrument=plan.GAD7))
            )
        )
        .order_by("course_id", "session_number")
        .values_list("course_id", "session_number")
    )


def missing_by_course(rows) -> dict[int, tuple[int, ...]]:
    """The rows of `missing_measures_rows` as session numbers per course."""
    missing: dict[int, list[int]] = {}
    for course_id, number in rows:
        missing.setdefault(course_id, []).append(number)
    return {course_id: tuple(numbers) for course_id, numbers in missing.items()}
