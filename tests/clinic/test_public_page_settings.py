from django.urls import reverse

from patternwork.audit.models import AuditEvent

SETTINGS = {
    "name": "Northgate Therapies",
    "address": "1 High Street",
    "phone": "01632 960 123",
    "email": "office@northgate.example",
    "time_zone": "Europe/London",
    "crisis_information": "Call 999 in an emergency.",
    "public_description": "We offer DIT to adults.",
    "fees": "£70 a session.",
    "send_appointment_reminders": "on",
    "reminder_lead_hours": "24",
    "offer_window_days": "7",
    "idle_timeout_minutes": "15",
    "recording_retention_days": "90",
}


def test_admin_edits_the_public_page_and_closes_referrals(client, login, admin, practice):
    login(admin)

    response = client.post(reverse("clinic:practice-settings"), SETTINGS)

    assert response.status_code == 302
    practice.refresh_from_db()
    # An unticked box is "not taking referrals".
    assert (practice.taking_referrals, practice.fees, practice.public_description) == (
        False,
        "£70 a session.",
        "We offer DIT to adults.",
    )
    event = AuditEvent.objects.get(action="practice.update")
    assert event.actor == admin.user
    assert event.changes["taking_referrals"] == [True, False]


def test_practice_settings_page_shows_the_public_fields_and_links_the_public_page(
    client, login, admin, practice
):
    login(admin)

    html = client.get(reverse("clinic:practice-settings")).content.decode()

    assert 'name="taking_referrals"' in html
    assert 'name="fees"' in html
    assert 'name="public_description"' in html
    assert reverse("portal:practice-page", args=[practice.slug]) in html


def test_therapist_cannot_edit_the_public_page(client, login, therapist, practice):
    login(therapist)

    response = client.post(reverse("clinic:practice-settings"), {**SETTINGS, "fees": "free"})

    assert response.status_code == 403
    practice.refresh_from_db()
    assert (practice.fees, practice.taking_referrals) == ("", True)


def test_another_practices_admin_edits_only_their_own_practice(
    client, login, foreign_admin, practice, other_practice
):
    login(foreign_admin)

    response = client.post(
        reverse("clinic:practice-settings"), {**SETTINGS, "name": "Southbank Counselling"}
    )

    assert response.status_code == 302
    practice.refresh_from_db()
    other_practice.refresh_from_db()
    assert (practice.fees, practice.taking_referrals) == ("", True)
    assert (other_practice.fees, other_practice.taking_referrals) == ("£70 a session.", False)
    assert AuditEvent.objects.get(action="practice.update").practice == other_practice


def test_too_long_fees_are_refused_with_a_message(client, login, admin, practice):
    login(admin)

    response = client.post(reverse("clinic:practice-settings"), {**SETTINGS, "fees": "x" * 1001})

    assert response.status_code == 400
    assert "at most 1000 characters" in response.content.decode()
    practice.refresh_from_db()
    assert practice.fees == ""


PROFILE = {
    "accepts_referrals": "on",
    "display_name": "Ada T.",
    "registration": "BACP registered member",
    "modalities": "DIT",
    "dit_accredited": "on",
    "languages": "English",
    "sees_online": "on",
    "profile_text": "I see adults online.",
}


def test_clinician_edits_their_own_profile_and_it_is_audited(client, login, therapist):
    login(therapist)

    response = client.post(reverse("clinic:profile"), PROFILE)

    assert response.status_code == 302
    therapist.refresh_from_db()
    assert (
        therapist.accepts_referrals,
        therapist.display_name,
        therapist.sees_in_person,
        therapist.sees_online,
    ) == (True, "Ada T.", False, True)
    event = AuditEvent.objects.get(action="membership.profile_update")
    assert (event.actor, event.object_id) == (therapist.user, str(therapist.public_id))


def test_profile_page_shows_the_form_and_the_public_page_link(client, login, supervisor):
    login(supervisor)

    html = client.get(reverse("clinic:profile")).content.decode()

    assert 'name="profile_text"' in html
    assert reverse("portal:practice-page", args=[supervisor.practice.slug]) in html


def test_profile_with_bad_input_is_refused_with_a_message(client, login, therapist):
    login(therapist)

    response = client.post(reverse("clinic:profile"), {**PROFILE, "profile_text": "x" * 1001})

    assert response.status_code == 400
    assert "at most 1000 characters" in response.content.decode()
    therapist.refresh_from_db()
    assert therapist.accepts_referrals is False


def test_profile_edits_only_the_logged_in_clinicians_own(client, login, therapist, other_therapist):
    login(therapist)

    client.post(reverse("clinic:profile"), PROFILE)

    other_therapist.refresh_from_db()
    assert (other_therapist.accepts_referrals, other_therapist.display_name) == (False, "")


def test_admin_has_no_profile_and_saving_one_is_refused(client, login, admin):
    login(admin)

    page = client.get(reverse("clinic:profile"))
    refused = client.post(reverse("clinic:profile"), PROFILE)

    assert page.status_code == 200
    assert "Only therapists and supervisors have a public profile" in page.content.decode()
    assert refused.status_code == 400
    admin.refresh_from_db()
    assert admin.accepts_referrals is False
    assert not AuditEvent.objects.filter(action="membership.profile_update").exists()


def test_admin_sets_the_offer_window_which_is_validated(client, login, admin, practice):
    login(admin)

    refused = client.post(
        reverse("clinic:practice-settings"), {**SETTINGS, "offer_window_days": "0"}
    )
    saved = client.post(reverse("clinic:practice-settings"), {**SETTINGS, "offer_window_days": "3"})

    assert refused.status_code == 400
    assert "greater than or equal to 1" in refused.content.decode()
    practice.refresh_from_db()
    assert (saved.status_code, practice.offer_window_days) == (302, 3)
    assert AuditEvent.objects.get(action="practice.update").changes["offer_window_days"] == [7, 3]
