"""FHIR routes answer as FHIR: OperationOutcome errors, no login redirects.

tests/api/test_fhir_api.py holds their access matrix.
"""

FHIR_PUBLIC = "fhir-public"  # anyone: the CapabilityStatement, and FHIR 404s
FHIR_STAFF = "fhir-staff"  # a verified member of staff, within their clients' scope

ROUTES = {
    "fhir:metadata": FHIR_PUBLIC,
    "fhir:unsupported": FHIR_PUBLIC,
    "fhir:patient-everything": FHIR_STAFF,
    "fhir:questionnaire-response-create": FHIR_STAFF,
    "fhir:questionnaire-response": FHIR_STAFF,
}
