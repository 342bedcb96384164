import datetime

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from patternwork.audit.models import AuditEvent
from patternwork.clients.models import Client, Referral
from patternwork.clients.services import REFERRAL_ALREADY_DECIDED
from patternwork.clinic.forms.referrals import DATE_OF_BIRTH_NEEDED, DECLINE_REASON_MAX_LENGTH
from patternwork.treatment.models import Course
from tests.factories import ClientFactory, MembershipFactory, ReferralFactory

# These tests triage as a therapist: the practice makes its clinicians triage.
pytestmark = pytest.mark.usefixtures("clinicians_triage")

LIST = reverse("clinic:referral-list")
CREATE = reverse("clinic:referral-create")
OBJECT_URLS = [
    "clinic:referral-detail",
    "clinic:referral-contacted",
    "clinic:referral-decline",
    "clinic:referral-accept",
]


def days_ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def url(name: str, referral) -> str:
    return reverse(name, args=[referral.public_id])


def actions() -> AuditEvent:
    return AuditEvent.objects.exclude(action="access.denied")


def flash(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def accepted(practice, decided_by, **kwargs) -> Referral:
    client = ClientFactory(practice=practice, therapist=decided_by)
    return ReferralFactory(
        practice=practice,
        status="accepted",
        client=client,
        decided_by=decided_by,
        decided_at=timezone.now(),
        **kwargs,
    )


def declined(practice, decided_by, **kwargs) -> Referral:
    return ReferralFactory(
        practice=practice,
        status="declined",
        decline_reason="Needs a service for under-18s.",
        decided_by=decided_by,
        decided_at=timezone.now(),
        **kwargs,
    )


@pytest.fixture
def triage(practice, therapist, foreign_therapist):
    """One referral in each state, and one of another practice."""
    return {
        "new": ReferralFactory(practice=practice, full_name="Nell New", received_at=days_ago(2)),
        "contacted": ReferralFactory(
            practice=practice,
            full_name="Colm Contacted",
            status="contacted",
            contacted_at=days_ago(1),
            received_at=days_ago(5),
        ),
        "accepted": accepted(therapist.practice, therapist, full_name="Ada Accepted"),
        "declined": declined(practice, therapist, full_name="Dev Declined"),
        "foreign": ReferralFactory(practice=foreign_therapist.practice, full_name="Frida Foreign"),
    }


# ---- triage list ----


def test_triage_list_shows_open_referrals_oldest_first_with_counts(
    client, login, therapist, triage
):
    login(therapist)

    response = client.get(LIST)

    assert response.status_code == 200
    assert [r.full_name for r in response.context["page"]] == ["Colm Contacted", "Nell New"]
    assert [(value, count) for value, _label, count in response.context["tabs"]] == [
        ("open", 2),
        ("new", 1),
        ("contacted", 1),
        ("accepted", 1),
        ("declined", 1),
    ]
    assert b"Frida Foreign" not in response.content


@pytest.mark.parametrize(
    ("status", "names"),
    [
        ("new", ["Nell New"]),
        ("contacted", ["Colm Contacted"]),
        ("accepted", ["Ada Accepted"]),
        ("declined", ["Dev Declined"]),
    ],
)
def test_triage_list_filters_by_status(client, login, therapist, triage, status, names):
    login(therapist)

    response = client.get(LIST, {"status": status})

    assert response.status_code == 200
    assert response.context["status"] == status
    assert [r.full_name for r in response.context["page"]] == names


def test_triage_list_decided_referrals_are_newest_decision_first(client, login, therapist):
    older = declined(therapist.practice, therapist, full_name="Older Decision")
    Referral.objects.filter(pk=older.pk).update(decided_at=days_ago(3))
    declined(therapist.practice, therapist, full_name="Newer Decision")
    login(therapist)

    response = client.get(LIST, {"status": "declined"})

    assert [r.full_name for r in response.context["page"]] == ["Newer Decision", "Older Decision"]


def test_triage_list_unknown_status_is_a_400_showing_open_referrals(
    client, login, therapist, triage
):
    login(therapist)

    response = client.get(LIST, {"status": "everything"})

    assert response.status_code == 400
    assert response.context["status"] == "open"
    assert [r.full_name for r in response.context["page"]] == ["Colm Contacted", "Nell New"]
    assert "That filter is not one of the choices below" in response.content.decode()


@pytest.mark.parametrize("role", ["therapist", "supervisor", "admin"])
def test_triage_is_shared_by_every_role(client, login, request, triage, role):
    login(request.getfixturevalue(role))

    response = client.get(LIST)

    assert [r.full_name for r in response.context["page"]] == ["Colm Contacted", "Nell New"]


def test_triage_list_paginates_by_fifty(client, login, therapist):
    for days in range(51):
        ReferralFactory(practice=therapist.practice, received_at=days_ago(60 - days))
    oldest = Referral.objects.order_by("received_at").first()
    login(therapist)

    first = client.get(LIST)
    second = client.get(LIST, {"page": 2})

    assert (len(first.context["page"]), len(second.context["page"])) == (50, 1)
    assert first.context["page"][0] == oldest
    assert "?status=open&amp;page=2" in first.content.decode()


@pytest.mark.parametrize("status", ["open", "accepted"])
def test_triage_list_query_count_is_the_same_for_1_and_30_referrals(
    client, login, therapist, other_therapist, django_assert_num_queries, status
):
    def make(n):
        for i in range(n):
            if status == "accepted":
                # Each with one of a colleague's clients, which the list must leave out.
                accepted(therapist.practice, therapist)
                accepted(therapist.practice, other_therapist)
            else:
                ReferralFactory(practice=therapist.practice, status="new" if i % 2 else "contacted")

    login(therapist)
    client.get(LIST)  # warm the session
    make(1)
    with django_assert_num_queries(6) as few:
        one = client.get(LIST, {"status": status})
    make(29)

    with django_assert_num_queries(len(few.captured_queries)):
        thirty = client.get(LIST, {"status": status})

    assert (len(one.context["page"]), len(thirty.context["page"])) == (1, 30)


CONTEXT_PROCESSOR = "patternwork.clinic.context_processors.open_referrals"


def install_nav_count(settings) -> None:
    templates = [dict(engine) for engine in settings.TEMPLATES]
    options = templates[0]["OPTIONS"]
    templates[0]["OPTIONS"] = {
        **options,
        "context_processors": [*options["context_processors"], CONTEXT_PROCESSOR],
    }
    settings.TEMPLATES = templates


def test_navigation_shows_the_open_referral_count(client, login, therapist, triage, settings):
    install_nav_count(settings)
    login(therapist)

    response = client.get(reverse("clinic:home"))

    assert (
        '<span class="nav__count">2<span class="visually-hidden"> open</span></span>'
        in response.content.decode()
    )


def test_navigation_count_costs_the_triage_list_no_extra_query(
    client, login, therapist, triage, settings, django_assert_num_queries
):
    login(therapist)
    client.get(LIST)
    with django_assert_num_queries(6):
        client.get(LIST)
    install_nav_count(settings)

    with django_assert_num_queries(6):
        response = client.get(LIST)

    assert '<span class="nav__count">2<span' in response.content.decode()


# ---- staff entry ----


def entry(**overrides) -> dict:
    data = {
        "referrer_name": "Dr Sam Okafor, GP",
        "referrer_contact": "Riverside Surgery, 2 Mill Lane, Testtown; 01632 960123",
        "received_on": timezone.localdate().isoformat(),
        "full_name": "Priya Example",
        "preferred_name": "Pri",
        "pronouns": "she/her",
        "date_of_birth": "1988-03-04",
        "email": "priya@example.test",
        "phone": "07700 900123",
        "reason": "Low mood after a bereavement; conflict with her sister.",
        "availability": "Mondays after 4pm",
        "contact_by_email": "on",
        "contact_by_phone": "on",
        "consent_to_contact": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_staff_entry_creates_a_new_professional_referral_and_audits(client, login, therapist):
    login(therapist)

    response = client.post(CREATE, entry())

    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("clinic:referral-detail", referral)
    assert (
        referral.practice,
        referral.source,
        referral.status,
        referral.full_name,
        referral.preferred_name,
        referral.pronouns,
        referral.date_of_birth,
        referral.email,
        referral.phone,
        referral.reason,
        referral.availability,
        referral.contact_by_email,
        referral.contact_by_phone,
        referral.voicemail_ok,
        referral.referrer_name,
        referral.referrer_contact,
        referral.consent_to_contact,
        timezone.localtime(referral.received_at).date(),
    ) == (
        therapist.practice,
        "professional",
        "new",
        "Priya Example",
        "Pri",
        "she/her",
        datetime.date(1988, 3, 4),
        "priya@example.test",
        "07700 900123",
        "Low mood after a bereavement; conflict with her sister.",
        "Mondays after 4pm",
        True,
        True,
        False,
        "Dr Sam Okafor, GP",
        "Riverside Surgery, 2 Mill Lane, Testtown; 01632 960123",
        True,
        timezone.localdate(),
    )
    event = actions().get()
    assert (event.action, event.actor, event.practice, event.object_id) == (
        "referral.create",
        therapist.user,
        therapist.practice,
        str(referral.public_id),
    )


def test_staff_entry_received_earlier_is_dated_that_day_and_queued_before_today(
    client, login, therapist
):
    today = ReferralFactory(practice=therapist.practice, full_name="Today Person")
    earlier = timezone.localdate() - datetime.timedelta(days=3)
    login(therapist)

    client.post(CREATE, entry(received_on=earlier.isoformat()))

    referral = Referral.objects.get(full_name="Priya Example")
    assert timezone.localtime(referral.received_at) == timezone.make_aware(
        datetime.datetime.combine(earlier, datetime.time.min)
    )
    listed = client.get(LIST).context["page"]
    assert list(listed) == [referral, today]


def test_staff_entry_without_date_of_birth_is_accepted(client, login, therapist):
    login(therapist)

    client.post(CREATE, entry(date_of_birth=""))

    assert Referral.objects.get().date_of_birth is None


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"reason": ""}, "reason", "This field is required."),
        ({"full_name": "x" * 201}, "full_name", "at most 200 characters"),
        ({"reason": "x" * 4001}, "reason", "at most 4000 characters"),
        ({"referrer_contact": "x" * 1001}, "referrer_contact", "at most 1000 characters"),
        ({"phone": "call me maybe"}, "phone", "digits, spaces and + ( ) - only"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth", "This date is in the future."),
        ({"received_on": "2999-01-01"}, "received_on", "This date is in the future."),
        ({"received_on": "31/02/2024"}, "received_on", "Enter a valid date."),
        ({"email": "", "contact_by_email": "on"}, "email", "give the email address"),
        ({"phone": "", "voicemail_ok": "on"}, "phone", "give the number"),
    ],
)
def test_staff_entry_bad_input_is_a_form_error_and_keeps_the_rest(
    client, login, therapist, overrides, field, message
):
    login(therapist)

    response = client.post(CREATE, entry(**overrides))

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert 'value="Dr Sam Okafor, GP"' in response.content.decode()
    assert Referral.objects.count() == 0
    assert actions().count() == 0


