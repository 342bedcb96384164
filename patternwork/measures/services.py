"""Recording questionnaire responses, raising and acknowledging risk flags.

Every response, from the clinic, the client's portal, the API or an import, is written
by `record_responses`: one transaction holds the response, its audit event, its risk
flag (if a risk item fired), the course's outcome summary and its not-on-track flag, so a response can never
exist without the flag it calls for. A risk answer is kept and flagged even when the
rest of the questionnaire is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from patternwork.accounts.models import Membership
from patternwork.audit import services as audit
from patternwork.audit.services import record, record_row
from patternwork.clients.models import Client
from patternwork.core import erasure
from patternwork.core.concurrency import StaleEdit
from patternwork.core.prepared import PreparedInsert, PreparedRead, field_names, instances
from patternwork.measures import definitions, scoring
from patternwork.measures.models import Response, ResponseRevision, RiskFlag
from patternwork.measures.summary import score_rows, update_outcome_summary
from patternwork.measures.tracking import assess_course
from patternwork.treatment import course_changes
from patternwork.treatment import services as treatment_services
from patternwork.treatment.models import Appointment

NOT_ATTENDED = "Measures are recorded at an attended session."
NOTHING_TO_SAVE = "Answer at least one question before saving."
ACK_NEEDS_NOTE = "Write what was done about this answer."
ALREADY_ACKNOWLEDGED = "This flag has already been acknowledged."
ALREADY_SENT = "You have already sent your {code} answers for this appointment."
TOTAL_ALREADY_RECORDED = "A {code} score is already recorded for this session."
RISK_KEPT = (
    "The risk answer to {code} has been saved and flagged; complete the rest of the "
    "questionnaire to record it."
)
CLIENT_ROLE = "client"
Source = Response.Source
# Where the person answering may leave a questionnaire half-done and come back to it.
DRAFTS_KEPT = frozenset({Source.PORTAL})


@dataclass(frozen=True)
class Answers:
    """One instrument's answers from a form: item key -> option value (None: N/A)."""

    instrument: str
    values: Mapping[str, int | None]


class IncompleteSubmission(ValidationError):
    """Some questionnaires could not be recorded: nothing was scored.

    `missing` maps each instrument code to the keys of its unanswered required items;
    `saved` holds what was kept anyway (drafts, and every risk answer with its flag).
    """

    def __init__(
        self,
        messages: Mapping[str, list[str]],
        missing: Mapping[str, tuple[str, ...]],
        saved: list[Response],
    ) -> None:
        super().__init__({code: list(texts) for code, texts in messages.items()})
        self.missing = dict(missing)
        self.saved = saved


@dataclass
class _Entry:
    instrument: definitions.Instrument
    values: dict
    hits: tuple[scoring.RiskHit, ...]
    result: scoring.Score | None
    problems: list[str]
    missing: tuple[str, ...] = ()
    invalid: bool = False


def _entry(instrument: definitions.Instrument, given: Mapping[str, int | None]) -> _Entry:
    # Each answer is checked once, here: the risk items and the score are then taken
    # from the answers that passed.
    values, problems = scoring.split_valid(instrument, given)
    hits = scoring.risk_hits_checked(instrument, values)
    if problems:
        return _Entry(instrument, values, hits, None, list(problems), invalid=True)
    try:
        return _Entry(instrument, values, hits, scoring.score_checked(instrument, values), [])
    except scoring.IncompleteResponse as error:
        return _Entry(instrument, values, hits, None, [str(error)], error.missing)


def _apply_score(response: Response, result: scoring.Score) -> None:
    response.total = result.total
    response.max_total = result.max_total
    response.band = result.band.label
    response.caseness = result.caseness


def raise_risk_flags(
    response: Response,
    instrument: definitions.Instrument,
    hits: Iterable[scoring.RiskHit],
    *,
    new: bool = False,
) -> list[RiskFlag]:
    """A flag for each risk answer this response has not been flagged for, at that
    level or above.

    An acknowledged flag counts: saving the same answer again (a draft sent, a typo
    corrected elsewhere) does not raise a second flag, while a worse answer does.
    Takes the hits rather than a score, so that an unscored draft raises its flag too.
    `new`: the response was inserted in this transaction, so it has no flag yet.
    """
    hits = list(hits)
    if not hits:
        return []
    flagged = [] if new else list(response.risk_flags.values_list("item", "value"))
    flags = []
    for hit in hits:
        if any(item == hit.item and value >= hit.value for item, value in flagged):
            continue
        item = instrument.item(hit.item)
        label = next(o.label for o in item.options if o.value == hit.value)
        flags.append(
            RiskFlag.objects.create(
                practice_id=response.practice_id,
                client_id=response.client_id,
                course_id=response.course_id,
                response=response,
                instrument=instrument.code,
                item=hit.item,
                item_text=item.text[:300],
                value=hit.value,
                value_label=label,
                raised_at=timezone.now(),
            )
        )
    return flags


