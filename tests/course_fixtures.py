import datetime as dt

import pytest
from django.db import transaction

from patternwork.accounts.models import ClosureDay
from patternwork.formulation import services as formulation
from patternwork.formulation.models import Category, EpisodeCategory
from patternwork.measures import services as measures
from patternwork.measures.models import TrackFlag
from patternwork.treatment import course_changes
from patternwork.treatment import services as treatment
from patternwork.treatment.models import Appointment
from patternwork.treatment.services.courses import PlanValues
from tests.answers import gad, phq, wsas
from tests.factories import (
    ClientFactory,
    CourseFactory,
    EpisodeFactory,
    IpafVersionFactory,
    PersonFactory,
    PortalClientFactory,
    ReferralFactory,
)

# The default "now" of the `frozen` fixture (tests/conftest.py) for course tests: Wednesday 1 April 2026, 12:00 in London (BST).
NOW = dt.datetime(2026, 4, 1, 11, 0, tzinfo=dt.UTC)
MONDAY_2_MARCH = dt.date(2026, 3, 2)
TEN = dt.time(10, 0)


@pytest.fixture
def course(therapist, frozen):
    client = ClientFactory(practice=therapist.practice, therapist=therapist, full_name="Jo Bloggs")
    return CourseFactory(client=client)


@pytest.fixture
def started(course, therapist):
    """The course with its plan booked from Monday 2 March, nothing attended yet."""
    return treatment.start_course(course=course, values=weekly(), actor=therapist)


@pytest.fixture
def session(course, therapist):
    """The first session of the started course, attended."""
    treatment.start_course(course=course, values=weekly(), actor=therapist)
    first = course.appointments.order_by("starts_at").first()
    return treatment.mark_attended(appointment=first, actor=therapist)


@pytest.fixture
def jo(therapist):
    """A client with a portal login."""
    return PortalClientFactory(
        practice=therapist.practice, therapist=therapist, full_name="Jo Bloggs"
    )


@pytest.fixture
def jo_course(jo):
    return CourseFactory(client=jo, state="active")


@pytest.fixture
def active(course, therapist):
    """The course under way: its plan booked and the first five sessions attended."""
    treatment.start_course(course=course, values=weekly(), actor=therapist)
    attend(course, therapist, 5)
    course.refresh_from_db()
    return course


@pytest.fixture
def sam(active):
    """A friend on the client's relationship map."""
    return PersonFactory(client=active.client, label="Sam", relationship="friend")


@pytest.fixture
def ending(therapist):
    """A course in its ending phase with everything a goodbye letter is built from."""
    return ending_course(therapist)


def read_afresh(therapist, **reads):
    """What a fixture built once per module hands each test: its practice, its therapist
    and its objects, each read afresh from the database (what a test changes is rolled
    back with its savepoint, so a copy kept from the build could be stale)."""
    from types import SimpleNamespace

    from patternwork.accounts.models import Membership, Practice

    return SimpleNamespace(
        practice=lambda: Practice.objects.get(pk=therapist.practice_id),
        therapist=lambda: Membership.objects.select_related("user", "practice").get(
            pk=therapist.pk
        ),
        **reads,
    )


def built_once(request, module_db, slug, build):
    """`build(therapist)` run once for a module, under `module_db` and at the module's
    NOW, in a practice of its own (`slug`: a test of the module that builds its own
    practice takes "northgate"); gives the therapist and what `build` returned."""

    import time_machine

    from tests.conftest import new_practice, new_therapist

    with module_db(), time_machine.travel(getattr(request.module, "NOW", NOW), tick=False):
        therapist = new_therapist(new_practice(slug=slug))
        return therapist, build(therapist)


@pytest.fixture(scope="module")
def ending_built_once(request, module_db):
    """The `ending` course built once for a module, with its practice and therapist.

    A module (or folder) whose tests build on one ending course without changing what
    it was built from overrides `ending` to ask for this: the course (about 13 attended
    sessions, scores, the IPAF and coded episodes, all through the services) is built
    once, at the module's NOW, under `module_db`. Each test still runs in its own
    savepoint, so what it writes (a letter, an edit, an access event) is gone before
    the next. A test that asks for it gets this practice and therapist from the
    `practice` and `therapist` fixtures, read afresh from the database, so no test sees
    another's Python objects; a test that does not ask for it builds its own as usual.
    """

    from patternwork.treatment.models import Course

    therapist, course = built_once(request, module_db, "northgate-ending", ending_course)
    return read_afresh(
        therapist,
        course=lambda: Course.objects.get(pk=course.pk),
    )


