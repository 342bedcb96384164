"""Questionnaires before a session in the portal, and what the therapist sees at once."""

import datetime as dt
from html import unescape

import pytest
from django.urls import reverse
from django.utils.html import strip_tags

from patternwork.audit.models import AuditEvent
from patternwork.measures.models import Response, RiskFlag
from patternwork.treatment import services as treatment
from tests.factories import AppointmentFactory, CourseFactory, PortalClientFactory

pytestmark = pytest.mark.usefixtures("frozen")

# Wednesday 1 April 2026, 12:00 in London (BST).
NOW = dt.datetime(2026, 4, 1, 11, 0, tzinfo=dt.UTC)
PHQ_MODERATE = (2, 2, 2, 1, 1, 1, 1, 1, 0)  # total 11
PHQ_WITH_RISK = (1, 1, 0, 1, 0, 0, 0, 0, 1)  # total 4, item 9 = 1
GAD_10 = (2, 2, 2, 1, 1, 1, 1)


@pytest.fixture
def tomorrow(jo_course):
    """Session 2, tomorrow at 10:00 London time: PHQ-9 and GAD-7 are due."""
    AppointmentFactory(
        course=jo_course,
        starts_at=NOW - dt.timedelta(days=6),
        status="attended",
        session_number=1,
    )
    return AppointmentFactory(course=jo_course, starts_at=dt.datetime(2026, 4, 2, 9, tzinfo=dt.UTC))


@pytest.fixture
def as_jo(client, jo):
    client.force_login(jo.user)
    return client


def page_url(appointment):
    return reverse("portal:questionnaire", args=[appointment.public_id])


def done_url(appointment):
    return reverse("portal:questionnaire-done", args=[appointment.public_id])


def form_data(action, phq=(), gad=()):
    data = {"action": action}
    data |= {f"phq9-q{n}": str(v) for n, v in enumerate(phq, start=1) if v is not None}
    data |= {f"gad7-q{n}": str(v) for n, v in enumerate(gad, start=1) if v is not None}
    return data


def text(response) -> str:
    return " ".join(unescape(strip_tags(response.content.decode())).split())


def html(response) -> str:
    return " ".join(response.content.decode().split())


def test_page_has_phq9_and_gad7_on_one_screen(as_jo, tomorrow):
    response = as_jo.get(page_url(tomorrow))

    assert response.status_code == 200
    form = response.context["form"]
    assert [instrument.code for instrument, _fields in form.groups] == ["PHQ-9", "GAD-7"]
    page = html(response)
    assert page.count('<fieldset class="portal-item"') == 10 + 7
    assert "<legend>9. Thoughts that you would be better off dead" in page
    assert (
        '<label class="portal-option" for="id_phq9-q1_0"><input type="radio" name="phq9-q1" '
        'value="0" id="id_phq9-q1_0"> <span>Not at all</span></label>'
    ) in page
    assert '<button type="submit" name="action" value="submit">Submit</button>' in page
    assert "Save and finish later" in page
    assert "Thursday 2 April 2026 at 10:00, with Dr Ada Therapist" in text(response)


def test_save_and_finish_later_keeps_an_unscored_draft(as_jo, jo, tomorrow):
    response = as_jo.post(page_url(tomorrow), form_data("draft", phq=(2, 1)))

    assert (response.status_code, response["Location"]) == (302, done_url(tomorrow))
    stored = Response.objects.get()
    assert (stored.status, stored.total, stored.answers) == ("draft", None, {"q1": 2, "q2": 1})
    done = text(as_jo.get(done_url(tomorrow)))
    assert "Your answers are saved" in done
    assert "They are not sent to your therapist yet." in done
    again = html(as_jo.get(page_url(tomorrow)))
    assert 'name="phq9-q1" value="2" id="id_phq9-q1_2" checked' in again
    assert AuditEvent.objects.filter(action="measure.portal_draft", actor=jo.user).count() == 1


def test_incomplete_submit_names_the_items_at_the_top_and_next_to_each(as_jo, tomorrow):
    response = as_jo.post(page_url(tomorrow), form_data("submit", phq=PHQ_MODERATE, gad=(1, 1)))

    assert response.status_code == 400
    page = text(response)
    assert "Please check your answers" in page
    assert "Some questions have no answer yet: they are marked below." in page
    for number in (3, 4, 5, 6, 7):
        assert f"GAD-7, question {number}: Choose an answer to this question before sending." in (
            page
        )
    assert "PHQ-9, question" not in page
    marked = html(response)
    assert (
        '<fieldset class="portal-item portal-item--error" id="id_gad7-q3" '
        'aria-describedby="id_gad7-q3_error">'
    ) in marked
    assert '<a href="#id_gad7-q3">' in marked
    # Nothing submitted; every answer given is kept as a draft.
    assert sorted(Response.objects.values_list("instrument", "status", "total")) == [
        ("GAD-7", "draft", None),
        ("PHQ-9", "draft", None),
    ]