def test_staff_entry_form_starts_with_todays_date(client, login, therapist):
    login(therapist)

    response = client.get(CREATE)

    assert response.status_code == 200
    assert f'value="{timezone.localdate().isoformat()}"' in response.content.decode()


# ---- detail ----


def test_detail_shows_everything_including_the_decrypted_reason(client, login, therapist):
    referral = ReferralFactory(
        practice=therapist.practice,
        source="professional",
        full_name="Olu Example",
        preferred_name="Olu",
        pronouns="he/him",
        date_of_birth=datetime.date(1979, 11, 2),
        phone="01632 960555",
        availability="Tuesday evenings",
        contact_by_phone=True,
        voicemail_ok=True,
        referrer_name="Dr Kim Lowe",
        referrer_contact="Hillside Practice",
        reason="Panic at work since a restructure.",
    )
    login(therapist)

    response = client.get(url("clinic:referral-detail", referral))

    page = response.content.decode()
    assert response.status_code == 200
    for text in [
        "Olu Example",
        "he/him",
        "2 Nov 1979",
        referral.email,
        "01632 960555",
        "Tuesday evenings",
        "Messages may be left",
        "Dr Kim Lowe",
        "Hillside Practice",
        "Panic at work since a restructure.",
        "Professional referral",
    ]:
        assert text in page
    assert response.context["is_open"] is True
    for name in ["clinic:referral-contacted", "clinic:referral-decline", "clinic:referral-accept"]:
        assert url(name, referral) in page


