import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from patternwork.audit.models import AuditEvent
from patternwork.supervision import selectors
from patternwork.supervision import services as supervision
from patternwork.supervision.models import Cosignature, Rubric, SessionRating
from patternwork.treatment import services as treatment
from tests.course_fixtures import attend, new_course
from tests.factories import ResponseFactory, TrackFlagFactory
from tests.supervision.helpers import full_scores

pytestmark = pytest.mark.usefixtures("frozen")

TODAY = dt.date(2026, 4, 1)
TODAY_AT = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


# Sessions and actions ----------------------------------------------------------------


def test_record_supervision_keeps_notes_encrypted_and_audits_without_them(
    supervisor, therapist, attended
):
    client = attended.course.client
    session = supervision.record_supervision(
        supervisor=supervisor,
        held_on=TODAY,
        supervisees=[therapist],
        clients=[client],
        notes="Jo's anger at the sister came up in the room.",
    )
    assert list(session.supervisees.all()) == [therapist]
    assert list(session.clients.all()) == [client]
    [event] = events("supervision.record")
    assert event.changes["clients"] == [str(client.public_id)]
    assert event.changes["notes"] == "[changed]"
    assert "sister" not in str(event.changes)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT notes FROM supervision_supervisionsession")
        [(stored,)] = cursor.fetchall()
    assert "sister" not in stored


def test_record_supervision_refuses_a_client_outside_the_supervisees_present(
    supervisor, therapist, outsider_course
):
    with pytest.raises(ValidationError, match="client of one of the supervisees"):
        supervision.record_supervision(
            supervisor=supervisor,
            held_on=TODAY,
            supervisees=[therapist],
            clients=[outsider_course.client],
        )
    assert events("supervision.record") == []


def test_discussing_a_client_not_on_track_links_their_open_flag_to_the_session(
    supervisor, therapist, attended
):
    course = attended.course
    flag = TrackFlagFactory(response=ResponseFactory(appointment=attended, total=18))
    closed = TrackFlagFactory(
        response=ResponseFactory(appointment=attended, instrument="GAD-7", total=15),
        acknowledged_at=TODAY_AT,
        acknowledged_by=therapist,
        note="Talked it through; the rise followed a bereavement.",
    )

    session = supervision.record_supervision(
        supervisor=supervisor, held_on=TODAY, supervisees=[therapist], clients=[course.client]
    )

    flag.refresh_from_db()
    closed.refresh_from_db()
    assert (flag.discussed_in, flag.discussed_at is not None) == (session.public_id, True)
    assert (flag.cleared_at, flag.acknowledged_at) == (None, None)  # still open
    assert closed.discussed_in is None
    assert len(events("track_flag.discussed")) == 1


def test_record_supervision_refuses_someone_elses_supervisee(supervisor, other_therapist):
    with pytest.raises(ValidationError, match="your own supervisees"):
        supervision.record_supervision(
            supervisor=supervisor, held_on=TODAY, supervisees=[other_therapist]
        )


def test_record_supervision_refuses_a_future_date(supervisor, therapist):
    with pytest.raises(ValidationError, match="on or after the day"):
        supervision.record_supervision(
            supervisor=supervisor, held_on=TODAY + dt.timedelta(days=1), supervisees=[therapist]
        )


def test_group_supervision_shows_each_supervisee_only_their_own_clients(
    supervisor, therapist, other_therapist, attended, outsider_course
):
    supervisor.supervisees.add(other_therapist)
    session = supervision.record_supervision(
        supervisor=supervisor,
        held_on=TODAY,
        supervisees=[therapist, other_therapist],
        clients=[attended.course.client, outsider_course.client],
    )
    assert selectors.clients_discussed(therapist, session) == [attended.course.client]
    assert selectors.clients_discussed(supervisor, session) == [
        attended.course.client,
        outsider_course.client,
    ]


@pytest.fixture
def session(supervisor, therapist, attended):
    return supervision.record_supervision(
        supervisor=supervisor,
        held_on=TODAY,
        supervisees=[therapist],
        clients=[attended.course.client],
    )


def test_actions_show_until_done_and_marking_done_is_audited(session, therapist, supervisor):
    action = supervision.add_action(
        session=session,
        owner=therapist,
        text="Bring the goodbye letter draft",
        due_on=TODAY + dt.timedelta(days=7),
        client=session.clients.get(),
        actor=supervisor,
    )
    assert list(selectors.open_actions_for(therapist)) == [action]
    assert events("supervision.action_add")[0].changes["text"] == "[changed]"
    supervision.complete_action(action=action, actor=therapist)
    assert list(selectors.open_actions_for(therapist)) == []
    [event] = events("supervision.action_done")
    assert (event.actor, event.object_id) == (therapist.user, str(action.public_id))
    with pytest.raises(ValidationError, match="already done"):
        supervision.complete_action(action=action, actor=therapist)