def test_submit_sends_scored_answers_and_thanks_the_client(as_jo, jo, tomorrow):
    response = as_jo.post(page_url(tomorrow), form_data("submit", phq=PHQ_MODERATE, gad=GAD_10))

    assert (response.status_code, response["Location"]) == (302, done_url(tomorrow))
    assert sorted(Response.objects.values_list("instrument", "status", "total", "source")) == [
        ("GAD-7", "complete", 10, "portal"),
        ("PHQ-9", "complete", 11, "portal"),
    ]
    done = as_jo.get(done_url(tomorrow))
    page = text(done)
    assert "Thank you" in page
    assert (
        "Your answers have gone to Dr Ada Therapist, for your appointment on Thursday 2 April."
        in (page)
    )
    assert 'class="crisis portal-crisis"' not in html(done)
    assert not RiskFlag.objects.exists()
    assert AuditEvent.objects.filter(action="measure.portal_submit", actor=jo.user).count() == 2
    # Sent answers cannot be opened again from the portal.
    revisit = as_jo.get(page_url(tomorrow))
    assert (revisit.status_code, revisit["Location"]) == (302, done_url(tomorrow))


def test_submit_with_a_risk_answer_shows_the_crisis_information(as_jo, tomorrow):
    as_jo.post(page_url(tomorrow), form_data("submit", phq=PHQ_WITH_RISK, gad=GAD_10))

    done = as_jo.get(done_url(tomorrow))

    assert done.status_code == 200
    assert '<section class="crisis portal-crisis" aria-labelledby="crisis-heading">' in html(done)
    page = text(done)
    assert (
        "If you need help now, please do not wait If you are in danger now, or might act on "
        "thoughts of harming yourself, call 999 or go to A&E."
    ) in page
    assert "For urgent help that is not an emergency, call NHS 111." in page
    assert (
        "Your therapist will see this answer, but not necessarily straight away: the portal is "
        "not watched around the clock."
    ) in page
    assert RiskFlag.objects.count() == 1


def test_a_risk_answer_in_a_draft_is_passed_on_and_shown_with_help(as_jo, tomorrow):
    as_jo.post(page_url(tomorrow), form_data("draft", phq=(None,) * 8 + (2,)))

    page = text(as_jo.get(done_url(tomorrow)))

    assert RiskFlag.objects.get().value == 2
    assert "except your answer about harming yourself" in page
    assert "Your therapist will see this answer, but not necessarily straight away" in page


def test_a_tampered_answer_is_refused_and_nothing_is_saved(as_jo, tomorrow):
    data = form_data("submit", phq=PHQ_MODERATE, gad=GAD_10) | {"gad7-q2": "9"}

    response = as_jo.post(page_url(tomorrow), data)

    assert response.status_code == 400
    assert "GAD-7, question 2: Choose one of the answers shown." in text(response)
    assert 'name="phq9-q1" value="2" id="id_phq9-q1_2" checked' in html(response)
    assert not Response.objects.exists()


def test_too_early_shows_when_they_open_and_refuses_answers(as_jo, jo_course):
    later = AppointmentFactory(
        course=jo_course, starts_at=dt.datetime(2026, 4, 6, 9, tzinfo=dt.UTC)
    )

    page = as_jo.get(page_url(later))
    refused = as_jo.post(page_url(later), form_data("submit", phq=PHQ_MODERATE, gad=GAD_10))

    assert page.status_code == 200
    assert "You can fill them in from Saturday 4 April at 10:00" in text(page)
    assert refused.status_code == 400
    assert not Response.objects.exists()


def test_too_late_says_they_closed(as_jo, jo_course):
    earlier = AppointmentFactory(course=jo_course, starts_at=NOW - dt.timedelta(hours=2, minutes=1))

    refused = as_jo.post(page_url(earlier), form_data("draft", phq=(1,)))

    assert refused.status_code == 400
    assert (
        "The questionnaires for this appointment closed on Wednesday 1 April at 11:59, two hours "
        "after it started."
    ) in text(refused)
    assert not Response.objects.exists()