def test_reason_is_not_stored_in_plain_text(practice):
    referral = ReferralFactory(practice=practice, reason="Nightmares since the accident.")

    with connection.cursor() as cursor:
        cursor.execute("SELECT reason FROM clients_referral WHERE id = %s", [referral.pk])
        stored = cursor.fetchone()[0]

    assert stored.startswith("pw1:")
    assert "Nightmares" not in stored
    assert Referral.objects.get(pk=referral.pk).reason == "Nightmares since the accident."


@pytest.mark.parametrize("status", ["accepted", "declined"])
def test_decided_referral_shows_its_outcome_and_no_actions(client, login, therapist, status):
    make = accepted if status == "accepted" else declined
    referral = make(therapist.practice, therapist)
    login(therapist)

    response = client.get(url("clinic:referral-detail", referral))

    page = response.content.decode()
    assert response.context["is_open"] is False
    assert "This referral is decided: no further actions." in page
    for name in ["clinic:referral-contacted", "clinic:referral-decline", "clinic:referral-accept"]:
        assert url(name, referral) not in page
    if status == "accepted":
        assert f"Client record {referral.client.client_number}" in page
        assert reverse("clinic:client-detail", args=[referral.client.public_id]) in page
    else:
        assert "Needs a service for under-18s." in page


