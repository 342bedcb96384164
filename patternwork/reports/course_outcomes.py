"""One row per finished course: the shape services use for their own outcome returns.

The rows are the courses the service report counts as finished (`selectors.finished_in`),
in the same scope (`selectors.report_scope`), read from the per-course outcome summary
in one query whatever their number. Each row's outcome (caseness at start, the change on
each measure, recovery, reliable improvement, deterioration and recovery) comes from the
pure rules, `measures.outcomes.outcome_from_totals`, over the summary's first and last
scores, so a row and the report's figures can never disagree. WSAS is shown beside them,
first and last, and is not part of the outcome.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from patternwork.accounts.models import Membership
from patternwork.measures.config import outcome_config
from patternwork.measures.models import OutcomeSummary, Response, RiskFlag
from patternwork.measures.outcomes import Change, CourseOutcome, outcome_from_totals
from patternwork.reports import selectors
from patternwork.treatment import plan
from patternwork.treatment.models import Appointment

WSAS = plan.WSAS
CHUNK = 500


@dataclass(frozen=True)
class CourseOutcomeRow:
    course_id: object  # the course's public id
    client_number: str
    therapist: str
    referral_received: date | None
    first_session: date | None
    ended_on: date | None
    end_reason: str
    attended: int
    did_not_attend: int
    phq9: tuple[int | None, int | None]
    gad7: tuple[int | None, int | None]
    wsas: tuple[int | None, int | None]
    outcome: CourseOutcome
    risk_flags: int
    risk_flags_open: int
    date_problems: tuple[plan.DateProblem, ...]

    @property
    def wait_days(self) -> int | None:
        """Days from the referral to the first attended session, as the report's waits
        count them: none for a course without both dates or whose dates break the rules."""
        if self.referral_received is None or self.first_session is None or self.date_problems:
            return None
        return (self.first_session - self.referral_received).days

    @property
    def changes(self) -> tuple[Change | None, Change | None]:
        return self.outcome.depression.change, self.outcome.anxiety.change


def _count(model, **filters) -> Coalesce:
    rows = (
        model.objects.filter(course=OuterRef("course"), **filters)
        .order_by()
        .values("course")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def _wsas(order: str) -> Subquery:
    """A WSAS total of the course: valid as the outcome scores are (complete, at an
    attended contact), the earliest or the latest by the contact's time."""
    rows = Response.objects.filter(
        course=OuterRef("course"),
        instrument=WSAS,
        status=Response.Status.COMPLETE,
        appointment__status=Appointment.Status.ATTENDED,
    ).order_by(f"{order}appointment__starts_at", f"{order}appointment_id", f"{order}id")
    return Subquery(rows.values("total")[:1], output_field=IntegerField())


def _rows(rows: QuerySet[OutcomeSummary]) -> QuerySet:
    return (
        rows.annotate(
            wsas_first=_wsas(""),
            wsas_last=_wsas("-"),
            wsas_count=_count(
                Response,
                instrument=WSAS,
                status=Response.Status.COMPLETE,
                appointment__status=Appointment.Status.ATTENDED,
            ),
            risk_flags=_count(RiskFlag),
            risk_flags_open=_count(RiskFlag, acknowledged_at__isnull=True),
        )
        .order_by("ended_on", "course_id")
        .values_list(
            "course__public_id",
            "course__client__client_number",
            "therapist__user__full_name",
            "referral_received_on",
            "first_session_on",
            "ended_on",
            "course__end_reason",
            "attended",
            "did_not_attend",
            "phq9_first",
            "phq9_last",
            "gad7_first",
            "gad7_last",
            "wsas_first",
            "wsas_last",
            "wsas_count",
            "risk_flags",
            "risk_flags_open",
            "date_problems",
        )
    )


def course_outcome_rows(
    membership: Membership,
    *,
    therapist: Membership | None = None,
    ended_from: date | None = None,
    ended_to: date | None = None,
) -> Iterator[CourseOutcomeRow]:
    """The finished courses a member may report on, one row each, oldest ending first.

    Scope and period as `selectors.service_report_for` (a therapist outside the member's
    scope is refused); one query, read in chunks.
    """
    scope = selectors.report_scope(membership, therapist)
    rows = OutcomeSummary.objects.filter(practice_id=membership.practice_id)
    if therapist is not None:
        rows = rows.filter(therapist=therapist)
    elif scope is not None:
        rows = rows.filter(therapist_id__in=scope)
    rows = rows.filter(selectors.finished_in(ended_from, ended_to))
    # The scope is settled here, before the first row is read: a refusal is an error
    # page, never a download cut short.
    return _outcomes(_rows(rows), outcome_config())


def _outcomes(rows: QuerySet, config) -> Iterator[CourseOutcomeRow]:
    for values in rows.iterator(chunk_size=CHUNK):
        (
            course_id,
            client_number,
            therapist_name,
            received,
            first,
            ended,
            end_reason,
            attended,
            dna,
            phq9_first,
            phq9_last,
            gad7_first,
            gad7_last,
            wsas_first,
            wsas_last,
            wsas_count,
            flags,
            flags_open,
            problems,
        ) = values
        yield CourseOutcomeRow(
            course_id=course_id,
            client_number=client_number,
            therapist=therapist_name,
            referral_received=received,
            first_session=first,
            ended_on=ended,
            end_reason=end_reason,
            attended=attended,
            did_not_attend=dna,
            phq9=(phq9_first, phq9_last),
            gad7=(gad7_first, gad7_last),
            # A last WSAS is one from a later contact than the first, as for the others.
            wsas=(wsas_first, wsas_last if wsas_count > 1 else None),
            outcome=outcome_from_totals(
                (phq9_first, phq9_last), (gad7_first, gad7_last), finished=True, config=config
            ),
            risk_flags=flags,
            risk_flags_open=flags_open,
            date_problems=plan.decode_problems(problems),
        )
