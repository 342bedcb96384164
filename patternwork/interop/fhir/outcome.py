"""FHIR errors: an OperationOutcome names each problem, with where it is when known."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    """One problem. `code` is from FHIR's issue-type value set (invalid, required, value,
    structure, not-found, not-supported, business-rule, forbidden, ...); `expression`
    is the FHIRPath of the element at fault."""

    diagnostics: str
    code: str = "invalid"
    severity: str = "error"
    expression: str | None = None


class FhirError(Exception):
    """A request FHIR answers with an OperationOutcome and this HTTP status."""

    def __init__(self, status: int, *issues: Issue) -> None:
        super().__init__("; ".join(issue.diagnostics for issue in issues))
        self.status = status
        self.issues = issues


def operation_outcome(issues: Iterable[Issue]) -> dict:
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": issue.severity,
                "code": issue.code,
                "diagnostics": issue.diagnostics,
                **({"expression": [issue.expression]} if issue.expression else {}),
            }
            for issue in issues
        ],
    }