# ---- mark contacted ----


def test_mark_contacted_records_the_date_and_audits(client, login, therapist):
    referral = ReferralFactory(practice=therapist.practice)
    login(therapist)

    response = client.post(url("clinic:referral-contacted", referral))

    referral.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == url("clinic:referral-detail", referral)
    assert referral.status == "contacted"
    assert timezone.now() - referral.contacted_at < datetime.timedelta(seconds=5)
    event = actions().get()
    assert (event.action, event.actor, event.changes) == (
        "referral.contacted",
        therapist.user,
        {"status": ["new", "contacted"]},
    )
    assert flash(response) == ["Marked as contacted today."]


def test_mark_contacted_only_accepts_post(client, login, therapist):
    referral = ReferralFactory(practice=therapist.practice)
    login(therapist)

    response = client.get(url("clinic:referral-contacted", referral))

    referral.refresh_from_db()
    assert (response.status_code, referral.status) == (405, "new")


# ---- decline ----


def test_decline_with_a_reason_decides_the_referral_and_audits(client, login, admin):
    referral = ReferralFactory(practice=admin.practice, status="contacted")
    login(admin)

    response = client.post(
        url("clinic:referral-decline", referral), {"reason": "  Lives outside our area.  "}
    )

    referral.refresh_from_db()
    assert response["Location"] == url("clinic:referral-detail", referral)
    assert (referral.status, referral.decline_reason, referral.decided_by) == (
        "declined",
        "Lives outside our area.",
        admin,
    )
    event = actions().get()
    assert (event.action, event.actor, event.changes) == (
        "referral.declined",
        admin.user,
        {"status": ["contacted", "declined"]},
    )


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Give the reason for declining."),
        ("   ", "Give the reason for declining."),
        ("x" * (DECLINE_REASON_MAX_LENGTH + 1), "at most 500 characters"),
    ],
)
def test_decline_without_a_usable_reason_is_a_form_error_and_changes_nothing(
    client, login, therapist, reason, message
):
    referral = ReferralFactory(practice=therapist.practice)
    login(therapist)

    response = client.post(url("clinic:referral-decline", referral), {"reason": reason})

    referral.refresh_from_db()
    assert response.status_code == 400
    assert message in " ".join(response.context["decline_form"].errors["reason"])
    assert message in response.content.decode()
    assert (referral.status, referral.decline_reason, referral.decided_at) == ("new", "", None)
    assert actions().count() == 0


