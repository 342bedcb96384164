"""The assessment record, the waiting list and offers in the staff UI."""

import datetime as dt

import pytest
from django.urls import reverse

from patternwork.audit.models import AuditEvent
from patternwork.treatment.models import Assessment, Offer, WaitingEntry
from patternwork.treatment.services import assessment as assessments
from tests.factories import ClientFactory, CourseFactory, WaitingEntryFactory

pytestmark = pytest.mark.usefixtures("frozen")

NOW = dt.datetime(2026, 4, 15, 11, 0, tzinfo=dt.UTC)


@pytest.fixture
def course(therapist):
    client = ClientFactory(practice=therapist.practice, therapist=therapist, full_name="Jo Bloggs")
    return CourseFactory(client=client, state="assessment")


def url(name, obj):
    return reverse(name, args=[obj.public_id])


def record_data(version, **overrides):
    return {
        "presenting": "I feel flat and shut people out.",
        "relationships": "Mum: close but critical\nPartner: we argue about chores",
        "risk_current": "Fleeting thoughts, no plans.",
        "risk_history": "None.",
        "risk_protective": "Her dog; her sister.",
        "safety_plan": "Walk the dog; call her sister.",
        "safety_contacts": "Sister; GP; crisis line.",
        "suitability": "suitable",
        "suitability_reasons": "A clear pattern with people close to her.",
        "version": version,
    } | overrides


def test_the_therapist_records_an_assessment_and_offers_dit(client, login, therapist, course):
    login(therapist)

    page = client.get(url("clinic:assessment-record", course))
    saved = client.post(url("clinic:assessment-record", course), record_data(1))
    readiness = client.post(
        url("clinic:assessment-readiness", course),
        {"occasion": "assessment", "importance": 9, "confidence": 5, "hopes": "Argue less"},
    )
    goals = client.post(
        url("clinic:assessment-goals", course),
        {"goal_1": "Tell my partner what I need", "goal_2": "See my sister monthly"},
    )
    rated = client.post(
        url("clinic:goal-ratings", course), {"occasion": "assessment", "goal_1": 2, "goal_2": 1}
    )
    decided = client.post(
        url("clinic:assessment-decision", course), {"decision": "offer_dit", "version": 2}
    )

    assert page.status_code == 200
    assert "no risk score" in page.content.decode()
    assert [r.status_code for r in (saved, readiness, goals, rated, decided)] == [302] * 5
    record = Assessment.objects.get()
    assert (record.safety_plan, record.suitability, record.decision) == (
        "Walk the dog; call her sister.",
        "suitable",
        "offer_dit",
    )
    assert WaitingEntry.objects.get().course == course
    course_page = client.get(url("clinic:course-detail", course)).content.decode()
    assert "Tell my partner what I need" in course_page
    assert "importance 9/10, confidence 5/10" in course_page
    assert AuditEvent.objects.filter(
        action="record.read", changes__kind="assessment", actor=therapist.user
    ).exists()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("clinic:assessment-record", record_data(1, suitability="maybe")),
        ("clinic:assessment-readiness", {"occasion": "assessment", "importance": 11}),
        ("clinic:assessment-goals", {"goal_1": "x" * 501}),
        ("clinic:goal-ratings", {"occasion": "whenever"}),
        ("clinic:assessment-decision", {"decision": "offer_dit", "version": 1}),
    ],
)
def test_bad_input_is_a_400_with_a_message_and_keeps_the_record(
    client, login, therapist, course, name, data
):
    login(therapist)
    client.get(url("clinic:assessment-record", course))

    response = client.post(url(name, course), data)

    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert Assessment.objects.get().version == 1
    assert not WaitingEntry.objects.exists()


def test_another_therapists_assessment_is_not_found(client, login, other_therapist, course):
    login(other_therapist)

    assert client.get(url("clinic:assessment-record", course)).status_code == 404
    assert not Assessment.objects.exists()


def test_the_assessment_appointment_links_to_the_record(client, login, therapist, course):
    from tests.factories import AppointmentFactory

    appointment = AppointmentFactory(course=course, kind="assessment")
    login(therapist)

    page = client.get(url("clinic:appointment-detail", appointment)).content.decode()

    assert url("clinic:assessment-record", course) in page


