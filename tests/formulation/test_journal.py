"""The reflection journal: prompts (pure), services and selectors."""

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404

from patternwork.accounts.access import Reader, fetch
from patternwork.audit.models import AuditEvent
from patternwork.core.concurrency import StaleEdit
from patternwork.formulation import journal
from patternwork.formulation import journal_selectors as selectors
from patternwork.formulation import journal_services as services
from patternwork.formulation import services as formulation_services
from patternwork.formulation.models import Episode, JournalEntry
from patternwork.treatment import services as treatment
from tests.factories import (
    ClientFactory,
    CourseFactory,
    IpafVersionFactory,
    JournalEntryFactory,
    PersonFactory,
    UserFactory,
)

TODAY = dt.date(2026, 4, 1)  # the frozen "now" of tests.course_fixtures
AGREED = journal.AgreedPattern(
    other_representation="People who lose interest in me",
    linking_affects="Anxiety, then shame",
)
FIVE = [
    ("moment", "A moment this week with someone that stayed with you"),
    ("wanted", "What did you want from them?"),
    ("their_response", "How did they respond?"),
    ("your_response", "How did you feel, and what did you do?"),
    ("reminded", "Did it remind you of anything?"),
]


# Prompts (pure)


def test_prompts_are_the_five_from_the_issue_with_stable_keys():
    assert [(p.key, p.label) for p in journal.prompts_for(None)] == FIVE


def test_ipaf_prompt_comes_last_once_agreed_with_a_plain_reminder():
    prompts = journal.prompts_for(AGREED)

    assert [p.key for p in prompts] == [key for key, _ in FIVE] + ["pattern"]
    assert (prompts[-1].label, prompts[-1].help) == (
        "Did the pattern we named show up this week?",
        "The pattern you agreed with your therapist: seeing the other person as "
        "“People who lose interest in me”, and feeling “Anxiety, then shame”.",
    )


def test_ipaf_reminder_keeps_long_formulations_short():
    agreed = journal.AgreedPattern(
        other_representation=(
            "Others who, however warm they seem at first, sooner or later turn away, "
            "lose interest and leave without saying why."
        ),
        linking_affects="Shame.",
    )

    assert journal.ipaf_prompt(agreed).help == (
        "The pattern you agreed with your therapist: seeing the other person as "
        "“Others who, however warm they seem at first, sooner or later turn…”, "
        "and feeling “Shame”."
    )


def test_prompts_are_translated_through_the_given_function():
    french = {
        "A moment this week with someone that stayed with you": "Un moment de la semaine",
        journal.IPAF_REMINDER: "Le schéma convenu : « {other} », « {feelings} ».",
    }

    prompts = journal.prompts_for(AGREED, translate=lambda text: french.get(text, text))

    assert prompts[0].label == "Un moment de la semaine"
    assert prompts[-1].help == (
        "Le schéma convenu : « People who lose interest in me », « Anxiety, then shame »."
    )


@pytest.mark.parametrize(
    ("answers", "agreed", "kept"),
    [
        ({"wanted": "  to be heard  ", "moment": ""}, None, {"wanted": "to be heard"}),
        ({"pattern": "Yes, at work", "unknown": "x"}, None, {}),
        (
            {"pattern": "Yes, at work", "reminded": "Dad"},
            AGREED,
            {"reminded": "Dad", "pattern": "Yes, at work"},
        ),
    ],
)
def test_clean_answers_keeps_only_offered_non_empty_answers(answers, agreed, kept):
    cleaned = journal.clean_answers(answers, journal.prompts_for(agreed))

    assert (cleaned, list(cleaned)) == (kept, list(kept))


def test_entry_text_labels_each_answer_then_the_free_text():
    text = journal.entry_text(
        {"your_response": "Hurt. I went quiet.", "moment": "Sam cancelled dinner."},
        "  I keep thinking about it.  ",
    )

    assert text == (
        "A moment this week with someone that stayed with you\nSam cancelled dinner.\n\n"
        "How did you feel, and what did you do?\nHurt. I went quiet.\n\n"
        "In your own words\nI keep thinking about it."
    )


# Services


