"""Supervision pages: who sees what, and what a POST changes. Another therapist's
(non-supervisee's) client is a 404 on every page about one object."""

import datetime as dt

import pytest
from django.urls import reverse

from patternwork.audit.models import AuditEvent
from patternwork.supervision import services as supervision
from patternwork.supervision.models import (
    Cosignature,
    CosignSetting,
    Rubric,
    SessionRating,
    SupervisionAction,
    SupervisionSession,
)
from tests.course_fixtures import attend, new_course
from tests.factories import MembershipFactory
from tests.supervision.helpers import full_scores

pytestmark = pytest.mark.usefixtures("frozen")

TODAY = dt.date(2026, 4, 1)


@pytest.fixture
def held(supervisor, therapist, attended):
    return supervision.record_supervision(
        supervisor=supervisor,
        held_on=TODAY,
        supervisees=[therapist],
        clients=[attended.course.client],
        notes="Explored the pull to rescue.",
    )


@pytest.fixture
def action(held, therapist, supervisor, attended):
    return supervision.add_action(
        session=held,
        owner=therapist,
        text="Bring a recording of session 2",
        due_on=TODAY + dt.timedelta(days=7),
        client=attended.course.client,
        actor=supervisor,
    )


# The supervisor's page ---------------------------------------------------------------


def test_supervisor_page_shows_each_supervisee_and_leaves_out_others(
    client, login, supervisor, therapist, attended, outsider_course, action, cosigning
):
    login(supervisor)
    response = client.get(reverse("clinic:supervision"))
    assert response.status_code == 200
    [summary] = response.context["summaries"]
    assert summary.therapist == therapist
    assert [row.course for row in summary.rows] == [attended.course]
    assert summary.last_supervision == TODAY
    assert summary.open_actions == [action]
    assert summary.cosign_required is True
    page = response.content.decode()
    assert "Jo Bloggs" in page
    assert "Pat Outsider" not in page


def test_supervisor_page_lists_courses_without_an_ipaf_at_the_end_of_the_initial_phase(
    client, login, supervisor, therapist
):
    course = new_course(therapist, planned=16, name="Ida Noipaf")
    attend(course, therapist, 4)
    login(supervisor)
    [summary] = client.get(reverse("clinic:supervision")).context["summaries"]
    assert [row.course for row in summary.no_ipaf] == [course]
    assert summary.no_letter == []


def test_supervisor_page_is_for_supervisors(client, login, therapist, admin):
    for member in (therapist, admin):
        login(member)
        assert client.get(reverse("clinic:supervision")).status_code == 403


def _supervisees(supervisor, count):
    for number in range(count):
        member = MembershipFactory(
            practice=supervisor.practice, role="therapist", user__full_name=f"Trainee {number:02}"
        )
        supervisor.supervisees.add(member)
        course = new_course(member, planned=16, name=f"Client {number:02}")
        attend(course, member, 1)


def test_supervisor_page_query_count_is_the_same_at_1_and_20_supervisees(
    client, login, practice, django_assert_num_queries
):
    from patternwork.accounts.models import Membership

    supervisor = MembershipFactory(practice=practice, role=Membership.Role.SUPERVISOR)
    _supervisees(supervisor, 1)
    login(supervisor)
    client.get(reverse("clinic:supervision"))
    # 11 for the page (the supervisor's scope read once a request, the reads of flags and
    # of scores recorded in one audit write; no appointments, which the page does not
    # show), 2 for the not-on-track clients read with the caseload, 1 for the
    # navigation's count of the referrals in the reader's scope.
    with django_assert_num_queries(14) as one:
        response = client.get(reverse("clinic:supervision"))
    assert len(response.context["summaries"]) == 1
    _supervisees(supervisor, 19)
    with django_assert_num_queries(len(one)):
        response = client.get(reverse("clinic:supervision"))
    assert len(response.context["summaries"]) == 20


# Supervision sessions and actions ----------------------------------------------------


def test_supervisor_records_a_session_with_clients_of_their_supervisees(
    client, login, supervisor, therapist, attended
):
    login(supervisor)
    response = client.post(
        reverse("clinic:supervision-session-new"),
        {
            "held_on": "2026-04-01",
            "supervisees": [str(therapist.public_id)],
            "clients": [str(attended.course.client.public_id)],
            "notes": "Talked about the first session.",
        },
    )
    session = SupervisionSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("clinic:supervision-session", args=[session.public_id])
    assert list(session.clients.all()) == [attended.course.client]


