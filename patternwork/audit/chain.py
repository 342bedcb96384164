"""The audit hash chain: how a row's link is computed and how a chain is checked.

Pure Python, no Django: the service that writes audit rows, the migration that chained
the rows written before the chain existed, and `manage.py verify_audit` all use these
functions, so a row is hashed the same way wherever it is hashed.

Each chain (one per practice, one for instance-level events) is a numbered sequence.
Row n's hash is SHA-256 over row n-1's hash and row n's canonical content, its sequence
number included. Changing a row changes its hash; removing a row leaves a gap in the
numbers and a link that no longer fits; moving a row changes the number its hash was
made with. The chain head (the last number and hash) is kept beside the rows, and
anchors (copies of the head taken from time to time and written to the log) let a
restored backup be checked against a head that was never in the database.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
INSTANCE = "instance"

# The columns a link covers, in canonical form (see `canonical`). A column added to the
# audit row must be added here too, or changes to it go unnoticed.
FIELDS = (
    "occurred_at",
    "actor_id",
    "actor_label",
    "actor_role",
    "practice_id",
    "action",
    "outcome",
    "object_type",
    "object_id",
    "changes",
    "request_id",
    "remote_addr",
)


def chain_key(practice_id: int | None) -> str:
    """The chain a row belongs to: its practice's, or the instance's."""
    return INSTANCE if practice_id is None else f"practice:{practice_id}"


def canonical(seq: int, values: Mapping[str, Any]) -> bytes:
    """The bytes a link covers: the sequence number and every chained column, as sorted JSON.

    `values` holds plain values: the time as a UTC ISO string, ids as ints or None.
    """
    content = {name: values[name] for name in FIELDS}
    content["seq"] = seq
    return _CANONICAL_JSON.encode(content).encode()


# `json.dumps` with these options builds a new encoder on every call; every audit write
# and every row `verify_audit` checks goes through here, so one encoder is kept. Same
# options, same bytes.
_CANONICAL_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def link(previous_hash: str, seq: int, values: Mapping[str, Any]) -> str:
    """Hash one row onto the hash of the row before it."""
    digest = hashlib.sha256(previous_hash.encode("ascii"))
    digest.update(b"\n")
    digest.update(canonical(seq, values))
    return digest.hexdigest()


@dataclass(frozen=True)
class Row:
    id: int
    seq: int | None
    hash: str
    values: Mapping[str, Any]


@dataclass(frozen=True)
class Break:
    """The first link that does not hold, in words an operator can act on."""

    chain: str
    seq: int | None
    row_id: int | None
    reason: str

    def __str__(self) -> str:
        where = f"row id {self.row_id}" if self.row_id is not None else "end of chain"
        return f"{self.chain}: broken at seq {self.seq} ({where}): {self.reason}"


@dataclass(frozen=True)
class Result:
    chain: str
    checked: int
    last_seq: int
    last_hash: str
    broken: Break | None


def verify(
    chain: str,
    rows: Iterable[Row],
    *,
    start_seq: int = 0,
    start_hash: str = GENESIS,
    head: tuple[int, str] | None = None,
    anchors: Mapping[int, str] | None = None,
) -> Result:
    """Walk a chain's rows in sequence order and report the first link that fails.

    `start_seq`/`start_hash` resume from a trusted point (a verified anchor). `head` is
    the recorded (seq, hash) of the last row, which catches rows cut off the end.
    `anchors` maps sequence numbers to hashes recorded earlier; each must match.
    """
    anchors = {seq: hash_ for seq, hash_ in (anchors or {}).items() if seq > start_seq}
    expected_seq, previous = start_seq + 1, start_hash
    checked = 0
    for row in rows:
        if row.seq is None:
            return _broken(chain, checked, expected_seq - 1, previous, row, "row has no link")
        if row.seq != expected_seq:
            reason = (
                f"expected seq {expected_seq}: a row is missing or out of order"
                if row.seq > expected_seq
                else f"seq {row.seq} repeats or runs backwards: a row was moved or copied"
            )
            return _broken(chain, checked, expected_seq - 1, previous, row, reason, expected_seq)
        computed = link(previous, row.seq, row.values)
        if computed != row.hash:
            reason = "stored hash does not match the row: it was changed, moved or replaced"
            return _broken(chain, checked, expected_seq - 1, previous, row, reason)
        if row.seq in anchors and anchors.pop(row.seq) != computed:
            reason = "hash differs from the anchor recorded for this seq"
            return _broken(chain, checked, expected_seq - 1, previous, row, reason)
        checked += 1
        expected_seq, previous = row.seq + 1, computed
    last_seq = expected_seq - 1
    ending = None
    if head is not None and head != (last_seq, previous):
        ending = f"the recorded head is seq {head[0]} but the rows end at seq {last_seq}"
        if head[0] == last_seq:
            ending = "the last row's hash differs from the recorded head"
    elif anchors:
        seq = min(anchors)
        ending = f"an anchor names seq {seq}, beyond the last row (seq {last_seq})"
    if ending is not None:
        return Result(chain, checked, last_seq, previous, Break(chain, last_seq + 1, None, ending))
    return Result(chain, checked, last_seq, previous, None)


def _broken(chain, checked, last_seq, last_hash, row, reason, seq=None) -> Result:
    at = Break(chain, seq if seq is not None else row.seq, row.id, reason)
    return Result(chain, checked, last_seq, last_hash, at)