def raw(column, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM formulation_journalentry WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


@pytest.fixture
def person_client(course):
    user = UserFactory(full_name="Jo Bloggs")
    client = course.client
    client.user = user
    client.save(update_fields=["user"])
    return client


def write(course, **overrides):
    values = {
        "client": course.client,
        "course": course,
        "written_on": TODAY,
        "answers": {"moment": "Sam cancelled dinner.", "wanted": "To matter to Sam."},
        "body": "JOURNAL-CANARY body text",
        "user": course.client.user,
    } | overrides
    return services.write_entry(**values)


def audit_text() -> str:
    return json.dumps(list(AuditEvent.objects.values("action", "changes", "object_id")))


def test_write_entry_is_private_encrypted_and_audited_without_text(course, person_client):
    entry = write(course, answers={"moment": "JOURNAL-CANARY answer"})

    entry.refresh_from_db()
    event = AuditEvent.objects.get()
    assert (entry.is_shared, entry.version, entry.written_on) == (False, 1, TODAY)
    assert selectors.answers_of(entry) == {"moment": "JOURNAL-CANARY answer"}
    assert "CANARY" not in raw("prompts", entry.pk)
    assert "CANARY" not in raw("body", entry.pk)
    assert (event.action, event.actor, event.actor_role, event.practice) == (
        "journal.write",
        person_client.user,
        "client",
        course.practice,
    )
    assert event.changes == {
        "written_on": [None, "2026-04-01"],
        "text": "[changed]",
        "version": [None, 1],
    }
    assert "CANARY" not in audit_text()


def test_ipaf_answer_is_kept_only_once_an_ipaf_is_agreed(course, person_client):
    before = write(course, answers={"pattern": "Yes", "moment": "At work"})
    IpafVersionFactory(course=course, agreed_on=TODAY)
    after = write(course, answers={"pattern": "Yes", "moment": "At work"})

    assert selectors.answers_of(before) == {"moment": "At work"}
    assert selectors.answers_of(after) == {"moment": "At work", "pattern": "Yes"}


def test_an_unagreed_ipaf_adds_no_prompt(course):
    IpafVersionFactory(course=course)

    assert selectors.agreed_pattern(course) is None


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"answers": {"moment": "  "}, "body": " "}, services.EMPTY_ENTRY),
        ({"written_on": dt.date(2026, 4, 2)}, services.WRITTEN_IN_FUTURE),
        ({"answers": {"moment": "x" * 5001}}, "Keep each answer under 5000 characters."),
    ],
)
def test_write_entry_refuses_bad_input_and_stores_nothing(
    course, person_client, overrides, message
):
    with pytest.raises(ValidationError) as refused:
        write(course, **overrides)

    assert refused.value.messages == [str(message)]
    assert (JournalEntry.objects.count(), AuditEvent.objects.count()) == (0, 0)


def test_write_entry_refuses_an_ended_course_or_another_clients_course(
    course, person_client, therapist
):
    ended = CourseFactory(
        client=ClientFactory(practice=course.practice, therapist=therapist),
        state="ended",
        end_reason="completed",
    )
    with pytest.raises(ValidationError) as closed:
        write(ended, client=ended.client)
    with pytest.raises(ValidationError) as theirs:
        write(ended, client=person_client)

    assert closed.value.messages == [str(services.NO_OPEN_COURSE)]
    assert theirs.value.messages == [str(services.NOT_YOUR_COURSE)]
    assert JournalEntry.objects.count() == 0


def test_update_entry_saves_a_new_version_audited_without_text(course, person_client):
    entry = write(course)

    updated = services.update_entry(
        entry=entry,
        written_on=dt.date(2026, 3, 31),
        answers={"moment": "Sam cancelled again. UPDATE-CANARY"},
        body="",
        expected_version=1,
        user=person_client.user,
    )

    event = AuditEvent.objects.get(action="journal.update")
    assert (updated.version, updated.body, updated.written_on) == (2, "", dt.date(2026, 3, 31))
    assert selectors.answers_of(updated) == {"moment": "Sam cancelled again. UPDATE-CANARY"}
    assert event.changes == {
        "written_on": ["2026-04-01", "2026-03-31"],
        "text": "[changed]",
        "version": [1, 2],
    }
    assert "CANARY" not in audit_text()


def test_update_entry_refuses_a_stale_version_and_keeps_the_stored_text(course, person_client):
    entry = write(course)
    services.update_entry(
        entry=entry,
        written_on=TODAY,
        answers={"moment": "From the phone"},
        body="",
        expected_version=1,
        user=person_client.user,
    )

    with pytest.raises(StaleEdit) as stale:
        services.update_entry(
            entry=entry,
            written_on=TODAY,
            answers={"moment": "From the laptop"},
            body="",
            expected_version=1,
            user=person_client.user,
        )

    entry.refresh_from_db()
    assert stale.value.current_version == 2
    assert selectors.answers_of(entry) == {"moment": "From the phone"}
    assert AuditEvent.objects.filter(action="journal.update").count() == 1


