"""What kind of audio a file holds, judged by its first bytes, never by its name.

A browser sends whatever name and content type the user's system gives a file, so
neither is evidence. The container signatures below are the formats a phone or a
recorder produces and a browser plays.
"""

from __future__ import annotations

SNIFF_BYTES = 16

AUDIO_TYPES = {
    "audio/mpeg": "MP3",
    "audio/aac": "AAC",
    "audio/ogg": "Ogg",
    "audio/wav": "WAV",
    "audio/flac": "FLAC",
    "audio/mp4": "M4A",
    "audio/webm": "WebM",
}


def sniff(head: bytes) -> str | None:
    """The audio content type that the file's first bytes show, or None."""
    if head.startswith(b"ID3"):
        return "audio/mpeg"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        # An MPEG frame sync (11 set bits); layer bits 00 mark ADTS, the AAC stream.
        return "audio/aac" if head[1] & 0x06 == 0 else "audio/mpeg"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head[4:8] == b"ftyp":
        return "audio/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "audio/webm"
    return None