def test_cancelled_appointment_has_no_questionnaires(as_jo, jo_course):
    cancelled = AppointmentFactory(
        course=jo_course, starts_at=NOW + dt.timedelta(hours=5), status="cancelled_therapist"
    )

    response = as_jo.get(page_url(cancelled))

    assert "This appointment was cancelled or missed" in text(response)


def test_another_clients_appointment_is_not_found(as_jo, therapist):
    other = PortalClientFactory(practice=therapist.practice, therapist=therapist)
    theirs = AppointmentFactory(course=CourseFactory(client=other), starts_at=NOW)

    for url in (page_url(theirs), done_url(theirs)):
        assert as_jo.get(url).status_code == 404
        assert as_jo.post(url, form_data("draft", phq=(1,))).status_code == 404
    assert not Response.objects.exists()


def test_done_page_before_any_answer_goes_to_the_questionnaires(as_jo, tomorrow):
    response = as_jo.get(done_url(tomorrow))

    assert (response.status_code, response["Location"]) == (302, page_url(tomorrow))


# ---- What the therapist sees, at once -------------------------------------------------


def test_therapist_sees_the_flag_on_the_caseload_as_soon_as_the_client_submits(
    client, login, as_jo, jo, therapist, tomorrow
):
    as_jo.post(page_url(tomorrow), form_data("submit", phq=PHQ_WITH_RISK, gad=GAD_10))
    as_jo.post(reverse("portal:logout"))
    login(therapist)

    caseload = client.get(reverse("clinic:home"))

    flag = RiskFlag.objects.get()
    assert [f.pk for f in caseload.context["caseload"].flags] == [flag.pk]
    assert reverse("clinic:risk-flag", args=[flag.public_id]) in html(caseload)
    assert "1 risk answer needs acknowledging" in text(caseload)
    assert f"{jo.display_name} {jo.client_number}: PHQ-9 item 9" in text(caseload)
    detail = client.get(reverse("clinic:risk-flag", args=[flag.public_id]))
    assert detail.status_code == 200
    assert "Several days" in text(detail)


def test_therapist_sees_a_risk_answer_from_an_unsent_draft_at_once(
    client, login, as_jo, therapist, tomorrow
):
    as_jo.post(page_url(tomorrow), form_data("draft", phq=(None,) * 8 + (1,)))
    as_jo.post(reverse("portal:logout"))
    login(therapist)

    caseload = client.get(reverse("clinic:home"))
    flag = RiskFlag.objects.get()
    detail = client.get(reverse("clinic:risk-flag", args=[flag.public_id]))
    course = client.get(reverse("clinic:course-detail", args=[tomorrow.course.public_id]))

    assert [f.pk for f in caseload.context["caseload"].flags] == [flag.pk]
    assert detail.status_code == 200
    assert "2 Apr 2026 PHQ-9 item 9: Several days (1) flag open" in text(course)


def test_session_page_shows_the_scores_right_after_the_client_submits(
    client, login, jo, therapist, jo_course, frozen
):
    # Session 2 has started and is marked attended; the client answers in the waiting room.
    AppointmentFactory(
        course=jo_course,
        starts_at=NOW - dt.timedelta(days=7),
        status="attended",
        session_number=1,
    )
    session = AppointmentFactory(course=jo_course, starts_at=NOW - dt.timedelta(minutes=10))
    treatment.mark_attended(appointment=session, actor=therapist)
    client.force_login(jo.user)
    client.post(page_url(session), form_data("submit", phq=PHQ_WITH_RISK, gad=GAD_10))
    client.post(reverse("portal:logout"))
    login(therapist)

    page = client.get(reverse("clinic:appointment-detail", args=[session.public_id]))

    assert page.status_code == 200
    seen = text(page)
    assert "PHQ-9 4/27 · Minimal" in seen
    assert "GAD-7 10/21 · Moderate above caseness" in seen
    assert "Risk answer: Several days" in seen


def test_scores_sent_before_the_session_show_on_its_page_once_it_is_attended(
    client, login, as_jo, therapist, tomorrow, frozen
):
    as_jo.post(page_url(tomorrow), form_data("submit", phq=PHQ_MODERATE, gad=GAD_10))
    frozen.move_to(tomorrow.starts_at + dt.timedelta(minutes=1))
    treatment.mark_attended(appointment=tomorrow, actor=therapist)
    login(therapist)

    page = text(client.get(reverse("clinic:appointment-detail", args=[tomorrow.public_id])))

    assert "PHQ-9 11/27 · Moderate above caseness" in page
    assert "GAD-7 10/21 · Moderate above caseness" in page
