"""The client's reflection journal in the portal."""

import datetime as dt
import json

import pytest
from django.urls import reverse

from patternwork.audit.models import AuditEvent
from patternwork.formulation import journal_selectors as selectors
from patternwork.formulation import journal_services as services
from patternwork.formulation.models import JournalEntry
from patternwork.treatment import services as treatment
from tests.course_fixtures import weekly
from tests.factories import (
    ClientFactory,
    CourseFactory,
    IpafVersionFactory,
    JournalEntryFactory,
    PersonFactory,
    UserFactory,
)

TODAY = dt.date(2026, 4, 1)  # the frozen "now" of tests.course_fixtures


@pytest.fixture
def jo(course):
    """The course's client, with a portal login."""
    record = course.client
    record.user = UserFactory(full_name="Jo Bloggs", email="jo@example.test")
    record.save(update_fields=["user"])
    return record


@pytest.fixture
def browser(client, jo):
    client.force_login(jo.user)
    return client


@pytest.fixture
def someone_else(practice, other_therapist):
    """Another client of the practice, with their own private and shared entries."""
    record = ClientFactory(practice=practice, therapist=other_therapist, full_name="Kim Other")
    record.user = UserFactory(full_name="Kim Other")
    record.save(update_fields=["user"])
    course = CourseFactory(client=record)
    return JournalEntryFactory(course=course, body="KIM-PRIVATE", shared_at=None)


def url(name, entry=None):
    return reverse(name, args=[entry.public_id] if entry else [])


def form_data(**overrides):
    data = {
        "written_on": "2026-04-01",
        "prompt_moment": "Sam cancelled dinner at the last minute.",
        "prompt_wanted": "To matter to Sam.",
        "prompt_their_response": "",
        "prompt_your_response": "Hurt. I said it was fine.",
        "prompt_reminded": "",
        "body": "It felt like school again.",
    }
    data.update(overrides)
    return data


def page_text(response) -> str:
    return response.content.decode()


def test_new_entry_page_offers_the_five_prompts_and_says_who_reads_it(browser, course):
    response = browser.get(url("portal:journal-new"))

    page = page_text(response)
    assert response.status_code == 200
    assert list(response.context["form"].fields) == [
        "written_on",
        "prompt_moment",
        "prompt_wanted",
        "prompt_their_response",
        "prompt_your_response",
        "prompt_reminded",
        "body",
        "version",
    ]
    assert "How did you feel, and what did you do?" in page
    assert "Did the pattern we named show up this week?" not in page
    assert "Your entries are private: only you can read them." in page
    assert "at or before your next session" in page
    assert "not read around the clock" in page
    assert "If you need help now, do not wait for your next session" in page
    # The practice's crisis information is in the footer of every portal page.
    assert "Samaritans" in page
    assert response.context["form"]["written_on"].value() == TODAY


def test_ipaf_prompt_appears_once_the_ipaf_is_agreed(browser, course):
    IpafVersionFactory(course=course, other_representation="People who lose interest")
    before = browser.get(url("portal:journal-new"))
    IpafVersionFactory(
        course=course,
        other_representation="People who drift away",
        linking_affects="Loneliness",
        agreed_on=dt.date(2026, 3, 25),
    )

    after = browser.get(url("portal:journal-new"))

    assert "prompt_pattern" not in before.context["form"].fields
    assert list(after.context["form"].fields)[-3:] == ["prompt_pattern", "body", "version"]
    assert "Did the pattern we named show up this week?" in page_text(after)
    assert (
        "seeing the other person as “People who drift away”, and feeling “Loneliness”."
        in page_text(after).replace("&ldquo;", "“").replace("&rdquo;", "”")
    )


def test_writing_an_entry_keeps_it_private_and_audits_once(browser, jo):
    response = browser.post(url("portal:journal-new"), form_data())

    entry = JournalEntry.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("portal:journal-entry", entry)
    assert (entry.client, entry.is_shared, entry.body) == (jo, False, "It felt like school again.")
    assert selectors.answers_of(entry) == {
        "moment": "Sam cancelled dinner at the last minute.",
        "wanted": "To matter to Sam.",
        "your_response": "Hurt. I said it was fine.",
    }
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["journal.write"]
    assert "Sam" not in json.dumps(AuditEvent.objects.get().changes)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {
                "prompt_moment": "",
                "prompt_wanted": "",
                "prompt_your_response": " ",
                "body": "",
            },
            None,
            str(services.EMPTY_ENTRY),
        ),
        ({"written_on": "2026-04-02"}, "written_on", str(services.WRITTEN_IN_FUTURE)),
        ({"written_on": "31/02/2026"}, "written_on", "Enter a real date."),
        ({"prompt_wanted": "x" * 5001}, "prompt_wanted", None),
    ],
)
def test_bad_input_is_refused_and_what_was_written_is_kept(browser, overrides, field, message):
    response = browser.post(url("portal:journal-new"), form_data(**overrides))

    form = response.context["form"]
    assert response.status_code == 400
    assert JournalEntry.objects.count() == 0
    if message:
        assert form.errors[field or "__all__"] == [message]
    else:
        assert list(form.errors) == [field]
    assert form["body"].value() == form_data(**overrides)["body"]
    assert "Please check your entry" in page_text(response)


