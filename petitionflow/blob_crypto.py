"""Files at rest (case attachments: letter scans, photos, agreements — personal data): each one
encrypted whole with AES-256-GCM under the payload codec's key ring (``PETITIONFLOW_CODEC_KEYS``;
new files under the active key), wherever the store keeps it.

A stored file reads ``PFB1 ‖ len(key id) ‖ key id ‖ nonce (12) ‖ ciphertext ‖ tag (16)``. The
associated data names the file's owner (``attachment:<case id>:<attachment id>``): a file copied
under another attachment's key in the store, or swapped between cases, does not decrypt.
"""

from __future__ import annotations

from collections.abc import Mapping
from os import urandom

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"PFB1"
NONCE_BYTES = 12


class BlobCryptoError(ValueError):
    """A stored file that cannot be decrypted: unknown key, altered, or not this owner's."""


class BlobCipher:
    """The key ring, for whole files. Decrypts with whichever key a file names."""

    def __init__(self, keys: Mapping[str, bytes], active: str) -> None:
        if active not in keys:
            raise BlobCryptoError(f"active key {active!r} is not among the keys")
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self.active = active

    def encrypt(self, data: bytes, *, owner: str) -> bytes:
        key_id = self.active.encode()
        nonce = urandom(NONCE_BYTES)
        body = self._ciphers[self.active].encrypt(nonce, data, owner.encode())
        return MAGIC + bytes([len(key_id)]) + key_id + nonce + body

    def decrypt(self, stored: bytes, *, owner: str) -> bytes:
        key_id = key_id_of(stored)
        if key_id is None:
            raise BlobCryptoError(f"{owner}: not an encrypted file")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise BlobCryptoError(f"{owner}: encrypted with unknown key {key_id!r}")
        start = len(MAGIC) + 1 + len(key_id.encode())
        nonce, body = stored[start : start + NONCE_BYTES], stored[start + NONCE_BYTES :]
        try:
            return cipher.decrypt(nonce, body, owner.encode())
        except (InvalidTag, ValueError):
            raise BlobCryptoError(f"{owner}: does not decrypt (altered, or not its file)") from None


def key_id_of(stored: bytes) -> str | None:
    """The key a stored file was encrypted with; None if it is not in this format."""
    if not stored.startswith(MAGIC) or len(stored) < len(MAGIC) + 1:
        return None
    size = stored[len(MAGIC)]
    raw = stored[len(MAGIC) + 1 : len(MAGIC) + 1 + size]
    if len(raw) != size:
        return None
    try:
        return raw.decode("ascii")
    except UnicodeDecodeError:
        return None


def attachment_owner(case_id: str, attachment_id: str) -> str:
    """What a case attachment's stored file is bound to."""
    return f"attachment:{case_id}:{attachment_id}"


def attachment_row(case_id: str, attachment_id: str) -> str:
    """The row its encrypted file name and description are bound to (``FieldCipher``'s row)."""
    return f"{case_id}/{attachment_id}"
