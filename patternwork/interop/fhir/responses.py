"""QuestionnaireResponses in and out: a PHQ-9 or GAD-7 from another system, and one read.

An incoming response goes through `measures.services.record_responses`, the one service
every questionnaire passes through (clinic, portal, API, import), so it is scored by the
same rules and a risk answer raises the same flag. This module only translates FHIR into
the service's answers: which client, which appointment, which item, which option.

What a response must carry (docs/fhir.md shows an example):
- `questionnaire`: the canonical URL of Patternwork's Questionnaire, ending in
  `/Questionnaire/phq9-v1` or `/Questionnaire/gad7-v1` (a `|version` may follow);
- `subject`: `Patient/<client public id>`;
- the appointment it was given at, in the extension whose URL is
  `<base>/fhir/R4/StructureDefinition/questionnaireresponse-appointment`, with a
  `valueReference` to `Appointment/<public id>` of that client, attended;
- `status` "completed" (or "amended");
- one `item` per answered question, its `linkId` the item key (`q1`...) or the item's
  LOINC code, with one answer: the option's `valueCoding` (its LOINC answer code, or the
  option value as a code without a system where the option has none), or the option
  value as `valueInteger`. A total item is ignored: the total is always computed.

Nothing is written unless the response is recorded, except what the service keeps by
design: a risk answer is saved and flagged even when the rest is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.http import Http404

from patternwork.accounts.access import Reader, fetch
from patternwork.accounts.models import Membership
from patternwork.interop.fhir.common import LOINC, public_uuid, server_base
from patternwork.interop.fhir.everything import as_reader, exported_responses
from patternwork.interop.fhir.outcome import FhirError, Issue
from patternwork.interop.fhir.questionnaires import (
    DATA_ABSENT,
    TOTAL_LINK_ID,
    appointment_extension_url,
    questionnaire_id,
    questionnaire_response,
)
from patternwork.measures import definitions, services
from patternwork.measures.models import Response
from patternwork.treatment import plan
from patternwork.treatment.selectors import appointment_rows

IMPORTABLE = (plan.PHQ9, plan.GAD7)
READ_KIND = "questionnaires"
COMPLETE = {"completed", "amended"}
# An unfinished response: nothing is scored, but a risk answer in it is kept and flagged.
UNFINISHED = {"in-progress", "stopped"}

NOT_AN_OBJECT = "The body must be one FHIR resource, a JSON object."
WRONG_RESOURCE = "Expected a QuestionnaireResponse, not {found}."
NO_QUESTIONNAIRE = "Name the questionnaire: its canonical URL ends in /Questionnaire/{ids}."
UNKNOWN_QUESTIONNAIRE = "{value!r} is not a questionnaire recorded here; use one of {ids}."
VERSION_MISMATCH = "The questionnaire {id} is version {version}, not {value!r}."
BAD_REFERENCE = "Give a reference to {kind}/<id>, as {kind}/ followed by its public id."
NO_APPOINTMENT = (
    "Name the appointment the questionnaire was given at, in the extension {url} "
    "with a valueReference to Appointment/<id>."
)
UNKNOWN_APPOINTMENT = "Appointment/{id} is not an appointment whose questionnaires you can record."
NOT_THEIR_APPOINTMENT = "Appointment/{id} is not an appointment of Patient/{patient}."
BAD_STATUS = "Only a completed questionnaire response is recorded; this one is {value!r}."
UNFINISHED_STATUS = (
    "Only a completed questionnaire response is recorded; this one is {value!r}, so its "
    "answers were not recorded."
)
NOT_A_LIST = "{path} must be a list."
NOT_A_STRING = "{path} must be text."
NESTED_ITEMS = "Nested items are not recorded: each question is one top-level item."
ONE_ANSWER = "Give one answer per item; {link_id!r} has {count}."
ANSWERED_TWICE = "Item {link_id!r} is answered twice in this response."
NOT_STAFF = "Only staff record questionnaires through FHIR."


@dataclass(frozen=True)
class Recorded:
    response: Response
    created: bool
    resource: dict


def _importable() -> dict[str, definitions.Instrument]:
    """Questionnaire id -> instrument, for the current version of each importable one."""
    found = {}
    for code in IMPORTABLE:
        instrument = definitions.get_instrument(code)
        found[questionnaire_id(instrument.code, instrument.version)] = instrument
    return found


def _text(resource: dict, key: str) -> str | None:
    value = resource.get(key)
    if value is not None and not isinstance(value, str):
        raise FhirError(
            400,
            Issue(
                NOT_A_STRING.format(path=key),
                code="structure",
                expression=f"QuestionnaireResponse.{key}",
            ),
        )
    return value


def _instrument(resource: dict) -> definitions.Instrument:
    known = _importable()
    ids = " or ".join(f"/Questionnaire/{qid}" for qid in known)
    value = _text(resource, "questionnaire")
    where = "QuestionnaireResponse.questionnaire"
    if not value:
        raise FhirError(422, Issue(NO_QUESTIONNAIRE.format(ids=ids), "required", expression=where))
    url, _bar, version = value.partition("|")
    for qid, instrument in known.items():
        if url.rstrip("/").endswith(f"/Questionnaire/{qid}") or url == f"Questionnaire/{qid}":
            if version and version != str(instrument.version):
                raise FhirError(
                    422,
                    Issue(
                        VERSION_MISMATCH.format(id=qid, version=instrument.version, value=version),
                        "not-supported",
                        expression=where,
                    ),
                )
            return instrument
    raise FhirError(
        422,
        Issue(
            UNKNOWN_QUESTIONNAIRE.format(value=value, ids=ids), "not-supported", expression=where
        ),
    )


def _reference(value: object, kind: str, where: str):
    """The public id a reference to `kind` names, relative or under this server's base."""
    found = value.get("reference") if isinstance(value, dict) else None
    if isinstance(found, str):
        found = found.removeprefix(server_base() + "/")
        match = re.fullmatch(rf"{kind}/([^/]+)", found)
        public_id = public_uuid(match.group(1)) if match else None
        if public_id is not None:
            return public_id
    raise FhirError(422, Issue(BAD_REFERENCE.format(kind=kind), "invalid", expression=where))


