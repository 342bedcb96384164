"""Writes to clients and referrals. Each one audits inside its own transaction."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patternwork.accounts.models import Membership, Practice
from patternwork.accounts.selectors import active_clinicians
from patternwork.audit.services import diff, record
from patternwork.clients.models import Client, Referral, SubmissionAttempt
from patternwork.core import erasure

CLIENT_FIELDS = (
    "full_name",
    "preferred_name",
    "date_of_birth",
    "pronouns",
    "email",
    "phone",
    "address",
    "gp_name",
    "gp_practice",
    "gp_contact",
    "referrer_name",
    "referrer_contact",
    "emergency_contact_name",
    "emergency_contact_relationship",
    "emergency_contact_phone",
    "consent_treatment",
    "contact_by_email",
    "contact_by_phone",
    "contact_by_sms",
    "contact_by_letter",
    "voicemail_ok",
    "share_with_referrer",
    "status",
)
CONTACT_CONSENT_FIELDS = (
    "contact_by_email",
    "contact_by_phone",
    "contact_by_sms",
    "contact_by_letter",
    "voicemail_ok",
)
REFERRAL_FIELDS = (
    "full_name",
    "preferred_name",
    "date_of_birth",
    "pronouns",
    "email",
    "phone",
    "reason",
    "availability",
    "contact_by_email",
    "contact_by_phone",
    "voicemail_ok",
    "referrer_name",
    "referrer_contact",
)
# Free text that may carry clinical detail: audited as "changed", never by value.
SENSITIVE = {"reason", "address", "gp_contact", "referrer_contact"}

CLOSE_WITH_OPEN_FLAGS = (
    "This client has risk answers that no clinician has acknowledged. Acknowledge them "
    "first, or give your reason for closing the record with them open."
)
THERAPIST_NOT_IN_PRACTICE = "Choose an active therapist of this practice."
REFERRAL_ALREADY_DECIDED = "This referral has already been {status}."
DECLINE_NEEDS_REASON = "Give the reason for declining."
TOO_MANY_SUBMISSIONS = (
    "We have received several forms from your connection in a short time. Please wait an hour "
    "and try again, or telephone the practice."
)
SUBMISSION_WINDOW = timedelta(hours=1)
SUBMISSIONS_PER_WINDOW = 5


def check_therapist(practice: Practice, therapist: Membership | None) -> None:
    """Refuse a therapist the practice's choice lists would not offer."""
    if therapist is None:
        return
    if not active_clinicians(practice).filter(pk=therapist.pk).exists():
        raise ValidationError({"therapist": THERAPIST_NOT_IN_PRACTICE})


def _next_client_number(practice: Practice) -> str:
    # The practice row is the counter; locking it makes numbers unique under concurrency.
    locked = Practice.objects.select_for_update().get(pk=practice.pk)
    number = locked.next_client_number
    Practice.objects.filter(pk=practice.pk).update(next_client_number=F("next_client_number") + 1)
    return f"C{number:05d}"


def _apply_consent_times(client: Client, before: dict, now) -> None:
    if client.consent_treatment != before.get("consent_treatment"):
        client.consent_treatment_at = now if client.consent_treatment else None
    if any(getattr(client, f) != before.get(f) for f in CONTACT_CONSENT_FIELDS):
        client.consent_contact_at = now


def build_client(*, practice: Practice, data: dict, therapist: Membership | None) -> Client:
    """Save a new numbered client record. The caller's transaction writes the audit event
    (client intake in `treatment.services.intake`, which also opens the course).

    `external_id` in data keeps the client's id in a previous system (the caseload
    import); it is set only here, never changed by a form.
    """
    check_therapist(practice, therapist)
    client = Client(practice=practice, therapist=therapist)
    for field in (*CLIENT_FIELDS, "external_id"):
        if field in data:
            setattr(client, field, data[field])
    client.client_number = _next_client_number(practice)
    _apply_consent_times(client, {}, timezone.now())
    client.full_clean()
    client.save()
    return client


def _close_override(client: Client, reason: str) -> dict:
    """Check a closing record's open risk flags; keep the override reason they call for.

    A record closes over open flags only with a reason, kept with the number of flags on
    the record and in the audit event; reopening the record clears them.
    """
    if client.status != Client.Status.CLOSED:
        client.close_override_flags, client.close_override_reason = 0, ""
        return {}
    open_flags = client.risk_flags.open().count()
    if open_flags and not reason:
        raise ValidationError(
            {
                "close_override_reason": ValidationError(
                    CLOSE_WITH_OPEN_FLAGS, code="open_risk_flags"
                )
            }
        )
    client.close_override_flags = open_flags
    client.close_override_reason = reason if open_flags else ""
    if not open_flags:
        return {}
    return {"open_risk_flags_overridden": open_flags, "close_override_reason": "[changed]"}