def test_another_therapists_client_cannot_be_linked_to_a_session(
    client, login, supervisor, therapist, outsider_course
):
    login(supervisor)
    response = client.post(
        reverse("clinic:supervision-session-new"),
        {
            "held_on": "2026-04-01",
            "supervisees": [str(therapist.public_id)],
            "clients": [str(outsider_course.client.public_id)],
        },
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not SupervisionSession.objects.exists()


def test_a_bad_date_is_a_400_not_a_crash(client, login, supervisor, therapist):
    login(supervisor)
    response = client.post(
        reverse("clinic:supervision-session-new"),
        {"held_on": "2026-13-45", "supervisees": [str(therapist.public_id)]},
    )
    assert response.status_code == 400
    response = client.post(
        reverse("clinic:supervision-session-new"),
        {"held_on": "2026-04-02", "supervisees": [str(therapist.public_id)]},
    )
    assert response.status_code == 400
    assert "on or after the day" in response.content.decode()


def test_the_supervisee_sees_the_session_without_the_notes(
    client, login, held, therapist, supervisor, action
):
    login(supervisor)
    page = client.get(reverse("clinic:supervision-session", args=[held.public_id]))
    assert "Explored the pull to rescue." in page.content.decode()
    login(therapist)
    page = client.get(reverse("clinic:supervision-session", args=[held.public_id]))
    assert page.status_code == 200
    assert "Explored the pull to rescue." not in page.content.decode()
    assert page.context["actions"] == [action]


def test_a_session_is_a_404_to_anyone_not_in_it(client, login, held, other_therapist):
    login(other_therapist)
    response = client.get(reverse("clinic:supervision-session", args=[held.public_id]))
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="access.denied").exists()


def test_supervisor_adds_an_action_and_the_therapist_sees_it_on_the_caseload(
    client, login, held, supervisor, therapist, attended
):
    login(supervisor)
    response = client.post(
        reverse("clinic:supervision-action-add", args=[held.public_id]),
        {
            "text": "Agree the IPAF by session 4",
            "owner": str(therapist.public_id),
            "due_on": "2026-04-20",
            "client": str(attended.course.client.public_id),
        },
    )
    assert response.status_code == 302
    login(therapist)
    caseload = client.get(reverse("clinic:home"))
    assert [a.text for a in caseload.context["open_actions"]] == ["Agree the IPAF by session 4"]
    assert "Agree the IPAF by session 4" in caseload.content.decode()


def test_an_action_about_a_colleagues_client_does_not_show_that_client_to_its_owner(
    client, login, supervisor, therapist, other_therapist, attended, outsider_course
):
    # Group supervision: the trainee's action is about the colleague's client.
    supervisor.supervisees.add(other_therapist)
    group = supervision.record_supervision(
        supervisor=supervisor,
        held_on=TODAY,
        supervisees=[therapist, other_therapist],
        clients=[attended.course.client, outsider_course.client],
    )
    supervision.add_action(
        session=group,
        owner=therapist,
        text="Share the ending plan with the group",
        due_on=TODAY,
        client=outsider_course.client,
        actor=supervisor,
    )
    login(therapist)
    pages = [
        reverse("clinic:home"),
        reverse("clinic:therapist-supervision", args=[therapist.public_id]),
        reverse("clinic:supervision-session", args=[group.public_id]),
    ]
    for url in pages:
        page = client.get(url).content.decode()
        assert "Share the ending plan with the group" in page
        assert "Pat Outsider" not in page

    login(supervisor)
    assert "Pat Outsider" in client.get(reverse("clinic:supervision")).content.decode()


def test_an_action_for_someone_outside_the_session_is_a_400(
    client, login, held, supervisor, other_therapist
):
    login(supervisor)
    response = client.post(
        reverse("clinic:supervision-action-add", args=[held.public_id]),
        {"text": "x", "owner": str(other_therapist.public_id), "due_on": "2026-04-20"},
    )
    assert response.status_code == 400
    assert not SupervisionAction.objects.exists()


def test_the_owner_marks_an_action_done_and_it_leaves_the_caseload(
    client, login, action, therapist
):
    login(therapist)
    response = client.post(reverse("clinic:supervision-action-done", args=[action.public_id]))
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.done_by == therapist
    assert AuditEvent.objects.filter(action="supervision.action_done").count() == 1
    assert client.get(reverse("clinic:home")).context["open_actions"] == []


def test_someone_elses_action_is_a_404(client, login, action, other_therapist):
    login(other_therapist)
    response = client.post(reverse("clinic:supervision-action-done", args=[action.public_id]))
    assert response.status_code == 404
    action.refresh_from_db()
    assert action.done_at is None


