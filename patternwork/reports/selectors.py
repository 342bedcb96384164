"""The service outcome report: activity, outcomes and waits, computed in the database.

Three queries whatever the number of courses, so the report stays fast at a national
scale (docs/outcomes.md, "Why a per-course summary"): one aggregate over the per-course
outcome summaries (`measures.OutcomeSummary`, kept current by the measures and treatment
services in the same transaction as each write), one count of courses per length of wait,
and one count of referrals; a fourth lists the first few courses whose dates break the
plan's rules, when there are any. No course is looped over in Python.

Definitions (docs/outcomes.md; the outcome rules are `patternwork.measures.outcomes`, and
`outcome_conditions` below states them in SQL one for one):
- period: optional local dates ``ended_from``-``ended_to`` (inclusive) in the practice's
  time zone. Finished courses count by their end date, started courses by their start
  date, referrals by the day they were received.
- finished: ended with at least 2 attended treatment sessions.
- mean attended sessions: attended treatment sessions of finished courses / finished.
- did-not-attend rate: treatment appointments not attended without notice / (attended +
  not attended), over finished courses only, so that open courses do not skew it.
- caseness at start, recovery, reliable improvement, reliable recovery and reliable
  deterioration: exactly as `outcomes.service_rates` counts them; recovery and reliable
  recovery over finished courses minus those with paired scores that were not at caseness
  at start (a finished course without paired scores stays in, not recovered), improvement
  and deterioration over all finished courses. "At caseness at start" is a share of the
  finished courses with paired scores; "without paired scores" a share of all finished.
- waits: days from the referral being received to the first attended treatment session,
  for finished courses that came from a referral; the share seen within 42 days (6 weeks)
  and within 126 days (18 weeks), as the NHS Talking Therapies waiting-time standards.
- data quality: a course whose dates break the plan's date rules
  (`treatment.plan.date_problems`, flagged on its summary when it is refreshed) never
  enters a wait figure; the report counts such courses in its scope, whatever the
  period, counts the finished ones in the period that the waits leave out for it, and
  lists the first `DATE_PROBLEMS_LISTED` for correction.
- scope: `therapist` or `scope` limit every figure to those therapists' courses, and
  referrals to those whose course is with one of them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from uuid import UUID
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.db import router
from django.db.models import Count, Exists, F, Func, IntegerField, OuterRef, Q, QuerySet, Sum
from django.db.models.lookups import (
    GreaterThan,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,
)

from patternwork.accounts.access import record_scope
from patternwork.accounts.models import Membership, Practice
from patternwork.clients.models import Referral
from patternwork.core.prepared import KeptStatements, PreparedRead, PreparedShapes
from patternwork.measures.config import outcome_config
from patternwork.measures.definitions import Comparator, Threshold
from patternwork.measures.models import OutcomeSummary
from patternwork.measures.outcomes import OutcomeConfig, Rate, ServiceRates
from patternwork.measures.summary import GAD7, PHQ9
from patternwork.reports import funnel
from patternwork.treatment import plan, scheduling
from patternwork.treatment.models import Course, WaitingEntry

WITHIN_6_WEEKS = 42
WITHIN_18_WEEKS = 126
DATE_PROBLEMS_LISTED = 50
UNSUPPORTED_MEASURES = (
    "The outcome summary holds {summary}; a report on {depression} and {anxiety} needs its "
    "scores there first."
)
OUT_OF_SCOPE = "This therapist is outside your reporting scope."

_LOOKUPS = {
    Comparator.GE: GreaterThanOrEqual,
    Comparator.GT: GreaterThan,
    Comparator.LE: LessThanOrEqual,
    Comparator.LT: LessThan,
}


@dataclass(frozen=True)
class Mean:
    total: int
    count: int

    @property
    def value(self) -> Fraction | None:
        return None if self.count == 0 else Fraction(self.total, self.count)


@dataclass(frozen=True)
class Waits:
    """Days from referral to first attended treatment session, for finished courses."""

    count: int
    total_days: int
    median_days: Fraction | None
    within_6_weeks: Rate
    within_18_weeks: Rate

    @property
    def mean_days(self) -> Mean:
        return Mean(self.total_days, self.count)


@dataclass(frozen=True)
class DatedWrongly:
    """A course whose dates break the plan's rules, as the data-quality list shows it."""

    course_id: object  # the course's public id
    client_name: str
    client_number: str
    therapist_name: str
    problems: tuple[plan.DateProblem, ...]