def change_client(*, stored: Client, data: dict, close_override_reason: str = "") -> dict:
    """Apply a form's changes to a locked client record and save it; return the changes.

    Closing the record while risk flags are unacknowledged is refused unless
    close_override_reason says why. Called by `treatment.services.intake.update_client`,
    which also checks the record's courses and writes the audit event in the same
    transaction. Nothing is saved when nothing changed.
    """
    before = {field: getattr(stored, field) for field in CLIENT_FIELDS}
    for field in CLIENT_FIELDS:
        if field in data:
            setattr(stored, field, data[field])
    after = {field: getattr(stored, field) for field in CLIENT_FIELDS}
    changes = diff(before, after, sensitive=SENSITIVE)
    if not changes:
        return {}
    if "status" in changes:
        changes |= _close_override(stored, close_override_reason.strip())
    _apply_consent_times(stored, before, timezone.now())
    stored.version += 1
    stored.full_clean()
    stored.save()
    return changes


def check_submission_rate(address: str | None) -> None:
    """Refuse a public submission beyond the per-address hourly limit (no outside service)."""
    now = timezone.now()
    with transaction.atomic():
        SubmissionAttempt.objects.filter(at__lte=now - SUBMISSION_WINDOW).delete()
        if address and (
            SubmissionAttempt.objects.filter(
                address=address, at__gt=now - SUBMISSION_WINDOW
            ).count()
            >= SUBMISSIONS_PER_WINDOW
        ):
            raise ValidationError(TOO_MANY_SUBMISSIONS)
        SubmissionAttempt.objects.create(address=address, at=now)


def submit_self_referral(*, practice: Practice, data: dict) -> Referral:
    """Store a self-referral from the public page. Consent was checked by the form."""
    with transaction.atomic():
        referral = Referral(
            practice=practice,
            source=Referral.Source.SELF,
            received_at=timezone.now(),
            consent_to_contact=True,
            consent_to_store=True,
        )
        for field in REFERRAL_FIELDS:
            if field in data:
                setattr(referral, field, data[field])
        referral.full_clean()
        referral.save()
        record(action="referral.self_submitted", practice=practice, obj=referral)
    return referral


def create_referral(*, practice: Practice, data: dict, created_by: Membership) -> Referral:
    """Enter a referral received another way (GP letter, telephone...)."""
    with transaction.atomic():
        referral = Referral(
            practice=practice,
            source=data.get("source") or Referral.Source.PROFESSIONAL,
            received_at=data.get("received_at") or timezone.now(),
            consent_to_contact=bool(data.get("consent_to_contact")),
            consent_to_store=True,
        )
        for field in REFERRAL_FIELDS:
            if field in data:
                setattr(referral, field, data[field])
        # The practice is the caller's own and the public id new: no query checks them.
        referral.full_clean(exclude=["practice", "public_id"])
        referral.save()
        record(
            action="referral.create",
            actor=created_by.user,
            actor_role=created_by.role,
            practice=practice,
            obj=referral,
        )
    return referral


def lock_open_referral(referral: Referral) -> Referral:
    stored = Referral.objects.select_for_update().get(pk=referral.pk)
    if stored.status in {Referral.Status.ACCEPTED, Referral.Status.DECLINED}:
        raise ValidationError(
            REFERRAL_ALREADY_DECIDED.format(status=stored.get_status_display().lower())
        )
    return stored


def mark_referral_contacted(*, referral: Referral, by: Membership) -> Referral:
    with transaction.atomic():
        stored = lock_open_referral(referral)
        old = stored.status
        stored.status = Referral.Status.CONTACTED
        stored.contacted_at = timezone.now()
        stored.save(update_fields=["status", "contacted_at", "updated_at"])
        record(
            action="referral.contacted",
            actor=by.user,
            actor_role=by.role,
            practice=stored.practice,
            obj=stored,
            changes={"status": [old, stored.status]},
        )
    return stored


def decline_referral(*, referral: Referral, reason: str, by: Membership) -> Referral:
    if not reason.strip():
        raise ValidationError({"reason": DECLINE_NEEDS_REASON})
    with transaction.atomic():
        stored = lock_open_referral(referral)
        old = stored.status
        stored.status = Referral.Status.DECLINED
        stored.decline_reason = reason.strip()
        stored.decided_at = timezone.now()
        stored.decided_by = by
        stored.save(
            update_fields=["status", "decline_reason", "decided_at", "decided_by", "updated_at"]
        )
        record(
            action="referral.declined",
            actor=by.user,
            actor_role=by.role,
            practice=stored.practice,
            obj=stored,
            changes={"status": [old, stored.status]},
        )
    return stored


