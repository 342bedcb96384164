"""The goodbye letter's lifecycle: start, save versions, share, discuss; each audited."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from patternwork.audit.models import AuditEvent
from patternwork.clients.models import Client
from patternwork.core.concurrency import StaleEdit
from patternwork.letters import drafting, services
from patternwork.letters.models import Letter, LetterVersion
from patternwork.reports import caseload as caseloads
from patternwork.treatment import services as treatment
from patternwork.treatment.models import Appointment
from tests.course_fixtures import ENDING_NOW, attend, ending_course

# The clock of the `frozen` fixture.
NOW = ENDING_NOW

pytestmark = pytest.mark.usefixtures("frozen")

WRITTEN = "Dear Jo, thank you for the work we did together.\n\nWith warm wishes."


@pytest.fixture
def letter(ending, therapist):
    return services.start_letter(course=ending, by=therapist)


def events(action):
    return list(AuditEvent.objects.filter(action=action))


def message(error: ValidationError) -> str:
    return " ".join(error.messages)


def test_start_creates_the_draft_from_the_course_as_version_one(ending, therapist):
    letter = services.start_letter(course=ending, by=therapist)

    version = LetterVersion.objects.get(letter=letter)
    assert (letter.state, letter.version, letter.author, letter.client) == (
        Letter.State.DRAFT,
        1,
        therapist,
        ending.client,
    )
    assert letter.ipaf_version == ending.ipaf_versions.get()
    assert (version.number, version.author, version.body) == (
        1,
        therapist,
        drafting.draft_letter(ending),
    )
    [event] = events("letter.start")
    assert (event.actor, event.actor_role, event.practice, event.object_id) == (
        therapist.user,
        "therapist",
        ending.practice,
        str(letter.public_id),
    )
    assert event.changes == {"state": [None, "draft"], "version": [None, 1], "body": "[changed]"}


def test_start_is_refused_before_the_ending_phase(therapist):
    ending = ending_course(therapist, attended=12)

    with pytest.raises(ValidationError) as refused:
        services.start_letter(course=ending, by=therapist)

    assert message(refused.value) == (
        "The goodbye letter is drafted in the ending phase, from session 13; "
        "12 of 16 sessions are attended so far."
    )
    assert not Letter.objects.exists()
    assert events("letter.start") == []


def test_start_follows_an_early_sharing_session(therapist):
    ending = ending_course(therapist, attended=8)
    ending.letter_share_session = 10
    ending.save(update_fields=["letter_share_session"])

    letter = services.start_letter(course=ending, by=therapist)

    assert services.first_drafting_session(ending) == 8
    assert letter.state == Letter.State.DRAFT


def test_start_is_allowed_after_an_ended_course_but_not_without_any_session(therapist):
    short = ending_course(therapist, attended=3, name="Kim Short", preferred="")
    short = treatment.end_course(course=short, reason="dropped_out", note="", actor=therapist)
    course_without = ending_course(
        therapist, attended=0, name="Lee None", preferred="", at=dt.time(14)
    )

    letter = services.start_letter(course=short, by=therapist)
    with pytest.raises(ValidationError) as refused:
        services.start_letter(course=course_without, by=therapist)

    assert letter.course == short
    assert message(refused.value) == services.NO_SESSIONS


def test_start_twice_keeps_the_first_letter(ending, therapist, letter):
    with pytest.raises(ValidationError) as refused:
        services.start_letter(course=ending, by=therapist)

    assert message(refused.value) == services.ALREADY_STARTED
    assert Letter.objects.get() == letter
    assert len(events("letter.start")) == 1


def test_closed_record_refuses_every_change(ending, therapist, letter):
    Client.objects.filter(pk=ending.client_id).update(status=Client.Status.CLOSED)

    with pytest.raises(ValidationError) as refused:
        services.save_letter(letter=letter, body=WRITTEN, expected_version=1, by=therapist)

    assert message(refused.value) == services.RECORD_CLOSED
    assert LetterVersion.objects.count() == 1


def test_save_adds_a_version_and_audits_it_without_the_text(letter, therapist):
    saved = services.save_letter(
        letter=letter,
        body="  " + WRITTEN.replace("\n", "\r\n") + "  \r\n",
        expected_version=1,
        by=therapist,
    )

    assert saved.version == 2
    assert list(LetterVersion.objects.values_list("number", "body")) == [
        (1, LetterVersion.objects.get(number=1).body),
        (2, WRITTEN),
    ]
    [event] = events("letter.save")
    assert event.changes == {"version": [1, 2], "body": "[changed]"}
    assert "Jo" not in str(event.changes)


def test_save_from_a_stale_version_is_a_conflict_and_writes_nothing(letter, therapist):
    services.save_letter(letter=letter, body=WRITTEN, expected_version=1, by=therapist)

    with pytest.raises(StaleEdit) as stale:
        services.save_letter(
            letter=letter, body="A colleague's text", expected_version=1, by=therapist
        )

    assert stale.value.current_version == 2
    assert LetterVersion.objects.count() == 2
    assert Letter.objects.get().version == 2
    assert len(events("letter.save")) == 1


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (" \r\n\t", {"body": [services.EMPTY]}),
        ("x" * (services.MAX_LENGTH + 1), {"body": [services.TOO_LONG]}),
    ],
)
def test_save_refuses_an_empty_or_overlong_letter(letter, therapist, body, error):
    with pytest.raises(ValidationError) as refused:
        services.save_letter(letter=letter, body=body, expected_version=1, by=therapist)

    assert refused.value.message_dict == error
    assert Letter.objects.get().version == 1


def test_saving_the_same_text_again_is_refused(letter, therapist):
    services.save_letter(letter=letter, body=WRITTEN, expected_version=1, by=therapist)

    with pytest.raises(ValidationError) as refused:
        services.save_letter(letter=letter, body=WRITTEN + "\n", expected_version=2, by=therapist)

    assert message(refused.value) == "Nothing changed since version 2."
    assert LetterVersion.objects.count() == 2


def test_share_is_refused_while_places_for_the_therapist_remain(letter, therapist):
    with pytest.raises(ValidationError) as refused:
        services.share_letter(letter=letter, expected_version=1, by=therapist)

    assert message(refused.value) == (
        "The letter still has 5 place(s) marked “[To complete: …]”. Write them, or delete "
        "them, before sharing the letter."
    )
    assert Letter.objects.get().state == Letter.State.DRAFT
    assert events("letter.share") == []


def test_share_records_who_and_when_and_the_version(letter, therapist, supervisor):
    services.save_letter(letter=letter, body=WRITTEN, expected_version=1, by=therapist)

    shared = services.share_letter(letter=letter, expected_version=2, by=supervisor)

    assert (shared.state, shared.shared_at) == (Letter.State.SHARED, NOW)
    [event] = events("letter.share")
    assert (event.actor, event.actor_role, event.occurred_at) == (
        supervisor.user,
        "supervisor",
        NOW,
    )
    assert event.changes == {
        "state": ["draft", "shared"],
        "version": 2,
        "shared_at": "2026-05-27T11:00:00+00:00",
    }


def test_share_of_a_version_not_read_is_a_conflict(letter, therapist):
    services.save_letter(letter=letter, body=WRITTEN, expected_version=1, by=therapist)

    with pytest.raises(StaleEdit):
        services.share_letter(letter=letter, expected_version=1, by=therapist)

    assert Letter.objects.get().state == Letter.State.DRAFT


def test_a_shared_letter_is_not_edited_or_shared_again(letter, therapist):
    services.save_letter(letter=letter, body=WRITTEN, expected_version=1, by=therapist)
    services.share_letter(letter=letter, expected_version=2, by=therapist)

    with pytest.raises(ValidationError) as edit:
        services.save_letter(letter=letter, body="Changed", expected_version=2, by=therapist)
    with pytest.raises(ValidationError) as again:
        services.share_letter(letter=letter, expected_version=2, by=therapist)

    assert message(edit.value) == services.SHARED_NOT_EDITED
    assert message(again.value) == services.ALREADY_SHARED
    assert LetterVersion.objects.count() == 2


def test_discussed_only_after_sharing_and_only_once(letter, therapist):
    with pytest.raises(ValidationError) as early:
        services.mark_discussed(letter=letter, by=therapist)
    services.save_letter(letter=letter, body=WRITTEN, expected_version=1, by=therapist)
    services.share_letter(letter=letter, expected_version=2, by=therapist)

    discussed = services.mark_discussed(letter=letter, by=therapist)
    with pytest.raises(ValidationError) as twice:
        services.mark_discussed(letter=letter, by=therapist)

    assert message(early.value) == services.NOT_SHARED
    assert message(twice.value) == services.ALREADY_DISCUSSED
    assert (discussed.state, discussed.discussed_at) == (Letter.State.DISCUSSED, NOW)
    [event] = events("letter.discuss")
    assert event.changes == {"state": ["shared", "discussed"]}


def milestone(ending, key):
    view = caseloads.course_overview(ending)
    found = next(m for m in view.milestones if m.key == key)
    return found.state.value, found.detail


def overdue_labels(therapist):
    [row] = caseloads.caseload(therapist).rows
    return [m.overdue_label for m in row.overdue if m.key.startswith("letter")]


def test_letter_milestones_move_from_overdue_to_done(therapist):
    ending = ending_course(therapist)
    assert milestone(ending, "letter_drafted") == ("due", "Draft before session 15.")
    with time_machine.travel(dt.datetime(2026, 6, 9, 11, 0, tzinfo=dt.UTC), tick=False):
        booked = ending.appointments.filter(status=Appointment.Status.BOOKED).order_by("starts_at")
        attend_next = list(booked)[:2]
        treatment.mark_attended(appointment=attend_next[0], actor=therapist)
        assert overdue_labels(therapist) == ["Goodbye letter not drafted"]
        assert milestone(ending, "letter_drafted") == (
            "overdue",
            "Not drafted; it is shared in session 15.",
        )

        letter = services.start_letter(course=ending, by=therapist)
        assert overdue_labels(therapist) == []
        assert milestone(ending, "letter_drafted") == ("done", "Drafted.")

        treatment.mark_attended(appointment=attend_next[1], actor=therapist)
        assert overdue_labels(therapist) == ["Goodbye letter not shared"]
        assert milestone(ending, "letter_shared") == ("overdue", "Not shared in session 15.")

        services.save_letter(letter=letter, body=WRITTEN, expected_version=1, by=therapist)
        services.share_letter(letter=letter, expected_version=2, by=therapist)
        assert overdue_labels(therapist) == []
        assert milestone(ending, "letter_shared") == ("done", "Shared.")


def test_downloads_are_audited_with_the_version(letter, ending, therapist, client):
    services.audit_letter_download(letter=letter, version=1, user=therapist.user, role="therapist")
    services.audit_summary_download(course=ending, by=therapist)

    [letter_event] = events("letter.download")
    [summary_event] = events("course_summary.download")
    assert (letter_event.object_id, letter_event.changes) == (str(letter.public_id), {"version": 1})
    assert (summary_event.object_type, summary_event.object_id) == (
        "treatment.course",
        str(ending.public_id),
    )


def test_attend_helper_keeps_the_course_numbering(therapist):
    ending = ending_course(therapist, attended=2, name="Pat Two", preferred="")

    assert attend(ending, therapist, 0) == []
    assert ending.appointments.filter(session_number__isnull=False).count() == 2
