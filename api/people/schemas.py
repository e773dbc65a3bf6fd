"""Person search: the query (in a POST body, never in a URL) and the person's cases, masked."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator

from api.cases.schemas import ID_NUMBER, CaseSummary
from models.boundary import MaskedPetitioner
from models.text import CleanText

MAX_RESULTS = 100


class PersonSearchIn(CleanText):
    """One or more of the person's exact name, phone and ID number (all given must match), and
    why the caller looks: every case found is written to the access log with it."""

    name: str = Field(default="", max_length=100, description="exact name (spaces ignored)")
    phone: str = Field(
        default="",
        pattern=r"^\+?[0-9\- ]{5,20}$|^$",
        description="the number as dialled (spaces, dashes and +86 ignored)",
    )
    id_number: str = Field(default="", pattern=rf"{ID_NUMBER}|^$", description="身份证号")
    reason: str = Field(min_length=2, max_length=500, description="why (the access log keeps it)")

    @model_validator(mode="after")
    def _something_to_find(self) -> PersonSearchIn:
        if not (self.name.strip() or self.phone.strip() or self.id_number.strip()):
            raise ValueError("给出姓名、电话或身份证号 / give a name, a phone or an ID number")
        return self


class PersonCase(CaseSummary):
    """A case of the person, as lists show it, with the petitioner masked."""

    petitioner: MaskedPetitioner


class PersonSearchOut(BaseModel):
    items: list[PersonCase] = Field(description="newest first, in the caller's scope")
    truncated: bool = Field(description=f"more than {MAX_RESULTS} cases matched: narrow it down")
