"""Small pieces every FHIR resource is built from: references, text, times and narrative.

Resources are plain dicts, ready for JSON. FHIR forbids empty values (an empty string, list
or object is invalid, not "absent"), so every builder passes its result through `clean`,
which drops them; text is stripped and blank text left out.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import uuid
from collections.abc import Iterable, Mapping

from patternwork.core.links import absolute_url

# Where the FHIR endpoints live (patternwork/urls.py mounts them here). Full URLs in bundles
# and the import's extension URL are built from PATTERNWORK_BASE_URL, never from the
# request's Host header, like every other absolute link.
FHIR_PATH = "/fhir/R4"
FHIR_VERSION = "4.0.1"
LOINC = "http://loinc.org"
XHTML_NS = "http://www.w3.org/1999/xhtml"

# Characters that XML 1.0 does not allow at all; the XHTML narrative would not parse with them.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# FHIR strings should hold no character below U+0020 but tab, carriage return and line feed.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
# A FHIR id: 1-64 of these characters. Public ids are UUIDs, which always fit.
ID_PATTERN = re.compile(r"[A-Za-z0-9\-.]{1,64}\Z")


def server_base() -> str:
    """The base URL of this instance's FHIR endpoints, without a trailing slash."""
    return absolute_url(FHIR_PATH)


def full_url(resource_type: str, resource_id: str) -> str:
    return f"{server_base()}/{resource_type}/{resource_id}"


def reference(resource_type: str, public_id: object, display: str | None = None) -> dict:
    """A relative reference (`Patient/<uuid>`), resolved against the server base."""
    return clean({"reference": f"{resource_type}/{public_id}", "display": text(display)})


def text(value: object) -> str | None:
    """Stripped text without control characters, or None for nothing or blank text (FHIR
    strings are never empty)."""
    if value is None:
        return None
    value = _CONTROL.sub("", str(value)).strip()
    return value or None


def instant(moment: dt.datetime | None) -> str | None:
    """An aware date-time as a FHIR instant in UTC, to the second."""
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def day(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def period(start: str | None, end: str | None) -> dict | None:
    return clean({"start": start, "end": end}) or None


def given(key: str, mapping: dict) -> dict | None:
    """The mapping when its `key` holds something, else None: a name with no text or a
    telephone entry with no number says nothing, and is left out whole."""
    return mapping if not _empty(clean(mapping.get(key))) else None


def clean(value):
    """Drop None, blank strings and empty lists or objects, at every depth."""
    if isinstance(value, Mapping):
        cleaned = {key: clean(item) for key, item in value.items()}
        return {key: item for key, item in cleaned.items() if not _empty(item)}
    if isinstance(value, list | tuple):
        cleaned = [clean(item) for item in value]
        return [item for item in cleaned if not _empty(item)]
    if isinstance(value, str):
        return value if value.strip() else None
    return value


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def xml_safe(value: str) -> str:
    """The text with the characters XML cannot hold removed, then escaped for XHTML."""
    return html.escape(_NOT_XML.sub("", value), quote=False)


def narrative(paragraphs: Iterable[str]) -> dict | None:
    """A FHIR Narrative holding plain text: one <p> per paragraph, line breaks kept.

    All text is escaped, so angle brackets or ampersands typed by a user stay text; the
    narrative's status is "additional" because it holds content that no structured
    element of the resource carries.
    """
    blocks = []
    for paragraph in paragraphs:
        paragraph = text(paragraph)
        if paragraph is None:
            continue
        lines = [xml_safe(line) for line in paragraph.splitlines()]
        body = "<br/>".join(lines).strip()
        if body:
            blocks.append(f"<p>{body}</p>")
    if not blocks:
        return None
    return {"status": "additional", "div": f'<div xmlns="{XHTML_NS}">{"".join(blocks)}</div>'}


def public_uuid(value: object) -> uuid.UUID | None:
    """A public id given as text or UUID, or None when it is not one."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None