@dataclass(frozen=True)
class DataQuality:
    """Courses in scope whose dates break the rules, and the waits left out for it."""

    count: int
    left_out_of_waits: int
    listed: tuple[DatedWrongly, ...]

    @property
    def unlisted(self) -> int:
        return self.count - len(self.listed)


@dataclass(frozen=True)
class ServiceReport:
    referrals: int
    started: int
    outcomes: ServiceRates
    attended_sessions: Mean
    did_not_attend: Rate
    paired: Rate
    at_caseness: Rate
    waits: Waits
    data_quality: DataQuality
    waiting: Waits | None = None

    @property
    def finished(self) -> int:
        return self.outcomes.finished

    @property
    def without_paired_scores(self) -> Rate:
        return Rate(self.outcomes.finished_unpaired, self.finished)


class DaysBetween(Func):
    """Whole days from the second date to the first (negative when it is later)."""

    arity = 2
    output_field = IntegerField()
    template = "(%(expressions)s)"
    arg_joiner = " - "

    def as_sqlite(self, compiler, connection, **extra_context):
        # Dates are ISO text on SQLite; julianday() is built in (no Python function per row).
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


def _meets(expression, threshold: Threshold) -> Q:
    """SQL for ``scoring.compare(threshold, value)``: value <comparator> threshold value."""
    if isinstance(expression, str):
        expression = F(expression)
    return Q(_LOOKUPS[threshold.comparator](expression, threshold.value))


def outcome_conditions(config: OutcomeConfig | None = None) -> dict[str, Q]:
    """The outcome rules of `outcomes.course_outcome` as conditions on a summary row.

    The one place where thresholds and comparators become SQL. Every condition that
    compares two scores is guarded by `paired`, and each first score by its own IS NOT
    NULL, so a missing score never counts as a change or as caseness (SQL's NULL would
    otherwise make NOT (...) unknown rather than false).
    """
    config = config or outcome_config()
    if (config.depression.code, config.anxiety.code) != (PHQ9, GAD7):
        raise ValueError(
            UNSUPPORTED_MEASURES.format(
                summary=f"{PHQ9} and {GAD7}",
                depression=config.depression.code,
                anxiety=config.anxiety.code,
            )
        )
    dep, anx = config.depression, config.anxiety
    paired = Q(phq9_last__isnull=False, gad7_last__isnull=False)
    # Decided from the first scores that exist: one measure never scored does not hide the
    # other's caseness.
    caseness = (Q(phq9_first__isnull=False) & _meets("phq9_first", dep.caseness)) | (
        Q(gad7_first__isnull=False) & _meets("gad7_first", anx.caseness)
    )
    recovered = (
        paired & caseness & ~_meets("phq9_last", dep.caseness) & ~_meets("gad7_last", anx.caseness)
    )
    changes = []
    for rule, first, last in ((dep, "phq9_first", "phq9_last"), (anx, "gad7_first", "gad7_last")):
        improved = _meets(F(first) - F(last), rule.reliable_change)
        # As in outcomes._measure_outcome: deteriorated only when not improved.
        deteriorated = ~improved & _meets(F(last) - F(first), rule.reliable_change)
        changes.append((improved, deteriorated))
    (dep_improved, dep_worse), (anx_improved, anx_worse) = changes
    deterioration = paired & (dep_worse | anx_worse)
    improvement = paired & (dep_improved | anx_improved) & ~(dep_worse | anx_worse)
    return {
        "paired": paired,
        "caseness": caseness,
        "paired_at_caseness": paired & caseness,
        # Only paired courses not at caseness leave the denominator; unpaired ones stay in.
        "counts_for_recovery": ~paired | caseness,
        "recovered": recovered,
        "reliable_improvement": improvement,
        "reliable_deterioration": deterioration,
        "reliable_recovery": recovered & improvement,
    }


