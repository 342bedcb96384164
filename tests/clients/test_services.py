import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from patternwork.accounts.models import Membership, Practice
from patternwork.audit.models import AuditEvent
from patternwork.clients import services
from patternwork.clients.models import Client, Referral, SubmissionAttempt
from patternwork.clients.services import (
    CLOSE_WITH_OPEN_FLAGS,
    THERAPIST_NOT_IN_PRACTICE,
    check_therapist,
)
from patternwork.measures.services import acknowledge_flag
from patternwork.treatment.services import intake
from tests.accounts.writes import audit_text, counts, service_writes
from tests.factories import ClientFactory, MembershipFactory, ReferralFactory, RiskFlagFactory

REASON = "Client moved abroad; GP and crisis team told about the answer."


@pytest.fixture
def flagged(therapist):
    """A client whose ended course left one risk flag unacknowledged."""
    return RiskFlagFactory(
        response__appointment__course__client__practice=therapist.practice,
        response__appointment__course__client__therapist=therapist,
        response__appointment__course__state="ended",
        response__appointment__course__end_reason="dropped_out",
    )


def close(client_record, therapist, **kwargs):
    return intake.update_client(
        client=client_record,
        data={"status": "closed"},
        expected_version=client_record.version,
        changed_by=therapist,
        **kwargs,
    )


def test_closing_with_an_open_risk_flag_is_refused(therapist, flagged):
    record = flagged.client

    with pytest.raises(ValidationError) as refused:
        close(record, therapist)

    assert refused.value.message_dict == {"close_override_reason": [CLOSE_WITH_OPEN_FLAGS]}
    record.refresh_from_db()
    assert (record.status, record.version) == ("active", 1)
    assert not AuditEvent.objects.filter(action="client.update").exists()


def test_closing_over_open_flags_keeps_the_reason_and_audits_the_count(therapist, flagged):
    record = close(flagged.client, therapist, close_override_reason=f" {REASON} ")

    record.refresh_from_db()
    assert (record.status, record.close_override_flags, record.close_override_reason) == (
        "closed",
        1,
        REASON,
    )
    assert AuditEvent.objects.get(action="client.update").changes == {
        "status": ["active", "closed"],
        "open_risk_flags_overridden": 1,
        "close_override_reason": "[changed]",
    }


def test_closing_after_acknowledging_needs_no_reason_and_keeps_none(therapist, flagged):
    acknowledge_flag(flag=flagged, note="Rang the client; safety plan in place.", actor=therapist)

    record = close(flagged.client, therapist, close_override_reason=REASON)

    assert (record.status, record.close_override_flags, record.close_override_reason) == (
        "closed",
        0,
        "",
    )
    assert AuditEvent.objects.get(action="client.update").changes == {
        "status": ["active", "closed"]
    }


def test_reopening_clears_the_override_and_editing_a_closed_record_is_not_refused(
    therapist, flagged
):
    record = close(flagged.client, therapist, close_override_reason=REASON)
    record = intake.update_client(
        client=record, data={"phone": "01632 960000"}, expected_version=2, changed_by=therapist
    )
    reopened = intake.update_client(
        client=record, data={"status": "active"}, expected_version=3, changed_by=therapist
    )

    assert (record.phone, record.close_override_flags) == ("01632 960000", 1)
    assert (reopened.status, reopened.close_override_flags, reopened.close_override_reason) == (
        "active",
        0,
        "",
    )


Role = Membership.Role


@pytest.mark.parametrize(
    "who",
    [
        {"role": Role.ADMIN},
        {"is_active": False},
        {"user__is_active": False},
        {"elsewhere": True},
    ],
    ids=["admin", "left the practice", "login deactivated", "another practice"],
)
def test_check_therapist_refuses_who_the_choice_lists_leave_out(practice, other_practice, who):
    who = dict(who)
    home = other_practice if who.pop("elsewhere", False) else practice
    member = MembershipFactory(practice=home, **({"role": Role.THERAPIST} | who))

    with pytest.raises(ValidationError) as refused:
        check_therapist(practice, member)

    assert refused.value.message_dict == {"therapist": [THERAPIST_NOT_IN_PRACTICE]}


