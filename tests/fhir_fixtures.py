"""A realistic course built through the services, for the FHIR tests (tests/interop and
tests/api/fhir import the fixture into their conftest.py)."""

import datetime as dt

import pytest

from patternwork.formulation import services as formulation
from patternwork.measures.services import acknowledge_flag, record_responses
from patternwork.treatment import services as treatment
from tests.answers import gad, phq
from tests.course_fixtures import TEN, weekly
from tests.factories import ClientFactory, CourseFactory, EpisodeFactory

# Monday 5 January 2026: 13 weekly sessions lie before the frozen "now" (1 April 2026).
JAN_5 = dt.date(2026, 1, 5)
# Totals of the questionnaires at each attended session: PHQ-9 8 (11 with a risk answer
# of "Several days" to item 9), GAD-7 7.
CALM_PHQ, RISKY_PHQ, GAD = phq(8), phq(11, item9=1), gad(7)


IPAF = {
    "self_representation": "Someone who has to earn a place",
    "other_representation": "Others who lose interest",
    "linking_affects": "Anxious, then ashamed",
    "defensive_function": "Not risking being let down",
    "transference": "",
}


@pytest.fixture
def build_course(frozen):
    """Build a realistic course through the services: attended sessions with PHQ-9 and
    GAD-7 at each, one did-not-attend, one cancelled by the client, the rest booked; risk
    answers at the sessions named, the first acknowledged; an agreed IPAF."""

    def build(
        therapist,
        *,
        planned=16,
        attended=4,
        risk_at=(),
        at=TEN,
        start=JAN_5,
        client=None,
        ipaf=IPAF,
        full_name="Jo Bloggs",
    ):
        client = client or ClientFactory(
            practice=therapist.practice, therapist=therapist, full_name=full_name
        )
        course = CourseFactory(client=client)
        treatment.start_course(
            course=course, values=weekly(planned, start=start, at=at), actor=therapist
        )
        appointments = list(course.appointments.order_by("starts_at"))
        for number, appointment in enumerate(appointments[:attended], start=1):
            appointment = treatment.mark_attended(appointment=appointment, actor=therapist)
            record_responses(
                appointment=appointment,
                answers=[RISKY_PHQ if number in risk_at else CALM_PHQ, GAD],
                source="clinic",
                by=therapist,
            )
        if len(appointments) > attended + 2:
            treatment.mark_did_not_attend(appointment=appointments[attended], actor=therapist)
            treatment.cancel_appointment(
                appointment=appointments[attended + 1],
                by="client",
                reason="Unwell",
                actor=therapist,
            )
        flags = list(course.risk_flags.order_by("raised_at", "id"))
        if len(flags) > 1:
            acknowledge_flag(flag=flags[0], note="Safety plan reviewed.", actor=therapist)
        if ipaf:
            episode = EpisodeFactory(course=course)
            version = formulation.save_ipaf(
                course=course, data=ipaf, episodes=[episode], by=therapist
            )
            formulation.mark_ipaf_agreed(
                version=version, agreed_on=dt.date(2026, 3, 2), by=therapist
            )
        course.refresh_from_db()
        return course

    return build