# ---- accept ----


def test_accept_creates_the_client_and_an_open_course_for_the_chosen_therapist(
    client, login, therapist
):
    referral = ReferralFactory(
        practice=therapist.practice,
        full_name="Tomas Example",
        date_of_birth=datetime.date(1992, 6, 30),
        email="tomas@example.test",
        contact_by_email=True,
    )
    login(therapist)

    response = client.post(
        url("clinic:referral-accept", referral), {"therapist": therapist.public_id}
    )

    new_client = Client.objects.get()
    referral.refresh_from_db()
    course = Course.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("clinic:client-detail", args=[new_client.public_id])
    assert (
        new_client.practice,
        new_client.client_number,
        new_client.full_name,
        new_client.date_of_birth,
        new_client.email,
        new_client.contact_by_email,
        new_client.therapist,
    ) == (
        therapist.practice,
        "C00001",
        "Tomas Example",
        datetime.date(1992, 6, 30),
        "tomas@example.test",
        True,
        therapist,
    )
    assert (course.client, course.therapist, course.state, course.referral) == (
        new_client,
        therapist,
        "referred",
        referral,
    )
    assert (referral.status, referral.client, referral.decided_by) == (
        "accepted",
        new_client,
        therapist,
    )
    event = actions().get()
    assert (event.action, event.actor, event.object_id, event.changes) == (
        "referral.accepted",
        therapist.user,
        str(referral.public_id),
        {
            "status": ["new", "accepted"],
            "client": [None, str(new_client.public_id)],
            "course": [None, str(course.public_id)],
            "therapist": [None, str(therapist.public_id)],
        },
    )


def test_accepting_for_a_colleague_makes_the_client_theirs(
    client, login, therapist, other_therapist
):
    referral = ReferralFactory(practice=therapist.practice, date_of_birth=datetime.date(1990, 1, 1))
    login(therapist)

    response = client.post(
        url("clinic:referral-accept", referral), {"therapist": other_therapist.public_id}
    )

    new_client = Client.objects.get()
    assert new_client.therapist == other_therapist
    assert Course.objects.get().therapist == other_therapist
    # Not the acceptor's client: back to the referral rather than into a 404.
    assert response["Location"] == url("clinic:referral-detail", referral)
    assert flash(response) == [
        f"Referral accepted: {referral.full_name} is client C00001, assigned to Dr Ben Colleague."
    ]


def test_accept_offers_active_therapists_and_supervisors_of_the_practice_only(
    client, login, admin, therapist, supervisor, foreign_therapist
):
    MembershipFactory(practice=admin.practice, is_active=False, user__full_name="Gone Away")
    referral = ReferralFactory(practice=admin.practice)
    login(admin)

    response = client.get(url("clinic:referral-detail", referral))

    choices = list(response.context["accept_form"].fields["therapist"].queryset)
    assert choices == [therapist, supervisor]
    assert "Dr Cleo Supervisor (Supervisor)" in response.content.decode()


def test_admin_can_assign_a_supervisor(client, login, admin, supervisor):
    referral = ReferralFactory(practice=admin.practice, date_of_birth=datetime.date(1990, 1, 1))
    login(admin)

    response = client.post(
        url("clinic:referral-accept", referral), {"therapist": supervisor.public_id}
    )

    new_client = Client.objects.get()
    assert new_client.therapist == supervisor
    assert response["Location"] == reverse("clinic:client-detail", args=[new_client.public_id])