@pytest.mark.parametrize("role", [Role.THERAPIST, Role.SUPERVISOR])
def test_check_therapist_accepts_an_active_clinician(practice, role):
    check_therapist(practice, MembershipFactory(practice=practice, role=role))


# ---- build_client ---------------------------------------------------------------------

NOW = dt.datetime(2026, 4, 1, 11, 0, tzinfo=dt.UTC)
NEW_RECORD = {"full_name": "Sam Sample", "date_of_birth": dt.date(1987, 9, 3)}


def test_build_client_numbers_records_in_sequence_within_each_practice(
    therapist, foreign_therapist
):
    first = services.build_client(practice=therapist.practice, data=NEW_RECORD, therapist=therapist)
    second = services.build_client(practice=therapist.practice, data=NEW_RECORD, therapist=None)
    elsewhere = services.build_client(
        practice=foreign_therapist.practice, data=NEW_RECORD, therapist=foreign_therapist
    )

    assert [c.client_number for c in (first, second, elsewhere)] == ["C00001", "C00002", "C00001"]
    assert (first.practice, first.therapist, second.therapist) == (
        therapist.practice,
        therapist,
        None,
    )
    assert Practice.objects.get(pk=therapist.practice_id).next_client_number == 3
    # Intake writes the audit event, in the transaction that calls this.
    assert not AuditEvent.objects.exists()


@pytest.mark.usefixtures("frozen")
@pytest.mark.parametrize("consent", [True, False])
def test_build_client_records_when_consent_was_given(practice, consent):
    client = services.build_client(
        practice=practice, data=NEW_RECORD | {"consent_treatment": consent}, therapist=None
    )

    assert client.consent_treatment_at == (NOW if consent else None)
    # The contact choices are recorded at intake, whatever they are.
    assert client.consent_contact_at == NOW


def test_build_client_takes_only_the_record_fields(practice, other_practice, therapist):
    data = NEW_RECORD | {
        "practice": other_practice,
        "client_number": "C99999",
        "therapist": therapist,
        "version": 7,
        "close_override_flags": 3,
    }

    client = services.build_client(practice=practice, data=data, therapist=None)

    assert (
        client.practice,
        client.client_number,
        client.therapist,
        client.version,
        client.close_override_flags,
    ) == (practice, "C00001", None, 1, 0)


def test_build_client_refuses_a_therapist_of_another_practice_before_taking_a_number(
    practice, foreign_therapist
):
    before = counts(Client)

    with pytest.raises(ValidationError) as refused:
        services.build_client(practice=practice, data=NEW_RECORD, therapist=foreign_therapist)

    assert refused.value.message_dict == {"therapist": [THERAPIST_NOT_IN_PRACTICE]}
    assert counts(Client) == before
    assert Practice.objects.get(pk=practice.pk).next_client_number == 1


def test_build_client_refused_in_its_callers_transaction_leaves_the_number_unused(practice):
    with pytest.raises(ValidationError) as refused, transaction.atomic():
        services.build_client(
            practice=practice, data=NEW_RECORD | {"phone": "ring me"}, therapist=None
        )

    assert set(refused.value.message_dict) == {"phone"}
    assert not Client.objects.exists()
    assert Practice.objects.get(pk=practice.pk).next_client_number == 1


# ---- change_client --------------------------------------------------------------------


def stored(client: Client) -> Client:
    return Client.objects.get(pk=client.pk)


