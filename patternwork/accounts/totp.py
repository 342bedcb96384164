"""TOTP helpers: provisioning QR code as plain SVG data, and demo codes."""

from __future__ import annotations

import time
from base64 import b32encode
from binascii import unhexlify

import qrcode
from django_otp.oath import TOTP

from patternwork.accounts.models import TOTPDevice
from patternwork.core.prepared import PreparedRead

# Whether a user has a confirmed app, asked by the portal's guard on every page of a
# client who has not verified one: the id alone (no secret to decrypt), its SQL made once
# per process (core.prepared).
_CONFIRMED_IDS = PreparedRead(
    lambda user_id: (
        TOTPDevice.objects.filter(user_id=user_id, confirmed=True).only("id").order_by("pk")[:1]
    ),
    int,
)


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def has_confirmed_device(user) -> bool:
    """Whether the user has a confirmed authenticator app (as `confirmed_device`, no row)."""
    return bool(_CONFIRMED_IDS.rows(user.pk))


def base32_secret(device: TOTPDevice) -> str:
    return b32encode(unhexlify(device.key)).decode("ascii")


def setup_picture(device: TOTPDevice) -> dict:
    """What a setup page shows: the QR code of the device's key, and the key to type in."""
    size, path = qr_svg_path(device.config_url)
    return {"qr_size": size, "qr_path": path, "secret": base32_secret(device)}


def qr_svg_path(data: str) -> tuple[int, str]:
    """Size and SVG path of a QR code: drawn with a path, no inline style, so CSP holds."""
    qr = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(data)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    parts = [
        f"M{x} {y}h1v1h-1z" for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark
    ]
    return len(matrix), "".join(parts)


def current_code(device: TOTPDevice, *, at: float | None = None) -> tuple[str, int]:
    """The device's code now and the seconds it stays valid (demo accounts only)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    now = time.time() if at is None else at
    totp.time = now
    code = str(totp.token()).zfill(device.digits)
    remaining = device.step - int(now - device.t0) % device.step
    return code, remaining