def test_only_the_owner_or_supervisor_marks_an_action_done(session, therapist, supervisor, admin):
    action = supervision.add_action(
        session=session, owner=therapist, text="Review risk plan", due_on=TODAY, actor=supervisor
    )
    with pytest.raises(ValidationError, match="owner or the supervisor"):
        supervision.complete_action(action=action, actor=admin)
    supervision.complete_action(action=action, actor=supervisor)
    assert events("supervision.action_done")[0].actor == supervisor.user


def test_an_action_belongs_to_someone_in_the_session(session, supervisor, other_therapist):
    with pytest.raises(ValidationError, match="supervisor or a supervisee"):
        supervision.add_action(
            session=session, owner=other_therapist, text="x", due_on=TODAY, actor=supervisor
        )


def test_only_the_sessions_supervisor_adds_actions(session, therapist):
    with pytest.raises(ValidationError, match="therapist's supervisor"):
        supervision.add_action(
            session=session, owner=therapist, text="x", due_on=TODAY, actor=therapist
        )


# Co-signing ------------------------------------------------------------------------


def test_a_note_signed_while_cosigning_is_required_waits_until_cosigned(
    cosigning, signed_note, supervisor, therapist
):
    assert list(selectors.notes_waiting_cosign(therapist)) == [signed_note]
    assert list(selectors.notes_waiting_cosign(supervisor)) == [signed_note]
    cosignature = supervision.cosign_note(note=signed_note, actor=supervisor)
    assert cosignature.supervisor == supervisor
    assert list(selectors.notes_waiting_cosign(supervisor)) == []
    [event] = events("note.cosign")
    assert (event.actor, event.object_id) == (supervisor.user, str(signed_note.public_id))


def test_notes_signed_before_cosigning_was_required_do_not_wait(
    signed_note, therapist, supervisor, frozen
):
    frozen.shift(60)
    supervision.set_cosign_required(therapist=therapist, required=True, actor=supervisor)
    assert list(selectors.notes_waiting_cosign(supervisor)) == []


def test_turning_cosigning_off_stops_the_wait(cosigning, signed_note, therapist, admin):
    supervision.set_cosign_required(therapist=therapist, required=False, actor=admin)
    assert list(selectors.notes_waiting_cosign(therapist)) == []
    assert [e.changes for e in events("supervision.cosign_setting")] == [
        {"required": [False, True]},
        {"required": [True, False]},
    ]


def test_only_the_therapists_supervisor_may_cosign(
    cosigning, signed_note, other_supervisor, admin, therapist
):
    for actor in (other_supervisor, admin):
        with pytest.raises(ValidationError, match="therapist's supervisor"):
            supervision.cosign_note(note=signed_note, actor=actor)
    with pytest.raises(ValidationError, match="not by its author"):
        supervision.cosign_note(note=signed_note, actor=therapist)
    assert not Cosignature.objects.exists()


def test_an_unsigned_note_is_not_cosigned(attended, therapist, supervisor):
    note = treatment.save_note(
        appointment=attended, answers={}, body="Draft", expected_version=None, actor=therapist
    )
    with pytest.raises(ValidationError, match="Only a signed note"):
        supervision.cosign_note(note=note, actor=supervisor)


def test_only_an_admin_or_the_supervisor_sets_cosigning(
    therapist, other_supervisor, other_therapist
):
    with pytest.raises(ValidationError, match="admin or the therapist's supervisor"):
        supervision.set_cosign_required(therapist=therapist, required=True, actor=other_supervisor)
    with pytest.raises(ValidationError, match="admin or the therapist's supervisor"):
        supervision.set_cosign_required(therapist=therapist, required=True, actor=other_therapist)


# The rubric and ratings ------------------------------------------------------------


def test_a_new_practice_gets_the_default_rubric_once(practice):
    supervision.ensure_default_rubric(practice)
    supervision.ensure_default_rubric(practice)
    form = Rubric.objects.get(practice=practice)
    assert (form.version, form.is_current, form.items.count()) == (1, True, 18)
    assert len(events("rubric.defaults")) == 1


