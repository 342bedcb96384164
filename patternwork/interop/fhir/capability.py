"""The CapabilityStatement: what this FHIR server does, for clients to discover."""

from __future__ import annotations

from django.utils import timezone

from patternwork.interop.fhir.common import FHIR_VERSION, server_base

EVERYTHING = "http://hl7.org/fhir/OperationDefinition/Patient-everything"
SECURITY = (
    "Every request but this one needs a member of staff: a personal API token "
    "(Authorization: Bearer) or a staff login session that has passed its second factor. "
    "Each member sees the clients their role allows, and every read of a record is audited."
)


def capability_statement() -> dict:
    base = server_base()
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": timezone.now().date().isoformat(),
        "publisher": "Patternwork",
        "kind": "instance",
        "software": {"name": "Patternwork"},
        "implementation": {"description": "Patternwork FHIR R4 server", "url": base},
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "security": {"description": SECURITY},
                "resource": [
                    {
                        "type": "Patient",
                        "operation": [{"name": "everything", "definition": EVERYTHING}],
                    },
                    {
                        "type": "QuestionnaireResponse",
                        "interaction": [{"code": "read"}, {"code": "create"}],
                    },
                ],
            }
        ],
    }