def _in_period(field: str, start: date | None, end: date | None) -> Q:
    condition = Q(**{f"{field}__isnull": False})
    if start is not None:
        condition &= Q(**{f"{field}__gte": start})
    if end is not None:
        condition &= Q(**{f"{field}__lte": end})
    return condition


def finished_in(ended_from: date | None, ended_to: date | None) -> Q:
    """Summary rows of courses finished in the period: ended with at least 2 attended
    treatment sessions, by their end date."""
    return Q(ended=True, attended__gte=plan.MIN_SESSIONS_FOR_FINISHED) & _in_period(
        "ended_on", ended_from, ended_to
    )


def _median(histogram: Sequence[tuple[int, int]], count: int) -> Fraction | None:
    """The median of values given as sorted (value, how many) pairs."""
    if count == 0:
        return None
    lower, upper = (count - 1) // 2, count // 2
    seen, low = 0, None
    for value, times in histogram:
        if low is None and lower < seen + times:
            low = value
        if upper < seen + times:
            return Fraction(low + value, 2)
        seen += times
    raise ValueError("histogram does not add up to count")


# Whether a summary row's dates break the plan's rules (flagged when it is refreshed).
DATED_WRONGLY = ~Q(date_problems="")
WAITED = Q(referral_received_on__isnull=False, first_session_on__isnull=False)


def _wait_histogram_of(rows: QuerySet[OutcomeSummary]) -> QuerySet:
    """(days waited, how many courses) in order of days: the one statement of the wait rule.

    Only courses with both dates count, and never one whose dates break the plan's rules.
    """
    return (
        rows.filter(WAITED)
        .exclude(DATED_WRONGLY)
        .annotate(days=DaysBetween(F("first_session_on"), F("referral_received_on")))
        .values("days")
        .annotate(courses=Count("pk"))
        .order_by("days")
        .values_list("days", "courses")
    )


def _wait_histogram(rows: QuerySet[OutcomeSummary]) -> list[tuple[int, int]]:
    return [(days, courses) for days, courses in _wait_histogram_of(rows)]


def _waits(
    rows: Callable[[], QuerySet[OutcomeSummary]], finished: Q, key: tuple, using: str
) -> Waits:
    # Whole days and counts, both integers as the database gives them: the statement is
    # kept per practice, therapists and period (`key`) rather than built every time.
    _names, found = _REPORT_STATEMENTS.fetchall(
        ("waits", *key), lambda: _wait_histogram_of(rows().filter(finished)), using=using
    )
    histogram = [(days, courses) for days, courses in found]
    count = sum(courses for _, courses in histogram)
    return Waits(
        count=count,
        total_days=sum(days * courses for days, courses in histogram),
        median_days=_median(histogram, count),
        within_6_weeks=Rate(sum(c for d, c in histogram if d <= WITHIN_6_WEEKS), count),
        within_18_weeks=Rate(sum(c for d, c in histogram if d <= WITHIN_18_WEEKS), count),
    )


def _waiting(practice: Practice, therapists: list[int] | None) -> Waits:
    """Days waited so far by the clients on the waiting list today (offered DIT, no
    start yet), in the same shape as the waits of finished courses. "Within" counts
    those who have not yet passed the mark."""

    today = scheduling.today(practice)
    by_day: dict[int, int] = {}
    # Compiled once per number of therapists (the dates converted as the ORM does), run
    # with the practice and the therapists as arguments.
    read = _WAITING_READS[_count_of(therapists)]
    for referred_on, count in read(practice.pk, *(therapists or ())):
        days = plan.wait_so_far(referred_on, today).days
        by_day[days] = by_day.get(days, 0) + count
    histogram = sorted(by_day.items())
    count = sum(courses for _, courses in histogram)
    return Waits(
        count=count,
        total_days=sum(days * courses for days, courses in histogram),
        median_days=_median(histogram, count),
        within_6_weeks=Rate(sum(c for d, c in histogram if d <= WITHIN_6_WEEKS), count),
        within_18_weeks=Rate(sum(c for d, c in histogram if d <= WITHIN_18_WEEKS), count),
    )