def test_journal_lists_own_entries_newest_first_marked_private_or_shared(
    browser, jo, course, someone_else
):
    JournalEntryFactory(course=course, written_on=dt.date(2026, 3, 20), prompts="{}", body="OLDER")
    JournalEntryFactory(
        course=course,
        written_on=dt.date(2026, 3, 28),
        prompts='{"wanted": "NEWER answer"}',
        shared_at=dt.datetime(2026, 3, 28, 18, 0, tzinfo=dt.UTC),
    )

    response = browser.get(url("portal:journal"))

    rows = [(entry.written_on, entry.is_shared, text) for entry, text in response.context["rows"]]
    page = page_text(response)
    assert rows == [
        (dt.date(2026, 3, 28), True, "NEWER answer"),
        (dt.date(2026, 3, 20), False, "OLDER"),
    ]
    assert page.count("Shared with your therapist") == 1
    assert page.count(">Private<") == 1
    assert "KIM-PRIVATE" not in page
    assert "2 entries, newest first" in page


def test_journal_list_query_count_does_not_grow(browser, course, django_assert_num_queries):
    JournalEntryFactory(course=course)
    browser.get(url("portal:journal"))
    with django_assert_num_queries(11) as one:
        browser.get(url("portal:journal"))
    for day in (2, 3):
        JournalEntryFactory(course=course, written_on=dt.date(2026, 3, day))

    with django_assert_num_queries(len(one)):
        response = browser.get(url("portal:journal"))

    assert len(response.context["rows"]) == 3


def test_another_clients_entry_is_not_found_and_the_refusal_audited(browser, jo, someone_else):
    read = browser.get(url("portal:journal-entry", someone_else))
    edit = browser.post(url("portal:journal-entry", someone_else), form_data())
    share = browser.post(url("portal:journal-share", someone_else))

    someone_else.refresh_from_db()
    assert (read.status_code, edit.status_code, share.status_code) == (404, 404, 404)
    assert (someone_else.is_shared, someone_else.body, someone_else.version) == (
        False,
        "KIM-PRIVATE",
        1,
    )
    assert (
        list(AuditEvent.objects.values_list("action", "actor", "object_id"))
        == [("access.denied", jo.user.pk, str(someone_else.public_id))] * 3
    )


def test_an_entry_of_another_practices_client_is_not_found(browser, jo, foreign_therapist):
    elsewhere = JournalEntryFactory(
        course=CourseFactory(client__practice=foreign_therapist.practice),
        shared_at=dt.datetime(2026, 3, 30, tzinfo=dt.UTC),
    )

    read = browser.get(url("portal:journal-entry", elsewhere))
    unshare = browser.post(url("portal:journal-unshare", elsewhere))

    elsewhere.refresh_from_db()
    assert (read.status_code, unshare.status_code, elsewhere.is_shared) == (404, 404, True)
    assert AuditEvent.objects.filter(action="access.denied", actor=jo.user).count() == 2


def test_staff_are_not_found_on_portal_journal_pages(client, login, therapist, course):
    entry = JournalEntryFactory(course=course)
    login(therapist)

    assert client.get(url("portal:journal")).status_code == 404
    assert client.get(url("portal:journal-entry", entry)).status_code == 404


def test_entry_page_shows_the_answers_under_their_questions(browser, course):
    entry = JournalEntryFactory(
        course=course, prompts='{"reminded": "My dad, <b>always</b> late."}', body=""
    )

    response = browser.get(url("portal:journal-entry", entry))

    page = page_text(response)
    assert response.status_code == 200
    assert response.context["answered"] == [
        ("Did it remind you of anything?", "My dad, <b>always</b> late.")
    ]
    assert "My dad, &lt;b&gt;always&lt;/b&gt; late." in page
    assert "Share with my therapist" in page
    assert response.context["form"]["prompt_reminded"].value() == "My dad, <b>always</b> late."