def test_change_client_saves_and_returns_the_changes_with_free_text_masked(robin):
    data = {
        "full_name": "Robin Example",
        "phone": "01632 960000",
        "address": "9 New Road\nTesttown",
        "gp_contact": "Riverside Surgery, 01632 960111",
        "referrer_contact": "Hillside Practice",
    }

    with service_writes() as written:
        changes = services.change_client(stored=stored(robin), data=data)

    assert changes == {
        "phone": ["07700 900456", "01632 960000"],
        "address": "[changed]",
        "gp_contact": "[changed]",
        "referrer_contact": "[changed]",
    }
    for text in ("New Road", "Riverside", "Hillside"):
        assert text not in json.dumps(changes)
    saved = stored(robin)
    assert (saved.phone, saved.address, saved.version) == (
        "01632 960000",
        "9 New Road\nTesttown",
        2,
    )
    # update_client audits these changes, in its transaction around this call.
    assert (written.inside, written.outside) == (set(), {"clients_client"})
    assert not AuditEvent.objects.exists()


def test_change_client_with_nothing_changed_returns_nothing_and_saves_nothing(robin):
    stamped = stored(robin).updated_at

    changes = services.change_client(
        stored=stored(robin), data={"full_name": "Robin Example", "phone": "07700 900456"}
    )

    saved = stored(robin)
    assert changes == {}
    assert (saved.version, saved.updated_at) == (1, stamped)


def test_change_client_moves_each_consent_time_only_when_that_consent_changes(frozen, robin):
    def change_on(day, **data):
        frozen.move_to(NOW + dt.timedelta(days=day))
        services.change_client(stored=stored(robin), data=data)
        saved = stored(robin)
        return saved.consent_treatment_at, saved.consent_contact_at

    day = dt.timedelta(days=1)
    assert change_on(0, consent_treatment=False) == (None, None)
    assert change_on(1, consent_treatment=True) == (NOW + day, None)
    assert change_on(2, contact_by_phone=True) == (NOW + day, NOW + 2 * day)
    assert change_on(3, phone="01632 960000") == (NOW + day, NOW + 2 * day)
    assert change_on(4, consent_treatment=False) == (None, NOW + 2 * day)


def test_change_client_with_an_invalid_value_names_it_and_keeps_the_stored_record(robin):
    with pytest.raises(ValidationError) as refused, transaction.atomic():
        services.change_client(
            stored=stored(robin), data={"full_name": "Robin Renamed", "phone": "ring me"}
        )

    assert set(refused.value.message_dict) == {"phone"}
    saved = stored(robin)
    assert (saved.full_name, saved.phone, saved.version) == ("Robin Example", "07700 900456", 1)


def test_change_client_leaves_fields_it_does_not_own(robin, other_therapist):
    data = {"client_number": "C99999", "therapist": other_therapist, "version": 9, "user": None}

    changes = services.change_client(stored=stored(robin), data=data)

    saved = stored(robin)
    assert changes == {}
    assert (saved.client_number, saved.therapist, saved.version) == (
        robin.client_number,
        robin.therapist,
        1,
    )


# ---- set_therapist --------------------------------------------------------------------


def test_set_therapist_points_the_record_at_the_new_therapist_and_returns_the_old(
    robin, therapist, other_therapist
):
    old = services.set_therapist(client=stored(robin), therapist=other_therapist)

    saved = stored(robin)
    assert old == therapist
    assert (saved.therapist, saved.version) == (other_therapist, 2)
    # assign_therapist audits the move, with the course, in the transaction that calls this.
    assert not AuditEvent.objects.exists()


def test_set_therapist_refuses_a_therapist_the_practice_would_not_offer(
    robin, therapist, foreign_therapist
):
    with pytest.raises(ValidationError) as refused:
        services.set_therapist(client=stored(robin), therapist=foreign_therapist)

    saved = stored(robin)
    assert refused.value.message_dict == {"therapist": [THERAPIST_NOT_IN_PRACTICE]}
    assert (saved.therapist, saved.version) == (therapist, 1)


# ---- check_submission_rate ------------------------------------------------------------

ADDRESS = "192.0.2.10"


def submit_times(count, address=ADDRESS):
    for _ in range(count):
        services.check_submission_rate(address)


