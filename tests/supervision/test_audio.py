import pytest

from patternwork.supervision.audio import sniff
from tests.audio_files import wav


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio/mpeg"),
        (b"\xff\xfb\x90\x64\x00\x00", "audio/mpeg"),
        (b"\xff\xf1\x50\x80\x00\x1f", "audio/aac"),
        (b"OggS\x00\x02\x00\x00", "audio/ogg"),
        (wav(0.01)[:16], "audio/wav"),
        (b"fLaC\x00\x00\x00\x22", "audio/flac"),
        (b"\x00\x00\x00\x20ftypM4A \x00\x00", "audio/mp4"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81", "audio/webm"),
        (b"RIFF\x24\x00\x00\x00AVI LIST", None),
        (b"%PDF-1.7\n", None),
        (b"<html><body>", None),
        (b"", None),
    ],
)
def test_audio_is_known_by_its_first_bytes(head, expected):
    assert sniff(head) == expected
