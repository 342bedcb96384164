"""Reads of the not-on-track flags, scoped to the member asking, each with its why.

A flag is clinical content (a score), so the clinical scope applies: the treating
therapist, their supervisor, admins only where the practice allows it. Every list is built
in a fixed number of queries whatever its length: the flags, the scores of their courses,
and the practice's curves.

For the supervisor's page: ``not_on_track_for(membership, therapist_ids=...)`` gives the
open flags of active courses, each as a `NotOnTrack` with the score, the expected range,
the curve it came from and a small chart.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from django.db.models import JSONField, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _

from patternwork.accounts.access import PreparedVisible, visible
from patternwork.accounts.models import Membership
from patternwork.core.words import translator
from patternwork.measures import config
from patternwork.measures.definitions import Instrument, get_instrument
from patternwork.measures.expected_change import Curve, CurvePoint, expected_ranges
from patternwork.measures.models import ChangeCurve, TrackFlag
from patternwork.measures.outcomes import MeasureRule
from patternwork.measures.track_chart import track_svg
from patternwork.measures.tracking import PHQ9, valid_phq9
from patternwork.treatment.models import Course


@dataclass(frozen=True)
class NotOnTrack:
    """An open flag with what a clinician needs to see why it was raised."""

    flag: TrackFlag
    scores: tuple[tuple[int, int], ...]
    curve: Curve | None
    chart: str

    @property
    def course(self) -> Course:
        return self.flag.course

    @property
    def client(self):
        return self.flag.client

    @property
    def curve_label(self) -> str:
        flag = self.flag
        if flag.basis == TrackFlag.Basis.RULE:
            return _(
                "Fallback rule: reliable deterioration since the first score, or no reliable "
                "improvement by the midpoint of the plan (too few finished courses for a "
                "curve at this session)."
            )
        source = (
            _("this practice's")
            if flag.basis == TrackFlag.Basis.PRACTICE
            else _("the installation's")
        )
        return _(
            "Expected-change curve from %(source)s %(count)s finished courses starting %(band)s."
        ) % {"source": source, "count": flag.curve_courses, "band": self.band_label}

    @property
    def band_label(self) -> str:
        instrument = get_instrument(PHQ9)
        band = next((b for b in instrument.bands if b.code == self.flag.band), None)
        return f"{band.label.lower()} ({band.low}\N{EN DASH}{band.high})" if band else ""


def _curves(practice_ids: Collection[int]) -> dict[tuple[int, str], Curve]:
    return curves_of(curve_rows(practice_ids))


def curve_rows(practice_ids: Collection[int]) -> QuerySet:
    """The practices' change curves as (practice id, band, courses, points)."""
    return ChangeCurve.objects.filter(practice_id__in=list(practice_ids)).values_list(
        "practice_id", "band", "courses", "points"
    )


def curves_of(rows) -> dict[tuple[int, str], Curve]:
    """The rows of `curve_rows` as curves by practice and band."""
    return {
        (practice_id, band): Curve(
            band=band, courses=courses, points=tuple(CurvePoint(*point) for point in points)
        )
        for practice_id, band, courses, points in rows
    }


def _scores(course_ids: Collection[int]) -> dict[int, list[tuple[int, int]]]:
    return scores_of(score_rows(course_ids))


def score_rows(course_ids: Collection[int]) -> QuerySet:
    """The courses' valid PHQ-9 totals as (course id, session number, total), in order."""
    return (
        valid_phq9()
        .filter(course_id__in=_ids(course_ids))
        .order_by("appointment__session_number", "id")
        .values_list("course_id", "appointment__session_number", "total")
    )


def _ids(ids: Collection[int] | QuerySet) -> list[int] | QuerySet:
    """Ids for an `__in` lookup: a list, or the ids' own query as a subquery."""
    return ids if isinstance(ids, QuerySet) else list(ids)


def scores_of(rows) -> dict[int, list[tuple[int, int]]]:
    """The rows of `score_rows` as (session, total) pairs per course."""
    found: dict[int, list[tuple[int, int]]] = {}
    for course_id, session, total in rows:
        found.setdefault(course_id, []).append((session, total))
    return found


@dataclass(frozen=True)
class _ChartFrame:
    """What every flag's chart shares: the rule, the instrument and the fixed words."""

    rule: MeasureRule
    instrument: Instrument
    title: str
    description: str


def _chart_frame() -> _ChartFrame:
    # The words are fixed: translated once per language.
    _ = translator()
    return _ChartFrame(
        rule=config.outcome_config().depression,
        instrument=get_instrument(PHQ9),
        title=_("PHQ-9 by session against the expected range"),
        description=_(
            "PHQ-9 %(score)s at session %(session)s; expected %(low)s to %(high)s there."
        ),
    )


def _chart(
    flag: TrackFlag, scores: list[tuple[int, int]], curve: Curve | None, frame: _ChartFrame
) -> str:
    instrument = frame.instrument
    planned = flag.course.planned_sessions
    last = max([planned, *(s for s, _ in scores)])
    expected = expected_ranges(
        rule=frame.rule,
        instrument=instrument,
        curve=curve,
        first=flag.first_score,
        planned=planned,
        sessions=range(min(s for s, _ in scores), last + 1),
    )
    return track_svg(
        scores=scores,
        expected=expected,
        top=instrument.total_max,
        last_session=last,
        on_track=False,
        title=frame.title,
        description=frame.description
        % {
            "score": flag.score,
            "session": flag.session,
            "low": flag.expected_low,
            "high": flag.expected_high,
        },
    )


