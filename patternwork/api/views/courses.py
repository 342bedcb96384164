"""Courses (plan, phases, milestones, outcome) and their appointments: the same
services as the course and session pages."""

from __future__ import annotations

from datetime import datetime

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound

from patternwork.accounts.access import fetch, visible
from patternwork.api.concurrency import guarded_update, with_etag
from patternwork.api.idempotency import idempotent
from patternwork.api.serializers import courses as s
from patternwork.api.views.base import ApiView
from patternwork.api.views.lists import DetailView, ListView
from patternwork.measures.summary import course_outcome
from patternwork.reports.caseload import course_overview
from patternwork.treatment import scheduling, selectors, services
from patternwork.treatment.models import Appointment
from patternwork.treatment.services.courses import PlanValues


class CourseList(ListView):
    serializer_class = s.CourseSerializer
    filters_class = s.CourseListFilters
    related_filters = {"client": "client__public_id", "therapist": "therapist__public_id"}

    def rows(self):
        return visible(self.reader(), selectors.course_rows())

    def narrow(self, rows, filters):
        if "state" in filters:
            rows = rows.filter(state=filters["state"])
        return rows


class CourseDetail(DetailView):
    serializer_class = s.CourseDetailSerializer
    if_match = True

    def rows(self):
        return selectors.course_rows()

    def represent(self, obj):
        obj.overview = course_overview(obj)
        return super().represent(obj)

    @extend_schema(
        request=s.PlanChangeSerializer,
        responses=s.CourseDetailSerializer,
        summary="Change the plan of an active course (future appointments follow)",
    )
    def patch(self, request, public_id):
        course = self.get_object(public_id)
        data = s.PlanChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        change = data.validated_data

        def write(locked):
            values = PlanValues(
                planned_sessions=change.get("planned_sessions", locked.planned_sessions),
                cadence=change.get("cadence", locked.cadence),
                session_minutes=change.get("session_minutes", locked.session_minutes),
                start_date=locked.start_date,
                start_time=change.get("start_time", locked.start_time),
                letter_share_session=change.get(
                    "letter_share_session", locked.letter_share_session
                ),
            )
            services.change_plan(
                course=locked,
                values=values,
                expected_version=locked.version,
                actor=self.membership,
            )
            return selectors.course_rows().get(pk=locked.pk)

        return guarded_update(
            request,
            lock=lambda: _locked_course(course),
            represent=self.represent,
            write=write,
            respond=self.respond,
        )


def _locked_course(course):
    scheduling.lock_course(course)
    return selectors.course_rows().get(pk=course.pk)


class CourseOutcome(ApiView):
    """The course's first and last scores and its outcome, as the service report counts it."""

    @extend_schema(responses=s.OutcomeSerializer, summary="The course's outcome")
    def get(self, request, public_id):
        course = fetch(self.reader(), selectors.course_rows(), public_id, reads="outcome")
        outcome = course_outcome(course)
        data = {
            "course": course.public_id,
            "finished": outcome.finished,
            "paired": outcome.paired,
            "depression": outcome.depression,
            "anxiety": outcome.anxiety,
            "caseness_at_start": outcome.caseness_at_start,
            "recovered": outcome.recovered,
            "reliable_improvement": outcome.reliable_improvement,
            "reliable_deterioration": outcome.reliable_deterioration,
            "no_reliable_change": outcome.no_reliable_change,
            "reliable_recovery": outcome.reliable_recovery,
        }
        return with_etag(s.OutcomeSerializer(data).data)