@pytest.fixture(scope="module")
def attended_built_once(request, module_db):
    """Session 1 of a 16-session course, attended: built once for a module, as
    `ending_built_once` is (each test in its own savepoint; the practice and therapist
    fixtures give this course's, read afresh, to a test that asks for it).

    For a folder whose tests only add to the attended session (a note, a recording, a
    rating): starting the course and marking the session through the services is most
    of what such a test would otherwise spend building its data.
    """

    def build(therapist):
        return attend(new_course(therapist, planned=16, name="Jo Bloggs"), therapist, 1)[0]

    therapist, appointment = built_once(request, module_db, "northgate-attended", build)
    return read_afresh(
        therapist,
        appointment=lambda: Appointment.objects.get(pk=appointment.pk),
    )


@pytest.fixture(scope="module")
def flagged_built_once(request, module_db):
    """The `flagged` course, built once for a module, as `ending_built_once` is."""

    def build(therapist):
        course = new_course(therapist, planned=16, name="Jo Bloggs")
        for appointment, total in zip(attend(course, therapist, 2), (12, 18), strict=True):
            measures.record_responses(
                source="clinic", appointment=appointment, answers=[phq(total)], by=therapist
            )
        return course

    therapist, course = built_once(request, module_db, "northgate-flagged", build)
    return read_afresh(
        therapist,
        flag=lambda: TrackFlag.objects.get(course=course),
    )


@pytest.fixture(scope="module")
def early_built_once(request, module_db):
    """The `early_ending_course`, built once for a module, as `ending_built_once` is.

    For a module whose tests each end (or try to end) the same course that stopped
    early: ten sessions attended and scored through the services is most of what such a
    test would otherwise spend building its data.
    """

    from patternwork.treatment.models import Course

    therapist, course = built_once(request, module_db, "northgate-early", early_ending_course)
    return read_afresh(
        therapist,
        course=lambda: Course.objects.get(pk=course.pk),
    )


@pytest.fixture(scope="module")
def finished_built_once(request, module_db):
    """The `finished_measured_course`, built once for a module, as `ending_built_once` is."""

    from patternwork.treatment.models import Course

    therapist, course = built_once(
        request, module_db, "northgate-finished", finished_measured_course
    )
    return read_afresh(
        therapist,
        course=lambda: Course.objects.get(pk=course.pk),
    )


@pytest.fixture
def flagged(db, frozen, flagged_built_once):
    """Jo's PHQ-9 went from 12 to 18 at session 2: not on track by the fallback rule.

    Built once per module (`flagged_built_once`); what a test adds is rolled back.
    """
    return flagged_built_once.flag()


@pytest.fixture
def bank_holiday(practice):
    # A made-up closure on the fifth Monday of the course.
    return ClosureDay.objects.create(practice=practice, date=dt.date(2026, 3, 30), label="Closed")


def weekly(planned=16, *, start=MONDAY_2_MARCH, at=TEN, minutes=50, cadence="weekly"):
    return PlanValues(
        planned_sessions=planned,
        cadence=cadence,
        session_minutes=minutes,
        start_date=start,
        start_time=at,
    )


# Monday 1 June 2026, after every session of the measured course below has happened.
MEASURED_NOW = dt.datetime(2026, 6, 1, 11, 0, tzinfo=dt.UTC)

PHQ9_TOTALS = (18, 17, 15, 14, 12, 11, 10, 9, 8, 7)

GAD7_TOTALS = (12, 12, 11, 10, 9, 8, 7, 6, 6, 5)

RISK_SESSION = 3

WSAS_LINES = "Dotted lines mark the WSAS bands: 0\N{EN DASH}9, 10\N{EN DASH}20 and 21\N{EN DASH}40."

TEN_DESCRIPTION = (
    "PHQ-9 from 18 at session 1 to 7 at session 10; GAD-7 from 12 at session 1 to 5 at "
    "session 10; no WSAS scores; risk answer at session 3. Dashed lines mark caseness: "
    "PHQ-9 10 or more and GAD-7 8 or more. " + WSAS_LINES + " Shaded bands mark the "
    "initial, middle and ending phases of the 10-session plan."
)

RECOVERED = "Recovered; reliable improvement on PHQ-9 (18 to 7) and GAD-7 (12 to 5)."

NOT_FINISHED = " Course not finished, so not counted in service rates."


def new_course(therapist, planned=10, start=dt.date(2026, 3, 2), name="Sam Example"):
    client = ClientFactory(practice=therapist.practice, therapist=therapist, full_name=name)
    return treatment.start_course(
        course=CourseFactory(client=client), values=weekly(planned, start=start), actor=therapist
    )


def attend(course, therapist, count):
    """Mark the course's first `count` appointments attended, each through the service.

    One batch, as a use case that records several sessions at once would: each session
    is still locked, checked, renumbered and audited, and the outcome summary, which is
    recomputed from the raw rows, is refreshed once at the end instead of after each.
    """
    booked = list(course.appointments.order_by("starts_at"))[:count]
    with transaction.atomic(), course_changes.batched():
        for appointment in booked:
            treatment.mark_attended(appointment=appointment, actor=therapist)
    return [Appointment.objects.get(pk=a.pk) for a in booked]


