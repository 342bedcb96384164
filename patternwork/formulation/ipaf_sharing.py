"""The client as co-author of the IPAF: sharing a version, the client's reply and agreement.

The therapist shares a version on the portal; the client reads it in plain words and
either answers in their own words or marks it agreed. Agreement records who, when and
which version, and whether it came from the portal or was recorded by the therapist in
a session (`services.mark_ipaf_agreed`). Every write is audited in its transaction.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patternwork.accounts.models import Membership, User
from patternwork.audit.services import MASKED, record
from patternwork.formulation.models import AgreedVia, IpafReply, IpafVersion
from patternwork.treatment.models import Course

CLIENT_ROLE = "client"
REPLY_MAX_LENGTH = 5000

# Refusals the client reads on the portal address the client.
NOT_SHARED = _("Your therapist has not shared this with you.")
NEWER_SHARED = _(
    "Your therapist has shared a newer version since; please read that one and answer there."
)
ALREADY_AGREED = _("You have already agreed to this version.")
COURSE_CLOSED = _("Your course has ended, so this can no longer be changed here.")
REPLY_EMPTY = _("Write a few words about what fits or does not fit.")
REPLY_TOO_LONG = _("Please keep your reply under 5,000 characters.")
FIT_UNKNOWN = _("Choose how well it fits.")
ALREADY_SHARED = _("This version is already shared with the client.")
SHARE_ENDED = _("The course has ended; nothing more is shared in it.")


def _check_client_may_answer(version: IpafVersion) -> None:
    if version.shared_at is None:
        raise ValidationError(NOT_SHARED)
    if version.course.state == Course.State.ENDED:
        raise ValidationError(COURSE_CLOSED)
    newer = IpafVersion.objects.filter(
        course_id=version.course_id, number__gt=version.number, shared_at__isnull=False
    )
    if newer.exists():
        raise ValidationError(NEWER_SHARED)


def share_ipaf(*, version: IpafVersion, by: Membership) -> IpafVersion:
    """Show this version to the client on the portal. Audits `ipaf.share`."""
    with transaction.atomic():
        stored = IpafVersion.objects.select_for_update().select_related("course").get(pk=version.pk)
        if stored.course.state == Course.State.ENDED:
            raise ValidationError(SHARE_ENDED)
        if stored.shared_at is not None:
            raise ValidationError(ALREADY_SHARED)
        stored.shared_at = timezone.now()
        stored.shared_by = by
        stored.save(update_fields=["shared_at", "shared_by", "updated_at"])
        record(
            action="ipaf.share",
            actor=by.user,
            actor_role=by.role,
            practice=by.practice,
            obj=stored,
            changes={"number": stored.number, "shared": [False, True]},
        )
    return stored


def agree_on_portal(*, version: IpafVersion, user: User) -> IpafVersion:
    """The client agrees to a shared version on the portal: who, when and which version
    are recorded on it. Audits `ipaf.agree` with the client as the actor."""
    with transaction.atomic():
        stored = IpafVersion.objects.select_for_update().select_related("course").get(pk=version.pk)
        _check_client_may_answer(stored)
        if stored.agreed_via == AgreedVia.PORTAL:
            raise ValidationError(ALREADY_AGREED)
        now = timezone.now()
        old = stored.agreed_on
        # An agreement the therapist already recorded in a session keeps its date: the
        # milestone (agreed by the end of the initial phase) counts from the first one.
        stored.agreed_on = old or timezone.localdate(now)
        stored.agreed_at = now
        stored.agreed_via = AgreedVia.PORTAL
        stored.agreed_by = user
        stored.save(
            update_fields=["agreed_on", "agreed_at", "agreed_via", "agreed_by", "updated_at"]
        )
        record(
            action="ipaf.agree",
            actor=user,
            actor_role=CLIENT_ROLE,
            practice=stored.practice,
            obj=stored,
            changes={
                "agreed_on": [old and old.isoformat(), stored.agreed_on.isoformat()],
                "via": AgreedVia.PORTAL.value,
                "number": stored.number,
            },
        )
    return stored


def reply_on_portal(*, version: IpafVersion, user: User, fit: str, body: str) -> IpafReply:
    """Keep the client's answer to a shared version. Audits `ipaf.reply` (text masked)."""
    body = (body or "").strip()
    if fit not in IpafReply.Fit.values:
        raise ValidationError({"fit": FIT_UNKNOWN})
    if fit != IpafReply.Fit.FITS and not body:
        raise ValidationError({"body": REPLY_EMPTY})
    if len(body) > REPLY_MAX_LENGTH:
        raise ValidationError({"body": REPLY_TOO_LONG})
    with transaction.atomic():
        stored = (
            IpafVersion.objects.select_for_update()
            .select_related("course__client")
            .get(pk=version.pk)
        )
        _check_client_may_answer(stored)
        reply = IpafReply.objects.create(
            practice_id=stored.practice_id,
            version=stored,
            client=stored.course.client,
            fit=fit,
            body=body,
        )
        record(
            action="ipaf.reply",
            actor=user,
            actor_role=CLIENT_ROLE,
            practice=stored.practice,
            obj=reply,
            changes={"number": stored.number, "fit": fit, "body": MASKED if body else None},
        )
    return reply
