"""The report's outcome figures as the page and the CSV show them, and as the pure module
says they must be, in one shape (code: (count, out of)) so the three compare exactly."""

from __future__ import annotations

import csv
import io

from patternwork.measures.outcomes import ServiceRates

OUTCOME_CODES = (
    "finished",
    "paired",
    "without_paired_scores",
    "at_caseness",
    "recovery",
    "reliable_improvement",
    "reliable_recovery",
    "reliable_deterioration",
)


def read_csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def by_code(rows: list[list[str]]) -> dict[str, dict[str, str]]:
    header, *body = rows
    return {row[0]: dict(zip(header, row, strict=True)) for row in body}


def _cell(value: int | None) -> str:
    return "" if value is None else str(value)


def from_rates(rates: ServiceRates) -> dict[str, tuple[str, str]]:
    """What the page and the CSV must show for these rates of the pure module."""
    paired = rates.finished - rates.finished_unpaired
    counts = {
        "finished": (rates.finished, None),
        "paired": (paired, rates.finished),
        "without_paired_scores": (rates.finished_unpaired, rates.finished),
        "at_caseness": (rates.paired_at_caseness, paired),
        "recovery": (rates.recovery.count, rates.recovery.denominator),
        "reliable_improvement": (
            rates.reliable_improvement.count,
            rates.reliable_improvement.denominator,
        ),
        "reliable_recovery": (rates.reliable_recovery.count, rates.reliable_recovery.denominator),
        "reliable_deterioration": (
            rates.reliable_deterioration.count,
            rates.reliable_deterioration.denominator,
        ),
    }
    return {code: (_cell(count), _cell(out_of)) for code, (count, out_of) in counts.items()}


def from_csv(response) -> dict[str, tuple[str, str]]:
    rows = by_code(read_csv(response))
    return {code: (rows[code]["count"], rows[code]["denominator"]) for code in OUTCOME_CODES}


def from_page(response) -> dict[str, tuple[str, str]]:
    shown = {
        figure.code: (_cell(figure.count), _cell(figure.denominator))
        for _title, items in response.context["sections"]
        for figure in items
    }
    return {code: shown[code] for code in OUTCOME_CODES}
