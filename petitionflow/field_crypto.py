"""Personal data at rest: each personal field of the projection encrypted with AES-256-GCM under
the payload codec's key ring (``PETITIONFLOW_CODEC_KEYS``; new values under the active key).

A stored value reads ``pf1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>``. The associated data
is ``<case id>:<field>``: a value copied to another row or another column does not decrypt. An
empty value stays empty (nothing to hide; a row written without the field). The masked forms
(``models/boundary.py``, ``Petitioner.masked``) and the keyed hash of the ID number (repeat
matching) are stored beside the ciphertext, so no query needs the plaintext.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from models.boundary import Petitioner

FORMAT = "pf1"
# The petitioner's personal fields → the projection column holding each one's ciphertext.
ENCRYPTED_COLUMNS: dict[str, str] = {
    "name": "petitioner_name_enc",
    "id_number": "petitioner_id_number_enc",
    "phone": "petitioner_phone_enc",
    "address": "petitioner_address_enc",
}
# The masked forms shown in lists and snapshots (the address is never shown).
MASKED_COLUMNS: dict[str, str] = {
    "name": "petitioner_name_masked",
    "id_number": "petitioner_id_number_masked",
    "phone": "petitioner_phone_masked",
}


class FieldCryptoError(ValueError):
    """A stored value that cannot be decrypted: unknown key, tampered, or moved from its row."""


class FieldCipher:
    """The key ring, for fields. Decrypts with whichever key a value names."""

    def __init__(self, keys: Mapping[str, bytes], active: str) -> None:
        if active not in keys:
            raise FieldCryptoError(f"active key {active!r} is not among the keys")
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self.active = active

    @staticmethod
    def _aad(row: str, field: str) -> bytes:
        return f"{row}:{field}".encode()

    def encrypt(self, value: str, *, row: str, field: str) -> str:
        if not value:
            return ""
        nonce = os.urandom(12)
        body = self._ciphers[self.active].encrypt(nonce, value.encode(), self._aad(row, field))
        return f"{FORMAT}:{self.active}:{base64.urlsafe_b64encode(nonce + body).decode()}"

    def decrypt(self, stored: str, *, row: str, field: str) -> str:
        if not stored:
            return ""
        key_id = key_id_of(stored)
        cipher = self._ciphers.get(key_id or "")
        if cipher is None:
            raise FieldCryptoError(f"{field} of case {row}: encrypted with unknown key {key_id!r}")
        try:
            raw = base64.urlsafe_b64decode(stored.split(":", 2)[2])
            return cipher.decrypt(raw[:12], raw[12:], self._aad(row, field)).decode()
        except (InvalidTag, binascii.Error, ValueError):
            raise FieldCryptoError(
                f"{field} of case {row}: does not decrypt (changed, or not this row's)"
            ) from None

    def reencrypt(self, stored: str, *, row: str, field: str) -> str:
        """The value under the active key (unchanged if it already is)."""
        if not stored or key_id_of(stored) == self.active:
            return stored
        return self.encrypt(self.decrypt(stored, row=row, field=field), row=row, field=field)

    # -- the petitioner's columns -------------------------------------------------------------
    def seal(self, case_id: str, petitioner: Petitioner) -> dict[str, str]:
        """Column values for a petitioner: the ciphertexts and the masked forms."""
        masked = petitioner.masked()
        columns = {
            column: self.encrypt(getattr(petitioner, field), row=case_id, field=field)
            for field, column in ENCRYPTED_COLUMNS.items()
        }
        columns |= {column: getattr(masked, field) for field, column in MASKED_COLUMNS.items()}
        return columns

    def open(self, case_id: str, row: Any) -> dict[str, str]:
        """The plaintext fields of a row (anything with the encrypted columns as attributes)."""
        return {
            field: self.decrypt(getattr(row, column), row=case_id, field=field)
            for field, column in ENCRYPTED_COLUMNS.items()
        }


def key_id_of(stored: str) -> str | None:
    """The key a stored value was encrypted with; None if it is not in this format."""
    prefix, sep, rest = stored.partition(":")
    if prefix != FORMAT or not sep:
        return None
    key_id, sep, _ = rest.partition(":")
    return key_id if sep else None
