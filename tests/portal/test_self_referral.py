import datetime

import pytest
import time_machine
from django.test import Client as BrowserClient
from django.urls import reverse
from django.utils import timezone

from patternwork.audit.models import AuditEvent
from patternwork.clients.models import Referral, SubmissionAttempt
from patternwork.clients.services import SUBMISSIONS_PER_WINDOW, TOO_MANY_SUBMISSIONS
from patternwork.portal.forms.referrals import (
    BAD_TOKEN,
    CONSENT_CONTACT_NEEDED,
    CONSENT_STORE_NEEDED,
    NEED_A_WAY,
    NEED_EMAIL_OR_PHONE,
    TOO_FAST,
    TOO_OLD,
    issue_form_token,
)
from tests.referrals import answers, page_url


def sent_url(practice) -> str:
    return reverse("portal:self-referral-sent", args=[practice.slug])


def nothing_stored() -> tuple:
    return (Referral.objects.count(), AuditEvent.objects.count())


def test_page_shows_the_practice_and_the_crisis_message_before_the_form(client, practice):
    response = client.get(page_url(practice))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Ask Northgate Therapies for therapy" in page
    crisis = page.index("This form is not for emergencies")
    assert crisis < page.index("<form")
    for text in ["If you are in danger now, call 999.", "NHS 111", "116 123", "around the clock"]:
        assert crisis < page.index(text) < page.index("<form")


def test_page_shows_the_practices_own_crisis_information(client, practice):
    practice.crisis_information = "Call the Northgate crisis team on 01632 960999."
    practice.save()

    response = client.get(page_url(practice))

    page = response.content.decode()
    assert page.count("Call the Northgate crisis team on 01632 960999.") == 2  # box and footer
    assert "If you are in danger now, call 999." in page


def test_page_labels_every_field_and_hides_the_honeypot_by_class(client, practice):
    response = client.get(page_url(practice))

    page = response.content.decode()
    form = response.context["form"]
    for name in form.fields:
        assert f'<label for="id_{name}"' in page or f'<label class="inline" for="id_{name}"' in page
    assert '<div class="trap" aria-hidden="true">' in page
    assert "style=" not in page
    assert 'name="started"' in page
    assert 'name="csrfmiddlewaretoken"' in page


@pytest.mark.parametrize("route", ["portal:self-referral", "portal:self-referral-sent"])
def test_unknown_practice_is_not_found(client, practice, route):
    response = client.get(reverse(route, args=["no-such-practice"]))

    assert response.status_code == 404


def test_self_referral_lands_in_triage_as_new(client, login, practice, admin):
    response = client.post(page_url(practice), answers(practice))

    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == sent_url(practice)
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
        referral.consent_to_contact,
        referral.consent_to_store,
    ) == (
        practice,
        "self",
        "new",
        "Robin Example",
        "Rob",
        "they/them",
        datetime.date(1995, 2, 14),
        "robin@example.test",
        "07700 900456",
        "I keep falling out with people close to me and feel low.",
        "Weekday evenings",
        True,
        True,  # voicemail is a telephone contact
        True,
        True,
        True,
    )
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.practice, event.object_id) == (
        "referral.self_submitted",
        None,
        practice,
        str(referral.public_id),
    )
    login(admin)  # triage: the practice's admins see unassigned referrals
    triage = client.get(reverse("clinic:referral-list"))
    assert list(triage.context["page"]) == [referral]


def test_self_referral_with_phone_only_and_no_date_of_birth(client, practice):
    data = answers(
        practice, email="", date_of_birth="", contact_by_email=None, contact_by_phone="on"
    )

    response = client.post(page_url(practice), data)

    referral = Referral.objects.get()
    assert response.status_code == 302
    assert (referral.email, referral.phone, referral.date_of_birth) == ("", "07700 900456", None)


def test_thank_you_page_says_what_happens_next_and_repeats_the_crisis_information(client, practice):
    practice.phone = "01632 960000"
    practice.save()
    client.post(page_url(practice), answers(practice))

    response = client.get(sent_url(practice))

    page = response.content.decode()
    assert response.status_code == 200
    for text in [
        "Thank you: your form has been sent",
        "What happens next",
        "not monitored around the clock",
        "If you are in danger now, call 999.",
        "Samaritans",
        "To speak to the practice, call 01632 960000.",
    ]:
        assert text in page
    for submitted in ["Robin", "robin@example.test", "07700 900456", "falling out"]:
        assert submitted not in page


def test_honeypot_pretends_success_and_stores_nothing(client, practice):
    response = client.post(page_url(practice), answers(practice, website="http://spam.test"))

    assert response.status_code == 302
    assert response["Location"] == sent_url(practice)
    assert nothing_stored() == (0, 0)
    assert SubmissionAttempt.objects.count() == 0


def test_honeypot_pretends_success_even_for_an_invalid_form(client, practice):
    response = client.post(page_url(practice), {"website": "buy now", "full_name": "x" * 500})

    assert response["Location"] == sent_url(practice)
    assert nothing_stored() == (0, 0)


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("just-now", TOO_FAST),
        ("two-days-old", TOO_OLD),
        ("tampered", BAD_TOKEN),
        ("missing", BAD_TOKEN),
        ("other-practice", BAD_TOKEN),
    ],
)
def test_timing_token_refusals_keep_the_input(client, practice, other_practice, token, message):
    now = timezone.now()
    started = {
        "just-now": issue_form_token(practice, now),
        "two-days-old": issue_form_token(practice, now - datetime.timedelta(days=2)),
        "tampered": issue_form_token(practice, now - datetime.timedelta(minutes=5)) + "x",
        "missing": None,
        "other-practice": issue_form_token(other_practice, now - datetime.timedelta(minutes=5)),
    }[token]

    response = client.post(page_url(practice), answers(practice, started=started))

    page = response.content.decode()
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [message]
    assert str(message) in page
    assert 'value="Robin Example"' in page
    assert "I keep falling out with people close to me and feel low." in page
    assert nothing_stored() == (0, 0)