@pytest.mark.usefixtures("frozen")
def test_submission_rate_allows_five_an_hour_from_one_address_and_refuses_the_sixth(db):
    submit_times(services.SUBMISSIONS_PER_WINDOW)
    before = counts(SubmissionAttempt)

    with pytest.raises(ValidationError) as refused:
        services.check_submission_rate(ADDRESS)
    services.check_submission_rate("192.0.2.11")

    assert refused.value.messages == [services.TOO_MANY_SUBMISSIONS]
    assert SubmissionAttempt.objects.filter(address=ADDRESS).count() == 5
    assert counts(SubmissionAttempt) == before | {"clients.SubmissionAttempt": 6}


def test_submission_rate_forgets_attempts_an_hour_old(frozen, db):
    submit_times(services.SUBMISSIONS_PER_WINDOW)
    frozen.shift(services.SUBMISSION_WINDOW)

    services.check_submission_rate(ADDRESS)

    assert SubmissionAttempt.objects.count() == 1


@pytest.mark.usefixtures("frozen")
def test_submission_rate_never_refuses_an_unknown_address_but_counts_it(db):
    submit_times(services.SUBMISSIONS_PER_WINDOW + 1, address=None)

    assert SubmissionAttempt.objects.filter(address=None).count() == 6


# ---- submit_self_referral -------------------------------------------------------------

SELF_REFERRAL = {
    "full_name": "Priya Example",
    "preferred_name": "Pri",
    "pronouns": "she/her",
    "date_of_birth": dt.date(1988, 3, 4),
    "email": "priya@example.test",
    "phone": "07700 900123",
    "reason": "Low mood after a bereavement; conflict with my sister.",
    "availability": "Mondays after 4pm",
    "contact_by_email": True,
    "contact_by_phone": False,
    "voicemail_ok": False,
}
PERSONAL = ("Priya", "priya@example.test", "07700 900123", "bereavement", "Mondays")


@pytest.mark.usefixtures("frozen")
def test_submit_self_referral_stores_a_new_referral_and_audits_no_personal_data(practice):
    with service_writes() as written:
        referral = services.submit_self_referral(practice=practice, data=SELF_REFERRAL)

    saved = Referral.objects.get()
    assert saved == referral
    assert (saved.practice, saved.source, saved.status, saved.received_at) == (
        practice,
        "self",
        "new",
        NOW,
    )
    assert (saved.consent_to_contact, saved.consent_to_store) == (True, True)
    assert {field: getattr(saved, field) for field in SELF_REFERRAL} == SELF_REFERRAL
    assert written.inside == {"clients_referral", "audit_auditevent"}
    assert written.outside == set()
    event = AuditEvent.objects.get()
    assert (
        event.action,
        event.actor,
        event.actor_label,
        event.practice,
        event.object_type,
        event.object_id,
        event.changes,
    ) == (
        "referral.self_submitted",
        None,
        "",
        practice,
        "clients.referral",
        str(referral.public_id),
        {},
    )
    assert not any(text in audit_text() for text in PERSONAL)


def test_submit_self_referral_takes_only_the_form_fields(practice, therapist):
    data = SELF_REFERRAL | {
        "status": "accepted",
        "source": "professional",
        "decline_reason": "Typed by someone else.",
        "decided_by": therapist,
    }

    referral = services.submit_self_referral(practice=practice, data=data)

    assert (referral.status, referral.source, referral.decline_reason, referral.decided_by) == (
        "new",
        "self",
        "",
        None,
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [({"reason": ""}, "reason"), ({"phone": "ring me"}, "phone"), ({"email": "no"}, "email")],
)
def test_submit_self_referral_refuses_invalid_data_and_writes_nothing(practice, change, field):
    before = counts(Referral)

    with pytest.raises(ValidationError) as refused:
        services.submit_self_referral(practice=practice, data=SELF_REFERRAL | change)

    assert set(refused.value.message_dict) == {field}
    assert counts(Referral) == before


# ---- create_referral ------------------------------------------------------------------


