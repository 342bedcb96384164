"""FHIR R4: the record as FHIR resources (plain dicts, ready for JSON), and back.

- `patient_everything(reader_or_membership, client)`: one client's record as a Bundle;
- `practice_resources(practice)`: every resource of a practice, for bulk export;
- `record_questionnaire_response(reader, resource)`: a PHQ-9 or GAD-7 response in, through
  the one response-recording service.

docs/fhir.md describes the mapping resource by resource.
"""

from patternwork.interop.fhir.bulk import practice_resources
from patternwork.interop.fhir.capability import capability_statement
from patternwork.interop.fhir.everything import patient_everything
from patternwork.interop.fhir.outcome import FhirError, Issue, operation_outcome
from patternwork.interop.fhir.responses import (
    read_questionnaire_response,
    record_questionnaire_response,
)

__all__ = [
    "FhirError",
    "Issue",
    "capability_statement",
    "operation_outcome",
    "patient_everything",
    "practice_resources",
    "read_questionnaire_response",
    "record_questionnaire_response",
]
