"""Recording questionnaires at a session and handling risk answers."""

from django.urls import reverse

from patternwork.audit.models import AuditEvent
from patternwork.measures.models import Response, RiskFlag


def phq_form(*values):
    return {f"phq9-q{n}": str(v) for n, v in enumerate(values, start=1)}


def gad_form(*values):
    return {f"gad7-q{n}": str(v) for n, v in enumerate(values, start=1)}


RISKY_LOW = (0, 0, 1, 0, 0, 0, 0, 0, 1)  # total 2, item 9 "Several days"


def record(client, session, data):
    return client.post(reverse("clinic:measures-record", args=[session.public_id]), data)


def test_record_page_shows_the_due_questionnaires_on_one_screen(client, login, therapist, session):
    login(therapist)

    response = client.get(reverse("clinic:measures-record", args=[session.public_id]))

    html = response.content.decode()
    assert [i.code for i in response.context["form"].instruments] == ["PHQ-9", "GAD-7", "WSAS"]
    assert "Little interest or pleasure in doing things" in html
    assert "Feeling nervous, anxious or on edge" in html
    assert "No permission required to reproduce" in html


def test_record_saves_scores_and_returns_to_the_session(client, login, therapist, session):
    login(therapist)

    response = record(
        client, session, phq_form(2, 2, 2, 2, 2, 2, 2, 2, 0) | gad_form(1, 1, 1, 1, 1, 1, 1)
    )

    assert response.status_code == 302
    assert sorted(Response.objects.values_list("instrument", "total")) == [
        ("GAD-7", 7),
        ("PHQ-9", 16),
    ]
    page = client.get(response["Location"]).content.decode()
    assert "PHQ-9</strong> 16/27" in page


def test_incomplete_questionnaire_is_refused_naming_items_and_keeping_answers(
    client, login, therapist, session
):
    login(therapist)

    response = record(client, session, {"phq9-q1": "3", "phq9-q2": "2"})

    html = response.content.decode()
    assert response.status_code == 400
    assert "no answer to item 3" in html
    assert response.context["form"]["phq9-q1"].value() == "3"
    assert not Response.objects.exists()


def test_risk_answer_flag_through_edit_and_acknowledgement(
    client, login, therapist, supervisor, session
):
    login(therapist)
    record(client, session, phq_form(*RISKY_LOW) | gad_form(0, 0, 0, 0, 0, 0, 0))

    caseload = client.get(reverse("clinic:home")).content.decode()
    assert "1 risk answer needs acknowledging" in caseload
    assert "Several days" in caseload

    login(supervisor)
    oversight = client.get(reverse("clinic:oversight"))
    assert [f.client for f in oversight.context["flags"]] == [session.course.client]

    login(therapist)
    response = Response.objects.get(instrument="PHQ-9")
    record(
        client,
        session,
        phq_form(0, 0, 0, 0, 0, 0, 0, 0, 0) | {"phq9-version": str(response.version)},
    )
    response.refresh_from_db()
    assert response.total == 0
    assert (
        "1 risk answer needs acknowledging" in client.get(reverse("clinic:home")).content.decode()
    )

    flag = RiskFlag.objects.get()
    page = client.get(reverse("clinic:risk-flag", args=[flag.public_id]))
    assert [value for _, value in page.context["history"]["answers"]] == [0]
    refused = client.post(reverse("clinic:risk-flag", args=[flag.public_id]), {"note": ""})
    assert refused.status_code == 400
    done = client.post(
        reverse("clinic:risk-flag", args=[flag.public_id]),
        {"note": "Asked in session; no current plans; safety plan agreed."},
    )
    assert done.status_code == 302
    assert "needs acknowledging" not in client.get(reverse("clinic:home")).content.decode()
    login(supervisor)
    assert list(client.get(reverse("clinic:oversight")).context["flags"]) == []
    assert AuditEvent.objects.filter(action="risk_flag.acknowledge").count() == 1


def test_another_therapist_never_sees_the_flag(client, login, therapist, other_therapist, session):
    login(therapist)
    record(client, session, phq_form(*RISKY_LOW))
    flag = RiskFlag.objects.get()

    login(other_therapist)

    assert "needs acknowledging" not in client.get(reverse("clinic:home")).content.decode()
    assert client.get(reverse("clinic:risk-flag", args=[flag.public_id])).status_code == 404


def test_measures_milestone_turns_done_when_recorded(client, login, therapist, session):
    login(therapist)
    before = client.get(reverse("clinic:course-detail", args=[session.course.public_id])).context[
        "view"
    ]

    record(client, session, phq_form(1, 1, 1, 1, 1, 1, 1, 1, 0) | gad_form(1, 1, 1, 1, 1, 1, 1))

    after = client.get(reverse("clinic:course-detail", args=[session.course.public_id])).context[
        "view"
    ]
    states = {m.key: m.state for m in before.milestones}, {m.key: m.state for m in after.milestones}
    assert states[0]["session_measures"] == "overdue"
    assert states[1]["session_measures"] == "done"


def test_oversight_query_count_is_fixed(
    client, login, supervisor, therapist, django_assert_num_queries
):
    from tests.factories import RiskFlagFactory

    login(supervisor)

    def make(n):
        for _ in range(n):
            flag = RiskFlagFactory(
                response__appointment__course__client__practice=therapist.practice,
                response__appointment__course__client__therapist=therapist,
            )
            assert flag.course.therapist == therapist

    make(1)
    client.get(reverse("clinic:oversight"))
    # The supervisor's scope is read once a request; the reads of flags and of scores are
    # recorded in one write (one move of the audit chain's head). The open flags are read
    # once, with the caseload; the page reads no appointments.
    with django_assert_num_queries(15) as small:
        client.get(reverse("clinic:oversight"))
    baseline = len(small)
    make(15)
    with django_assert_num_queries(baseline):
        response = client.get(reverse("clinic:oversight"))
    assert len(response.context["flags"]) == 16


def test_partial_phq9_with_a_risk_answer_is_flagged_and_the_form_keeps_the_answers(
    client, login, therapist, session
):
    login(therapist)
    # Item 3 left unanswered; item 9 "More than half the days".
    data = {f"phq9-q{n}": "1" for n in (1, 2, 4, 5, 6, 7, 8)} | {"phq9-q9": "2"}

    response = record(client, session, data)

    assert response.status_code == 400
    form = response.context["form"]
    assert (form["phq9-q9"].value(), form["phq9-q1"].value()) == ("2", "1")
    html = response.content.decode()
    assert "no answer to item 3" in html
    assert "The risk answer to PHQ-9 has been saved and flagged" in html
    [flag] = RiskFlag.objects.all()
    assert (flag.item, flag.value, flag.response.status) == ("q9", 2, "draft")
    caseload = client.get(reverse("clinic:home")).content.decode()
    assert "1 risk answer needs acknowledging" in caseload


def test_risk_answer_is_kept_when_another_field_is_not_an_option(client, login, therapist, session):
    login(therapist)
    data = phq_form(0, 0, 0, 0, 0, 0, 0, 0, 1) | {"gad7-q1": "9"}

    response = record(client, session, data)

    assert response.status_code == 400
    assert response.context["form"].errors["gad7-q1"]
    assert RiskFlag.objects.get().value == 1
    assert list(Response.objects.values_list("instrument", "status")) == [("PHQ-9", "draft")]