def waiting(therapist, n, **kwargs):
    return [
        WaitingEntryFactory(
            course=CourseFactory(
                client=ClientFactory(practice=therapist.practice, therapist=therapist),
                state="assessment",
            ),
            referred_on=dt.date(2026, 1, 5) + dt.timedelta(days=i),
            **kwargs,
        )
        for i in range(n)
    ]


@pytest.mark.parametrize("rows", [1, 20])
def test_the_waiting_list_takes_the_same_queries_for_1_or_20_rows(
    client, login, admin, therapist, rows, django_assert_num_queries
):
    waiting(therapist, rows)
    login(admin)

    with django_assert_num_queries(9):
        response = client.get(reverse("clinic:waiting-list"))

    assert response.content.decode().count('href="/courses/') >= rows


def test_the_waiting_list_orders_by_priority_then_referral_and_shows_the_marks(
    client, login, admin, therapist, other_therapist
):
    early, late = waiting(therapist, 2)
    late.priority = True
    late.save()
    (theirs,) = waiting(other_therapist, 1)
    theirs.referred_on = dt.date(2025, 11, 1)
    theirs.save()
    login(admin)

    page = client.get(reverse("clinic:waiting-list")).content.decode()

    names = [e.course.client.display_name for e in (late, theirs, early)]
    positions = [page.index(name) for name in names]
    assert positions == sorted(positions)
    assert "past 18 weeks" in page  # 1 Nov 2025 to 15 Apr 2026: 23 weeks
    assert "past 6 weeks" in page  # 5 Jan to 15 Apr: 14 weeks


def test_a_therapist_sees_only_their_own_waiting_clients(client, login, therapist, other_therapist):
    (mine,) = waiting(therapist, 1)
    (theirs,) = waiting(other_therapist, 1)
    login(therapist)

    page = client.get(reverse("clinic:waiting-list")).content.decode()

    assert mine.course.client.display_name in page
    assert theirs.course.client.display_name not in page


def test_the_admin_sets_priority_with_a_reason(client, login, admin, therapist):
    (entry,) = waiting(therapist, 1)
    login(admin)

    refused = client.post(url("clinic:waiting-priority", entry.course), {"priority": "on"})
    saved = client.post(
        url("clinic:waiting-priority", entry.course),
        {"priority": "on", "priority_reason": "Moving away in June"},
    )

    entry.refresh_from_db()
    assert (refused.status_code, saved.status_code) == (400, 302)
    assert (entry.priority, entry.priority_reason) == (True, "Moving away in June")


def test_an_offer_is_made_and_its_acceptance_recorded_starts_the_course(client, login, therapist):
    (entry,) = waiting(therapist, 1)
    login(therapist)

    made = client.post(
        url("clinic:waiting-offer", entry.course),
        {"therapist": therapist.public_id, "date": "2026-05-04", "time": "10:00"},
    )
    offer = Offer.objects.get()
    answered = client.post(url("clinic:offer-answer", offer), {"answer": "accept"})

    course = entry.course
    course.refresh_from_db()
    assert (made.status_code, answered.status_code) == (302, 302)
    assert (course.state, course.start_date) == ("active", dt.date(2026, 5, 4))
    assert not WaitingEntry.objects.filter(left_at__isnull=True).exists()


def test_an_offer_in_the_past_is_refused_with_a_message(client, login, therapist):
    (entry,) = waiting(therapist, 1)
    login(therapist)

    response = client.post(
        url("clinic:waiting-offer", entry.course),
        {"therapist": therapist.public_id, "date": "2026-04-01", "time": "10:00"},
    )

    assert response.status_code == 400
    assert "Offer a first session in the future." in response.content.decode()
    assert not Offer.objects.exists()


def test_brief_relationships_are_copied_to_the_map_once(client, login, therapist, course):
    login(therapist)
    client.post(
        url("clinic:assessment-record", course),
        record_data(1, relationships="Mum: close but critical\nPartner: we argue\n\nmum: again"),
    )

    first = client.post(url("clinic:assessment-copy-relationships", course))
    client.post(url("clinic:assessment-copy-relationships", course))

    people = course.client.relationship_people.order_by("label")
    assert first.status_code == 302
    assert [(p.label, p.era, p.notes) for p in people] == [
        ("Mum", "current", "close but critical"),
        ("Partner", "current", "we argue"),
    ]
    assert AuditEvent.objects.filter(action="person.add").count() == 2