def test_caseload_query_count_with_actions_is_fixed(
    client, login, held, therapist, supervisor, django_assert_num_queries
):
    def add(n):
        for number in range(n):
            supervision.add_action(
                session=held, owner=therapist, text=f"Task {number}", due_on=TODAY, actor=supervisor
            )

    add(1)
    login(therapist)
    client.get(reverse("clinic:home"))
    # 11 with supervision's actions and co-signatures, 1 for the not-on-track clients.
    with django_assert_num_queries(12) as one:
        client.get(reverse("clinic:home"))
    add(10)
    with django_assert_num_queries(len(one)):
        response = client.get(reverse("clinic:home"))
    assert len(response.context["open_actions"]) == 11


# Co-signing --------------------------------------------------------------------------


def test_supervisor_turns_on_cosigning_for_a_supervisee(client, login, supervisor, therapist):
    login(supervisor)
    response = client.post(
        reverse("clinic:cosign-setting", args=[therapist.public_id]), {"required": "on"}
    )
    assert response.status_code == 302
    assert CosignSetting.objects.get(therapist=therapist).required is True


def test_cosigning_setting_of_a_non_supervisee_is_a_404(client, login, supervisor, other_therapist):
    login(supervisor)
    response = client.post(
        reverse("clinic:cosign-setting", args=[other_therapist.public_id]), {"required": "on"}
    )
    assert response.status_code == 404
    assert not CosignSetting.objects.exists()


def test_the_waiting_note_shows_on_the_caseload_and_the_supervisor_cosigns_it(
    client, login, cosigning, signed_note, supervisor, therapist, attended
):
    login(therapist)
    assert client.get(reverse("clinic:home")).context["waiting_cosign"] == [signed_note]
    login(supervisor)
    page = client.get(reverse("clinic:appointment-detail", args=[attended.public_id]))
    assert "Co-sign this note" in page.content.decode()
    response = client.post(reverse("clinic:note-cosign", args=[attended.public_id]))
    assert response.status_code == 302
    assert Cosignature.objects.get().supervisor == supervisor
    assert AuditEvent.objects.filter(action="note.cosign").count() == 1
    page = client.get(reverse("clinic:appointment-detail", args=[attended.public_id]))
    assert "Co-signed by Dr Cleo Supervisor" in page.content.decode()
    assert client.get(reverse("clinic:home")).context["waiting_cosign"] == []


def test_cosigning_another_therapists_note_is_a_404(client, login, supervisor, outsider_course):
    login(supervisor)
    appointment = outsider_course.appointments.filter(status="attended").get()
    response = client.post(reverse("clinic:note-cosign", args=[appointment.public_id]))
    assert response.status_code == 404


def test_another_supervisor_is_refused_cosigning(
    client, login, cosigning, signed_note, attended, practice, other_therapist
):
    from patternwork.accounts.models import Membership

    # A supervisor who may see the note (the client is also assigned in their scope) is
    # still not the therapist's supervisor unless they supervise them.
    member = MembershipFactory(practice=practice, role=Membership.Role.SUPERVISOR)
    member.supervisees.add(other_therapist)
    login(member)
    response = client.post(reverse("clinic:note-cosign", args=[attended.public_id]))
    assert response.status_code == 404
    assert not Cosignature.objects.exists()


# Ratings -----------------------------------------------------------------------------


def _rating_data(form, frequency="2", competence="4"):
    data = {"comment": "A clear start."}
    for item in supervision.items_for_phase(form, "initial"):
        data[f"frequency_{item.pk}"] = frequency
        data[f"competence_{item.pk}"] = competence
    return data


def test_supervisor_rates_a_session_and_the_therapist_reads_it(
    client, login, rubric_form, attended, supervisor, therapist
):
    login(supervisor)
    form_page = client.get(reverse("clinic:session-rating", args=[attended.public_id]))
    assert form_page.status_code == 200
    assert "not the official DIT scale" in form_page.content.decode()
    response = client.post(
        reverse("clinic:session-rating", args=[attended.public_id]), _rating_data(rubric_form)
    )
    assert response.status_code == 302
    rating = SessionRating.objects.get()
    assert (rating.phase, rating.items.count()) == ("initial", 14)
    login(therapist)
    page = client.get(reverse("clinic:session-rating", args=[attended.public_id]))
    assert page.context["rating"] == rating
    assert "A clear start." in page.content.decode()
    mine = client.get(reverse("clinic:therapist-supervision", args=[therapist.public_id]))
    assert [r for r, _means in mine.context["ratings"]] == [rating]
    assert "<svg" in mine.content.decode()
    assert "<td>Initial phase</td>" in mine.content.decode()


def test_a_rating_with_competence_for_an_absent_item_is_a_400(
    client, login, rubric_form, attended, supervisor
):
    login(supervisor)
    response = client.post(
        reverse("clinic:session-rating", args=[attended.public_id]),
        _rating_data(rubric_form, frequency="0", competence="3"),
    )
    assert response.status_code == 400
    assert "only for an item that was present" in response.content.decode()
    assert not SessionRating.objects.exists()


