"""Payload encryption (AES-256-GCM) so the Temporal server never stores petitioners' personal
data in plain text. The key id travels in each payload's metadata, so keys can rotate: new
payloads use the active key, old ones decode with whichever key they name."""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"


class CodecKeyError(ValueError):
    """Keys that cannot be used; the message says which and why."""


def parse_keys(spec: str) -> dict[str, bytes]:
    """``id:base64key,id2:base64key`` → keys (32 bytes each, AES-256)."""
    keys: dict[str, bytes] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        key_id, sep, encoded = item.partition(":")
        if not sep or not key_id:
            raise CodecKeyError(f"codec key {item[:8]}…: expected id:base64key")
        try:
            key = base64.b64decode(encoded, validate=True)
        except ValueError:
            raise CodecKeyError(f"codec key {key_id!r}: not base64") from None
        if len(key) != 32:
            raise CodecKeyError(f"codec key {key_id!r}: must be 32 bytes, got {len(key)}")
        keys[key_id] = key
    if not keys:
        raise CodecKeyError("no codec key given")
    return keys


def new_key_spec(key_id: str = "k1") -> str:
    return f"{key_id}:{base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()}"


class EncryptionCodec(PayloadCodec):
    def __init__(self, keys: dict[str, bytes], active: str) -> None:
        if active not in keys:
            raise CodecKeyError(f"active codec key {active!r} is not among the keys")
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self._active = active
        self.keys = dict(keys)  # the ring, shared with the projection's field encryption

    @property
    def active(self) -> str:
        return self._active

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        cipher = self._ciphers[self._active]
        encoded = []
        for payload in payloads:
            nonce = os.urandom(12)
            data = nonce + cipher.encrypt(nonce, payload.SerializeToString(), None)
            encoded.append(
                Payload(metadata={"encoding": ENCODING, KEY_ID: self._active.encode()}, data=data)
            )
        return encoded

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        decoded = []
        for payload in payloads:
            if payload.metadata.get("encoding") != ENCODING:
                decoded.append(payload)  # written before encryption was on: leave as is
                continue
            key_id = payload.metadata.get(KEY_ID, b"").decode()
            cipher = self._ciphers.get(key_id)
            if cipher is None:
                raise CodecKeyError(f"payload encrypted with unknown key {key_id!r}")
            nonce, body = payload.data[:12], payload.data[12:]
            decoded.append(Payload.FromString(cipher.decrypt(nonce, body, None)))
        return decoded