@pytest.mark.parametrize("who", ["foreign", "admin", "nobody"])
def test_accept_refuses_someone_who_cannot_carry_clients(
    client, login, therapist, admin, foreign_therapist, who
):
    referral = ReferralFactory(practice=therapist.practice, date_of_birth=datetime.date(1990, 1, 1))
    chosen = {"foreign": foreign_therapist.public_id, "admin": admin.public_id, "nobody": ""}[who]
    login(therapist)

    response = client.post(url("clinic:referral-accept", referral), {"therapist": chosen})

    referral.refresh_from_db()
    assert response.status_code == 400
    assert response.context["accept_form"].errors["therapist"] == [
        "Choose the therapist who will see this client."
        if who == "nobody"
        else "Select a valid choice. That choice is not one of the available choices."
    ]
    assert (referral.status, Client.objects.count(), actions().count()) == ("new", 0, 0)


def test_accept_asks_for_the_date_of_birth_when_the_referral_lacks_it(client, login, therapist):
    referral = ReferralFactory(practice=therapist.practice, date_of_birth=None)
    login(therapist)
    page = client.get(url("clinic:referral-detail", referral))

    refused = client.post(
        url("clinic:referral-accept", referral), {"therapist": therapist.public_id}
    )
    done = client.post(
        url("clinic:referral-accept", referral),
        {"therapist": therapist.public_id, "date_of_birth": "1985-09-15"},
    )

    assert "date_of_birth" in page.context["accept_form"].fields
    assert refused.status_code == 400
    assert refused.context["accept_form"].errors["date_of_birth"] == [DATE_OF_BIRTH_NEEDED]
    assert done.status_code == 302
    assert Client.objects.get().date_of_birth == datetime.date(1985, 9, 15)
    assert actions().filter(action="referral.accepted").count() == 1


def test_accept_does_not_ask_for_a_date_of_birth_already_given(client, login, therapist):
    referral = ReferralFactory(practice=therapist.practice, date_of_birth=datetime.date(1990, 1, 1))
    login(therapist)

    response = client.get(url("clinic:referral-detail", referral))

    assert set(response.context["accept_form"].fields) == {"therapist"}


def test_accept_refuses_a_date_of_birth_in_the_future(client, login, therapist):
    referral = ReferralFactory(practice=therapist.practice, date_of_birth=None)
    login(therapist)

    response = client.post(
        url("clinic:referral-accept", referral),
        {"therapist": therapist.public_id, "date_of_birth": "2999-01-01"},
    )

    assert response.status_code == 400
    assert response.context["accept_form"].errors["date_of_birth"] == [
        "This date is in the future."
    ]
    assert Client.objects.count() == 0


# ---- decided referrals refuse actions ----


@pytest.mark.parametrize("status", ["accepted", "declined"])
@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("clinic:referral-contacted", {}),
        ("clinic:referral-decline", {"reason": "Changed our mind."}),
        ("clinic:referral-accept", {"therapist": "THERAPIST"}),
    ],
)
def test_decided_referral_refuses_further_actions_with_a_message(
    client, login, therapist, status, action, data
):
    make = accepted if status == "accepted" else declined
    referral = make(therapist.practice, therapist)
    before = Referral.objects.values().get(pk=referral.pk)
    clients_before = Client.objects.count()
    login(therapist)
    if data.get("therapist") == "THERAPIST":
        data = {"therapist": therapist.public_id}

    response = client.post(url(action, referral), data)

    assert response.status_code == 302
    assert response["Location"] == url("clinic:referral-detail", referral)
    assert flash(response) == [REFERRAL_ALREADY_DECIDED.format(status=status)]
    assert Referral.objects.values().get(pk=referral.pk) == before
    assert Client.objects.count() == clients_before
    assert actions().count() == 0


# ---- another practice ----


@pytest.mark.parametrize("name", OBJECT_URLS)
def test_another_practices_referral_is_not_found(client, login, therapist, foreign_therapist, name):
    foreign = ReferralFactory(practice=foreign_therapist.practice)
    login(therapist)

    response = (
        client.get(url(name, foreign))
        if name == "clinic:referral-detail"
        else client.post(
            url(name, foreign), {"reason": "No.", "therapist": foreign_therapist.public_id}
        )
    )

    foreign.refresh_from_db()
    assert response.status_code == 404
    assert (foreign.status, Client.objects.count(), actions().count()) == ("new", 0, 0)
    assert AuditEvent.objects.get().action == "access.denied"
