import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from patternwork.audit.models import AuditEvent
from patternwork.core.concurrency import StaleEdit
from patternwork.measures import services as measures
from patternwork.measures.models import RiskFlag
from patternwork.measures.summary import course_outcome
from patternwork.treatment import plan, services, signals
from patternwork.treatment.models import Assessment, GoalRating, Offer, WaitingEntry
from patternwork.treatment.services import assessment as assessments
from patternwork.treatment.services import waiting
from tests.answers import gad, phq
from tests.course_fixtures import NOW, weekly

LATER = NOW + dt.timedelta(weeks=3)


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_saving_the_record_audits_field_names_never_the_text(assessed, therapist):
    event = events("assessment.update")[0]

    assert assessed.presenting == "Low since the move; I keep to myself."
    assert event.changes["presenting"] == "[changed]"
    assert event.changes["suitability"] == ["", "suitable"]
    assert "keep to myself" not in str(event.changes)
    assert events("assessment.open")[0].actor == therapist.user


def test_a_stale_save_writes_nothing(assessed, therapist):
    with pytest.raises(StaleEdit):
        assessments.save_assessment(
            assessment=assessed,
            data={"presenting": "Overwritten"},
            expected_version=assessed.version - 1,
            actor=therapist,
        )

    assessed.refresh_from_db()
    assert assessed.presenting == "Low since the move; I keep to myself."


def test_clinical_text_is_stored_encrypted(assessed):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT presenting FROM treatment_assessment WHERE id = %s", [assessed.pk])
        raw = cursor.fetchone()[0]

    assert "keep to myself" not in raw


def test_readiness_is_recorded_and_a_bad_ruler_keeps_the_valid_record(course, therapist):
    assessments.record_readiness(
        course=course,
        occasion="assessment",
        importance=8,
        confidence=4,
        hopes="Feel less alone",
        actor=therapist,
    )

    with pytest.raises(ValidationError) as raised:
        assessments.record_readiness(
            course=course,
            occasion="assessment",
            importance=11,
            confidence=4,
            hopes="",
            actor=therapist,
        )

    stored = course.readiness.get()
    assert (stored.importance, stored.confidence, stored.hopes) == (8, 4, "Feel less alone")
    assert raised.value.message_dict == {"importance": [plan.RULER_INVALID]}
    assert events("readiness.record")[0].changes == {
        "occasion": "assessment",
        "importance": [None, 8],
        "confidence": [None, 4],
    }


def test_readiness_is_not_asked_at_the_end_of_the_middle_phase(course, therapist):
    with pytest.raises(ValidationError):
        assessments.record_readiness(
            course=course,
            occasion="end_middle",
            importance=5,
            confidence=5,
            hopes="",
            actor=therapist,
        )


def test_up_to_three_goals_are_rated_and_a_fourth_is_refused(course, therapist):
    assessments.set_goals(
        course=course, texts=["Say no at work", "See friends", ""], actor=therapist
    )
    assessments.rate_goals(
        course=course, occasion="assessment", scores={1: 2, 2: 3}, actor=therapist
    )

    with pytest.raises(ValidationError, match="at most three"):
        assessments.set_goals(course=course, texts=["a", "b", "c", "d"], actor=therapist)
    with pytest.raises(ValidationError):
        assessments.rate_goals(course=course, occasion="ending", scores={1: 12}, actor=therapist)

    assert [(g.position, g.text) for g in course.goals.all()] == [
        (1, "Say no at work"),
        (2, "See friends"),
    ]
    ratings = GoalRating.objects.order_by("goal__position")
    assert [(r.goal.position, r.occasion, r.score) for r in ratings] == [
        (1, "assessment", 2),
        (2, "assessment", 3),
    ]
    assert "Say no" not in str(events("goals.set")[0].changes)


def test_a_rated_goal_cannot_be_removed(course, therapist):
    assessments.set_goals(course=course, texts=["Say no at work"], actor=therapist)
    assessments.rate_goals(course=course, occasion="assessment", scores={1: 2}, actor=therapist)

    with pytest.raises(ValidationError):
        assessments.set_goals(course=course, texts=[""], actor=therapist)

    assert course.goals.count() == 1


def test_a_decision_needs_suitability_and_its_reasons(course, therapist):
    record = assessments.open_assessment(course=course, actor=therapist)

    with pytest.raises(ValidationError) as raised:
        assessments.decide(
            assessment=record,
            decision="offer_dit",
            expected_version=record.version,
            actor=therapist,
        )

    assert raised.value.messages == [assessments.DECISION_NEEDS_SUITABILITY]
    assert not WaitingEntry.objects.exists()


def test_offer_dit_puts_the_client_on_the_waiting_list_from_the_referral_date(
    referred_course, assessed, therapist
):
    decided = assessments.decide(
        assessment=assessed,
        decision="offer_dit",
        expected_version=assessed.version,
        actor=therapist,
    )

    entry = WaitingEntry.objects.get()
    assert decided.decision == Assessment.Decision.OFFER_DIT
    assert (entry.course, entry.referred_on, entry.left_at) == (
        referred_course,
        dt.date(2026, 2, 2),
        None,
    )
    assert events("assessment.decide")[0].changes["waiting_entry"] == [None, str(entry.public_id)]