class AppointmentList(ListView):
    serializer_class = s.AppointmentSerializer
    filters_class = s.AppointmentListFilters
    ordering = ("starts_at", "id")
    related_filters = {"client": "course__client__public_id", "course": "course__public_id"}

    def rows(self):
        return visible(self.reader(), selectors.appointment_rows())

    def narrow(self, rows, filters):
        for name in ("status", "kind"):
            if name in filters:
                rows = rows.filter(**{name: filters[name]})
        if "starts_from" in filters:
            rows = rows.filter(starts_at__date__gte=filters["starts_from"])
        if "starts_to" in filters:
            rows = rows.filter(starts_at__date__lte=filters["starts_to"])
        return rows

    @extend_schema(
        request=s.BookSerializer,
        responses={201: s.AppointmentSerializer},
        summary="Book an assessment, or the plan's next treatment session",
    )
    def post(self, request):
        return idempotent(request, lambda: self._book(request))

    def _book(self, request):
        data = s.BookSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = data.validated_data
        course = (
            visible(self.reader(), selectors.course_rows())
            .filter(public_id=booking["course"])
            .first()
        )
        if course is None:
            raise NotFound("No such course.")
        if booking["kind"] == Appointment.Kind.ASSESSMENT:
            appointment = services.book_assessment(
                course=course,
                start=booking["starts_at"],
                minutes=booking.get("minutes", 60),
                actor=self.membership,
            )
        else:
            appointment = services.add_replacement(course=course, actor=self.membership)
        stored = selectors.appointment_rows().get(pk=appointment.pk)
        return with_etag(
            s.AppointmentSerializer(stored).data,
            status_code=status.HTTP_201_CREATED,
            headers={"Location": f"/api/v1/appointments/{appointment.public_id}/"},
        )


class AppointmentDetail(DetailView):
    serializer_class = s.AppointmentSerializer

    def rows(self):
        return selectors.appointment_rows()


class AppointmentAction(DetailView):
    """A change to one appointment, guarded by If-Match; subclasses call the service."""

    serializer_class = s.AppointmentSerializer
    input_class = None
    if_match = True
    http_method_names = ["post", "options"]

    def rows(self):
        return selectors.appointment_rows()

    def act(self, appointment, data: dict) -> None:
        raise NotImplementedError

    def post(self, request, public_id):
        appointment = self.get_object(public_id)
        data = {}
        if self.input_class is not None:
            given = self.input_class(data=request.data)
            given.is_valid(raise_exception=True)
            data = given.validated_data

        def write(locked):
            self.act(locked, data)
            return selectors.appointment_rows().get(pk=locked.pk)

        return idempotent(
            request,
            lambda: guarded_update(
                request,
                lock=lambda: _locked_appointment(appointment),
                represent=self.represent,
                write=write,
                respond=self.respond,
            ),
        )


def _locked_appointment(appointment):
    # The course first, then the appointment: the order every treatment service locks in.
    scheduling.lock_course(appointment.course)
    return selectors.appointment_rows().select_for_update(of=("self",)).get(pk=appointment.pk)


def _documented(summary: str, request=None):
    return extend_schema(request=request, responses=s.AppointmentSerializer, summary=summary)


class AppointmentMove(AppointmentAction):
    input_class = s.MoveSerializer

    @_documented("Move the appointment (or it and all following)", s.MoveSerializer)
    def post(self, request, public_id):
        return super().post(request, public_id)

    def act(self, appointment, data):
        start: datetime = data["starts_at"]
        services.move_appointment(
            appointment=appointment, new_start=start, scope=data["scope"], actor=self.membership
        )


class AppointmentCancel(AppointmentAction):
    input_class = s.CancelSerializer

    @_documented("Cancel the appointment, for the client or the therapist", s.CancelSerializer)
    def post(self, request, public_id):
        return super().post(request, public_id)

    def act(self, appointment, data):
        services.cancel_appointment(
            appointment=appointment, by=data["by"], reason=data["reason"], actor=self.membership
        )


class AppointmentAttended(AppointmentAction):
    @_documented("Record that the client attended")
    def post(self, request, public_id):
        return super().post(request, public_id)

    def act(self, appointment, data):
        services.mark_attended(appointment=appointment, actor=self.membership)


class AppointmentDidNotAttend(AppointmentAction):
    @_documented("Record that the client did not attend")
    def post(self, request, public_id):
        return super().post(request, public_id)

    def act(self, appointment, data):
        services.mark_did_not_attend(appointment=appointment, actor=self.membership)
