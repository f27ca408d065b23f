"""The register's own tables: wards, parcels and the lists of codes they use."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from geoalchemy2 import Geometry, WKBElement

from app.config import STORAGE_SRID
from app.db.base import Base
from app.domain.lifecycle import STATUSES


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
    address: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(
        String(16), nullable=False, server_default="unregistered", index=True
    )
    extra: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    disputed: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    land_use_since: Mapped[date | None] = mapped_column(Date)
    origin_confirmed: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    time_of_use_confirmed: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default="false"
    )
    confirmed_by: Mapped[str | None] = mapped_column(Text)
    confirmed_on: Mapped[date | None] = mapped_column(Date)
    confirmation_document: Mapped[str | None] = mapped_column(Text)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retired_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    # kept by triggers for the coverage counters (revision 0009): the group of the principal
    # land use, and the staff-set backlog reasons
    land_use_group: Mapped[str | None] = mapped_column(ForeignKey("land_use_group.code"))
    backlog_staff: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, server_default="{}"
    )

    __table_args__ = (
        UniqueConstraint("survey_commune_code", "sheet_no", "parcel_no"),
        CheckConstraint("sheet_no > 0 AND parcel_no > 0", name="numbers_positive"),
        CheckConstraint(
            "(retired_at IS NULL) = (retired_reason IS NULL)", name="retired_with_reason"
        ),
        Index("ix_parcel_geom", "geom", postgresql_using="gist"),
        # the parcels drawn at zooms 14, 13 and 12 (revision 0017)
        *(
            Index(
                f"ix_parcel_geom_z{zoom}",
                "geom",
                postgresql_using="gist",
                postgresql_where=text(f"retired_at IS NULL AND area_m2 >= {area}"),
            )
            for zoom, area in ((14, 300), (13, 1200), (12, 4800))
        ),
        CheckConstraint("ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name="geom_valid"),
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in STATUSES)})", name="status_known"),
    )


class CommuneCrosswalk(Base):
    """An old commune code (at survey time) and the current ward it now belongs to."""

    __tablename__ = "commune_crosswalk"

    old_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    old_name: Mapped[str] = mapped_column(Text, nullable=False)
    ward_code: Mapped[str] = mapped_column(ForeignKey("ward.code"), nullable=False)
    effective_on: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (CheckConstraint("old_code ~ '^[0-9]{5}$'", name="code_five_digits"),)


class LandUseGroup(Base):
    """A group of land uses for statistics (agricultural, residential, ...)."""

    __tablename__ = "land_use_group"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False)


class LandUseType(Base):
    """A land-use code of the national list; old codes point to their replacement."""

    __tablename__ = "land_use_type"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    group_code: Mapped[str] = mapped_column(ForeignKey("land_use_group.code"), nullable=False)
    is_current: Mapped[bool] = mapped_column(Boolean, nullable=False)
    replaced_by: Mapped[str | None] = mapped_column(ForeignKey("land_use_type.code"))

    __table_args__ = (
        CheckConstraint("is_current OR replaced_by IS NOT NULL", name="legacy_has_replacement"),
        CheckConstraint("replaced_by IS NULL OR NOT is_current", name="current_not_replaced"),
    )


class LandOriginType(Base):
    """A land-origin code (nguồn gốc sử dụng đất)."""

    __tablename__ = "land_origin_type"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False)


class ParcelLandUse(Base):
    """One land use of a parcel, with its area and land-origin codes."""

    __tablename__ = "parcel_land_use"

    parcel_id: Mapped[int] = mapped_column(ForeignKey("parcel.id"), primary_key=True)
    land_use_code: Mapped[str] = mapped_column(
        ForeignKey("land_use_type.code"), primary_key=True, index=True
    )
    area_m2: Mapped[float] = mapped_column(Numeric(14, 2), nullable=False)
    origin_codes: Mapped[list[str]] = mapped_column(
        ARRAY(String(16)), nullable=False, server_default="{}"
    )

    __table_args__ = (CheckConstraint("area_m2 > 0", name="area_positive"),)
