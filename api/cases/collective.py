"""Collective petitions (集体访) at registration: the petitioners, their representatives and the
headcount, checked and brought to one shape whichever body was sent (``petitioner`` alone, as
before, or ``petitioners``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import Session

from api.pii import PetitionerRevealed
from api.problems import ProblemError
from models.boundary import Person
from models.messages import Message, invalid
from petitionflow.field_crypto import FieldCipher, FieldCryptoError
from petitionflow.person_keys import PersonKeys
from petitionflow.petitioners import open_petitioners

if TYPE_CHECKING:
    from api.cases.schemas import PetitionerIn, RegistrationIn

# 信访工作条例 第十八条: 多人采用走访形式提出共同的信访事项的，应当推选代表，代表人数不超过 5 人。
MAX_REPRESENTATIVES = 5
MAX_PETITIONERS = 200


def check_representatives(positions: list[int]) -> list[int]:
    if len(positions) > MAX_REPRESENTATIVES:
        raise invalid(
            f"代表人数不得超过 {MAX_REPRESENTATIVES} 人（信访工作条例 第十八条）",
            f"at most {MAX_REPRESENTATIVES} representatives (信访工作条例 Article 18)",
        )
    if len(set(positions)) != len(positions):
        raise invalid("代表重复", "a representative is named twice")
    return positions


def normalise(body: RegistrationIn) -> RegistrationIn:
    """Exactly one of ``petitioner`` and ``petitioners``; afterwards both are set: the list of
    everyone, and ``petitioner`` the one the case row shows (the first representative, or the
    first petitioner)."""
    if body.petitioner is not None and body.petitioners:
        raise invalid(
            "petitioner 与 petitioners 只能给出其一", "give either petitioner or petitioners"
        )
    if body.petitioner is None and not body.petitioners:
        raise invalid("须给出 petitioner 或 petitioners", "give petitioner or petitioners")
    if body.petitioner is not None:
        if body.representatives and body.representatives != [0]:
            raise invalid(
                "representatives：单个信访人只能是 [0]",
                "representatives: must be [0] for one petitioner",
            )
        body.petitioners = [body.petitioner]
    wrong = [p for p in body.representatives if not 0 <= p < len(body.petitioners)]
    if wrong:
        raise invalid(
            f"representatives：{wrong} 不是 petitioners 中的位置（从 0 起）",
            f"representatives: {wrong} are not positions in petitioners (counted from 0)",
        )
    if body.headcount is not None and body.headcount < len(body.petitioners):
        raise invalid(
            "headcount：不得少于登记的信访人数",
            "headcount: must not be below the petitioners listed",
        )
    first = body.representatives[0] if body.representatives else 0
    body.petitioner = body.petitioners[first]
    return body


def people(body: RegistrationIn, keys: PersonKeys) -> list[Person]:
    """Every petitioner with their keyed hashes, by the column each is stored in."""
    return [
        Person(
            petitioner=p,
            representative=position in body.representatives,
            keys=person_columns(p, keys),
        )
        for position, p in enumerate(body.petitioners)
    ]


def person_columns(petitioner: PetitionerIn, keys: PersonKeys) -> dict[str, str]:
    return {
        "petitioner_key": keys.id_number(petitioner.id_number),
        **keys.search_columns(petitioner),
        "person_ref": keys.ref(petitioner),
    }


def revealed(session: Session, cipher: FieldCipher, case_id: str) -> list[PetitionerRevealed]:
    """Every petitioner in plain text, for a reveal already on record."""
    try:
        return [PetitionerRevealed(**p) for p in open_petitioners(session, cipher, case_id)]
    except FieldCryptoError:
        raise ProblemError(
            500,
            Message(
                "信访人个人信息无法解密（密钥缺失或记录被改动）",
                "a petitioner's personal data cannot be decrypted: its key is not configured, or "
                "the stored value was altered",
            ),
        ) from None