def _waiting_rows(practice_id: int, *therapists: int, all_of_them: bool) -> QuerySet:
    entries = WaitingEntry.objects.filter(practice_id=practice_id, left_at__isnull=True)
    if not all_of_them:
        entries = entries.filter(course__therapist_id__in=list(therapists))
    return entries.values("referred_on").annotate(n=Count("pk")).values_list("referred_on", "n")


# The report's reads over a list of therapists (None: the whole practice), compiled once
# per number of therapists: `PreparedRead` by shape, as `accounts.access.PreparedVisible`
# compiles a read of a reader's scope, so their number follows the shapes, not the staff.
def _per_count(build) -> PreparedShapes:
    """The reads of `build(practice_id, *therapists)`, one per number of therapists."""
    return PreparedShapes(
        lambda count: PreparedRead(
            lambda *args: build(*args, all_of_them=count is None), int, *([int] * (count or 0))
        )
    )


def _count_of(therapists) -> int | None:
    return None if therapists is None else len(therapists)


_WAITING_READS = _per_count(_waiting_rows)


def _dated_wrongly(rows: QuerySet[OutcomeSummary]) -> tuple[DatedWrongly, ...]:
    listed = (
        rows.filter(DATED_WRONGLY)
        .order_by("therapist_id", "course_id")
        .values_list(
            "course__public_id",
            "course__client__full_name",
            "course__client__preferred_name",
            "course__client__client_number",
            "therapist__user__full_name",
            "date_problems",
        )[:DATE_PROBLEMS_LISTED]
    )
    return tuple(
        DatedWrongly(
            course_id=course_id,
            client_name=preferred or full_name,
            client_number=number,
            therapist_name=therapist,
            problems=plan.decode_problems(stored),
        )
        for course_id, full_name, preferred, number, therapist, stored in listed
    )


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def _referrals(
    practice: Practice,
    therapists: Collection[int] | None,
    start: date | None,
    end: date | None,
) -> int:

    def build() -> QuerySet:
        referrals = Referral.objects.filter(practice=practice)
        zone = ZoneInfo(practice.time_zone)
        if start is not None:
            referrals = referrals.filter(received_at__gte=_start_of(start, zone))
        if end is not None:
            referrals = referrals.filter(received_at__lt=_start_of(end + timedelta(days=1), zone))
        if therapists is not None:
            courses = Course.objects.filter(referral=OuterRef("pk"), therapist_id__in=therapists)
            referrals = referrals.filter(Exists(courses))
        # The practice's rows in one group: its count, or no row when there are none.
        return referrals.order_by().values("practice_id").annotate(n=Count("pk")).values_list("n")

    key = (
        "referrals",
        practice.pk,
        practice.time_zone,
        None if therapists is None else tuple(therapists),
        start,
        end,
    )
    _names, found = _REPORT_STATEMENTS.fetchone(key, build)
    return found[0] if found else 0


# The report's figures are one aggregate of thirteen filtered counts whose conditions
# (the outcome rules) Django compiles anew on every request: most of the report's time.
# The statement depends only on what its key holds, so it is kept per key (core.prepared).
_REPORT_STATEMENTS = KeptStatements()


def _aggregate(
    rows: Callable[[], QuerySet[OutcomeSummary]], key: tuple, aggregates, using: str
) -> dict:
    def build() -> QuerySet:
        built = aggregates()
        # One group (the practice's rows), so the statement reads as an aggregate; no
        # group at all when the practice has no rows yet.
        return rows().order_by().values("practice_id").annotate(**built).values_list(*built)

    names, found = _REPORT_STATEMENTS.fetchone(key, build, using=using)
    return dict(zip(names, found or (0,) * len(names), strict=True))