def _actor(by: Membership | None, user) -> tuple[object, str]:
    if by is not None:
        return by.user, by.role
    return user, CLIENT_ROLE


def record_responses(
    *,
    appointment: Appointment,
    answers: Iterable[Answers],
    source: str,
    by: Membership | None = None,
    user=None,
    submit: bool = True,
    versions: Mapping[str, int] | None = None,
    guard: Callable[[Appointment], None] | None = None,
) -> list[Response]:
    """Record the questionnaires given for one appointment, from any source.

    `by` is the staff member entering them (clinic, api, import); for the client's own
    answers (portal) `user` is the client's login. Each instrument is scored by the pure
    scorer. When every one given is complete and valid (and `submit` is true) they are
    all recorded as complete; an existing response is corrected in place and keeps its
    earlier answers as a revision, and `versions` (the versions the editor started
    from) guard against overwriting someone else's save (StaleEdit).

    Otherwise (or with `submit` false: a draft, or a form with errors of its own) nothing
    is scored, and on a submission IncompleteSubmission names the problems. Answers are
    still kept, in the same transaction as their flags: as drafts where the source keeps
    drafts (the portal), and on every path for a questionnaire holding a risk answer, so
    a risk answer is never lost and always flagged.

    Staff record at an attended appointment. `guard(appointment)` adds the caller's own
    rule (the portal's answering window); both run again on the locked appointment, in
    case it was moved or cancelled since the page was shown.
    """
    return _record(
        appointment=appointment,
        answers=answers,
        source=source,
        by=by,
        user=user,
        submit=submit,
        versions=versions,
        guard=guard,
        locked=False,
    )


def _record(*, appointment, answers, source, by, user, submit, versions, guard, locked):
    """`record_responses`; `locked`: the appointment was read under its course's lock in
    this transaction (with that course), and an error here ends the whole transaction."""
    if source not in Source.values:
        raise ValueError(f"unknown source {source!r}")
    if (by is None) == (user is None):
        raise ValueError("give exactly one of by (staff) or user (client)")
    _check_appointment(appointment, source, guard)
    entries = []
    for given in answers:
        # A blank questionnaire is not recorded, except when the client sends it.
        if given.values or (submit and source in DRAFTS_KEPT):
            instrument = definitions.get_instrument(given.instrument)
            entries.append(_entry(instrument, given.values))
    entries = [e for e in entries if e.values or e.problems]
    if not entries:
        raise ValidationError(NOTHING_TO_SAVE, code="nothing")
    refused = [e for e in entries if e.problems]
    final = submit and not refused
    if final:
        keep = entries
    else:
        # Nothing is scored; what was answered is kept as a draft (the portal), and a
        # risk answer on every path.
        keep = [e for e in entries if e.values and (source in DRAFTS_KEPT or e.hits)]
    saved = _write(
        appointment=appointment,
        guard=guard,
        entries=keep,
        source=source,
        by=by,
        user=user,
        final=final,
        versions=versions or {},
        locked=locked,
    )
    # Missing answers are fine in a draft; an answer that is not an option never is.
    if refused and (submit or any(e.invalid for e in refused)):
        messages = {e.instrument.code: list(e.problems) for e in refused}
        for entry in keep:
            if entry.hits and source not in DRAFTS_KEPT:
                messages.setdefault(entry.instrument.code, []).append(
                    RISK_KEPT.format(code=entry.instrument.code)
                )
        raise IncompleteSubmission(
            messages, {e.instrument.code: e.missing for e in refused if e.missing}, saved
        )
    return saved


def record_attended_session(
    *,
    appointment: Appointment,
    answers: Iterable[Answers],
    by: Membership,
    versions: Mapping[str, int] | None = None,
) -> tuple[Appointment, list[Response]]:
    """Record that the client came and the questionnaires given at the session, at once.

    One transaction holds the attendance (`treatment.services.mark_attended`, audited as
    `appointment.attended`) and the responses (`record_responses` from the clinic, each
    audited with its risk flag); the course's outcome summary is refreshed once, at the
    end of it, so it sees both. A submission refused as incomplete still commits the
    attendance with whatever `record_responses` keeps (a risk answer and its flag), then
    raises IncompleteSubmission as `record_responses` does; any other refusal (a session
    not yet held, a stale edit) records nothing.
    """
    incomplete = None
    # The audit events are chained at the end of the block in one step, and the course's
    # listeners run inside that block so that their events join it. Neither step below
    # opens a savepoint: any error but an incomplete submission (raised after the
    # responses' writes are done) ends the whole transaction, so none is needed.
    with transaction.atomic(), audit.batched(), course_changes.batched():
        appointment = treatment_services.mark_attended(
            appointment=appointment, actor=by, savepoint=False
        )
        try:
            saved = _record(
                appointment=appointment,
                answers=answers,
                source=Source.CLINIC,
                by=by,
                user=None,
                submit=True,
                versions=versions,
                guard=None,
                locked=True,
            )
        except IncompleteSubmission as refused:
            incomplete, saved = refused, refused.saved
    if incomplete is not None:
        raise incomplete
    return appointment, saved


