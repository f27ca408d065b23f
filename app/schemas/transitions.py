"""Bodies of POST /parcels/{id}/transitions: one shape per target status."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from app.domain.lifecycle import REGISTER_NO_PATTERN, SERIAL_PATTERN
from app.schemas.parcels import StrictModel
from app.schemas.types import TRIM, Day, Name, Reason, text


class ToRegistered(StrictModel):
    """The holder has registered the parcel."""

    to: Literal["registered"]
    note: str | None = Field(None, max_length=500)


class ToInReview(StrictModel):
    """The dossier is under review (again, after a return)."""

    to: Literal["in_review"]
    note: str | None = Field(None, max_length=500)


class ToReturned(StrictModel):
    """The dossier goes back as incomplete, with a written notice."""

    to: Literal["returned"]
    notice_no: Annotated[str, text(1, 100), TRIM] = Field(examples=["125/PYC-CNVPĐKĐĐ"])
    notice_date: Day
    missing_items: list[Annotated[str, text(1, 300), TRIM]] = Field(
        min_length=1, examples=[["Bản sao CCCD của người sử dụng đất"]]
    )
    copied_to: str | None = Field(
        None,
        max_length=200,
        examples=["Đảng ủy phường Nếnh"],
        description="Who received a copy of the notice (e.g. the ward party committee).",
    )


class ToEligible(StrictModel):
    """The dossier meets the conditions for a certificate."""

    to: Literal["eligible"]
    note: str | None = Field(None, max_length=500)


class ToIneligible(StrictModel):
    """The dossier does not meet the conditions."""

    to: Literal["ineligible"]
    reason: Reason


class ToSigned(StrictModel):
    """The certificate is signed and kept in custody until it is handed over."""

    to: Literal["signed"]
    serial: str = Field(
        pattern=f"^{SERIAL_PATTERN.pattern}$",
        description="Two letters and 6 digits, or 8 digits for the QR form issued from 2025.",
        examples=["DK123456"],
    )
    register_no: str = Field(pattern=f"^{REGISTER_NO_PATTERN.pattern}$", examples=["CS01234"])
    signer: Name
    signed_on: Day
    custody_location: Name = Field(examples=["Tủ hồ sơ số 3"])
    reissue: bool = Field(
        False, description="A re-issue (cấp đổi) of a delivered certificate; records the old one."
    )


class ToDelivered(StrictModel):
    """The certificate is handed over and leaves custody."""

    to: Literal["delivered"]
    recipient: Name
    handed_over_on: Day


TransitionIn = Annotated[
    ToRegistered | ToInReview | ToReturned | ToEligible | ToIneligible | ToSigned | ToDelivered,
    Field(discriminator="to"),
]
