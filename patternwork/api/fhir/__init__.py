"""The FHIR R4 endpoints, mounted at /fhir/R4/ (docs/fhir.md)."""
