"""No clinical free text reaches the audit log, the logs, error output or the outbox.

1,000 unique canary strings go into note, episode, IPAF, letter, journal and assessment
bodies through the services (creates, edits, refused edits), the worker sends what it
has queued, and then every place text can leak to is searched.
"""

import datetime as dt
import json
import logging

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from patternwork.audit.models import AuditEvent
from patternwork.core.concurrency import StaleEdit
from patternwork.formulation import journal_services
from patternwork.formulation import services as formulation
from patternwork.formulation.ipaf import IPAF_FIELDS
from patternwork.letters import services as letters
from patternwork.messaging import dispatch
from patternwork.messaging.models import Message
from patternwork.treatment import services as treatment
from patternwork.treatment.models import Appointment
from patternwork.treatment.services import assessment as assessments
from tests.factories import ClientFactory, CourseFactory, UserFactory

CANARIES = [f"zqcanary{n:04d}x{(n * 7919) % 10007:05d}" for n in range(1000)]
PER_BODY = 25
TODAY = dt.date(2026, 4, 1)


def bodies():
    """The canaries in bodies of PER_BODY each: 40 bodies in all."""
    for start in range(0, len(CANARIES), PER_BODY):
        yield " ".join(CANARIES[start : start + PER_BODY])


def write_everything(course, therapist, texts):
    sessions = list(
        course.appointments.filter(status=Appointment.Status.ATTENDED).order_by("starts_at")
    )
    # Session notes: a draft, an edit, a refused stale edit, a signature and an amendment.
    note = treatment.save_note(
        appointment=sessions[0],
        answers={},
        body=next(texts),
        expected_version=None,
        actor=therapist,
    )
    note = treatment.save_note(
        appointment=sessions[0],
        answers={},
        body=next(texts),
        expected_version=note.version,
        actor=therapist,
    )
    with pytest.raises(StaleEdit) as stale:
        treatment.save_note(
            appointment=sessions[0],
            answers={},
            body=next(texts),
            expected_version=0,
            actor=therapist,
        )
    errors = [str(stale.value)]
    note = treatment.sign_note(note=note, expected_version=note.version, actor=therapist)
    treatment.amend_note(note=note, body=next(texts), actor=therapist)
    for appointment in sessions[1:4]:
        treatment.save_note(
            appointment=appointment,
            answers={},
            body=next(texts),
            expected_version=None,
            actor=therapist,
        )
    # Episodes: logged, then edited.
    episodes = []
    for _ in range(4):
        text = next(texts)
        data = {"when": "current", "account": text, "wish": text, "ro": text, "rs": text}
        episodes.append(
            formulation.log_episode(
                course=course,
                data=data,
                person=None,
                with_therapist=True,
                categories={},
                by=therapist,
            )
        )
    formulation.update_episode(
        episode=episodes[0],
        data={"when": "current", "account": next(texts)},
        person=None,
        with_therapist=True,
        categories={},
        by=therapist,
    )
    # IPAF versions.
    for _ in range(3):
        text = next(texts)
        formulation.save_ipaf(
            course=course,
            data=dict.fromkeys(IPAF_FIELDS, text),
            episodes=episodes[:1],
            by=therapist,
        )
    # The goodbye letter: drafts, a refused stale save, sharing.
    letter = letters.start_letter(course=course, by=therapist)
    for _ in range(3):
        letter = letters.save_letter(
            letter=letter, body=next(texts), expected_version=letter.version, by=therapist
        )
    with pytest.raises(StaleEdit) as stale:
        letters.save_letter(letter=letter, body=next(texts), expected_version=0, by=therapist)
    errors.append(str(stale.value))
    letters.share_letter(letter=letter, expected_version=letter.version, by=therapist)
    # The client's journal: written, edited, shared (which emails the therapist).
    client = course.client
    client.user = UserFactory(full_name="Jo Portal")
    client.save(update_fields=["user"])
    for _ in range(4):
        entry = journal_services.write_entry(
            client=client,
            course=course,
            written_on=TODAY,
            answers={"moment": next(texts)},
            body=next(texts),
            user=client.user,
        )
    entry = journal_services.update_entry(
        entry=entry,
        written_on=TODAY,
        answers={"moment": next(texts)},
        body=next(texts),
        expected_version=entry.version,
        user=client.user,
    )
    journal_services.share_entry(entry=entry, user=client.user)
    # An assessment record of another client.
    other = CourseFactory(
        client=ClientFactory(practice=course.client.practice, therapist=therapist),
        state="assessment",
    )
    record = assessments.open_assessment(course=other, actor=therapist)
    for _ in range(3):
        text = next(texts)
        record = assessments.save_assessment(
            assessment=record,
            data={name: text for name in assessments.TEXT_FIELDS},
            expected_version=record.version,
            actor=therapist,
        )
    with pytest.raises(ValidationError) as refused:
        assessments.save_assessment(
            assessment=record,
            data={"presenting": next(texts), "suitability": "x"},
            expected_version=record.version,
            actor=therapist,
        )
    errors.append(str(refused.value))
    # Whatever is left goes into further episodes.
    for text in texts:
        formulation.log_episode(
            course=course,
            data={"when": "past", "account": text},
            person=None,
            with_therapist=True,
            categories={},
            by=therapist,
        )
    return errors


def test_a_thousand_canaries_written_through_the_services_appear_in_no_log(
    ending, therapist, caplog, capsys, frozen
):
    texts = bodies()
    with caplog.at_level(logging.DEBUG):
        errors = write_everything(ending, therapist, texts)
        frozen.shift(dt.timedelta(hours=1))
        dispatch.tick()
    output = capsys.readouterr()

    places = {
        "audit": json.dumps(list(AuditEvent.objects.values()), default=str),
        "logs": "\n".join(
            f"{r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records
        ),
        "stdout": output.out,
        "stderr": output.err,
        "errors": "\n".join(errors),
        "outbox": "\n".join(
            f"{m.subject}\n{m.body}\n{getattr(m, 'alternatives', [])!r}" for m in mail.outbox
        ),
        "messages": json.dumps(list(Message.objects.values()), default=str),
    }

    assert next(texts, None) is None  # every canary was written
    assert mail.outbox  # the shared entry's and the shared letter's emails were sent
    assert AuditEvent.objects.count() > 40
    assert {name: [c for c in CANARIES if c in text] for name, text in places.items()} == {
        name: [] for name in places
    }