def test_an_ended_course_without_a_record_redirects_with_a_message(client, login, therapist):
    ended = CourseFactory(
        client=ClientFactory(practice=therapist.practice, therapist=therapist),
        state="ended",
        end_reason="declined",
    )
    login(therapist)

    response = client.get(url("clinic:assessment-record", ended), follow=True)

    assert response.redirect_chain[-1][0] == url("clinic:course-detail", ended)
    assert "This course has ended" in response.content.decode()
    assert not Assessment.objects.exists()


def test_looking_at_the_assessment_page_writes_nothing(client, login, therapist, course):
    login(therapist)

    page = client.get(url("clinic:assessment-record", course))

    assert page.status_code == 200
    assert not Assessment.objects.exists()
    assert not AuditEvent.objects.filter(action="assessment.open").exists()
    client.post(url("clinic:assessment-record", course), record_data(1))
    assert Assessment.objects.get().course == course
    assert AuditEvent.objects.filter(action="assessment.open").count() == 1


def test_the_course_page_charts_the_goals_beside_readiness(
    client, login, therapist, other_therapist, course
):
    assessments.set_goals(course=course, texts=["Speak up", "Call my sister"], actor=therapist)
    assessments.rate_goals(
        course=course, occasion="assessment", scores={1: 2, 2: 4}, actor=therapist
    )
    assessments.record_readiness(
        course=course, occasion="assessment", importance=7, confidence=4, hopes="", actor=therapist
    )
    login(other_therapist)
    assert client.get(url("clinic:course-detail", course)).status_code == 404
    login(therapist)

    page = client.get(url("clinic:course-detail", course)).content.decode()

    assert '<svg class="goal-chart score-chart"' in page
    assert "Goal 1: 2 (Assessment). Goal 2: 4 (Assessment)." in page
    assert "Law and Jacob, 2015" in page
    assert "importance 7/10, confidence 4/10" in page
    assert page.index("goal-chart") < page.index("Speak up")


def test_signposting_closes_the_way_in_and_the_page_says_so(
    client, login, therapist, other_therapist, course
):
    WaitingEntryFactory(course=course)
    login(therapist)
    client.post(url("clinic:assessment-record", course), record_data(1, suitability="unsure"))
    login(other_therapist)
    refused = client.post(
        url("clinic:assessment-decision", course), {"decision": "signpost", "version": 2}
    )
    login(therapist)

    decided = client.post(
        url("clinic:assessment-decision", course), {"decision": "signpost", "version": 2}
    )
    record_page = client.get(url("clinic:assessment-record", course)).content.decode()
    waiting_list = client.get(reverse("clinic:waiting-list")).content.decode()

    course.refresh_from_db()
    assert (refused.status_code, decided.status_code) == (404, 302)
    assert (course.state, course.end_reason) == ("ended", "not_offered")
    assert "The way in is closed" in record_page
    assert "Record the decision" not in record_page
    assert "Letter to the client" in record_page
    assert "Jo Bloggs" not in waiting_list


def test_the_course_page_asks_for_readiness_and_goals_at_the_end_of_the_initial_phase(
    client, login, therapist, active
):
    assessments.set_goals(course=active, texts=["Speak up"], actor=therapist)
    assessments.rate_goals(course=active, occasion="assessment", scores={1: 2}, actor=therapist)
    login(therapist)

    asked = client.get(url("clinic:course-detail", active)).content.decode()
    assessments.record_readiness(
        course=active, occasion="end_initial", importance=8, confidence=6, hopes="", actor=therapist
    )
    assessments.rate_goals(course=active, occasion="end_initial", scores={1: 5}, actor=therapist)
    answered = client.get(url("clinic:course-detail", active)).content.decode()

    assert "ask the readiness rulers again and rate the goals." in asked
    assert "End of the initial phase" not in answered.split("goal-chart")[0]
    assert "Goal 1: 2 (Assessment), 5 (End of initial)." in answered