def test_update_without_a_change_writes_nothing(course, person_client):
    entry = write(course)

    same = services.update_entry(
        entry=entry,
        written_on=TODAY,
        answers={"wanted": "To matter to Sam.", "moment": "Sam cancelled dinner."},
        body="JOURNAL-CANARY body text",
        expected_version=1,
        user=person_client.user,
    )

    assert same.version == 1
    assert AuditEvent.objects.filter(action="journal.update").count() == 0


def test_share_and_unshare_are_audited_once_each(course, person_client, frozen):
    entry = write(course)

    shared = services.share_entry(entry=entry, user=person_client.user)
    again = services.share_entry(entry=entry, user=person_client.user)
    private = services.unshare_entry(entry=entry, user=person_client.user)

    assert (shared.shared_at.isoformat(), again.is_shared, private.is_shared) == (
        "2026-04-01T11:00:00+00:00",
        True,
        False,
    )
    assert list(AuditEvent.objects.order_by("id").values_list("action", "changes")) == [
        (
            "journal.write",
            {"written_on": [None, "2026-04-01"], "text": "[changed]", "version": [None, 1]},
        ),
        ("journal.share", {"shared": [False, True]}),
        ("journal.unshare", {"shared": [True, False]}),
    ]


def test_sharing_after_the_course_ended_is_refused(course, person_client, therapist):
    entry = write(course)
    treatment.end_course(course=course, reason="dropped_out", note="", actor=therapist)

    with pytest.raises(ValidationError) as refused:
        services.share_entry(entry=entry, user=person_client.user)

    entry.refresh_from_db()
    assert refused.value.messages == [str(services.SHARE_AFTER_END)]
    assert entry.is_shared is False


# Episodes from entries


@pytest.fixture
def shared(active, person_client):
    entry = write(
        active,
        answers={
            "moment": "Sam cancelled dinner at the last minute.",
            "wanted": "To matter to Sam.",
            "their_response": "A short text: something came up.",
            "your_response": "Hurt; I said it was fine.",
        },
        body="It felt like school again.",
    )
    return services.share_entry(entry=entry, user=person_client.user)


def make(entry, by, person=None, **extra):
    return services.episode_from_entry(
        entry=entry, person=person, with_therapist=person is None, by=by, **extra
    )


def test_episode_from_entry_carries_its_text_and_links_back(shared, sam, therapist):
    before = AuditEvent.objects.count()

    episode = make(shared, therapist, sam)

    event = AuditEvent.objects.get(action="journal.episode")
    assert episode.journal_entry == shared
    assert JournalEntry.objects.get(pk=shared.pk).episode == episode
    assert (episode.person, episode.with_therapist, episode.when, episode.phase) == (
        sam,
        False,
        "current",
        "middle",
    )
    assert (episode.wish_text, episode.ro_text, episode.rs_text) == (
        "To matter to Sam.",
        "A short text: something came up.",
        "Hurt; I said it was fine.",
    )
    assert episode.account == (
        "A moment this week with someone that stayed with you\n"
        "Sam cancelled dinner at the last minute.\n\n"
        "What did you want from them?\nTo matter to Sam.\n\n"
        "How did they respond?\nA short text: something came up.\n\n"
        "How did you feel, and what did you do?\nHurt; I said it was fine.\n\n"
        "In your own words\nIt felt like school again."
    )
    assert AuditEvent.objects.count() == before + 1
    assert (event.actor, event.object_id, event.changes) == (
        therapist.user,
        str(episode.public_id),
        {"journal_entry": str(shared.public_id), "account": "[changed]"},
    )


def test_episode_with_the_therapist_in_the_session(shared, therapist):
    episode = make(shared, therapist, when="in_session")

    assert (episode.person, episode.with_therapist, episode.when) == (None, True, "in_session")


def test_a_second_episode_from_the_same_entry_is_refused(shared, sam, therapist):
    make(shared, therapist, sam)

    with pytest.raises(ValidationError) as refused:
        make(shared, therapist, sam)

    assert refused.value.messages == [str(services.ALREADY_AN_EPISODE)]
    assert Episode.objects.count() == 1


def test_an_episode_needs_its_other_and_a_known_time(shared, therapist, other_therapist):
    stranger = PersonFactory(client=ClientFactory(practice=shared.practice))

    with pytest.raises(ValidationError) as nobody:
        services.episode_from_entry(entry=shared, person=None, with_therapist=False, by=therapist)
    with pytest.raises(ValidationError) as not_theirs:
        make(shared, therapist, stranger)
    with pytest.raises(ValidationError) as when:
        make(shared, therapist, when="someday")

    assert nobody.value.message_dict == {"person": [formulation_services.NO_OTHER]}
    assert not_theirs.value.message_dict == {
        "person": [formulation_services.PERSON_OF_ANOTHER_CLIENT]
    }
    assert when.value.message_dict == {"when": [str(services.WHEN_NOT_ALLOWED)]}
    assert (
        Episode.objects.count(),
        AuditEvent.objects.filter(action="journal.episode").count(),
    ) == (0, 0)