def test_a_refused_form_gets_a_fresh_token_and_can_be_sent_again(client, practice):
    first = client.post(page_url(practice), answers(practice, shown=datetime.timedelta(seconds=0)))
    fresh = first.context["form_token"]

    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=30)):
        second = client.post(page_url(practice), answers(practice, started=fresh))

    assert first.status_code == 400
    assert second.status_code == 302
    assert Referral.objects.count() == 1


def test_rate_limit_refuses_with_a_message_and_keeps_the_input(client, practice):
    for n in range(SUBMISSIONS_PER_WINDOW):
        client.post(page_url(practice), answers(practice, full_name=f"Person {n}"))

    response = client.post(page_url(practice), answers(practice))

    assert response.status_code == 429
    assert response.context["form"].non_field_errors() == [TOO_MANY_SUBMISSIONS]
    assert TOO_MANY_SUBMISSIONS in response.content.decode()
    assert 'value="Robin Example"' in response.content.decode()
    assert Referral.objects.count() == SUBMISSIONS_PER_WINDOW
    assert not Referral.objects.filter(full_name="Robin Example").exists()


def test_rate_limit_is_per_address(client, practice):
    for n in range(SUBMISSIONS_PER_WINDOW):
        client.post(page_url(practice), answers(practice, full_name=f"Person {n}"))

    response = client.post(page_url(practice), answers(practice), REMOTE_ADDR="192.0.2.55")

    assert response.status_code == 302
    assert Referral.objects.count() == SUBMISSIONS_PER_WINDOW + 1


@pytest.mark.parametrize(
    ("missing", "message"),
    [("consent_contact", CONSENT_CONTACT_NEEDED), ("consent_store", CONSENT_STORE_NEEDED)],
)
def test_both_consents_are_required(client, practice, missing, message):
    response = client.post(page_url(practice), answers(practice, **{missing: None}))

    assert response.status_code == 400
    assert response.context["form"].errors[missing] == [message]
    assert nothing_stored() == (0, 0)


def test_email_or_phone_is_required(client, practice):
    response = client.post(
        page_url(practice),
        answers(practice, email="", phone="", contact_by_email=None, voicemail_ok=None),
    )

    errors = response.context["form"].non_field_errors()
    assert response.status_code == 400
    assert errors == [NEED_EMAIL_OR_PHONE, NEED_A_WAY]
    assert nothing_stored() == (0, 0)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": "", "phone": "07700 900456"}, "email", "You ticked email"),
        ({"phone": "", "contact_by_email": "on"}, "phone", "You ticked telephone"),
        ({"phone": "ring me"}, "phone", "digits, spaces and + ( ) - only"),
        ({"email": "not-an-address"}, "email", "Enter a valid email address."),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth", "cannot be in the future"),
        ({"date_of_birth": "1850-01-01"}, "date_of_birth", "after 1900"),
        ({"reason": "   "}, "reason", "Tell us a little about what you would like help with."),
    ],
)
def test_contact_details_and_answers_are_checked(client, practice, overrides, field, message):
    response = client.post(page_url(practice), answers(practice, **overrides))

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert nothing_stored() == (0, 0)


def test_no_way_of_contact_ticked_is_refused(client, practice):
    response = client.post(
        page_url(practice), answers(practice, contact_by_email=None, voicemail_ok=None)
    )

    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [NEED_A_WAY]


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("full_name", 200),
        ("preferred_name", 100),
        ("pronouns", 40),
        ("phone", 40),
        ("reason", 3000),
        ("availability", 1000),
    ],
)
def test_every_field_is_length_limited(client, practice, field, limit):
    value = "1" * (limit + 1) if field == "phone" else "x" * (limit + 1)

    response = client.post(page_url(practice), answers(practice, **{field: value}))

    assert response.status_code == 400
    assert (
        response.context["form"]
        .errors[field][0]
        .startswith(f"Ensure this value has at most {limit} characters")
    )
    assert f'maxlength="{limit}"' in response.content.decode()
    assert nothing_stored() == (0, 0)


def test_over_long_email_is_refused(client, practice):
    response = client.post(page_url(practice), answers(practice, email="a" * 250 + "@example.test"))

    assert response.status_code == 400
    assert "email" in response.context["form"].errors
    assert nothing_stored() == (0, 0)


def test_csrf_stays_on(practice):
    browser = BrowserClient(enforce_csrf_checks=True)

    response = browser.post(page_url(practice), answers(practice))

    assert response.status_code == 403
    assert nothing_stored() == (0, 0)


def test_the_form_works_with_its_own_csrf_token(practice):
    browser = BrowserClient(enforce_csrf_checks=True)
    browser.get(page_url(practice))
    token = browser.cookies["csrftoken"].value

    response = browser.post(page_url(practice), {**answers(practice), "csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert Referral.objects.count() == 1