@pytest.mark.usefixtures("frozen")
def test_create_referral_is_professional_received_now_unless_told_and_audited(practice, therapist):
    data = SELF_REFERRAL | {"referrer_name": "Dr Sam Okafor", "referrer_contact": "Riverside"}

    with service_writes() as written:
        referral = services.create_referral(practice=practice, data=data, created_by=therapist)

    saved = Referral.objects.get()
    assert saved == referral
    assert (saved.source, saved.status, saved.received_at, saved.referrer_name) == (
        "professional",
        "new",
        NOW,
        "Dr Sam Okafor",
    )
    assert (saved.consent_to_contact, saved.consent_to_store) == (False, True)
    assert written.inside == {"clients_referral", "audit_auditevent"}
    assert written.outside == set()
    event = AuditEvent.objects.get()
    assert (
        event.action,
        event.actor,
        event.actor_role,
        event.practice,
        event.object_id,
        event.changes,
    ) == ("referral.create", therapist.user, "therapist", practice, str(referral.public_id), {})
    assert not any(text in audit_text() for text in (*PERSONAL, "Okafor", "Riverside"))


def test_create_referral_keeps_the_source_date_and_contact_consent_given(practice, therapist):
    received = dt.datetime(2026, 3, 20, 0, 0, tzinfo=dt.UTC)
    data = SELF_REFERRAL | {
        "source": "self",
        "received_at": received,
        "consent_to_contact": True,
    }

    referral = services.create_referral(practice=practice, data=data, created_by=therapist)

    assert (referral.source, referral.received_at, referral.consent_to_contact) == (
        "self",
        received,
        True,
    )


def test_create_referral_refuses_invalid_data_and_writes_nothing(practice, therapist):
    before = counts(Referral)

    with pytest.raises(ValidationError) as refused:
        services.create_referral(
            practice=practice, data=SELF_REFERRAL | {"source": "hearsay"}, created_by=therapist
        )

    assert set(refused.value.message_dict) == {"source"}
    assert counts(Referral) == before


# ---- mark_referral_contacted, decline_referral ----------------------------------------

DECIDED = {
    "accepted": lambda practice, by: ReferralFactory(
        practice=practice,
        status="accepted",
        client=ClientFactory(practice=practice, therapist=by),
        decided_by=by,
    ),
    "declined": lambda practice, by: ReferralFactory(
        practice=practice,
        status="declined",
        decline_reason="Lives outside our area.",
        decided_by=by,
    ),
}


@pytest.mark.usefixtures("frozen")
def test_mark_referral_contacted_records_the_date_and_audits_the_status(practice, therapist):
    referral = ReferralFactory(practice=practice)

    with service_writes() as written:
        contacted = services.mark_referral_contacted(referral=referral, by=therapist)

    saved = Referral.objects.get()
    assert contacted == saved
    assert (saved.status, saved.contacted_at) == ("contacted", NOW)
    assert written.inside == {"clients_referral", "audit_auditevent"}
    assert written.outside == set()
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.actor_role, event.object_id, event.changes) == (
        "referral.contacted",
        therapist.user,
        "therapist",
        str(referral.public_id),
        {"status": ["new", "contacted"]},
    )


def test_mark_referral_contacted_again_moves_the_date_on(frozen, practice, therapist):
    referral = ReferralFactory(practice=practice)
    services.mark_referral_contacted(referral=referral, by=therapist)
    frozen.shift(dt.timedelta(days=2))

    services.mark_referral_contacted(referral=referral, by=therapist)

    saved = Referral.objects.get()
    assert (saved.status, saved.contacted_at) == ("contacted", NOW + dt.timedelta(days=2))
    assert AuditEvent.objects.filter(action="referral.contacted").count() == 2


@pytest.mark.parametrize("status", ["accepted", "declined"])
def test_a_decided_referral_cannot_be_marked_contacted(practice, therapist, status):
    referral = DECIDED[status](practice, therapist)
    before = counts(Referral)

    with pytest.raises(ValidationError) as refused:
        services.mark_referral_contacted(referral=referral, by=therapist)

    assert refused.value.messages == [services.REFERRAL_ALREADY_DECIDED.format(status=status)]
    assert Referral.objects.get().status == status
    assert counts(Referral) == before


