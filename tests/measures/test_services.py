import pytest
from django.core.exceptions import ValidationError

from patternwork.audit.models import AuditEvent
from patternwork.core.concurrency import StaleEdit
from patternwork.measures import services
from patternwork.measures.models import OutcomeSummary, Response, RiskFlag
from patternwork.measures.services import Answers
from patternwork.treatment import services as treatment
from tests.course_fixtures import weekly


def phq(*values):
    return Answers("PHQ-9", {f"q{n}": v for n, v in enumerate(values, start=1)})


def gad(*values):
    return Answers("GAD-7", {f"q{n}": v for n, v in enumerate(values, start=1)})


LOW_PHQ_WITH_RISK = (0, 0, 0, 0, 0, 0, 0, 0, 1)  # total 1, item 9 = 1
HIGH_PHQ = (2, 2, 2, 2, 2, 2, 2, 2, 0)  # total 16
GAD_10 = (2, 2, 2, 1, 1, 1, 1)


@pytest.fixture
def sessions(course, therapist):
    treatment.start_course(course=course, values=weekly(), actor=therapist)
    appointments = list(course.appointments.order_by("starts_at"))
    for appointment in appointments[:4]:
        treatment.mark_attended(appointment=appointment, actor=therapist)
    return [a.__class__.objects.get(pk=a.pk) for a in appointments]


def test_record_scores_and_audits_each_response(sessions, therapist):
    saved = services.record_responses(
        source="clinic",
        appointment=sessions[0],
        answers=[phq(*HIGH_PHQ), gad(*GAD_10)],
        by=therapist,
    )

    assert [(r.instrument, r.total, r.band, r.caseness) for r in saved] == [
        ("PHQ-9", 16, "Moderately severe", True),
        ("GAD-7", 10, "Moderate", True),
    ]
    assert AuditEvent.objects.filter(action="measure.record").count() == 2


def test_incomplete_response_is_refused_naming_the_missing_items(sessions, therapist):
    answers = Answers("PHQ-9", {"q1": 1, "q2": 1})

    with pytest.raises(ValidationError) as error:
        services.record_responses(
            source="clinic", appointment=sessions[0], answers=[answers], by=therapist
        )

    message = " ".join(error.value.message_dict["PHQ-9"])
    assert "item 3 (Trouble falling or staying asleep" in message
    assert "item 9 (" in message
    assert not Response.objects.exists()


def test_nothing_is_saved_when_one_instrument_is_bad(sessions, therapist):
    with pytest.raises(ValidationError):
        services.record_responses(
            source="clinic",
            appointment=sessions[0],
            answers=[phq(*HIGH_PHQ), Answers("GAD-7", {"q1": 9})],
            by=therapist,
        )

    assert not Response.objects.exists()


def test_measures_need_an_attended_session(course, therapist):
    treatment.start_course(course=course, values=weekly(), actor=therapist)
    booked = course.appointments.order_by("starts_at").first()

    with pytest.raises(ValidationError, match="attended"):
        services.record_responses(
            source="clinic", appointment=booked, answers=[phq(*HIGH_PHQ)], by=therapist
        )


def test_item_nine_raises_a_flag_even_with_a_low_total(sessions, therapist):
    services.record_responses(
        source="clinic", appointment=sessions[0], answers=[phq(*LOW_PHQ_WITH_RISK)], by=therapist
    )

    flag = RiskFlag.objects.get()
    assert (flag.item, flag.value, flag.value_label, flag.is_open) == (
        "q9",
        1,
        "Several days",
        True,
    )
    assert flag.item_text.startswith("Thoughts that you would be better off dead")
    assert AuditEvent.objects.get(action="measure.record").changes["risk_flags_raised"] == 1


def test_flag_survives_the_response_being_edited_to_zero(sessions, therapist):
    (response,) = services.record_responses(
        source="clinic", appointment=sessions[0], answers=[phq(*LOW_PHQ_WITH_RISK)], by=therapist
    )

    services.record_responses(
        source="clinic",
        appointment=sessions[0],
        answers=[phq(*([0] * 9))],
        versions={"PHQ-9": 1},
        by=therapist,
    )

    response.refresh_from_db()
    assert (response.total, response.version) == (0, 2)
    assert RiskFlag.objects.get().is_open
    assert list(response.revisions.values_list("version", "total")) == [(1, 1)]
    assert AuditEvent.objects.filter(action="measure.edit").count() == 1


