"""Generated audio for recording tests: never a real recording of anyone."""

import functools
import io
import math
import struct
import wave

RATE = 8000


# The same arguments always give the same bytes (immutable), so each is built once per
# process: packing the samples one by one is slow enough to show in the test profile.
@functools.cache
def wav(seconds: float = 1.0, *, rate: int = RATE) -> bytes:
    """A mono 16-bit WAV of a tone that rises, so every chunk of it differs."""
    frames = int(seconds * rate)
    samples = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * (220 + n / 40) * n / rate)))
        for n in range(frames)
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples)
    return buffer.getvalue()