def test_the_stored_referral_decides_not_the_callers_copy(practice, therapist, other_therapist):
    referral = ReferralFactory(practice=practice)
    services.decline_referral(referral=referral, reason="Needs a specialist service.", by=therapist)
    before = counts(Referral)

    with pytest.raises(ValidationError) as refused:
        # `referral` still says "new": another member declined it meanwhile.
        services.mark_referral_contacted(referral=referral, by=other_therapist)

    assert refused.value.messages == [services.REFERRAL_ALREADY_DECIDED.format(status="declined")]
    assert counts(Referral) == before


@pytest.mark.usefixtures("frozen")
def test_decline_referral_keeps_the_trimmed_reason_and_audits_only_the_status(practice, admin):
    referral = ReferralFactory(practice=practice, status="contacted")

    with service_writes() as written:
        declined = services.decline_referral(
            referral=referral, reason="  Lives outside our area.  ", by=admin
        )

    saved = Referral.objects.get()
    assert declined == saved
    assert (saved.status, saved.decline_reason, saved.decided_at, saved.decided_by) == (
        "declined",
        "Lives outside our area.",
        NOW,
        admin,
    )
    assert written.inside == {"clients_referral", "audit_auditevent"}
    assert written.outside == set()
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.actor_role, event.object_id, event.changes) == (
        "referral.declined",
        admin.user,
        "admin",
        str(referral.public_id),
        {"status": ["contacted", "declined"]},
    )
    assert "outside our area" not in audit_text()


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_decline_referral_needs_a_reason(practice, therapist, reason):
    referral = ReferralFactory(practice=practice)
    before = counts(Referral)

    with pytest.raises(ValidationError) as refused:
        services.decline_referral(referral=referral, reason=reason, by=therapist)

    assert refused.value.message_dict == {"reason": [services.DECLINE_NEEDS_REASON]}
    assert Referral.objects.get().status == "new"
    assert counts(Referral) == before


@pytest.mark.parametrize("status", ["accepted", "declined"])
def test_a_decided_referral_cannot_be_declined(practice, therapist, status):
    referral = DECIDED[status](practice, therapist)
    before = counts(Referral)

    with pytest.raises(ValidationError) as refused:
        services.decline_referral(referral=referral, reason="Changed our mind.", by=therapist)

    assert refused.value.messages == [services.REFERRAL_ALREADY_DECIDED.format(status=status)]
    assert Referral.objects.get().status == status
    assert counts(Referral) == before


# ---- settle_accepted_referral, referral_client_data -----------------------------------


@pytest.mark.usefixtures("frozen")
def test_settle_accepted_referral_links_the_client_and_returns_the_old_status(
    practice, therapist, robin
):
    referral = ReferralFactory(practice=practice, status="contacted")

    with transaction.atomic():
        old = services.settle_accepted_referral(
            referral=services.lock_open_referral(referral), client=robin, by=therapist
        )

    saved = Referral.objects.get()
    assert old == "contacted"
    assert (saved.status, saved.client, saved.decided_at, saved.decided_by) == (
        "accepted",
        robin,
        NOW,
        therapist,
    )
    # accept_referral audits the acceptance, in the transaction that calls this.
    assert not AuditEvent.objects.exists()


def test_referral_client_data_carries_the_details_a_client_record_keeps(practice):
    referral = ReferralFactory(
        practice=practice,
        **SELF_REFERRAL,
        referrer_name="Dr Sam Okafor",
        referrer_contact="Riverside Surgery",
    )

    data = services.referral_client_data(referral)

    assert data == {
        "full_name": "Priya Example",
        "preferred_name": "Pri",
        "date_of_birth": dt.date(1988, 3, 4),
        "pronouns": "she/her",
        "email": "priya@example.test",
        "phone": "07700 900123",
        "referrer_name": "Dr Sam Okafor",
        "referrer_contact": "Riverside Surgery",
        "contact_by_email": True,
        "contact_by_phone": False,
        "voicemail_ok": False,
    }
    # The reason for referral is clinical: it stays with the referral.
    assert set(data) <= set(services.CLIENT_FIELDS)