def _appointment_reference(resource: dict):
    url = appointment_extension_url()
    extensions = resource.get("extension") or []
    if not isinstance(extensions, list):
        raise FhirError(
            400,
            Issue(
                NOT_A_LIST.format(path="extension"),
                "structure",
                expression="QuestionnaireResponse.extension",
            ),
        )
    for index, extension in enumerate(extensions):
        if isinstance(extension, dict) and extension.get("url") == url:
            return _reference(
                extension.get("valueReference"),
                "Appointment",
                f"QuestionnaireResponse.extension[{index}].valueReference",
            )
    raise FhirError(
        422,
        Issue(
            NO_APPOINTMENT.format(url=url), "required", expression="QuestionnaireResponse.extension"
        ),
    )


def _option_value(item: definitions.Item | None, answer: dict):
    """The option value an answer names; what names no option is passed on as given, so
    the scorer refuses it by name (and keeps any risk answer beside it)."""
    if "valueInteger" in answer:
        return answer["valueInteger"]
    coding = answer.get("valueCoding")
    if not isinstance(coding, dict):
        given = {k: v for k, v in answer.items() if k.startswith("value")}
        return str(given) if given else "no value"
    system, code = coding.get("system"), coding.get("code")
    if system == DATA_ABSENT and code == "not-applicable":
        return None
    for option in item.options if item else ():
        if option.loinc and code == option.loinc and system in (None, LOINC):
            return option.value
        if not option.loinc and system is None and code == str(option.value):
            return option.value
    return f"{system}|{code}" if system else str(code)


def _answers(resource: dict, instrument: definitions.Instrument) -> dict:
    items = resource.get("item") or []
    if not isinstance(items, list):
        raise FhirError(
            400,
            Issue(
                NOT_A_LIST.format(path="item"), "structure", "error", "QuestionnaireResponse.item"
            ),
        )
    by_link: dict[str, definitions.Item] = {}
    for item in instrument.items:
        by_link[item.key] = item
        if item.loinc:
            by_link[item.loinc] = item
    values: dict = {}
    for index, given in enumerate(items):
        where = f"QuestionnaireResponse.item[{index}]"
        link_id = given.get("linkId") if isinstance(given, dict) else None
        if not isinstance(link_id, str) or not link_id:
            raise FhirError(400, Issue("Each item needs a linkId.", "required", expression=where))
        if given.get("item"):
            raise FhirError(422, Issue(NESTED_ITEMS, "not-supported", expression=where))
        if link_id in (TOTAL_LINK_ID, instrument.loinc_total):
            continue
        answers = given.get("answer") or []
        if not isinstance(answers, list) or not all(isinstance(a, dict) for a in answers):
            raise FhirError(
                400, Issue(NOT_A_LIST.format(path="answer"), "structure", expression=where)
            )
        if not answers:
            continue
        if len(answers) > 1:
            raise FhirError(
                422,
                Issue(ONE_ANSWER.format(link_id=link_id, count=len(answers)), expression=where),
            )
        item = by_link.get(link_id)
        key = item.key if item else link_id
        if key in values:
            raise FhirError(422, Issue(ANSWERED_TWICE.format(link_id=link_id), expression=where))
        values[key] = _option_value(item, answers[0])
    return values


