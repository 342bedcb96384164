"""Ending a course: open risk flags stop it unless a reason is given; WSAS at the ending."""

import re

import pytest
from django.urls import reverse

from patternwork.audit.models import AuditEvent
from patternwork.measures import services as measures
from patternwork.measures.models import Response, RiskFlag
from patternwork.treatment.models import Course
from patternwork.treatment.services.courses import END_WITH_OPEN_FLAGS
from tests.answers import WSAS_ITEMS, gad, phq, wsas
from tests.course_fixtures import MEASURED_NOW, attend, new_course

# The clock of the `frozen` fixture.
NOW = MEASURED_NOW

pytestmark = pytest.mark.usefixtures("frozen")

OVERRIDE = "Client has moved to the crisis team, who have the answer and a safety plan."
WSAS_FORM = {f"wsas-{key}": "3" for key in WSAS_ITEMS}


@pytest.fixture
def early(db, early_built_once):
    """Ten of twelve sessions attended, WSAS only at the first, a risk answer at the fourth
    (course_fixtures.early_ending_course), built once for the module; what a test
    changes is rolled back with its savepoint."""
    return early_built_once.course()


def end_url(course):
    return reverse("clinic:course-end", args=[course.public_id])


def session(course, number):
    return course.appointments.get(session_number=number)


def record_url(appointment, **query):
    url = reverse("clinic:measures-record", args=[appointment.public_id])
    return url + ("?for=ending" if query.get("ending") else "")


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_ending_over_an_open_flag_is_refused_listing_it_and_keeping_the_input(
    client, login, therapist, early
):
    flag = RiskFlag.objects.get()
    login(therapist)

    response = client.post(end_url(early), {"reason": "dropped_out", "note": "Stopped coming."})

    html = response.content.decode()
    assert response.status_code == 400
    assert response.context["form"].errors == {"override_reason": [END_WITH_OPEN_FLAGS]}
    assert [f.pk for f in response.context["flags"]] == [flag.pk]
    assert f'href="{reverse("clinic:risk-flag", args=[flag.public_id])}"' in html
    assert "1 risk answer needs acknowledging" in html
    assert '<option value="dropped_out" selected>' in html
    assert "Stopped coming.</textarea>" in html
    assert 'name="override_reason"' in html
    early.refresh_from_db()
    assert early.state == "active"


def test_ending_with_a_reason_is_audited_and_shown_to_the_supervisor(
    client, login, therapist, supervisor, early
):
    login(therapist)

    response = client.post(
        end_url(early), {"reason": "transferred", "note": "", "override_reason": OVERRIDE}
    )

    early.refresh_from_db()
    assert response.status_code == 302
    assert (early.state, early.end_override_flags, early.end_override_reason) == (
        "ended",
        1,
        OVERRIDE,
    )
    event = AuditEvent.objects.get(action="course.end")
    assert event.changes["open_risk_flags_overridden"] == 1
    assert (
        OVERRIDE
        in client.get(reverse("clinic:course-detail", args=[early.public_id])).content.decode()
    )
    login(supervisor)
    oversight = client.get(reverse("clinic:oversight"))
    assert oversight.context["ended_over_flags"] == [early]
    assert oversight.context["ended_over_flags"][0].still_open == 1
    row = text(oversight.content.decode().split('id="overridden-heading"')[1].split("</tr>")[1])
    assert row == (
        f"Sam Example {early.client.client_number} Dr Ada Therapist "
        f"Course ended on 1 Jun 2026 with 1 risk answer open 1 {OVERRIDE}"
    )


def test_oversight_drops_the_ending_once_its_flag_is_acknowledged(
    client, login, therapist, supervisor, early
):
    login(therapist)
    client.post(end_url(early), {"reason": "transferred", "override_reason": OVERRIDE})
    measures.acknowledge_flag(
        flag=RiskFlag.objects.get(), note="Crisis team confirmed contact.", actor=therapist
    )
    login(supervisor)

    oversight = client.get(reverse("clinic:oversight"))

    assert oversight.context["ended_over_flags"] == []
    assert "overridden-heading" not in oversight.content.decode()


def test_another_therapists_ending_is_not_on_a_supervisors_oversight(
    client, login, other_therapist, supervisor
):
    course = new_course(other_therapist, planned=12, name="Not Supervised")
    first = attend(course, other_therapist, 1)[0]
    measures.record_responses(
        source="clinic", appointment=first, answers=[phq(3, item9=1)], by=other_therapist
    )
    login(other_therapist)
    client.post(end_url(course), {"reason": "transferred", "override_reason": OVERRIDE})
    assert Course.objects.get(pk=course.pk).end_override_flags == 1
    login(supervisor)

    assert client.get(reverse("clinic:oversight")).context["ended_over_flags"] == []


def test_ending_after_acknowledging_offers_no_override_and_needs_none(
    client, login, therapist, early
):
    measures.acknowledge_flag(flag=RiskFlag.objects.get(), note="Safety plan.", actor=therapist)
    login(therapist)

    page = client.get(end_url(early))
    ended = client.post(end_url(early), {"reason": "dropped_out", "note": ""})

    assert "override_reason" not in page.context["form"].fields
    assert "needs acknowledging" not in page.content.decode()
    assert ended.status_code == 302
    early.refresh_from_db()
    assert (early.state, early.end_override_flags) == ("ended", 0)


