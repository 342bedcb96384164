"""Questionnaires as FHIR: the instrument definitions, each administration, each total.

Everything comes from the instrument's definition file (measures/instruments): item
wording, answer options and their scores, and the LOINC codes the file carries. An item
or answer without a LOINC code in the file is sent without one (linkIds are the item
keys), so no code is made up here.
"""

from __future__ import annotations

import re

from patternwork.interop.fhir.common import (
    LOINC,
    clean,
    full_url,
    instant,
    reference,
    server_base,
    text,
)
from patternwork.measures import definitions
from patternwork.measures.models import Response

ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
NOT_APPLICABLE_CODING = {
    "system": DATA_ABSENT,
    "code": "not-applicable",
    "display": "Not Applicable",
}
# The linkId of the read-only total item, when the instrument has a LOINC total code.
TOTAL_LINK_ID = "total"
# The extension that ties a QuestionnaireResponse to the appointment it was given at:
# R4 has no element for it (QuestionnaireResponse.encounter names an Encounter).
APPOINTMENT_EXTENSION_PATH = "/StructureDefinition/questionnaireresponse-appointment"


def appointment_extension_url() -> str:
    return server_base() + APPOINTMENT_EXTENSION_PATH


def questionnaire_id(code: str, version: int) -> str:
    """A stable id per instrument version: PHQ-9 version 1 is `phq9-v1`."""
    slug = re.sub(r"[^a-z0-9]", "", code.lower())
    return f"{slug}-v{version}"


def questionnaire_url(instrument: definitions.Instrument) -> str:
    return full_url("Questionnaire", questionnaire_id(instrument.code, instrument.version))


def canonical(instrument: definitions.Instrument) -> str:
    return f"{questionnaire_url(instrument)}|{instrument.version}"


def _loinc(code: str | None) -> list[dict]:
    return [{"system": LOINC, "code": code}] if code else []


def answer_coding(option: definitions.Option) -> dict:
    """The Coding of an answer: its LOINC answer code where the definition has one.

    Otherwise the option's value as a code without a system, with its label.
    """
    if option.loinc:
        return {"system": LOINC, "code": option.loinc, "display": option.label}
    return {"code": str(option.value), "display": option.label}


def _answer_option(option: definitions.Option) -> dict:
    coding = answer_coding(option)
    if option.score is not None:
        coding["extension"] = [{"url": ORDINAL_VALUE, "valueDecimal": option.score}]
    return {"valueCoding": coding}


def _question(item: definitions.Item) -> dict:
    options = [_answer_option(option) for option in item.options]
    if item.not_applicable_allowed:
        options.append({"valueCoding": dict(NOT_APPLICABLE_CODING)})
    return {
        "linkId": item.key,
        "prefix": f"{item.number}.",
        "code": _loinc(item.loinc),
        "text": item.text,
        "type": "choice",
        "required": item.required,
        "answerOption": options,
    }


def questionnaire(instrument: definitions.Instrument) -> dict:
    """The instrument as a Questionnaire: its items, options with scores, and total."""
    items = [_question(item) for item in instrument.items]
    if instrument.loinc_total:
        items.append(
            {
                "linkId": TOTAL_LINK_ID,
                "code": _loinc(instrument.loinc_total),
                "text": f"{instrument.code} total score",
                "type": "integer",
                "readOnly": True,
            }
        )
    return clean(
        {
            "resourceType": "Questionnaire",
            "id": questionnaire_id(instrument.code, instrument.version),
            "url": questionnaire_url(instrument),
            "version": str(instrument.version),
            "name": re.sub(r"[^A-Za-z0-9]", "", instrument.code),
            "title": instrument.title,
            "status": "active",
            "subjectType": ["Patient"],
            "code": _loinc(instrument.loinc_panel),
            "description": f"{instrument.instructions} ({instrument.timeframe.lower()})",
            "copyright": instrument.copyright,
            "item": items,
        }
    )


def instrument_of(response: Response) -> definitions.Instrument | None:
    try:
        return definitions.get_instrument(response.instrument, response.instrument_version)
    except definitions.UnknownInstrument:
        return None


def _answered(item: definitions.Item, value) -> dict:
    if value is None:
        return {"valueCoding": dict(NOT_APPLICABLE_CODING)}
    option = next((o for o in item.options if o.value == value), None)
    if option is None:
        # Stored answers are validated on write; should a definition ever stop accepting
        # one, the answer is still shown as given rather than dropped.
        return {"valueCoding": {"code": str(value)}}
    return {"valueCoding": answer_coding(option)}


def _author(response: Response, patient_id) -> dict | None:
    if response.entered_by_id:
        return reference("Practitioner", response.entered_by.public_id)
    if response.source == Response.Source.PORTAL:
        return reference("Patient", patient_id)
    return None


def questionnaire_response(response: Response, *, patient_id) -> dict:
    """One administration: the answers as given, and the total once it is complete.

    A draft (a risk answer kept from an unfinished questionnaire) is "in-progress".
    """
    instrument = instrument_of(response)
    items = []
    answers = response.answers or {}
    if instrument is not None:
        for item in instrument.items:
            if item.key in answers:
                items.append(
                    {
                        "linkId": item.key,
                        "text": item.text,
                        "answer": [_answered(item, answers[item.key])],
                    }
                )
        if instrument.loinc_total and response.total is not None:
            items.append(
                {
                    "linkId": TOTAL_LINK_ID,
                    "text": f"{instrument.code} total score",
                    "answer": [{"valueInteger": response.total}],
                }
            )
    complete = response.status == Response.Status.COMPLETE
    return clean(
        {
            "resourceType": "QuestionnaireResponse",
            "id": str(response.public_id),
            "meta": {"lastUpdated": instant(response.updated_at)},
            "extension": [
                {
                    "url": appointment_extension_url(),
                    "valueReference": reference("Appointment", response.appointment.public_id),
                }
            ]
            if response.appointment_id
            else [],
            "questionnaire": canonical(instrument) if instrument else None,
            "status": "completed" if complete else "in-progress",
            "subject": reference("Patient", patient_id),
            "authored": instant(response.completed_at or response.updated_at),
            "author": _author(response, patient_id),
            "source": reference("Patient", patient_id)
            if response.source == Response.Source.PORTAL
            else None,
            "item": items,
        }
    )


def total_observation(response: Response, *, patient_id) -> dict | None:
    """The total of a complete administration as a survey Observation (None for a draft).

    Coded with the instrument's LOINC total code where its definition has one (PHQ-9
    44261-6, GAD-7 70274-6); otherwise the code is text only.
    """
    if response.status != Response.Status.COMPLETE or response.total is None:
        return None
    instrument = instrument_of(response)
    loinc_total = instrument.loinc_total if instrument else None
    return clean(
        {
            "resourceType": "Observation",
            "id": str(response.public_id),
            "meta": {"lastUpdated": instant(response.updated_at)},
            "status": "final",
            "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey"}]}],
            "code": {
                "coding": _loinc(loinc_total),
                "text": f"{response.instrument} total score",
            },
            "subject": reference("Patient", patient_id),
            "effectiveDateTime": instant(response.completed_at),
            "performer": [_author(response, patient_id)],
            "valueInteger": response.total,
            "interpretation": [{"text": text(response.band)}],
            "derivedFrom": [reference("QuestionnaireResponse", response.public_id)],
        }
    )