def test_dit_found_not_suitable_cannot_be_offered(assessed, therapist):
    assessed = assessments.save_assessment(
        assessment=assessed,
        data={"suitability": "not_suitable"},
        expected_version=assessed.version,
        actor=therapist,
    )

    with pytest.raises(ValidationError):
        assessments.decide(
            assessment=assessed,
            decision="offer_dit",
            expected_version=assessed.version,
            actor=therapist,
        )

    assert not WaitingEntry.objects.exists()


@pytest.fixture
def entry(assessed, therapist):
    assessments.decide(
        assessment=assessed,
        decision="offer_dit",
        expected_version=assessed.version,
        actor=therapist,
    )
    return WaitingEntry.objects.get()


def test_priority_needs_a_reason_which_the_audit_never_holds(entry, admin):
    with pytest.raises(ValidationError):
        waiting.set_priority(entry=entry, priority=True, reason=" ", actor=admin)
    waiting.set_priority(entry=entry, priority=True, reason="Carer leaving in May", actor=admin)

    entry.refresh_from_db()
    assert (entry.priority, entry.priority_reason) == (True, "Carer leaving in May")
    assert events("waiting.priority")[0].changes == {
        "priority": [False, True],
        "reason": "[changed]",
    }


def test_an_offer_is_made_announced_after_commit_and_started_on_acceptance(
    entry, therapist, django_capture_on_commit_callbacks
):
    heard = []

    def listen(**kwargs):
        heard.append(kwargs["offer_public_id"])

    signals.offer_made.connect(listen)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            offer = waiting.make_offer(
                entry=entry, therapist=therapist, starts_at=LATER, actor=therapist
            )
    finally:
        # Only this test's listener: the messaging app's stays connected.
        signals.offer_made.disconnect(listen)

    answered = waiting.answer_offer(
        offer=offer, accept=True, user=entry.course.client.user, role="client"
    )

    course = entry.course
    course.refresh_from_db()
    entry.refresh_from_db()
    assert heard == [offer.public_id]
    assert offer.respond_by == NOW + plan.waiting.OFFER_WINDOW
    assert answered.status == Offer.Status.ACCEPTED
    assert (course.state, course.start_date) == ("active", dt.date(2026, 4, 22))
    assert course.appointments.filter(kind="treatment").first().starts_at == LATER
    assert (entry.left_at is not None, entry.outcome) == (True, "started")


def test_a_second_open_offer_and_a_clash_are_refused(entry, therapist, other_therapist):
    waiting.make_offer(entry=entry, therapist=therapist, starts_at=LATER, actor=therapist)

    with pytest.raises(ValidationError):
        waiting.make_offer(entry=entry, therapist=other_therapist, starts_at=LATER, actor=therapist)

    assert Offer.objects.count() == 1


def test_an_offer_too_close_to_its_session_is_refused(entry, therapist):
    with pytest.raises(ValidationError) as raised:
        waiting.make_offer(
            entry=entry,
            therapist=therapist,
            starts_at=NOW + dt.timedelta(hours=20),
            actor=therapist,
        )

    assert raised.value.message_dict == {"starts_at": [plan.OFFER_TOO_SOON]}


def test_a_declined_offer_keeps_the_client_waiting(entry, therapist, admin):
    offer = waiting.make_offer(entry=entry, therapist=therapist, starts_at=LATER, actor=therapist)

    waiting.answer_offer(offer=offer, accept=False, user=admin.user, role=admin.role)

    entry.refresh_from_db()
    assert entry.left_at is None
    assert Offer.objects.get().status == Offer.Status.DECLINED


def test_an_answer_after_the_deadline_lapses_the_offer(entry, therapist, admin, frozen):
    offer = waiting.make_offer(entry=entry, therapist=therapist, starts_at=LATER, actor=therapist)
    frozen.shift(dt.timedelta(days=8))

    with pytest.raises(ValidationError, match="lapsed"):
        waiting.answer_offer(offer=offer, accept=True, user=admin.user, role=admin.role)

    offer.refresh_from_db()
    assert offer.status == Offer.Status.LAPSED
    assert entry.course.appointments.count() == 0
    assert len(events("offer.lapse")) == 1


def test_the_worker_lapses_due_offers_once(entry, therapist, frozen):
    waiting.make_offer(entry=entry, therapist=therapist, starts_at=LATER, actor=therapist)

    assert waiting.lapse_due_offers() == 0
    frozen.shift(dt.timedelta(days=7))
    assert waiting.lapse_due_offers() == 1
    assert waiting.lapse_due_offers() == 0
    assert Offer.objects.get().status == Offer.Status.LAPSED