def _problems(error: ValidationError, code: str) -> list[Issue]:
    kept = services.RISK_KEPT.format(code=code)
    return [
        Issue(message, "informational", "information")
        if message == kept
        else Issue(message, "invalid", expression="QuestionnaireResponse.item")
        for message in error.messages
    ]


def record_questionnaire_response(
    reader_or_membership: Reader | Membership,
    resource: object,
    *,
    source: str = Response.Source.API,
) -> Recorded:
    """Record a PHQ-9 or GAD-7 QuestionnaireResponse for a known client and appointment.

    Goes through `measures.services.record_responses` (which audits the write and raises
    any risk flag in the same transaction), entered by the reader's membership. The
    appointment is fetched in the reader's clinical scope, which records the read. An
    appointment that already has this questionnaire is corrected in place, keeping the
    earlier answers as a revision, as a correction in the clinic does; `created` says
    whether it was recorded for the first time. Anything refused raises FhirError.
    """
    reader = as_reader(reader_or_membership)
    if reader.membership is None:
        raise FhirError(403, Issue(NOT_STAFF, "forbidden"))
    if not isinstance(resource, dict):
        raise FhirError(400, Issue(NOT_AN_OBJECT, "structure"))
    found = resource.get("resourceType")
    if found != "QuestionnaireResponse":
        raise FhirError(400, Issue(WRONG_RESOURCE.format(found=found), "structure"))
    status = _text(resource, "status")
    if status not in COMPLETE | UNFINISHED:
        raise FhirError(
            422,
            Issue(
                BAD_STATUS.format(value=status),
                "business-rule",
                expression="QuestionnaireResponse.status",
            ),
        )
    instrument = _instrument(resource)
    patient_id = _reference(resource.get("subject"), "Patient", "QuestionnaireResponse.subject")
    appointment_id = _appointment_reference(resource)
    values = _answers(resource, instrument)
    try:
        appointment = fetch(reader, appointment_rows(), appointment_id, reads=READ_KIND)
    except Http404:
        raise FhirError(
            422,
            Issue(
                UNKNOWN_APPOINTMENT.format(id=appointment_id),
                "not-found",
                expression="QuestionnaireResponse.extension",
            ),
        ) from None
    if appointment.course.client.public_id != patient_id:
        raise FhirError(
            422,
            Issue(
                NOT_THEIR_APPOINTMENT.format(id=appointment_id, patient=patient_id),
                "business-rule",
                expression="QuestionnaireResponse.subject",
            ),
        )
    recorded_before = Response.objects.filter(
        appointment=appointment, instrument=instrument.code, status=Response.Status.COMPLETE
    ).exists()
    submit = status in COMPLETE
    try:
        saved = services.record_responses(
            appointment=appointment,
            answers=[services.Answers(instrument.code, values)],
            source=source,
            by=reader.membership,
            submit=submit,
        )
    except ValidationError as error:
        raise FhirError(422, *_problems(error, instrument.code)) from None
    if not submit:
        issues = [Issue(UNFINISHED_STATUS.format(value=status), "business-rule")]
        if saved:
            message = services.RISK_KEPT.format(code=instrument.code)
            issues.append(Issue(message, "informational", "information"))
        raise FhirError(422, *issues)
    response = saved[0]
    return Recorded(
        response=response,
        created=not recorded_before,
        resource=questionnaire_response(response, patient_id=patient_id),
    )


def read_questionnaire_response(reader_or_membership: Reader | Membership, public_id) -> dict:
    """One recorded response, in the reader's clinical scope (an audited Http404 outside
    it); the read is recorded."""
    reader = as_reader(reader_or_membership)
    response = fetch(
        reader,
        exported_responses().select_related("client", "appointment", "entered_by__user"),
        public_id,
    )
    return questionnaire_response(response, patient_id=response.client.public_id)