def service_report(
    practice: Practice,
    *,
    therapist: Membership | None = None,
    scope: Collection[int] | None = None,
    ended_from: date | None = None,
    ended_to: date | None = None,
    config: OutcomeConfig | None = None,
) -> ServiceReport:
    """Report a practice's activity, outcomes and waits (definitions: module docstring).

    `therapist` limits the report to one therapist's courses; `scope` (membership ids,
    as `accounts.access.record_scope` gives them) to several. None means the practice.
    """
    therapists = None if scope is None else list(scope)
    if therapist is not None:
        therapists = [therapist.pk]

    def rows() -> QuerySet[OutcomeSummary]:
        # Built only where a kept statement is compiled (once per key) and where the
        # courses dated wrongly are listed, not on every report.
        summaries = OutcomeSummary.objects.filter(practice=practice)
        if therapists is not None:
            summaries = summaries.filter(therapist_id__in=therapists)
        return summaries

    # The database `rows().db` names: the router's for reading summaries (no hints).
    using = router.db_for_read(OutcomeSummary)
    finished = finished_in(ended_from, ended_to)
    config = config or outcome_config()

    def aggregates() -> dict:
        rule = outcome_conditions(config)

        def finished_and(name: str) -> Count:
            return Count("pk", filter=finished & rule[name])

        return dict(
            started=Count("pk", filter=_in_period("started_on", ended_from, ended_to)),
            finished=Count("pk", filter=finished),
            attended_sessions=Sum("attended", filter=finished, default=0),
            missed_sessions=Sum("did_not_attend", filter=finished, default=0),
            paired=finished_and("paired"),
            at_caseness=finished_and("paired_at_caseness"),
            for_recovery=finished_and("counts_for_recovery"),
            recovered=finished_and("recovered"),
            reliable_recovery=finished_and("reliable_recovery"),
            reliable_improvement=finished_and("reliable_improvement"),
            reliable_deterioration=finished_and("reliable_deterioration"),
            dated_wrongly=Count("pk", filter=DATED_WRONGLY),
            left_out_of_waits=Count("pk", filter=finished & WAITED & DATED_WRONGLY),
        )

    key = (
        practice.pk,
        None if therapists is None else tuple(therapists),
        ended_from,
        ended_to,
        config,
    )
    figures = _aggregate(rows, key, aggregates, using)
    count, paired, at_caseness = figures["finished"], figures["paired"], figures["at_caseness"]
    attended, dna = figures["attended_sessions"], figures["missed_sessions"]
    return ServiceReport(
        referrals=_referrals(practice, therapists, ended_from, ended_to),
        started=figures["started"],
        outcomes=ServiceRates(
            finished=count,
            finished_unpaired=count - paired,
            paired_at_caseness=at_caseness,
            recovery=Rate(figures["recovered"], figures["for_recovery"]),
            reliable_recovery=Rate(figures["reliable_recovery"], figures["for_recovery"]),
            reliable_improvement=Rate(figures["reliable_improvement"], count),
            reliable_deterioration=Rate(figures["reliable_deterioration"], count),
        ),
        attended_sessions=Mean(attended, count),
        did_not_attend=Rate(dna, attended + dna),
        paired=Rate(paired, count),
        at_caseness=Rate(at_caseness, paired),
        waits=_waits(rows, finished, key[:4], using),
        waiting=_waiting(practice, therapists),
        data_quality=DataQuality(
            count=figures["dated_wrongly"],
            left_out_of_waits=figures["left_out_of_waits"],
            listed=_dated_wrongly(rows()) if figures["dated_wrongly"] else (),
        ),
    )


def recent_waits(practice: Practice, *, today: date, days: int) -> list[tuple[int, int]]:
    """The waits of courses whose first session fell in the `days` days up to `today`.

    Finished or not: a course that has begun has waited. One query; the estimate on the
    public page is `reports.wait_estimate.estimate_wait` of this.
    """
    rows = OutcomeSummary.objects.filter(
        practice=practice,
        first_session_on__gt=today - timedelta(days=days),
        first_session_on__lte=today,
    )
    return _wait_histogram(rows)


def report_therapists(membership: Membership) -> QuerySet[Membership]:
    """The clinicians a member may choose in the report: their record scope.

    An admin chooses among everyone of the practice who can hold a caseload or has held
    one (inactive members too, for past periods); a supervisor among their supervisees
    and themself.
    """
    scope = record_scope(membership)
    return _therapists(
        membership.practice_id, *(scope or ()), all_of_them=scope is None
    ).select_related("user")


def _therapists(practice_id: int, *scope: int, all_of_them: bool) -> QuerySet[Membership]:
    members = Membership.objects.filter(practice_id=practice_id)
    if not all_of_them:
        return members.filter(pk__in=list(scope)).order_by("user__full_name", "pk")
    clinicians = Q(role__in=Membership.CLINICIAN_ROLES)
    held_courses = Exists(Course.objects.filter(therapist=OuterRef("pk")))
    return members.filter(clinicians | held_courses).order_by("user__full_name", "pk")


