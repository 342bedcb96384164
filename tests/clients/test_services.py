import pytest
from django.core.exceptions import ValidationError

from patternwork.accounts.models import Membership
from patternwork.audit.models import AuditEvent
from patternwork.clients.services import (
    CLOSE_WITH_OPEN_FLAGS,
    THERAPIST_NOT_IN_PRACTICE,
    check_therapist,
)
from patternwork.measures.services import acknowledge_flag
from patternwork.treatment.services import intake
from tests.factories import MembershipFactory, RiskFlagFactory

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