def test_starting_the_course_directly_takes_the_client_off_the_list(entry, therapist):
    services.start_course(
        course=entry.course, values=weekly(start=dt.date(2026, 4, 6)), actor=therapist
    )

    entry.refresh_from_db()
    assert entry.outcome == "started"


def test_an_assessment_score_is_never_paired_for_the_outcome(course, therapist):
    # A PHQ-9 of 20 and GAD-7 of 15 at assessment, then two treatment sessions at 8/6 and 6/5:
    # paired with the assessment the course would be a recovery.
    assessment = services.record_past_session(
        course=course,
        start=dt.datetime(2026, 2, 23, 10, 0, tzinfo=dt.UTC),
        minutes=50,
        kind="assessment",
        status="attended",
        actor=therapist,
    )
    measures.record_responses(
        source="clinic", appointment=assessment, answers=[phq(20, item9=1), gad(15)], by=therapist
    )
    services.start_course(course=course, values=weekly(), actor=therapist)
    for appointment, (p, g) in zip(
        list(course.appointments.filter(kind="treatment").order_by("starts_at"))[:2],
        [(8, 6), (6, 5)],
        strict=True,
    ):
        attended = services.mark_attended(appointment=appointment, actor=therapist)
        measures.record_responses(
            source="clinic", appointment=attended, answers=[phq(p), gad(g)], by=therapist
        )

    outcome = course_outcome(course)

    assert RiskFlag.objects.filter(response__appointment=assessment).count() == 1
    assert (outcome.depression.first.total, outcome.depression.last.total) == (8, 6)
    assert (outcome.anxiety.first.total, outcome.anxiety.last.total) == (6, 5)
    assert outcome.caseness_at_start is False
    assert outcome.recovered is None


def test_the_practices_offer_window_sets_the_answer_by_time(entry, therapist):
    practice = entry.practice
    practice.offer_window_days = 3
    practice.save(update_fields=["offer_window_days"])

    offer = waiting.make_offer(entry=entry, therapist=therapist, starts_at=LATER, actor=therapist)

    assert offer.respond_by == NOW + dt.timedelta(days=3)


def test_a_shorter_window_lapses_the_offer_sooner(entry, therapist, frozen):
    entry.practice.offer_window_days = 2
    entry.practice.save(update_fields=["offer_window_days"])
    waiting.make_offer(entry=entry, therapist=therapist, starts_at=LATER, actor=therapist)

    frozen.shift(dt.timedelta(days=1, hours=23))
    assert waiting.lapse_due_offers() == 0
    frozen.shift(dt.timedelta(hours=1))
    assert waiting.lapse_due_offers() == 1


@pytest.mark.parametrize("decision", ["signpost", "offer_other"])
def test_a_decision_not_to_offer_dit_ends_the_way_in(entry, therapist, decision):
    offer = waiting.make_offer(entry=entry, therapist=therapist, starts_at=LATER, actor=therapist)
    record = Assessment.objects.get()

    assessments.decide(
        assessment=record, decision=decision, expected_version=record.version, actor=therapist
    )

    course, offer = entry.course, Offer.objects.get(pk=offer.pk)
    course.refresh_from_db()
    entry.refresh_from_db()
    assert (course.state, course.end_reason) == ("ended", "not_offered")
    assert (entry.left_at is not None, entry.outcome) == (True, "withdrawn")
    assert offer.status == Offer.Status.WITHDRAWN
    decided = events("assessment.decide")[-1]
    assert decided.changes["course"] == ["referred", "ended"]
    assert decided.changes["offer"] == ["open", "withdrawn"]
    assert events("course.end")[0].changes["end_reason"] == [None, "not_offered"]


def test_a_booked_assessment_follow_up_is_cancelled_when_the_way_in_closes(assessed, therapist):
    course = assessed.course
    booked = services.book_assessment(
        course=course, start=NOW + dt.timedelta(days=2), minutes=50, actor=therapist
    )

    assessments.decide(
        assessment=assessed, decision="signpost", expected_version=assessed.version, actor=therapist
    )

    booked.refresh_from_db()
    assert booked.status == "cancelled_therapist"
    with pytest.raises(ValidationError, match="ended"):
        assessments.set_goals(course=course, texts=["Later"], actor=therapist)


def test_open_risk_answers_hold_the_way_in_open_until_acknowledged(assessed, therapist):
    course = assessed.course
    visit = services.record_past_session(
        course=course,
        start=NOW - dt.timedelta(days=1),
        minutes=50,
        kind="assessment",
        status="attended",
        actor=therapist,
    )
    measures.record_responses(
        source="clinic", appointment=visit, answers=[phq(12, item9=1)], by=therapist
    )

    with pytest.raises(ValidationError) as raised:
        assessments.decide(
            assessment=assessed,
            decision="signpost",
            expected_version=assessed.version,
            actor=therapist,
        )

    course.refresh_from_db()
    assert raised.value.messages == [assessments.DECISION_OPEN_FLAGS]
    assert course.state != "ended"
    assert not events("assessment.decide")
