"""Reads that span the course's apps: the caseload and the course's milestones.

A course's milestones need facts from treatment (sessions attended), measures (sessions
missing questionnaires, open risk flags), formulation (relationship review, IPAF agreed)
and letters (goodbye letter drafted and shared). Reports is the lowest app that may read
all of them, so the caseload and the course overview are built here, each in a fixed
number of queries whatever the number of courses.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from patternwork.accounts.models import Membership
from patternwork.formulation.selectors import with_formulation_facts
from patternwork.letters.selectors import with_letter_facts
from patternwork.measures.flag_selectors import open_flags_for
from patternwork.measures.selectors import (
    CourseMeasures,
    course_measures,
    missing_measures_of,
    sessions_missing_measures,
)
from patternwork.measures.track_selectors import not_on_track_for
from patternwork.treatment import plan, scheduling
from patternwork.treatment.models import Appointment, Course
from patternwork.treatment.selectors import (
    ATTENDED,
    CourseView,
    appointments_for,
    course_view,
    courses_for,
    current_phase,
)
from patternwork.treatment.waiting_selectors import with_waiting


def with_milestone_facts(courses: QuerySet[Course]) -> QuerySet[Course]:
    """Annotate what the milestones need from formulation and letters."""
    return with_letter_facts(with_formulation_facts(courses))


def course_facts(
    course: Course, attended: int, missing_measures: tuple[int, ...] = ()
) -> plan.CourseFacts:
    """What the plan's milestones need to know about a course.

    `course` carries the annotations of formulation's `with_formulation_facts` and
    letters' `with_letter_facts`.
    """
    return plan.CourseFacts(
        planned=course.planned_sessions,
        attended=attended,
        relationships_reviewed=bool(getattr(course, "relationships_reviewed", False)),
        ipaf_agreed=bool(getattr(course, "ipaf_agreed", False)),
        sessions_missing_measures=missing_measures,
        letter_drafted=bool(getattr(course, "letter_drafted", False)),
        letter_shared=bool(getattr(course, "letter_shared", False)),
        letter_share_session=course.letter_share_session,
        ended=course.state == Course.State.ENDED,
        end_reason=course.end_reason,
    )


# A course's encrypted fields, and its client's, that no caseload row shows.
UNSHOWN_SECRETS = ("end_note", "end_override_reason", "client__close_override_reason")


@dataclass
class CaseloadRow:
    course: Course
    attended: int
    phase: plan.Phase
    next_start: datetime | None
    overdue: tuple[plan.Milestone, ...]

    @property
    def client(self):
        return self.course.client


@dataclass
class Caseload:
    rows: list[CaseloadRow]
    today: list[Appointment]
    week: list[Appointment]
    flags: list = field(default_factory=list)
    not_on_track: list = field(default_factory=list)

    @property
    def off_track_ids(self) -> set[int]:
        return {row.flag.course_id for row in self.not_on_track}


def caseload(
    membership: Membership,
    *,
    query: str = "",
    phase: str = "",
    state: str = "",
    overdue_only: bool = False,
    therapist: str = "",
) -> Caseload:
    """The member's open courses with n of N, phase, next appointment and overdue items."""
    now = timezone.now()
    courses = (
        with_milestone_facts(courses_for(membership).exclude(state=Course.State.ENDED))
        .annotate(
            attended=Count("appointments", filter=ATTENDED),
            next_start=Min(
                "appointments__starts_at",
                filter=Q(
                    appointments__status=Appointment.Status.BOOKED,
                    appointments__starts_at__gt=now,
                ),
            ),
        )
        .order_by("client__full_name")
        # Open courses only: their ending notes and the client's closing reason are not
        # shown, and each would be decrypted for every row.
        .defer(*UNSHOWN_SECRETS)
    )
    if query.strip():
        text = query.strip()
        courses = courses.filter(
            Q(client__full_name__icontains=text)
            | Q(client__preferred_name__icontains=text)
            | Q(client__client_number__icontains=text)
        )
    if state:
        courses = courses.filter(state=state)
    if therapist:
        courses = courses.filter(therapist__public_id=therapist)
    courses = list(courses)
    missing = sessions_missing_measures([c.pk for c in courses])
    rows = []
    for course in courses:
        facts = course_facts(course, course.attended, missing.get(course.pk, ()))
        row = CaseloadRow(
            course=course,
            attended=course.attended,
            phase=current_phase(course.attended, course.planned_sessions),
            next_start=course.next_start,
            overdue=plan.overdue(facts) if course.state == Course.State.ACTIVE else (),
        )
        if phase and row.phase != phase:
            continue
        if overdue_only and not row.overdue:
            continue
        rows.append(row)
    local_today = scheduling.local_date(membership.practice, now)
    week_end = local_today + timedelta(days=7)
    upcoming = list(
        appointments_for(membership)
        .filter(
            starts_at__gte=scheduling.local_start(
                membership.practice, local_today, datetime.min.time()
            ),
            starts_at__lt=scheduling.local_start(
                membership.practice, week_end, datetime.min.time()
            ),
        )
        .order_by("starts_at")
        .defer(*(f"course__{name}" for name in UNSHOWN_SECRETS))
    )
    todays = [
        a
        for a in upcoming
        if scheduling.local_date(membership.practice, a.starts_at) == local_today
    ]
    return Caseload(
        rows=rows,
        today=todays,
        week=[a for a in upcoming if a not in todays],
        flags=list(open_flags_for(membership)),
        not_on_track=not_on_track_for(membership),
    )


def course_overview(course: Course) -> CourseView:
    """The course page: treatment's timeline and projection, with the plan's milestones."""
    view = course_view(course)
    facts = course_facts(
        with_milestone_facts(Course.objects.filter(pk=course.pk)).get(),
        view.attended,
        sessions_missing_measures([course.pk]).get(course.pk, ()),
    )
    return dataclasses.replace(view, milestones=plan.milestones(facts))


def course_page_rows() -> QuerySet[Course]:
    """The course page's course, for `accounts.access.fetch`: its client, therapist and
    practice, the milestone facts and whether it is on the waiting list, all in the one
    query that fetches it. The client's closing reason, which the page does not show, is
    left encrypted."""
    return with_waiting(
        with_milestone_facts(Course.objects.select_related("client", "therapist__user", "practice"))
    ).defer("client__close_override_reason")


def course_page(course: Course, *, clinical: bool) -> tuple[CourseView, CourseMeasures | None]:
    """`course_overview` of a course from `course_page_rows`, with its measures for a
    reader of its clinical content: the course's appointments are read once for the
    timeline, the chart, the outcome and the milestones."""
    view = course_view(course)
    measures = None
    if clinical:
        measures = course_measures(
            course, appointments=[item.appointment for item in view.timeline]
        )
        missing = missing_measures_of(measures)
    else:
        missing = sessions_missing_measures([course.pk]).get(course.pk, ())
    facts = course_facts(course, view.attended, missing)
    return dataclasses.replace(view, milestones=plan.milestones(facts)), measures