def early_ending_course(therapist):
    """Ten of twelve sessions attended, WSAS only at the first, a risk answer at the fourth."""
    course = new_course(therapist, planned=12)
    for number, appointment in enumerate(attend(course, therapist, 10), start=1):
        answers = [phq(12, item9=1 if number == 4 else 0), gad(9)]
        if number == 1:
            answers.append(wsas(5))
        measures.record_responses(
            source="clinic", appointment=appointment, answers=answers, by=therapist
        )
    return course


def measured_course(therapist, sessions=10, **course_options):
    """A course whose PHQ-9 falls 18 -> 7 and GAD-7 12 -> 5, item 9 = 1 at session 3."""
    course = new_course(therapist, **course_options)
    for number, appointment in enumerate(attend(course, therapist, sessions), start=1):
        item9 = 1 if number == RISK_SESSION else 0
        measures.record_responses(
            source="clinic",
            appointment=appointment,
            answers=[phq(PHQ9_TOTALS[number - 1], item9), gad(GAD7_TOTALS[number - 1])],
            by=therapist,
        )
    return course


def finished_measured_course(therapist):
    """The measured course, ended as completed with its session-3 risk answer still open
    (so the ending gives its reason)."""
    return treatment.end_course(
        course=measured_course(therapist),
        reason="completed",
        note="",
        actor=therapist,
        override_reason="Discussed with the supervisor; the GP is aware.",
    )


# Ending course: Wednesday 27 May 2026: session 13 of 16 (Monday 25 May) has been attended.
ENDING_NOW = dt.datetime(2026, 5, 27, 11, 0, tzinfo=dt.UTC)

REASON = "I keep falling out with the people closest to me, and then I feel low for weeks."


def code(episode, key):
    category = Category.objects.get(practice=episode.practice, default_key=key)
    EpisodeCategory.objects.create(episode=episode, category=category, part=category.part)


def coded_episode(course, *, person=None, when="current", appointment=None, phase="initial"):
    episode = EpisodeFactory(
        course=course,
        person=person,
        with_therapist=person is None,
        when=when,
        appointment=appointment,
        phase=phase,
    )
    for key in ("w_close", "ro_rejecting", "rs_shut_off"):
        code(episode, key)
    return episode


def ending_course(therapist, *, attended=13, name="Jo Bloggs", preferred="Jo", at=dt.time(10)):
    """A course in its ending phase with everything the letter is built from.

    Self-referred on 10 February 2026; 16 weekly sessions from Monday 2 March; the IPAF
    agreed on 23 March; five coded episodes (Mum in childhood, Jess twice, Ray, and one
    with the therapist in session 6); PHQ-9 16 -> 7 and GAD-7 12 -> 5 (sessions 1 and 13).
    """
    client = ClientFactory(
        practice=therapist.practice, therapist=therapist, full_name=name, preferred_name=preferred
    )
    referral = ReferralFactory(
        practice=therapist.practice,
        source="self",
        status="accepted",
        client=client,
        received_at=dt.datetime(2026, 2, 10, 9, 30, tzinfo=dt.UTC),
        reason=REASON,
    )
    course = treatment.start_course(
        course=CourseFactory(client=client, referral=referral),
        values=weekly(at=at),
        actor=therapist,
    )
    sessions = attend(course, therapist, attended)
    if sessions:
        measures.record_responses(
            source="clinic", appointment=sessions[0], answers=[phq(16), gad(12)], by=therapist
        )
    if attended >= 13:
        measures.record_responses(
            source="clinic", appointment=sessions[12], answers=[phq(7), gad(5)], by=therapist
        )
    IpafVersionFactory(
        course=course,
        number=1,
        agreed_on=dt.date(2026, 3, 23),
        self_representation="Someone who has to earn their place",
        other_representation="Others who lose interest.",
        linking_affects="Anxious, then ashamed",
        defensive_function="Not risking being let down",
        transference="",
    )
    formulation.ensure_default_categories(therapist.practice)
    mum = PersonFactory(client=client, label="Mum", relationship="mother", era="childhood")
    jess = PersonFactory(client=client, label="Jess", relationship="partner", era="current")
    ray = PersonFactory(client=client, label="Ray", relationship="manager", era="current")
    coded_episode(course, person=mum, when="childhood")
    coded_episode(course, person=jess)
    coded_episode(course, person=ray)
    coded_episode(course, person=jess, phase="middle")
    if attended >= 6:
        coded_episode(course, when="in_session", appointment=sessions[5], phase="middle")
    course.refresh_from_db()
    return course


def log(course, *categories, person=None, with_therapist=False, when="current", **fields):
    if with_therapist:
        person = None
    elif person is None:
        person = PersonFactory(client=course.client)
    episode = EpisodeFactory(
        course=course, person=person, with_therapist=with_therapist, when=when, **fields
    )
    EpisodeCategory.objects.bulk_create(
        EpisodeCategory(episode=episode, category=c, part=c.part) for c in categories
    )
    return episode
