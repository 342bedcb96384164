"""A whole practice as FHIR Bulk Data: NDJSON, one file per resource type.

Clients are read in chunks through the same gathering and mapping as Patient/$everything,
so a resource looks the same in both. The practice's Organization, and each Practitioner
and Questionnaire, are written once however many records name them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

from patternwork.clients.selectors import client_rows
from patternwork.interop.fhir import resources
from patternwork.interop.fhir.everything import gather, record_resources

CHUNK = 200
# Resources that several records share.
SHARED = {"Practitioner", "Questionnaire"}
PART = ".part"


def practice_resources(practice, *, chunk: int = CHUNK) -> Iterator[dict]:
    """Every resource of the practice's records, client by client.

    Not scoped to a reader: the caller (the export command, run by whoever runs the
    server) answers for the whole practice, and audits the export.
    """
    yield resources.organization(practice)
    seen: set[tuple[str, str]] = set()
    clients = client_rows().filter(practice=practice).order_by("id")
    ids = list(clients.values_list("id", flat=True))
    for start in range(0, len(ids), chunk):
        batch = list(clients.filter(id__in=ids[start : start + chunk]))
        for record in gather(lambda rows: rows.filter(practice=practice), batch):
            for resource in record_resources(record, with_organization=False):
                if resource["resourceType"] in SHARED:
                    key = (resource["resourceType"], resource["id"])
                    if key in seen:
                        continue
                    seen.add(key)
                yield resource


def ndjson_line(resource: dict) -> str:
    """One resource on one line. U+2028 and U+2029 are escaped too, so that a reader
    splitting on every kind of line break still finds one resource per line."""
    line = json.dumps(resource, ensure_ascii=False, separators=(",", ":"))
    return line.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + "\n"


def write_ndjson(resources_: Iterator[dict], folder: Path) -> dict[str, int]:
    """Write `<Type>.ndjson` files into folder; return the count of each type.

    Each file is written under a temporary name and renamed once every file is
    complete, so a failed export leaves no file that looks whole. Files are readable by
    their owner only: they hold clinical records.
    """
    handles = {}
    counts: dict[str, int] = {}
    try:
        for resource in resources_:
            kind = resource["resourceType"]
            if kind not in handles:
                path = folder / f"{kind}.ndjson{PART}"
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                handles[kind] = os.fdopen(descriptor, "w", encoding="utf-8")
            handles[kind].write(ndjson_line(resource))
            counts[kind] = counts.get(kind, 0) + 1
        for handle in handles.values():
            handle.close()
        for kind in handles:
            part = folder / f"{kind}.ndjson{PART}"
            part.rename(folder / f"{kind}.ndjson")
    except BaseException:
        for kind, handle in handles.items():
            handle.close()
            (folder / f"{kind}.ndjson{PART}").unlink(missing_ok=True)
        raise
    return counts