def _check_appointment(appointment: Appointment, source: str, guard) -> None:
    if source != Source.PORTAL and appointment.status != Appointment.Status.ATTENDED:
        # The client fills theirs in before the session; staff record what was given at it.
        raise ValidationError(NOT_ATTENDED)
    if guard is not None:
        guard(appointment)


# The appointment's responses, locked: a prepared read (built once; every questionnaire
# write runs it). All of them rather than the instruments given, so that its SQL never
# changes; the few others are left alone (and on PostgreSQL locked with them, under
# the course's lock that every writer of this appointment already holds).
_appointment_responses = PreparedRead(
    lambda appointment_id: (
        Response.objects.select_for_update()
        .filter(appointment_id=appointment_id)
        .values_list(*field_names(Response))
    ),
    int,
)


_insert_responses = PreparedInsert(Response)

# The appointment a questionnaire write is for, locked, with its course and practice;
# and whether it holds a response to an instrument. Prepared reads (built once): every
# score written runs them, a caseload import once for each imported score.
_locked_appointment_read = PreparedRead(
    lambda appointment_id: (
        Appointment.objects.select_for_update()
        .select_related("course__practice")
        .filter(pk=appointment_id)
    ),
    int,
)
_response_of = PreparedRead(
    lambda appointment_id, code: Response.objects.filter(
        appointment_id=appointment_id, instrument=code
    ).values_list("id")[:1],
    int,
    str,
)


def _locked_appointment(appointment_id: int) -> Appointment:
    found = _locked_appointment_read.rows(appointment_id)
    if not found:
        raise Appointment.DoesNotExist("Appointment matching query does not exist.")
    return found[0]


def _write(
    *, appointment, guard, entries, source, by, user, final, versions, locked
) -> list[Response]:
    if not entries:
        return []
    actor, role = _actor(by, user)
    saved = []
    with transaction.atomic(savepoint=not locked):
        if not locked:
            appointment = _locked_appointment(appointment.pk)
        _check_appointment(appointment, source, guard)
        course = appointment.course
        codes = {e.instrument.code for e in entries}
        existing = {
            r.instrument: r
            for r in instances(Response, _appointment_responses(appointment.pk))
            if r.instrument in codes
        }
        written = []
        for entry in entries:
            response = existing.get(entry.instrument.code)
            before = (response.status, response.total) if response else (None, None)
            changed = _write_one(
                entry, response, appointment, course, source, by, user, final, versions
            )
            written.append((entry, before, changed, changed or response))
        # The new responses are inserted together; a corrected one was saved in place.
        _insert_responses(
            [response for _, before, changed, response in written if changed and before[0] is None]
        )
        for entry, before, changed, response in written:
            flags = raise_risk_flags(
                response,
                entry.instrument,
                entry.hits,
                new=changed is not None and before[0] is None,
            )
            if changed or flags:
                _audit(response, before, entry, source, final, flags, actor, role, course)
            saved.append(response)
        if final:
            _scores_changed(course)
    return saved


def _scores_changed(course) -> None:
    """Refresh the outcome summary and the not-on-track flag after a score write, in its
    transaction (or at the end of the enclosing `course_changes.batched()` block).

    Both are taken from one read of the course's scores; a refresh of the summary that
    an attendance recorded in the same block asked for is done by this one.
    """
    course_changes.run_once(_refresh_after_scores, course, covers=update_outcome_summary)


def _refresh_after_scores(course) -> None:
    scores = score_rows(course)
    update_outcome_summary(course, scores=scores)
    # The not-on-track flag follows the score in the same transaction.
    assess_course(course, scores=scores)


