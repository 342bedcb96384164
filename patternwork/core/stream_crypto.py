"""Encryption at rest for large files (session recordings), a chunk at a time.

A file is never held whole in memory: it is sealed and opened in chunks of 64 KiB, each
with AES-256-GCM under a key derived (HKDF-SHA256) from the product's configured key, the
same key material as the encrypted text fields, never a secret of its own. Rotation works
as for the fields: the header names the key that sealed the file; the first configured key
seals, all open.

Layout: a 32-byte header (format tag, key id, random nonce prefix, chunk size), then the
chunks, each its ciphertext plus a 16-byte tag. Chunk i's nonce is the file's 7-byte
random prefix, i as 4 bytes and a final-chunk flag byte, and the whole header is bound in
as associated data: a chunk moved to another place or file, a file cut short at a chunk
boundary (its new last chunk was not sealed as final) or an edited header all fail to
open. Plaintext byte n lives in chunk n // CHUNK_SIZE, so a byte range is read by opening
only the chunks it spans.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from patternwork.core.crypto import DecryptionError, Keyring, configured_keyring

MAGIC = b"PWS1"
CHUNK_SIZE = 64 * 1024
TAG_BYTES = 16
PREFIX_BYTES = 7
KEY_ID_BYTES = 12
HEADER = struct.Struct(">4s12s7s5xI")  # tag, key id, nonce prefix, reserved, chunk size
HEADER_BYTES = HEADER.size
SEALED_CHUNK = CHUNK_SIZE + TAG_BYTES
DAMAGED = "The stored file failed authentication: wrong key, damage or tampering."


def _file_key(key: bytes) -> AESGCM:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"patternwork stream v1"
    ).derive(key)
    return AESGCM(derived)


def _nonce(prefix: bytes, index: int, final: bool) -> bytes:
    return prefix + struct.pack(">IB", index, 1 if final else 0)


def sealed_size(plain_size: int) -> int:
    chunks = max(1, -(-plain_size // CHUNK_SIZE))
    return HEADER_BYTES + plain_size + chunks * TAG_BYTES


def seal(source: BinaryIO, target: BinaryIO, *, keyring: Keyring | None = None) -> int:
    """Encrypt `source` into `target` chunk by chunk; return the plaintext size.

    Reads one chunk ahead so the last chunk is known, and sealed, as final.
    """
    keyring = keyring or configured_keyring()
    key_id, key = keyring.keys[0]
    prefix = os.urandom(PREFIX_BYTES)
    header = HEADER.pack(MAGIC, key_id.encode("ascii"), prefix, CHUNK_SIZE)
    aead = _file_key(key)
    target.write(header)
    size, index = 0, 0
    chunk = _read_full(source, CHUNK_SIZE)
    while True:
        following = _read_full(source, CHUNK_SIZE) if len(chunk) == CHUNK_SIZE else b""
        final = not following
        target.write(aead.encrypt(_nonce(prefix, index, final), chunk, header))
        size += len(chunk)
        if final:
            return size
        chunk, index = following, index + 1


def _read_full(source: BinaryIO, count: int) -> bytes:
    # A file object may return fewer bytes than asked before its end (a socket, a pipe).
    parts, missing = [], count
    while missing:
        part = source.read(missing)
        if not part:
            break
        parts.append(part)
        missing -= len(part)
    return b"".join(parts)


@dataclass(frozen=True)
class Sealed:
    """An opened header: what is needed to open any chunk of the file."""

    header: bytes
    aead: AESGCM
    prefix: bytes
    plain_size: int
    chunks: int


def open_header(source: BinaryIO, stored_size: int, *, keyring: Keyring | None = None) -> Sealed:
    """Read and check the header of a sealed file of `stored_size` bytes."""
    keyring = keyring or configured_keyring()
    header = _read_full(source, HEADER_BYTES)
    if len(header) != HEADER_BYTES:
        raise DecryptionError(DAMAGED)
    magic, key_id, prefix, chunk_size = HEADER.unpack(header)
    if magic != MAGIC or chunk_size != CHUNK_SIZE:
        raise DecryptionError(DAMAGED)
    key = keyring._key(key_id.decode("ascii", "replace"))
    body = stored_size - HEADER_BYTES
    chunks = -(-body // SEALED_CHUNK)
    plain_size = body - chunks * TAG_BYTES
    if chunks < 1 or plain_size < 0:
        raise DecryptionError(DAMAGED)
    return Sealed(header, _file_key(key), prefix, plain_size, chunks)


def open_range(
    source: BinaryIO,
    stored_size: int,
    start: int = 0,
    end: int | None = None,
    *,
    keyring: Keyring | None = None,
) -> Iterator[bytes]:
    """Yield plaintext bytes start..end (inclusive) of a sealed file, opening only the
    chunks that range spans. `source` must be seekable. Raises DecryptionError at the
    first chunk that fails authentication."""
    sealed = open_header(source, stored_size, keyring=keyring)
    if end is None or end >= sealed.plain_size:
        end = sealed.plain_size - 1
    if start > end:
        return
    first, last = start // CHUNK_SIZE, end // CHUNK_SIZE
    source.seek(HEADER_BYTES + first * SEALED_CHUNK)
    for index in range(first, last + 1):
        ciphertext = _read_full(source, SEALED_CHUNK)
        final = index == sealed.chunks - 1
        try:
            plain = sealed.aead.decrypt(
                _nonce(sealed.prefix, index, final), ciphertext, sealed.header
            )
        except (InvalidTag, ValueError):
            raise DecryptionError(DAMAGED) from None
        base = index * CHUNK_SIZE
        lo = max(start - base, 0)
        hi = min(end - base + 1, len(plain))
        yield plain[lo:hi]
