"""ORM tables. The schema itself is made only by the Alembic revisions in migrations/."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from geoalchemy2 import Geometry, WKBElement

from app.config import STORAGE_SRID
from app.db.base import Base

# Certificate life cycle of a parcel; the allowed transitions are domain rules, not schema.
PARCEL_STATUSES = (
    "unregistered",
    "registered",
    "in_review",
    "returned",
    "eligible",
    "ineligible",
    "signed",
    "delivered",
)


class Ward(Base):
    """A commune or ward (xã/phường): the unit that Directive 30 targets are set for."""

    __tablename__ = "ward"

    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)
    boundary: Mapped[WKBElement] = mapped_column(
        Geometry("MULTIPOLYGON", srid=STORAGE_SRID, spatial_index=False), nullable=False
    )

    __table_args__ = (
        CheckConstraint("code ~ '^[0-9]{5}$'", name="code_five_digits"),
        CheckConstraint("kind IN ('xa', 'phuong')", name="kind_known"),
        CheckConstraint("ST_IsValid(boundary)", name="boundary_valid"),
        Index("ix_ward_boundary", "boundary", postgresql_using="gist"),
    )


class Parcel(Base):
    """A land parcel (thửa đất), keyed by survey-time commune, map sheet and parcel number."""

    __tablename__ = "parcel"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    survey_commune_code: Mapped[str] = mapped_column(String(5), nullable=False)
    ward_code: Mapped[str] = mapped_column(ForeignKey("ward.code"), nullable=False, index=True)
    sheet_no: Mapped[int] = mapped_column(Integer, nullable=False)
    parcel_no: Mapped[int] = mapped_column(Integer, nullable=False)
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("MULTIPOLYGON", srid=STORAGE_SRID, spatial_index=False), nullable=False
    )
    area_m2: Mapped[float] = mapped_column(Numeric(14, 2), nullable=False)
    legal_area_m2: Mapped[float | None] = mapped_column(Numeric(14, 2))
    land_use_code: Mapped[str | None] = mapped_column(String(8))
    address: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), nullable=False, server_default="unregistered")
    extra: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )

    __table_args__ = (
        UniqueConstraint("survey_commune_code", "sheet_no", "parcel_no"),
        CheckConstraint("sheet_no > 0 AND parcel_no > 0", name="numbers_positive"),
        Index("ix_parcel_geom", "geom", postgresql_using="gist"),
        CheckConstraint("ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name="geom_valid"),
        CheckConstraint(
            f"status IN ({', '.join(repr(s) for s in PARCEL_STATUSES)})", name="status_known"
        ),
    )