def test_editing_with_a_stale_version_is_refused(sessions, therapist):
    services.record_responses(
        source="clinic", appointment=sessions[0], answers=[phq(*HIGH_PHQ)], by=therapist
    )
    services.record_responses(
        source="clinic",
        appointment=sessions[0],
        answers=[phq(*([1] * 9))],
        versions={"PHQ-9": 1},
        by=therapist,
    )

    with pytest.raises(StaleEdit):
        services.record_responses(
            source="clinic",
            appointment=sessions[0],
            answers=[phq(*([0] * 9))],
            versions={"PHQ-9": 1},
            by=therapist,
        )
    assert Response.objects.get().total == 9


def test_acknowledging_a_flag_needs_a_note_and_is_audited(sessions, therapist):
    services.record_responses(
        source="clinic", appointment=sessions[0], answers=[phq(*LOW_PHQ_WITH_RISK)], by=therapist
    )
    flag = RiskFlag.objects.get()

    with pytest.raises(ValidationError):
        services.acknowledge_flag(flag=flag, note="  ", actor=therapist)
    services.acknowledge_flag(flag=flag, note="Discussed safety plan in session.", actor=therapist)

    flag.refresh_from_db()
    assert (flag.is_open, flag.acknowledged_by, flag.action_note) == (
        False,
        therapist,
        "Discussed safety plan in session.",
    )
    with pytest.raises(ValidationError, match="already"):
        services.acknowledge_flag(flag=flag, note="again", actor=therapist)
    assert AuditEvent.objects.filter(action="risk_flag.acknowledge").count() == 1


def test_a_new_risk_answer_after_acknowledgement_raises_a_new_flag(sessions, therapist):
    services.record_responses(
        source="clinic", appointment=sessions[0], answers=[phq(*LOW_PHQ_WITH_RISK)], by=therapist
    )
    services.acknowledge_flag(flag=RiskFlag.objects.get(), note="Seen.", actor=therapist)

    services.record_responses(
        source="clinic", appointment=sessions[1], answers=[phq(*LOW_PHQ_WITH_RISK)], by=therapist
    )

    assert RiskFlag.objects.filter(acknowledged_at__isnull=True).count() == 1
    assert RiskFlag.objects.count() == 2


def test_summary_follows_scores_and_attendance(sessions, therapist, course):
    services.record_responses(
        source="clinic",
        appointment=sessions[0],
        answers=[phq(*HIGH_PHQ), gad(*GAD_10)],
        by=therapist,
    )
    services.record_responses(
        source="clinic",
        appointment=sessions[2],
        answers=[phq(*([1] * 9)), gad(*([0] * 7))],
        by=therapist,
    )

    summary = OutcomeSummary.objects.get(course=course)
    assert (
        summary.attended,
        summary.phq9_first,
        summary.phq9_last,
        summary.gad7_first,
        summary.gad7_last,
    ) == (
        4,
        16,
        9,
        10,
        0,
    )

    treatment.mark_did_not_attend(appointment=sessions[2], actor=therapist)
    summary.refresh_from_db()
    assert (summary.attended, summary.did_not_attend, summary.phq9_last, summary.phq9_count) == (
        3,
        1,
        None,
        1,
    )


def test_wsas_with_a_long_band_label_and_work_not_applicable(sessions, therapist):
    answers = Answers(
        "WSAS",
        {
            "work": None,
            "home_management": 8,
            "social_leisure": 8,
            "private_leisure": 8,
            "close_relationships": 8,
        },
    )

    (response,) = services.record_responses(
        source="clinic", appointment=sessions[0], answers=[answers], by=therapist
    )

    response.refresh_from_db()
    assert (response.total, response.max_total) == (32, 32)
    assert len(response.band) > 40


PARTIAL_PHQ_WITH_RISK = {"q1": 1, "q2": 1, "q4": 0, "q5": 0, "q6": 0, "q7": 0, "q8": 0, "q9": 2}


