"""The client's questionnaires before a session: drafts, submission, risk flags, the window."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from patternwork.audit.models import AuditEvent
from patternwork.measures import presession, services
from patternwork.measures.models import OutcomeSummary, Response, RiskFlag
from patternwork.measures.services import Answers
from patternwork.treatment import services as treatment
from tests.factories import AppointmentFactory, CourseFactory, PortalClientFactory

pytestmark = pytest.mark.usefixtures("frozen")

NOW = dt.datetime(2026, 4, 1, 11, 0, tzinfo=dt.UTC)
PHQ_MILD_RISK = {f"q{n}": 1 for n in range(1, 10)}  # total 9 (mild), item 9 = 1
PHQ_MODERATE = {f"q{n}": v for n, v in enumerate((2, 2, 2, 1, 1, 1, 1, 1, 0), start=1)}  # 11
GAD_10 = {f"q{n}": v for n, v in enumerate((2, 2, 2, 1, 1, 1, 1), start=1)}


@pytest.fixture
def tomorrow(jo_course):
    """Session 2 tomorrow (session 1 was last week): PHQ-9 and GAD-7 are due, not WSAS."""
    AppointmentFactory(
        course=jo_course,
        starts_at=NOW - dt.timedelta(days=6),
        status="attended",
        session_number=1,
    )
    return AppointmentFactory(course=jo_course, starts_at=NOW + dt.timedelta(hours=24))


def save(client, appointment, instrument, answers, *, submit):
    return presession.save_portal_response(
        client=client,
        appointment=appointment,
        instrument=instrument,
        answers=answers,
        submit=submit,
    )


def test_draft_keeps_answers_unscored_and_audits_as_the_client(jo, tomorrow):
    response = save(jo, tomorrow, "PHQ-9", {"q1": 2, "q2": 1}, submit=False)

    response.refresh_from_db()
    assert (
        response.status,
        response.source,
        response.total,
        response.band,
        response.caseness,
        response.completed_at,
        response.submitted_by,
        response.appointment,
        response.answers,
    ) == ("draft", "portal", None, "", None, None, jo.user, tomorrow, {"q1": 2, "q2": 1})
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.actor_role, event.practice, event.object_id) == (
        "measure.portal_draft",
        jo.user,
        "client",
        jo.practice,
        str(response.public_id),
    )
    assert event.changes == {
        "instrument": "PHQ-9",
        "source": "portal",
        "status": [None, "draft"],
        "answered": 2,
    }


def test_draft_saved_again_replaces_its_answers_and_stays_unscored(jo, tomorrow):
    save(jo, tomorrow, "GAD-7", {"q1": 1}, submit=False)

    response = save(jo, tomorrow, "GAD-7", {"q1": 3, "q2": 2}, submit=False)

    stored = Response.objects.get()
    assert (stored.pk, stored.answers, stored.total, stored.version) == (
        response.pk,
        {"q1": 3, "q2": 2},
        None,
        2,
    )
    assert AuditEvent.objects.filter(action="measure.portal_draft").count() == 2


def test_submit_scores_with_the_clinic_scorer_and_refreshes_the_summary(jo, jo_course, tomorrow):
    phq = save(jo, tomorrow, "PHQ-9", PHQ_MODERATE, submit=True)
    gad = save(jo, tomorrow, "GAD-7", GAD_10, submit=True)

    assert [(r.status, r.total, r.max_total, r.band, r.caseness) for r in (phq, gad)] == [
        ("complete", 11, 27, "Moderate", True),
        ("complete", 10, 21, "Moderate", True),
    ]
    assert phq.completed_at == NOW
    events = AuditEvent.objects.filter(action="measure.portal_submit").order_by("id")
    assert [(e.actor, e.practice, e.changes["total"]) for e in events] == [
        (jo.user, jo.practice, [None, 11]),
        (jo.user, jo.practice, [None, 10]),
    ]
    assert OutcomeSummary.objects.filter(course=jo_course).exists()


def test_submitted_scores_count_once_the_session_is_attended(
    jo, jo_course, tomorrow, therapist, frozen
):
    save(jo, tomorrow, "PHQ-9", PHQ_MODERATE, submit=True)
    save(jo, tomorrow, "GAD-7", GAD_10, submit=True)
    frozen.move_to(tomorrow.starts_at)

    treatment.mark_attended(appointment=tomorrow, actor=therapist)

    summary = OutcomeSummary.objects.get(course=jo_course)
    assert (summary.phq9_first, summary.phq9_count, summary.gad7_first) == (11, 1, 10)


def test_incomplete_submit_is_refused_naming_the_items_and_keeps_the_draft(jo, tomorrow):
    with pytest.raises(services.IncompleteSubmission) as refused:
        save(jo, tomorrow, "PHQ-9", {"q1": 1, "q2": 2}, submit=True)

    assert refused.value.missing == {"PHQ-9": ("q3", "q4", "q5", "q6", "q7", "q8", "q9")}
    message = refused.value.message_dict["PHQ-9"][0]
    assert message.startswith("PHQ-9 is incomplete: no answer to item 3 (Trouble falling")
    assert "item 9 (Thoughts that you would be better off dead" in message
    stored = Response.objects.get()
    assert (stored.status, stored.total, stored.answers) == ("draft", None, {"q1": 1, "q2": 2})
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["measure.portal_draft"]


def test_one_incomplete_questionnaire_holds_back_the_whole_screen(jo, tomorrow):
    answers = [Answers("PHQ-9", PHQ_MODERATE), Answers("GAD-7", {"q1": 1})]

    with pytest.raises(services.IncompleteSubmission) as refused:
        presession.save_portal_responses(
            client=jo, appointment=tomorrow, answers=answers, submit=True
        )

    assert set(refused.value.missing) == {"GAD-7"}
    assert sorted(Response.objects.values_list("instrument", "status", "total")) == [
        ("GAD-7", "draft", None),
        ("PHQ-9", "draft", None),
    ]


def test_risk_answer_in_a_draft_raises_the_clinic_flag_at_once(jo, jo_course, tomorrow):
    response = save(jo, tomorrow, "PHQ-9", {"q1": 0, "q9": 1}, submit=False)

    flag = RiskFlag.objects.get()
    assert (
        flag.response,
        flag.client,
        flag.course,
        flag.practice,
        flag.item,
        flag.value,
        flag.value_label,
        flag.acknowledged_at,
    ) == (response, jo, jo_course, jo.practice, "q9", 1, "Several days", None)
    assert flag.item_text.startswith("Thoughts that you would be better off dead")
    assert AuditEvent.objects.get().changes["risk_flags_raised"] == 1


def test_submit_after_a_risky_draft_raises_no_second_flag(jo, tomorrow):
    save(jo, tomorrow, "PHQ-9", {"q9": 1}, submit=False)

    save(jo, tomorrow, "PHQ-9", PHQ_MILD_RISK, submit=True)

    assert RiskFlag.objects.count() == 1
    submitted = AuditEvent.objects.get(action="measure.portal_submit")
    assert "risk_flags_raised" not in submitted.changes


def test_acknowledged_answer_saved_again_is_not_flagged_again_but_a_worse_one_is(
    jo, tomorrow, therapist
):
    save(jo, tomorrow, "PHQ-9", {"q9": 1}, submit=False)
    services.acknowledge_flag(
        flag=RiskFlag.objects.get(),
        note="Phoned the client; safety plan reviewed.",
        actor=therapist,
    )

    save(jo, tomorrow, "PHQ-9", {"q1": 1, "q9": 1}, submit=False)
    assert RiskFlag.objects.count() == 1

    save(jo, tomorrow, "PHQ-9", {"q1": 1, "q9": 3}, submit=False)
    assert sorted((f.value, f.is_open) for f in RiskFlag.objects.all()) == [
        (1, False),
        (3, True),
    ]


def test_submitted_questionnaire_cannot_be_changed_by_the_client(jo, tomorrow):
    save(jo, tomorrow, "PHQ-9", PHQ_MODERATE, submit=True)

    with pytest.raises(ValidationError) as refused:
        save(jo, tomorrow, "PHQ-9", PHQ_MILD_RISK, submit=False)

    assert refused.value.messages == [services.ALREADY_SENT.format(code="PHQ-9")]
    assert Response.objects.get().total == 11
    assert AuditEvent.objects.filter(action__startswith="measure.").count() == 1


def test_therapist_can_still_correct_a_submitted_questionnaire(jo, tomorrow, therapist, frozen):
    response = save(jo, tomorrow, "PHQ-9", PHQ_MODERATE, submit=True)
    frozen.move_to(tomorrow.starts_at)
    treatment.mark_attended(appointment=tomorrow, actor=therapist)
    tomorrow.refresh_from_db()

    services.record_responses(
        source="clinic",
        appointment=tomorrow,
        answers=[Answers("PHQ-9", PHQ_MILD_RISK)],
        by=therapist,
    )

    response.refresh_from_db()
    assert (response.total, response.source, response.revisions.count()) == (9, "portal", 1)


@pytest.mark.parametrize(
    ("starts_in", "allowed"),
    [
        (dt.timedelta(hours=48, minutes=1), False),
        (dt.timedelta(hours=48), True),
        (dt.timedelta(minutes=5), True),
        (-dt.timedelta(hours=2), True),
        (-dt.timedelta(hours=2, seconds=1), False),
    ],
)
def test_questionnaires_are_open_from_48_hours_before_to_2_hours_after(
    jo, jo_course, starts_in, allowed
):
    appointment = AppointmentFactory(course=jo_course, starts_at=NOW + starts_in)

    if allowed:
        assert save(jo, appointment, "GAD-7", {"q1": 1}, submit=False).status == "draft"
    else:
        with pytest.raises(ValidationError) as refused:
            save(jo, appointment, "GAD-7", {"q1": 1}, submit=False)
        assert refused.value.code == ("early" if starts_in > dt.timedelta(0) else "late")
        assert not Response.objects.exists()


def test_too_early_names_the_opening_time(jo, jo_course):
    appointment = AppointmentFactory(course=jo_course, starts_at=NOW + dt.timedelta(days=3))

    with pytest.raises(ValidationError) as refused:
        save(jo, appointment, "GAD-7", {"q1": 1}, submit=False)

    # The current time zone (UTC here; the practice's on portal pages).
    assert refused.value.messages == [
        "The questionnaires for this appointment open on 2 April 2026, 11:00."
    ]


@pytest.mark.parametrize("status", ["cancelled_client", "cancelled_therapist", "dna"])
def test_no_questionnaires_for_a_cancelled_or_missed_appointment(jo, jo_course, status):
    appointment = AppointmentFactory(
        course=jo_course, starts_at=NOW + dt.timedelta(hours=3), status=status
    )

    with pytest.raises(ValidationError) as refused:
        save(jo, appointment, "PHQ-9", {"q1": 1}, submit=False)

    assert refused.value.code == "unavailable"


def test_wsas_only_when_the_plan_has_it_due(jo, tomorrow, therapist):
    with pytest.raises(ValidationError) as refused:
        save(jo, tomorrow, "WSAS", {"work": 1}, submit=False)
    assert refused.value.messages == ["WSAS is not due before this appointment."]

    sam = PortalClientFactory(practice=therapist.practice, therapist=therapist)
    first = AppointmentFactory(
        course=CourseFactory(client=sam, state="active"), starts_at=NOW + dt.timedelta(hours=5)
    )
    assert presession.instruments_due(first) == ("PHQ-9", "GAD-7", "WSAS")
    assert presession.instruments_due(tomorrow) == ("PHQ-9", "GAD-7")
    assert save(sam, first, "WSAS", {"work": None}, submit=False).instrument == "WSAS"


def test_another_clients_appointment_is_refused(jo, therapist):
    theirs = AppointmentFactory(
        course=CourseFactory(client=PortalClientFactory(practice=therapist.practice)),
        starts_at=NOW + dt.timedelta(hours=3),
    )

    with pytest.raises(ValidationError) as refused:
        save(jo, theirs, "PHQ-9", {"q1": 1}, submit=False)

    assert refused.value.code == "not_yours"
    assert not Response.objects.exists()


def test_a_client_whose_access_was_removed_cannot_save(jo, tomorrow):
    jo.user.is_active = False
    jo.user.save(update_fields=["is_active"])

    with pytest.raises(ValidationError) as refused:
        save(jo, tomorrow, "PHQ-9", {"q1": 1}, submit=False)

    assert refused.value.code == "no_login"


def test_answers_that_are_not_options_are_refused_and_the_valid_ones_kept(jo, tomorrow):
    answers = [Answers("GAD-7", {"q1": 1}), Answers("PHQ-9", {"q1": 7, "q99": 1})]

    with pytest.raises(ValidationError) as refused:
        presession.save_portal_responses(
            client=jo, appointment=tomorrow, answers=answers, submit=False
        )

    assert len(refused.value.message_dict["PHQ-9"]) == 2
    [kept] = Response.objects.all()
    assert (kept.instrument, kept.status, kept.answers) == ("GAD-7", "draft", {"q1": 1})
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["measure.portal_draft"]


def test_a_draft_with_no_answers_is_not_saved(jo, tomorrow):
    with pytest.raises(ValidationError) as refused:
        presession.save_portal_responses(
            client=jo,
            appointment=tomorrow,
            answers=[Answers("PHQ-9", {}), Answers("GAD-7", {})],
            submit=False,
        )

    assert refused.value.messages == [services.NOTHING_TO_SAVE]
    assert not Response.objects.exists()


def test_sheet_reports_progress_and_risk(jo, tomorrow):
    save(jo, tomorrow, "PHQ-9", {"q9": 2}, submit=False)
    save(jo, tomorrow, "GAD-7", GAD_10, submit=True)

    sheet = presession.sheet_for(tomorrow, NOW)

    assert [(q.code, q.progress) for q in sheet.due] == [("PHQ-9", "draft"), ("GAD-7", "sent")]
    assert (sheet.window, sheet.all_sent, sheet.has_risk_answer) == ("open", False, True)
    assert (sheet.opens_at, sheet.closes_at) == (
        NOW - dt.timedelta(hours=24),
        NOW + dt.timedelta(hours=26),
    )
