"""The monthly custody inventory: the signed certificates in custody on a day, each ticked
found or recorded missing."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, timestamptz


class CustodyInventory(Base):
    """One count of the certificates in custody (of one ward, or of the town: no ward)."""

    __tablename__ = "custody_inventory"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    ward_code: Mapped[str | None] = mapped_column(String(5), ForeignKey("ward.code"))
    taken_on: Mapped[date] = mapped_column(Date, nullable=False)
    started_by: Mapped[str] = mapped_column(Text, nullable=False)
    started_at: Mapped[datetime] = mapped_column(
        timestamptz(), nullable=False, server_default=func.now()
    )
    closed_by: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(timestamptz())
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")

    __table_args__ = (
        CheckConstraint("(closed_by IS NULL) = (closed_at IS NULL)", name="closed_whole"),
        Index(
            "uq_custody_inventory_day",
            "taken_on",
            "ward_code",
            unique=True,
            postgresql_nulls_not_distinct=True,
        ),
    )


class CustodyInventoryItem(Base):
    """A certificate of an inventory, as it was when the count began; found or not."""

    __tablename__ = "custody_inventory_item"

    inventory_id: Mapped[int] = mapped_column(
        ForeignKey("custody_inventory.id", ondelete="CASCADE"), primary_key=True
    )
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"), primary_key=True)
    parcel_id: Mapped[int] = mapped_column(ForeignKey("parcel.id"), nullable=False)
    ward_code: Mapped[str] = mapped_column(String(5), nullable=False)
    serial: Mapped[str] = mapped_column(String(10), nullable=False)
    register_no: Mapped[str] = mapped_column(String(32), nullable=False)
    signed_on: Mapped[date] = mapped_column(Date, nullable=False)
    custody_location: Mapped[str] = mapped_column(Text, nullable=False)
    found: Mapped[bool | None] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)
    checked_by: Mapped[str | None] = mapped_column(Text)
    checked_at: Mapped[datetime | None] = mapped_column(timestamptz())
