"""FHIR R4: the record as FHIR resources (plain dicts, ready for JSON), and back.

- `patient_everything(reader_or_membership, client)`: one client's record as a Bundle;
- `practice_resources(practice)`: every resource of a practice, for bulk export;
- `record_questionnaire_response(reader, resource)`: a PHQ-9 or GAD-7 response in, through
  the one response-recording service.

docs/fhir.md describes the mapping resource by resource.
"""

from patternwork.interop.fhir.everything import patient_everything

__all__ = ["patient_everything"]
