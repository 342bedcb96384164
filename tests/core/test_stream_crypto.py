"""Chunked encryption of large files: round trip, ranges, and what tampering does."""

import io
import os

import pytest

from patternwork.core import stream_crypto as sc
from patternwork.core.crypto import DecryptionError, configured_keyring, generate_key, parse_keys
from patternwork.core.http import RangeNotSatisfiable, byte_range

CHUNK = sc.CHUNK_SIZE


def sealed_of(plain: bytes) -> bytes:
    out = io.BytesIO()
    assert sc.seal(io.BytesIO(plain), out) == len(plain)
    return out.getvalue()


def opened(sealed: bytes, start=0, end=None) -> bytes:
    return b"".join(sc.open_range(io.BytesIO(sealed), len(sealed), start, end))


@pytest.mark.parametrize("size", [1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17])
def test_a_sealed_file_opens_back_byte_for_byte(size):
    plain = os.urandom(size)
    sealed = sealed_of(plain)
    assert len(sealed) == sc.sealed_size(size)
    assert opened(sealed) == plain


def test_the_sealed_file_shows_no_audio_header_and_no_plaintext():
    plain = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"ID3OggS" * 40000
    sealed = sealed_of(plain)
    assert sealed.startswith(sc.MAGIC)
    # Markers long enough that random ciphertext never holds one by chance: a 3-byte one
    # such as "ID3" turns up in about one run in sixty of a 280 KB sealed file.
    for marker in (plain[:16], b"ID3OggS" * 2, b"OggSID3OggS"):
        assert marker not in sealed
    assert not sealed.startswith((b"RIFF", b"ID3", b"OggS"))


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (0, 9),
        (CHUNK - 5, CHUNK + 5),
        (CHUNK, 2 * CHUNK - 1),
        (100, 3 * CHUNK + 16),
        (3 * CHUNK, None),
    ],
)
def test_a_range_opens_exactly_its_bytes(start, end):
    plain = os.urandom(3 * CHUNK + 17)
    sealed = sealed_of(plain)
    stop = len(plain) if end is None else end + 1
    assert opened(sealed, start, end) == plain[start:stop]


def swap_chunks(sealed: bytes, a: int, b: int) -> bytes:
    body = bytearray(sealed)
    at = [sc.HEADER_BYTES + i * sc.SEALED_CHUNK for i in (a, b)]
    first = bytes(body[at[0] : at[0] + sc.SEALED_CHUNK])
    body[at[0] : at[0] + sc.SEALED_CHUNK] = body[at[1] : at[1] + sc.SEALED_CHUNK]
    body[at[1] : at[1] + sc.SEALED_CHUNK] = first
    return bytes(body)


def flip(sealed: bytes, at: int) -> bytes:
    body = bytearray(sealed)
    body[at] ^= 1
    return bytes(body)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda s: flip(s, sc.HEADER_BYTES + 10), id="flipped-byte"),
        pytest.param(lambda s: flip(s, 20), id="edited-header"),
        pytest.param(lambda s: swap_chunks(s, 0, 1), id="reordered-chunks"),
        pytest.param(lambda s: s[: sc.HEADER_BYTES + 2 * sc.SEALED_CHUNK], id="cut-at-boundary"),
        pytest.param(lambda s: s[:-1], id="cut-mid-chunk"),
    ],
)
def test_a_damaged_or_reordered_file_fails_to_open(damage):
    sealed = damage(sealed_of(os.urandom(3 * CHUNK + 17)))
    with pytest.raises(DecryptionError):
        opened(sealed)


def test_a_file_sealed_with_an_older_key_opens_after_rotation(settings):
    plain = os.urandom(CHUNK + 3)
    sealed = sealed_of(plain)
    rotated = parse_keys(f"{generate_key()},{settings.PATTERNWORK_ENCRYPTION_KEYS}")
    assert rotated.primary_id != configured_keyring().primary_id
    source = io.BytesIO(sealed)
    assert b"".join(sc.open_range(source, len(sealed), keyring=rotated)) == plain


def test_a_chunk_of_another_file_does_not_open_in_this_one():
    one, two = sealed_of(os.urandom(2 * CHUNK)), sealed_of(os.urandom(2 * CHUNK))
    mixed = one[: sc.HEADER_BYTES] + two[sc.HEADER_BYTES :]
    with pytest.raises(DecryptionError):
        opened(mixed)


SIZE = 1000


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-", (0, 999)),
        ("bytes=0-99", (0, 99)),
        ("bytes=500-", (500, 999)),
        ("bytes=-100", (900, 999)),
        ("bytes=-5000", (0, 999)),
        ("bytes=990-5000", (990, 999)),
        ("items=0-5", None),
        ("bytes=0-5,10-20", None),
    ],
)
def test_byte_range_reads_one_range(header, expected):
    assert byte_range(header, SIZE) == expected


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=5-2", "bytes=-0", "bytes=x-y", "bytes=-"])
def test_byte_range_refuses_what_cannot_be_served(header):
    with pytest.raises(RangeNotSatisfiable):
        byte_range(header, SIZE)