def test_a_bad_score_is_a_400(client, login, rubric_form, attended, supervisor):
    login(supervisor)
    response = client.post(
        reverse("clinic:session-rating", args=[attended.public_id]),
        _rating_data(rubric_form, frequency="9", competence="x"),
    )
    assert response.status_code == 400


def test_rating_another_therapists_session_is_a_404(
    client, login, rubric_form, supervisor, outsider_course
):
    login(supervisor)
    appointment = outsider_course.appointments.filter(status="attended").get()
    url = reverse("clinic:session-rating", args=[appointment.public_id])
    assert client.get(url).status_code == 404
    assert client.post(url, {}).status_code == 404


def test_the_therapist_cannot_rate_their_own_session(
    client, login, rubric_form, attended, therapist
):
    login(therapist)
    response = client.post(
        reverse("clinic:session-rating", args=[attended.public_id]), _rating_data(rubric_form)
    )
    assert response.status_code == 200
    assert "has not been rated" in response.content.decode()
    assert not SessionRating.objects.exists()


def test_a_colleagues_supervision_page_is_a_404(client, login, therapist, other_therapist):
    login(other_therapist)
    url = reverse("clinic:therapist-supervision", args=[therapist.public_id])
    assert client.get(url).status_code == 404


def test_therapist_page_query_count_is_fixed(
    client, login, rubric_form, therapist, supervisor, django_assert_num_queries
):
    def rate(count, start):
        course = new_course(therapist, planned=16, name=f"Rated {start}", start=start)
        for appointment in attend(course, therapist, count):
            supervision.rate_session(
                appointment=appointment, scores=full_scores(rubric_form), actor=supervisor
            )

    rate(1, dt.date(2026, 3, 3))
    login(therapist)
    url = reverse("clinic:therapist-supervision", args=[therapist.public_id])
    client.get(url)
    with django_assert_num_queries(13) as one:
        client.get(url)
    rate(3, dt.date(2026, 3, 4))
    with django_assert_num_queries(len(one)):
        response = client.get(url)
    assert len(response.context["ratings"]) == 4


def test_report_shows_rating_coverage_to_supervisors(
    client, login, rubric_form, attended, supervisor
):
    supervision.rate_session(
        appointment=attended, scores=full_scores(rubric_form), actor=supervisor
    )
    login(supervisor)
    response = client.get(reverse("clinic:service-report"))
    initial = response.context["rating_coverage"][0]
    assert (initial.phase, initial.courses, initial.rated) == ("initial", 1, 1)
    assert "DIT session rating coverage" in response.content.decode()


# The rating form ---------------------------------------------------------------------


def test_supervisor_edits_the_rating_form_into_a_new_version(
    client, login, rubric_form, supervisor
):
    login(supervisor)
    page = client.get(reverse("clinic:rubric"))
    items = page.context["items"]
    data = {
        "version": "1",
        "title": "Our DIT rating form",
        "source": "Our own items.",
        "items-TOTAL_FORMS": str(len(items.forms)),
        "items-INITIAL_FORMS": str(items.initial_form_count()),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "100",
    }
    for index, item_form in enumerate(items.forms):
        initial = item_form.initial
        if not initial:
            continue
        data[f"items-{index}-domain"] = initial["domain"]
        data[f"items-{index}-text"] = initial["text"]
        data[f"items-{index}-phases"] = initial["phases"]
    data["items-0-DELETE"] = "on"
    response = client.post(reverse("clinic:rubric"), data)
    assert response.status_code == 302
    current = Rubric.objects.get(is_current=True)
    assert (current.version, current.title, current.items.count()) == (
        2,
        "Our DIT rating form",
        17,
    )


def test_the_rating_form_is_not_for_therapists(client, login, rubric_form, therapist):
    login(therapist)
    assert client.get(reverse("clinic:rubric")).status_code == 403


def test_an_admin_sets_cosigning_from_the_staff_page(client, login, admin, therapist):
    login(admin)
    page = client.get(reverse("clinic:staff-detail", args=[therapist.public_id]))
    assert "Require co-signing" in page.content.decode()
    response = client.post(
        reverse("clinic:cosign-setting", args=[therapist.public_id]), {"required": "on"}
    )
    assert response["Location"] == reverse("clinic:staff-detail", args=[therapist.public_id])
    assert CosignSetting.objects.get(therapist=therapist).required is True


def test_another_practices_admin_gets_a_404_for_the_setting(
    client, login, foreign_admin, therapist
):
    login(foreign_admin)
    response = client.post(
        reverse("clinic:cosign-setting", args=[therapist.public_id]), {"required": "on"}
    )
    assert response.status_code == 404
    assert not CosignSetting.objects.exists()