def _therapist_choice_rows(practice_id: int, *scope: int, all_of_them: bool) -> QuerySet:
    return _therapists(practice_id, *scope, all_of_them=all_of_them).values_list(
        "public_id", "user__full_name", "is_active"
    )


_THERAPIST_CHOICE_READS = _per_count(_therapist_choice_rows)


def report_therapist_choices(membership: Membership) -> list[tuple[UUID, str, bool]]:
    """`report_therapists` as (public id, full name, active) in the same order, for the
    filter's select on every view of the report: compiled once per shape of the record
    scope rather than built and made into members and users every time."""
    scope = record_scope(membership)
    read = _THERAPIST_CHOICE_READS[_count_of(scope)]
    return read(membership.practice_id, *(scope or ()))


def report_scope(membership: Membership, therapist: Membership | None) -> list[int] | None:
    """The therapists (membership ids) a member reports on; None for the whole practice.

    A therapist outside the member's practice or record scope is refused.
    """
    scope = record_scope(membership)
    if therapist is not None and (
        therapist.practice_id != membership.practice_id
        or (scope is not None and therapist.pk not in scope)
    ):
        raise PermissionDenied(OUT_OF_SCOPE)
    return scope


def service_report_for(
    membership: Membership,
    *,
    therapist: Membership | None = None,
    ended_from: date | None = None,
    ended_to: date | None = None,
) -> ServiceReport:
    """The report a member may see: their practice, narrowed to their record scope."""
    scope = report_scope(membership, therapist)
    return service_report(
        membership.practice,
        therapist=therapist,
        scope=scope,
        ended_from=ended_from,
        ended_to=ended_to,
    )


@dataclass(frozen=True)
class Funnel:
    """Each therapist's recovery against their number of courses, and what the reader sees.

    `units` are every therapist of the practice with a finished course in the period (the
    mean and the axes come from them); `shown` those the reader may see: an admin all, a
    supervisor their record scope, a therapist only themself.
    """

    units: tuple[funnel.Unit, ...]
    shown: tuple[funnel.Unit, ...]
    mean: float | None

    @property
    def largest(self) -> int:
        return max((u.denominator for u in self.units), default=0)


def funnel_for(
    membership: Membership, *, ended_from: date | None = None, ended_to: date | None = None
) -> Funnel:
    """Recovery per therapist over the practice's finished courses, in one query.

    The practice mean pools every therapist's courses (the centre of the funnel); the
    points the member may see are their record scope.
    """
    config = outcome_config()

    def build() -> QuerySet:
        rule = outcome_conditions(config)
        return (
            OutcomeSummary.objects.filter(
                finished_in(ended_from, ended_to), practice_id=membership.practice_id
            )
            .values("therapist_id", "therapist__public_id", "therapist__user__full_name")
            .annotate(
                recovered=Count("pk", filter=rule["recovered"]),
                denominator=Count("pk", filter=rule["counts_for_recovery"]),
            )
            .order_by("therapist__user__full_name", "therapist_id")
            .values_list(
                "therapist_id",
                "therapist__public_id",
                "therapist__user__full_name",
                "recovered",
                "denominator",
            )
        )

    # Written once per practice, period and outcome rules; run every time.
    key = ("funnel", membership.practice_id, ended_from, ended_to, config)
    units, ids = [], []
    for therapist_id, public_id, name, recovered, denominator in _REPORT_STATEMENTS.fetchall(
        key, build
    )[1]:
        units.append(
            funnel.Unit(
                # The row as the database gives it: a UUID, or its hex text on SQLite.
                key=str(public_id if isinstance(public_id, UUID) else UUID(public_id)),
                label=name,
                count=recovered,
                denominator=denominator,
            )
        )
        ids.append(therapist_id)
    scope = record_scope(membership)
    shown = tuple(u for u, pk in zip(units, ids, strict=True) if scope is None or pk in scope)
    return Funnel(tuple(units), shown, funnel.practice_mean(units))