def test_ending_early_asks_for_wsas_at_the_last_attended_session(client, login, therapist, early):
    tenth = session(early, 10)
    login(therapist)

    page = client.get(end_url(early))

    ending = page.context["ending"]
    assert (ending.appointment, ending.codes) == (tenth, ("WSAS",))
    assert text(page.content.decode().split('id="ending-measures-heading">')[1]).startswith(
        "Questionnaires at the ending WSAS is not recorded at the last attended session "
        "(session 10, 4 May 2026). Record it there so the client's functioning is compared "
        "from the first session to the last. Record WSAS at session 10"
    )
    assert f'href="{record_url(tenth, ending=True)}"' in page.content.decode()


def test_wsas_recorded_from_the_ending_page_goes_back_to_it_and_is_not_asked_again(
    client, login, therapist, early
):
    tenth = session(early, 10)
    login(therapist)

    form = client.get(record_url(tenth, ending=True))
    plain = client.get(record_url(tenth))
    saved = client.post(record_url(tenth, ending=True), WSAS_FORM)
    again = client.get(end_url(early))

    assert [i.code for i in form.context["form"].instruments] == ["PHQ-9", "GAD-7", "WSAS"]
    assert [i.code for i in plain.context["form"].instruments] == ["PHQ-9", "GAD-7"]
    assert (saved.status_code, saved["Location"]) == (302, end_url(early))
    assert Response.objects.get(appointment=tenth, instrument="WSAS").total == 15
    assert again.context["ending"] is None
    assert "ending-measures-heading" not in again.content.decode()


def test_after_the_ending_wsas_is_offered_at_the_last_session_only(client, login, therapist, early):
    login(therapist)
    client.post(end_url(early), {"reason": "dropped_out", "override_reason": OVERRIDE})

    last = client.get(record_url(session(early, 10)))
    ninth = client.get(record_url(session(early, 9)))
    saved = client.post(record_url(session(early, 10), ending=True), WSAS_FORM)

    assert [i.code for i in last.context["form"].instruments] == ["PHQ-9", "GAD-7", "WSAS"]
    assert [i.code for i in ninth.context["form"].instruments] == ["PHQ-9", "GAD-7"]
    assert saved["Location"] == reverse(
        "clinic:appointment-detail", args=[session(early, 10).public_id]
    )


def test_a_course_ended_at_its_plan_with_wsas_is_not_asked_again(client, login, therapist):
    course = new_course(therapist, planned=8)
    for number, appointment in enumerate(attend(course, therapist, 8), start=1):
        answers = [phq(6), gad(5)] + ([wsas(2)] if number in (1, 8) else [])
        measures.record_responses(
            source="clinic", appointment=appointment, answers=answers, by=therapist
        )
    login(therapist)

    page = client.get(end_url(course))

    assert page.context["ending"] is None
    assert "ending-measures-heading" not in page.content.decode()


def test_admin_without_clinical_access_sees_how_many_flags_but_not_the_answers(
    client, login, admin, early
):
    login(admin)

    page = client.get(end_url(early))

    html = page.content.decode()
    assert (page.context["flags"], page.context["open_flag_count"]) == ([], 1)
    assert "1 risk answer needs acknowledging" in html
    assert "Several days" not in html
    assert page.context["ending"] is None


@pytest.mark.parametrize("outsider", ["other_therapist", "foreign_therapist", "foreign_admin"])
def test_ending_page_of_another_therapists_course_is_not_found(
    client, login, early, outsider, request
):
    login(request.getfixturevalue(outsider))

    page = client.get(end_url(early))
    post = client.post(end_url(early), {"reason": "dropped_out", "override_reason": OVERRIDE})

    assert (page.status_code, post.status_code) == (404, 404)
    assert Course.objects.get(pk=early.pk).state == "active"


def test_ending_page_queries_do_not_grow_with_the_number_of_flags(
    client, login, therapist, early, django_assert_num_queries
):
    login(therapist)
    client.get(end_url(early))
    with django_assert_num_queries(12) as one:
        client.get(end_url(early))
    for number in (5, 6):
        measures.record_responses(
            source="clinic",
            appointment=session(early, number),
            answers=[phq(12, item9=2)],
            by=therapist,
        )
    with django_assert_num_queries(len(one)):
        three = client.get(end_url(early))
    assert len(three.context["flags"]) == 3


def test_not_offered_dit_is_the_assessment_decisions_ending_not_a_manual_one(
    client, login, therapist, other_therapist
):
    course = new_course(therapist, planned=12)
    login(other_therapist)
    assert client.get(end_url(course)).status_code == 404
    login(therapist)

    page = client.get(end_url(course)).content.decode()
    refused = client.post(end_url(course), {"reason": "not_offered", "note": ""})

    course.refresh_from_db()
    assert 'value="not_offered"' not in page
    assert refused.status_code == 400
    assert course.state == "active"