def settle_accepted_referral(*, referral: Referral, client: Client, by: Membership) -> str:
    """Mark a locked, open referral accepted for `client`; return its previous status.

    Called by client intake inside its transaction, which writes the audit event.
    """
    old = referral.status
    referral.status = Referral.Status.ACCEPTED
    referral.client = client
    referral.decided_at = timezone.now()
    referral.decided_by = by
    referral.save(update_fields=["status", "client", "decided_at", "decided_by", "updated_at"])
    return old


def referral_client_data(referral: Referral) -> dict:
    """The client-record fields a referral already carries."""
    return {
        "full_name": referral.full_name,
        "preferred_name": referral.preferred_name,
        "date_of_birth": referral.date_of_birth,
        "pronouns": referral.pronouns,
        "email": referral.email,
        "phone": referral.phone,
        "referrer_name": referral.referrer_name,
        "referrer_contact": referral.referrer_contact,
        "contact_by_email": referral.contact_by_email,
        "contact_by_phone": referral.contact_by_phone,
        "voicemail_ok": referral.voicemail_ok,
    }


def set_therapist(*, client: Client, therapist: Membership) -> Membership | None:
    """Point a locked client record at a new therapist; return the previous one.

    Called by reassignment in `treatment.services.intake`, which moves the open course
    with it and writes the audit event in the same transaction.
    """
    check_therapist(client.practice, therapist)
    old = client.therapist
    client.therapist = therapist
    client.version += 1
    client.save(update_fields=["therapist", "version", "updated_at"])
    return old


def set_appointment_reminders(*, client: Client, enabled: bool, by) -> bool:
    """Switch the client's appointment reminders on or off (the client's own choice on the
    portal); audit it as `client.reminders`. Returns whether anything changed.

    Called by `messaging.services.set_reminder_preference`, which queues or withdraws the
    reminders in the same transaction.
    """
    with transaction.atomic():
        stored = Client.objects.select_for_update().get(pk=client.pk)
        if stored.appointment_reminders == enabled:
            return False
        stored.appointment_reminders = enabled
        stored.save(update_fields=["appointment_reminders", "updated_at"])
        record(
            action="client.reminders",
            actor=by,
            actor_role="client",
            practice=stored.practice,
            obj=stored,
            changes={"appointment_reminders": [not enabled, enabled]},
        )
    client.appointment_reminders = enabled
    return True


DEATH_BEFORE_BIRTH = _("The date of death cannot be before the date of birth.")
DEATH_SOURCE_UNKNOWN = _("Choose how the practice learned of the death.")


def record_death(*, client: Client, died_on, by: Membership, source: str = "") -> Client:
    """Record (or correct, or with None remove) the date of a client's death, which starts
    the shorter retention period, with who recorded it, when, and its source.

    Audits `client.death` with the date and source that changed.
    """
    if source not in ("", *Client.DeathSource.values):
        raise ValidationError({"death_source": DEATH_SOURCE_UNKNOWN})
    with transaction.atomic():
        stored = Client.objects.select_for_update().get(pk=client.pk)
        if died_on is not None and died_on < stored.date_of_birth:
            raise ValidationError({"died_on": DEATH_BEFORE_BIRTH})
        before = {"died_on": _iso(stored.died_on), "death_source": stored.death_source}
        stored.died_on = died_on
        stored.death_source = source if died_on is not None else ""
        stored.death_recorded_by = by if died_on is not None else None
        stored.death_recorded_at = timezone.now() if died_on is not None else None
        stored.save(
            update_fields=[
                "died_on",
                "death_source",
                "death_recorded_by",
                "death_recorded_at",
                "updated_at",
            ]
        )
        record(
            action="client.death",
            actor=by.user,
            actor_role=by.role,
            practice=stored.practice,
            obj=stored,
            changes=diff(
                before, {"died_on": _iso(stored.died_on), "death_source": stored.death_source}
            ),
        )
    return stored


def _iso(day) -> str | None:
    return day.isoformat() if day else None


def erase_client_rows(*, client: Client) -> erasure.Erased:
    """Delete the clients app's rows of the client's record, the client row itself last, and their files after the commit.

    For the retention purge (`interop.retention.purge`), which calls each app's eraser,
    highest app first, inside one transaction and writes the record's audit stub there.
    """
    return erasure.erase_owned(client, app_label="clients")
