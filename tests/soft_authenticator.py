"""A software WebAuthn authenticator for tests: an EC P-256 key made in the test, "none"
attestation, and assertions signed as a security key signs them.

It answers the JSON options the server hands the browser with the JSON the browser
posts back, so a test drives the real ceremony end to end without a browser.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

FLAG_USER_PRESENT = 0x01
FLAG_USER_VERIFIED = 0x04
FLAG_ATTESTED = 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftAuthenticator:
    def __init__(self, *, rp_id: str = "127.0.0.1", origin: str = "http://127.0.0.1:8000"):
        self.rp_id = rp_id
        self.origin = origin
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.sign_count = 0

    def _cose_public_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        # COSE_Key: kty EC2 (2), alg ES256 (-7), crv P-256 (1), x, y.
        return cbor2.dumps(
            {
                1: 2,
                3: -7,
                -1: 1,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def _authenticator_data(self, *, attested: bool, rp_id: str | None = None) -> bytes:
        flags = FLAG_USER_PRESENT | FLAG_USER_VERIFIED | (FLAG_ATTESTED if attested else 0)
        data = hashlib.sha256((rp_id or self.rp_id).encode()).digest()
        data += bytes([flags]) + self.sign_count.to_bytes(4, "big")
        if attested:
            credential_id = self.credential_id
            data += bytes(16) + len(credential_id).to_bytes(2, "big") + credential_id
            data += self._cose_public_key()
        return data

    def _client_data(self, kind: str, options_json: str, origin: str | None) -> bytes:
        challenge = json.loads(options_json)["challenge"]
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": origin or self.origin}
        ).encode()

    def register(self, options_json: str, *, origin: str | None = None) -> str:
        """The answer to navigator.credentials.create() with these options."""
        client_data = self._client_data("webauthn.create", options_json, origin)
        attestation = cbor2.dumps(
            {"fmt": "none", "attStmt": {}, "authData": self._authenticator_data(attested=True)}
        )
        return json.dumps(
            {
                "id": b64url(self.credential_id),
                "rawId": b64url(self.credential_id),
                "type": "public-key",
                "response": {
                    "clientDataJSON": b64url(client_data),
                    "attestationObject": b64url(attestation),
                    "transports": ["internal"],
                },
                "clientExtensionResults": {},
            }
        )

    def sign(
        self,
        options_json: str,
        *,
        origin: str | None = None,
        rp_id: str | None = None,
        sign_count: int | None = None,
        forge: bool = False,
    ) -> str:
        """The answer to navigator.credentials.get(); the counter moves on by one unless
        given. `forge` signs with another key, as an attacker without this one would."""
        self.sign_count = self.sign_count + 1 if sign_count is None else sign_count
        authenticator_data = self._authenticator_data(attested=False, rp_id=rp_id)
        client_data = self._client_data("webauthn.get", options_json, origin)
        signer = ec.generate_private_key(ec.SECP256R1()) if forge else self.key
        signature = signer.sign(
            authenticator_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return json.dumps(
            {
                "id": b64url(self.credential_id),
                "rawId": b64url(self.credential_id),
                "type": "public-key",
                "response": {
                    "clientDataJSON": b64url(client_data),
                    "authenticatorData": b64url(authenticator_data),
                    "signature": b64url(signature),
                    "userHandle": None,
                },
                "clientExtensionResults": {},
            }
        )