def test_editing_an_entry_saves_a_new_version(browser, course):
    entry = JournalEntryFactory(course=course)

    response = browser.post(
        url("portal:journal-entry", entry), form_data(version="1", body="Rewritten.")
    )

    entry.refresh_from_db()
    assert response.status_code == 302
    assert (entry.version, entry.body) == (2, "Rewritten.")
    assert list(
        AuditEvent.objects.exclude(action="record.read").values_list("action", flat=True)
    ) == ["journal.update"]


def test_an_edit_from_a_stale_page_is_refused_and_keeps_the_text(browser, course):
    entry = JournalEntryFactory(course=course)
    browser.post(url("portal:journal-entry", entry), form_data(version="1", body="From the phone"))

    response = browser.post(
        url("portal:journal-entry", entry),
        form_data(version="1", body="From the laptop, carefully written"),
    )

    entry.refresh_from_db()
    assert response.status_code == 409
    assert entry.body == "From the phone"
    assert response.context["form"]["body"].value() == "From the laptop, carefully written"
    assert "was changed somewhere else" in page_text(response)


def test_sharing_and_unsharing_an_entry(browser, course):
    entry = JournalEntryFactory(course=course)

    shared = browser.post(url("portal:journal-share", entry))
    entry.refresh_from_db()
    was_shared = entry.is_shared
    page = page_text(browser.get(url("portal:journal-entry", entry)))
    unshared = browser.post(url("portal:journal-unshare", entry))
    entry.refresh_from_db()

    assert (shared.status_code, unshared.status_code) == (302, 302)
    assert shared["Location"] == url("portal:journal-entry", entry)
    assert (was_shared, entry.is_shared) == (True, False)
    assert "Shared with your therapist. They read shared entries at or before" in page
    assert "Stop sharing: make it private" in page
    assert list(
        AuditEvent.objects.exclude(action="record.read")
        .order_by("id")
        .values_list("action", flat=True)
    ) == [
        "journal.share",
        "journal.unshare",
    ]


def test_share_and_unshare_take_only_post(browser, course):
    entry = JournalEntryFactory(course=course)

    assert browser.get(url("portal:journal-share", entry)).status_code == 405
    assert browser.get(url("portal:journal-unshare", entry)).status_code == 405
    assert AuditEvent.objects.count() == 0


def test_an_entry_made_into_an_episode_can_no_longer_be_unshared_or_changed(
    browser, course, therapist
):
    treatment.start_course(course=course, values=weekly(), actor=therapist)
    entry = JournalEntryFactory(course=course, shared_at=dt.datetime(2026, 3, 30, tzinfo=dt.UTC))
    services.episode_from_entry(
        entry=entry,
        person=PersonFactory(client=course.client),
        with_therapist=False,
        by=therapist,
    )

    page = browser.get(url("portal:journal-entry", entry))
    unshare = browser.post(url("portal:journal-unshare", entry), follow=True)
    edit = browser.post(url("portal:journal-entry", entry), form_data(version="1", body="New"))

    entry.refresh_from_db()
    assert page.context["form"] is None
    assert "part of your therapy record" in page_text(page)
    assert "Stop sharing" not in page_text(page)
    assert [str(m) for m in unshare.context["messages"]] == [str(services.ENTRY_IN_RECORD)]
    assert edit.status_code == 400
    assert str(services.ENTRY_IN_RECORD) in page_text(edit)
    assert (entry.is_shared, entry.version) == (True, 1)


def test_after_the_course_ends_the_journal_is_read_only(browser, course, therapist):
    entry = JournalEntryFactory(course=course)
    treatment.end_course(course=course, reason="completed", note="", actor=therapist)

    listing = browser.get(url("portal:journal"))
    new = browser.get(url("portal:journal-new"), follow=True)
    page = browser.get(url("portal:journal-entry", entry))
    share = browser.post(url("portal:journal-share", entry), follow=True)

    entry.refresh_from_db()
    assert "Write an entry" not in page_text(listing)
    assert new.redirect_chain == [(url("portal:journal"), 302)]
    assert [str(m) for m in new.context["messages"]] == [str(services.NO_OPEN_COURSE)]
    assert page.context["form"] is None
    assert "Share with my therapist" not in page_text(page)
    assert [str(m) for m in share.context["messages"]] == [str(services.SHARE_AFTER_END)]
    assert entry.is_shared is False