def test_a_private_entry_never_becomes_an_episode(active, person_client, therapist):
    entry = write(active)

    with pytest.raises(ValidationError) as refused:
        make(entry, therapist)

    assert refused.value.messages == [str(services.NOT_SHARED)]


def test_no_episode_once_the_course_has_ended(shared, therapist):
    treatment.end_course(course=shared.course, reason="completed", note="", actor=therapist)
    shared.refresh_from_db()

    with pytest.raises(ValidationError) as refused:
        make(shared, therapist)

    assert refused.value.messages == [formulation_services.COURSE_ENDED]


def test_an_entry_made_into_an_episode_stays_shared_and_unchanged(
    shared, sam, therapist, person_client
):
    make(shared, therapist, sam)

    with pytest.raises(ValidationError) as unshare:
        services.unshare_entry(entry=shared, user=person_client.user)
    with pytest.raises(ValidationError) as edit:
        services.update_entry(
            entry=shared,
            written_on=TODAY,
            answers={"moment": "Changed my mind"},
            body="",
            expected_version=1,
            user=person_client.user,
        )

    shared.refresh_from_db()
    assert unshare.value.messages == edit.value.messages == [str(services.ENTRY_IN_RECORD)]
    assert (shared.is_shared, selectors.answers_of(shared)["moment"]) == (
        True,
        "Sam cancelled dinner at the last minute.",
    )


# Selectors


def test_a_client_reads_only_their_own_entries(course, person_client):
    mine = write(course)
    theirs = JournalEntryFactory()

    assert list(selectors.entries_of_client(person_client)) == [mine]
    with pytest.raises(Http404):
        fetch(
            Reader(user=person_client.user, client=person_client),
            selectors.entries_of_client(person_client),
            theirs.public_id,
        )
    denied = AuditEvent.objects.get(action="access.denied")
    assert (denied.actor, denied.object_id, denied.outcome) == (
        person_client.user,
        str(theirs.public_id),
        "denied",
    )


def test_client_entries_are_newest_first_and_know_their_episode(shared, sam, therapist):
    older = JournalEntryFactory(course=shared.course, written_on=dt.date(2026, 3, 1))
    make(shared, therapist, sam)

    rows = [(e.written_on, e.has_episode) for e in selectors.entries_of_client(shared.client)]

    assert rows == [(TODAY, True), (older.written_on, False)]


@pytest.mark.parametrize(
    ("who", "found"),
    [("therapist", True), ("supervisor", True), ("other_therapist", False), ("admin", False)],
)
def test_staff_read_a_shared_entry_only_within_the_clinical_scope(request, shared, who, found):
    member = request.getfixturevalue(who)

    def read():
        return fetch(
            Reader(user=member.user, membership=member),
            selectors.shared_entry_rows(),
            shared.public_id,
        )

    if found:
        assert read() == shared
    else:
        with pytest.raises(Http404):
            read()


def test_admin_reads_shared_entries_where_the_practice_allows_it(shared, admin):
    admin.practice.admins_read_clinical = True
    admin.practice.save(update_fields=["admins_read_clinical"])

    reader = Reader(user=admin.user, membership=admin)
    assert fetch(reader, selectors.shared_entry_rows(), shared.public_id) == shared


def test_a_private_entry_is_not_found_for_its_own_therapist(course, person_client, therapist):
    entry = write(course)

    with pytest.raises(Http404):
        fetch(
            Reader(user=therapist.user, membership=therapist),
            selectors.shared_entry_rows(),
            entry.public_id,
        )
    assert selectors.course_journal(therapist, course).entries == []


def test_course_journal_shows_the_latest_shared_entries_in_one_query(
    course, therapist, django_assert_num_queries
):
    for day in range(1, 8):
        JournalEntryFactory(
            course=course,
            written_on=dt.date(2026, 3, day),
            shared_at=dt.datetime(2026, 3, day, tzinfo=dt.UTC),
        )
    JournalEntryFactory(course=course, written_on=dt.date(2026, 3, 20))

    with django_assert_num_queries(1):
        view = selectors.course_journal(therapist, course)

    assert [e.written_on.day for e in view.entries] == [7, 6, 5, 4, 3]
    assert view.more is True


def test_course_journal_is_none_outside_the_clinical_scope(course, admin, other_therapist):
    assert selectors.course_journal(admin, course) is None
    assert selectors.course_journal(other_therapist, course) is None
