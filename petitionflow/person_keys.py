"""Keyed hashes of a petitioner's identifying fields: how repeats are matched (ID number) and how
a person is found (name, phone, ID number) without the plaintext ever being a key or a query.

HMAC-SHA-256 under the server secret (``PETITIONFLOW_SECRET_KEY``), one label per field, over the
field's normalised form — so "王 五" finds "王五" and "+86 138-1234-5678" finds "13812345678",
while the database holds nothing that reads back to the person without the secret. The projection
stores them beside the ciphertexts (``models/tables.py``); ``petitionflow keys fill-search``
computes them for rows written before they existed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from typing import Any

# The projection's columns for the person-search hashes (the ID number's is ``petitioner_key``).
SEARCH_KEY_COLUMNS: dict[str, str] = {
    "name": "petitioner_name_key",
    "phone": "petitioner_phone_key",
}
_SPACES = re.compile(r"[\s·•・.]+")  # "王 五", "阿卜杜·热合曼": one name however it was typed


def normal_name(name: str) -> str:
    """Full-width forms folded (NFKC), spaces and name dots dropped, Latin letters lower-cased."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", name)).casefold()


def normal_phone(phone: str) -> str:
    """Digits only, without China's country code (+86, 0086): how the number is dialled at home."""
    digits = "".join(ch for ch in unicodedata.normalize("NFKC", phone) if ch.isdigit())
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11:  # a mobile number
            return digits[len(prefix) :]
    return digits


def normal_id_number(id_number: str) -> str:
    return id_number.strip().upper()


class PersonKeys:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _keyed(self, label: str, value: str) -> str:
        if not value:
            return ""  # nothing to find a person by
        message = f"{label}\x1f{value}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def id_number(self, id_number: str) -> str:
        """The ID number's key (repeat matching and search); its label predates the others."""
        return self._keyed("petitioner", normal_id_number(id_number))

    def name(self, name: str) -> str:
        return self._keyed("name", normal_name(name))

    def phone(self, phone: str) -> str:
        return self._keyed("phone", normal_phone(phone))

    def ref(self, petitioner: Any) -> str:
        """The opaque reference of a person's history (``GET /petitioners/{ref}``): keyed under
        its own label, so it is none of the search keys and reads back to nobody. By the ID
        number; without one, by name and phone together; with neither, none."""
        if petitioner.id_number:
            return self._keyed("person", normal_id_number(petitioner.id_number))[:40]
        name, phone = normal_name(petitioner.name), normal_phone(petitioner.phone)
        return self._keyed("person-contact", f"{name}\x1f{phone}")[:40] if name and phone else ""

    def search_columns(self, petitioner: Any) -> dict[str, str]:
        """The person-search columns for a petitioner (anything with ``name`` and ``phone``)."""
        return {
            SEARCH_KEY_COLUMNS["name"]: self.name(petitioner.name),
            SEARCH_KEY_COLUMNS["phone"]: self.phone(petitioner.phone),
        }