def flag_rows():
    """Flags with what their page shows, for `accounts.access.fetch`."""
    return TrackFlag.objects.select_related(
        "client", "course__therapist__user", "acknowledged_by__user", "practice"
    )


def with_why(flags: list[TrackFlag]) -> list[NotOnTrack]:
    """The flags with their scores, curves and charts: two queries whatever their number."""
    if not flags:
        return []
    curves = _curves({flag.practice_id for flag in flags})
    scores = _scores({flag.course_id for flag in flags})
    return _rows(flags, curves, scores)


def why_rows(flags, curves, scores) -> list[NotOnTrack]:
    """`with_why` of flags whose curves (`curves_of`) and scores (`scores_of`) are read."""
    return _rows(flags, curves, scores)


def _rows(flags, curves, scores) -> list[NotOnTrack]:
    if not flags:
        return []
    frame = _chart_frame()
    rows = []
    for flag in flags:
        # A band's curve may lack the flag's session (too few courses reached it): the
        # chart still draws the curve where it has points, and the rule elsewhere.
        curve = curves.get((flag.practice_id, flag.band))
        course_scores = scores.get(flag.course_id, [(flag.session, flag.score)])
        rows.append(
            NotOnTrack(
                flag=flag,
                scores=tuple(course_scores),
                curve=curve,
                chart=_chart(flag, course_scores, curve, frame),
            )
        )
    return rows


# The columns `not_on_track_for` reads: every column of the flag but its note, and the
# client's and course's columns that a not-on-track row shows or its chart needs.
LISTED_COLUMNS = (
    *(field.name for field in TrackFlag._meta.concrete_fields if field.name != "note"),
    "client__public_id",
    "client__full_name",
    "client__preferred_name",
    "client__client_number",
    "course__state",
    "course__planned_sessions",
    "course__therapist",
    "course__therapist__user",
    "course__therapist__user__full_name",
)


def not_on_track_for(
    membership: Membership, *, therapist_ids: Collection[int] | None = None
) -> list[NotOnTrack]:
    """Open not-on-track flags of active courses in the member's clinical scope, with the why.

    `therapist_ids` narrows them to those therapists' clients (one supervisee on the
    supervisor's page). Longest-waiting first; three queries whatever the number.
    """
    return with_why(list(open_listed(membership, therapist_ids=therapist_ids)))


def open_listed(
    membership: Membership, *, therapist_ids: Collection[int] | None = None
) -> QuerySet[TrackFlag]:
    """`not_on_track_for`'s flags, before their why."""
    flags = visible(membership, open_listed_rows())
    if therapist_ids is not None:
        flags = flags.filter(course__therapist_id__in=list(therapist_ids))
    return flags


def open_flags_rows() -> QuerySet[TrackFlag]:
    """The open flags of active courses, before the reader's scope."""
    return TrackFlag.objects.open().filter(course__state=Course.State.ACTIVE)


def open_listed_rows() -> QuerySet[TrackFlag]:
    """`open_listed`'s flags before the reader's scope, oldest first."""
    # An open flag has no acknowledgement; of its client and course, only what the lists
    # show (name, number, the therapist's name, the plan for the chart) is read, so no
    # encrypted column is decrypted for nothing. The flag's own note is not shown either.
    return (
        open_flags_rows()
        .select_related("client", "course__therapist__user")
        .only(*LISTED_COLUMNS)
        .order_by("raised_at", "id")
    )


def _open_flag_of_course(course_id) -> QuerySet[TrackFlag]:
    curves = ChangeCurve.objects.filter(practice_id=OuterRef("practice_id"), band=OuterRef("band"))
    rows = (
        TrackFlag.objects.open()
        .filter(course_id=course_id)
        .annotate(
            band_curve_courses=Subquery(curves.values("courses")[:1]),
            band_curve_points=Subquery(curves.values("points")[:1], output_field=JSONField()),
        )
    )
    # As first() takes it: the model's ordering, one row.
    return rows.order_by(*TrackFlag._meta.ordering)[:1]


# The course page's open flag in the member's scope, compiled once per scope shape.
_OPEN_FLAG_OF_COURSE = PreparedVisible(_open_flag_of_course, int)


def not_on_track_of(
    membership: Membership,
    course: Course,
    *,
    scores: list[tuple[int, int]] | None = None,
) -> NotOnTrack | None:
    """The course's open flag with its why, if the member may read it.

    One query whether or not there is a flag, so the course page costs the same for
    every course: the flag carries its band's curve, and `scores` are the course's valid
    PHQ-9 totals as (session, total) by session, which the course page has already read
    (without them, one more query reads them).
    """
    found = _OPEN_FLAG_OF_COURSE.rows(membership, course.pk)
    if not found:
        return None
    (flag,) = found
    # The page's own course and client, rather than a join that reads them again.
    flag.course = course
    flag.client = course.client
    curve = None
    if flag.band_curve_courses is not None:
        curve = Curve(
            band=flag.band,
            courses=flag.band_curve_courses,
            points=tuple(CurvePoint(*point) for point in flag.band_curve_points),
        )
    if scores is None:
        scores = _scores({course.pk}).get(course.pk, [])
    return _rows(
        [flag], {(flag.practice_id, flag.band): curve}, {course.pk: scores} if scores else {}
    )[0]