def _write_one(
    entry, response, appointment, course, source, by, user, final, versions
) -> Response | None:
    """Save one instrument's answers; None when the stored response stays as it is."""
    instrument = entry.instrument
    now = timezone.now()
    if response is None:
        response = Response(
            practice_id=course.practice_id,
            client_id=course.client_id,
            course=course,
            appointment=appointment,
            instrument=instrument.code,
            source=source,
            status=Response.Status.DRAFT,
            entered_by=by,
            submitted_by=user,
        )
    elif response.status == Response.Status.COMPLETE:
        if user is not None:
            # The client's answers are locked once sent; the clinic corrects them.
            raise ValidationError(ALREADY_SENT.format(code=instrument.code), code="sent")
        if not final:
            # A complete response is never turned back into a draft: only a risk answer
            # reaches here, and its flag (raised by the caller) is what must not be lost.
            return None
        expected = versions.get(instrument.code)
        if expected is not None and expected != response.version:
            raise StaleEdit(current_version=response.version)
        if response.answers == entry.values:
            return None
        ResponseRevision.objects.create(
            response=response,
            version=response.version,
            answers=response.answers,
            total=response.total,
            changed_by=by,
            changed_at=now,
        )
        response.version += 1
    else:
        response.version += 1
    response.answers = entry.values
    response.instrument_version = instrument.version
    if final:
        response.status = Response.Status.COMPLETE
        # A session's questionnaires are dated by the session, the client's by sending.
        response.completed_at = response.completed_at or (
            now if user is not None else appointment.starts_at
        )
        _apply_score(response, entry.result)
    if response.pk is not None:
        response.save()
    # A new response is left unsaved here: the caller inserts the new ones together.
    return response


def _action(source: str, final: bool, old_status: str | None) -> str:
    if source == Source.PORTAL:
        return "measure.portal_submit" if final else "measure.portal_draft"
    if not final:
        return "measure.risk_answer_kept"
    return "measure.edit" if old_status == Response.Status.COMPLETE else "measure.record"


def _audit(response, before, entry, source, final, flags, actor, role, course) -> None:
    old_status, old_total = before
    changes = {
        "instrument": entry.instrument.code,
        "source": source,
        "status": [old_status, response.status],
        "answered": len(entry.values),
    }
    if final:
        changes["total"] = [old_total, response.total]
    if flags:
        changes["risk_flags_raised"] = len(flags)
    record_row(
        action=_action(source, final, old_status),
        actor=actor,
        actor_role=role,
        practice=course.practice,
        obj=response,
        changes=changes,
    )


def record_total(
    *, appointment: Appointment, instrument: str, total: int, by: Membership
) -> Response:
    """Record a questionnaire total without its item answers, at an attended session.

    For scores carried over from the system a practice used before (source "import"):
    only the total was kept there, so the response holds no answers and no risk flag can
    be raised from it (whether item 9 of a past PHQ-9 was answered is not known; the
    caseload import documentation says so). Band and caseness come from the pure
    scorer. One response per instrument and session, as for any response; the course's
    outcome summary is refreshed and the write audited as `measure.record_total` in the
    same transaction.
    """
    definition = definitions.get_instrument(instrument)
    try:
        result = scoring.score_total(definition, total)
    except scoring.InvalidResponse as error:
        raise ValidationError({"total": list(error.problems)}) from None
    with transaction.atomic():
        appointment = _locked_appointment(appointment.pk)
        _check_appointment(appointment, Source.IMPORT, None)
        course = appointment.course
        if _response_of(appointment.pk, definition.code):
            raise ValidationError(
                {"total": TOTAL_ALREADY_RECORDED.format(code=definition.code)}, code="exists"
            )
        response = Response(
            practice_id=course.practice_id,
            client_id=course.client_id,
            course=course,
            appointment=appointment,
            instrument=definition.code,
            instrument_version=definition.version,
            source=Source.IMPORT,
            status=Response.Status.COMPLETE,
            completed_at=appointment.starts_at,
            answers={},
            entered_by=by,
        )
        _apply_score(response, result)
        response.save()
        _scores_changed(course)
        record(
            action="measure.record_total",
            actor=by.user,
            actor_role=by.role,
            practice=course.practice,
            obj=response,
            changes={
                "instrument": definition.code,
                "source": Source.IMPORT,
                "total": [None, response.total],
            },
        )
    return response


def acknowledge_flag(*, flag: RiskFlag, note: str, actor: Membership) -> RiskFlag:
    """Record that a clinician has seen the risk answer and what was done about it."""
    if not note.strip():
        raise ValidationError({"note": ACK_NEEDS_NOTE})
    with transaction.atomic():
        flag = RiskFlag.objects.select_for_update().get(pk=flag.pk)
        if flag.acknowledged_at is not None:
            raise ValidationError(ALREADY_ACKNOWLEDGED)
        flag.acknowledged_at = timezone.now()
        flag.acknowledged_by = actor
        flag.action_note = note.strip()
        flag.save(update_fields=["acknowledged_at", "acknowledged_by", "action_note", "updated_at"])
        record(
            action="risk_flag.acknowledge",
            actor=actor.user,
            actor_role=actor.role,
            practice=flag.practice,
            obj=flag,
            changes={"action_note": "[changed]"},
        )
    return flag


def erase_client_rows(*, client: Client) -> erasure.Erased:
    """Delete the measures app's rows of the client's record, and their files after the commit.

    For the retention purge (`interop.retention.purge`), which calls each app's eraser,
    highest app first, inside one transaction and writes the record's audit stub there.
    """
    return erasure.erase_owned(client, app_label="measures")