@pytest.mark.parametrize("source", ["clinic", "api", "import"])
def test_partial_response_keeps_and_flags_its_risk_answer(sessions, therapist, source):
    with pytest.raises(services.IncompleteSubmission) as refused:
        services.record_responses(
            source=source,
            appointment=sessions[0],
            answers=[Answers("PHQ-9", PARTIAL_PHQ_WITH_RISK), gad(*GAD_10)],
            by=therapist,
        )

    [kept] = refused.value.saved
    assert (kept.instrument, kept.status, kept.total, kept.answers, kept.source) == (
        "PHQ-9",
        "draft",
        None,
        PARTIAL_PHQ_WITH_RISK,
        source,
    )
    [flag] = RiskFlag.objects.all()
    assert (flag.response, flag.item, flag.value, flag.acknowledged_at) == (kept, "q9", 2, None)
    assert refused.value.missing == {"PHQ-9": ("q3",)}
    assert services.RISK_KEPT.format(code="PHQ-9") in refused.value.message_dict["PHQ-9"]
    # Nothing is scored: the complete GAD-7 waits for the PHQ-9 to be completed.
    assert list(Response.objects.values_list("instrument", flat=True)) == ["PHQ-9"]
    [event] = AuditEvent.objects.filter(action="measure.risk_answer_kept")
    assert event.changes["risk_flags_raised"] == 1


def test_risk_answer_survives_an_invalid_answer_elsewhere(sessions, therapist):
    answers = dict(PARTIAL_PHQ_WITH_RISK, q3=7)

    with pytest.raises(services.IncompleteSubmission):
        services.record_responses(
            source="clinic",
            appointment=sessions[0],
            answers=[Answers("PHQ-9", answers)],
            by=therapist,
        )

    assert Response.objects.get().answers == PARTIAL_PHQ_WITH_RISK
    assert RiskFlag.objects.get().value == 2


def test_not_submitting_still_keeps_a_risk_answer_in_a_complete_questionnaire(sessions, therapist):
    # The clinic form had an error elsewhere: nothing is recorded, except the risk answer.
    saved = services.record_responses(
        source="clinic",
        appointment=sessions[0],
        answers=[phq(*LOW_PHQ_WITH_RISK), gad(1, 1, 1, 1, 1, 1, 1)],
        by=therapist,
        submit=False,
    )

    assert [(r.instrument, r.status) for r in saved] == [("PHQ-9", "draft")]
    assert RiskFlag.objects.get().response == saved[0]
    assert not OutcomeSummary.objects.filter(phq9_count__gt=0).exists()


def test_completing_a_kept_risk_answer_records_it_without_a_second_flag(sessions, therapist):
    with pytest.raises(services.IncompleteSubmission):
        services.record_responses(
            source="clinic",
            appointment=sessions[0],
            answers=[Answers("PHQ-9", PARTIAL_PHQ_WITH_RISK)],
            by=therapist,
        )

    [saved] = services.record_responses(
        source="clinic",
        appointment=sessions[0],
        answers=[Answers("PHQ-9", dict(PARTIAL_PHQ_WITH_RISK, q3=1))],
        by=therapist,
    )

    assert (saved.status, saved.total) == ("complete", 5)
    assert RiskFlag.objects.count() == 1


def test_one_flag_rule_for_every_source(sessions, therapist):
    """An answer already flagged (even acknowledged) is not flagged again; a worse one is."""
    services.record_responses(
        source="clinic", appointment=sessions[0], answers=[phq(*LOW_PHQ_WITH_RISK)], by=therapist
    )
    services.acknowledge_flag(flag=RiskFlag.objects.get(), note="Discussed.", actor=therapist)

    services.record_responses(
        source="clinic",
        appointment=sessions[0],
        answers=[phq(1, 0, 0, 0, 0, 0, 0, 0, 1)],
        by=therapist,
    )
    assert RiskFlag.objects.count() == 1

    services.record_responses(
        source="clinic",
        appointment=sessions[0],
        answers=[phq(1, 0, 0, 0, 0, 0, 0, 0, 3)],
        by=therapist,
    )
    assert sorted(RiskFlag.objects.values_list("value", flat=True)) == [1, 3]