def test_revising_the_rubric_makes_a_new_version_and_keeps_old_ratings(
    rubric_form, attended, supervisor, practice
):
    rating = supervision.rate_session(
        appointment=attended, scores=full_scores(rubric_form), actor=supervisor
    )
    items = [
        supervision.ItemValues(i.domain, i.text, i.phase_list) for i in rubric_form.items.all()
    ][:3]
    items.append(supervision.ItemValues("meta", "Uses supervision well.", ("middle", "ending")))
    revised = supervision.revise_rubric(
        practice=practice,
        expected_version=1,
        title="Our form",
        source="",
        items=items,
        actor=supervisor,
    )
    assert (revised.version, revised.items.count()) == (2, 4)
    assert list(Rubric.objects.filter(is_current=True)) == [revised]
    rating.refresh_from_db()
    assert rating.rubric == rubric_form
    assert events("rubric.revise")[0].changes["version"] == [1, 2]
    with pytest.raises(ValidationError, match="changed while you were editing"):
        supervision.revise_rubric(
            practice=practice,
            expected_version=1,
            title="",
            source="",
            items=items,
            actor=supervisor,
        )


def test_a_therapist_cannot_revise_the_rubric(rubric_form, therapist, practice):
    with pytest.raises(ValidationError):
        supervision.revise_rubric(
            practice=practice,
            expected_version=1,
            title="",
            source="",
            items=[supervision.ItemValues("meta", "x", ("initial",))],
            actor=therapist,
        )


def test_the_supervisor_rates_a_session_on_its_phase_items(rubric_form, attended, supervisor):
    scores = full_scores(rubric_form)
    rating = supervision.rate_session(
        appointment=attended, scores=scores, comment="Warm, focused start.", actor=supervisor
    )
    assert rating.phase == "initial"
    assert rating.items.count() == len(scores) == 14
    # Items of the middle and ending phases are not on an initial session's form.
    texts = {i.item.text for i in rating.items.select_related("item")}
    assert not any("goodbye letter" in text for text in texts)
    [event] = events("session.rate")
    assert event.changes["comment"] == "[changed]"
    assert selectors.domain_means_of(rating)["generic"] == 4.0


def test_a_rating_needs_every_item_of_the_phase(rubric_form, attended, supervisor):
    scores = full_scores(rubric_form)
    scores.popitem()
    with pytest.raises(ValidationError, match="every item"):
        supervision.rate_session(appointment=attended, scores=scores, actor=supervisor)


def test_competence_without_presence_is_refused(rubric_form, attended, supervisor):
    scores = full_scores(rubric_form, frequency=0, competence=2)
    with pytest.raises(ValidationError, match="only for an item that was present"):
        supervision.rate_session(appointment=attended, scores=scores, actor=supervisor)


def test_only_the_therapists_supervisor_rates(rubric_form, attended, other_supervisor, admin):
    for actor in (other_supervisor, admin):
        with pytest.raises(ValidationError, match="therapist's supervisor"):
            supervision.rate_session(
                appointment=attended, scores=full_scores(rubric_form), actor=actor
            )
    assert not SessionRating.objects.exists()


def test_a_session_is_rated_once(rubric_form, attended, supervisor):
    supervision.rate_session(
        appointment=attended, scores=full_scores(rubric_form), actor=supervisor
    )
    with pytest.raises(ValidationError, match="already rated"):
        supervision.rate_session(
            appointment=attended, scores=full_scores(rubric_form), actor=supervisor
        )


def test_a_booked_session_is_not_rated(rubric_form, attended, supervisor):
    booked = attended.course.appointments.filter(status="booked").first()
    with pytest.raises(ValidationError, match="attended treatment session"):
        supervision.rate_session(appointment=booked, scores={}, actor=supervisor)


def test_rating_coverage_counts_courses_per_phase(rubric_form, therapist, supervisor, attended):
    second = new_course(therapist, planned=8, name="Max Second", start=dt.date(2026, 3, 3))
    sessions = attend(second, therapist, 3)
    supervision.rate_session(
        appointment=attended, scores=full_scores(rubric_form), actor=supervisor
    )
    supervision.rate_session(
        appointment=sessions[2], scores=full_scores(rubric_form, "middle"), actor=supervisor
    )
    coverage = selectors.rating_coverage(supervisor)
    assert [(c.phase, c.courses, c.rated) for c in coverage] == [
        ("initial", 2, 1),
        ("middle", 1, 1),
        ("ending", 0, 0),
    ]


def test_the_therapist_sees_their_ratings_and_a_colleague_does_not(
    rubric_form, attended, supervisor, therapist, other_therapist
):
    supervision.rate_session(
        appointment=attended, scores=full_scores(rubric_form), actor=supervisor
    )
    assert len(selectors.ratings_of(therapist, therapist)) == 1
    assert selectors.ratings_of(other_therapist, therapist) == []
    chart = selectors.ratings_chart(selectors.ratings_of(therapist, therapist))
    assert [line.domain for line in chart.lines] == [
        "generic",
        "psychodynamic_basic",
        "psychodynamic_specific",
        "dit_phase",
        "meta",
    ]
