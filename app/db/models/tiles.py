"""The map's bookkeeping (revision 0017): parcel counts per grid cell, cached tiles, and the
areas that writes touched. Written by triggers and the tile upkeep, read by app.db.tiles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Identity,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from geoalchemy2 import Geometry, WKBElement

from app.db.base import Base, timestamptz


def _cell_columns() -> list[Column[object]]:
    return [
        Column("cx", Integer, nullable=False),
        Column("cy", Integer, nullable=False),
        Column("status", String(16), nullable=False),
        Column("disputed", Boolean, nullable=False),
        Column("land_use_group", String(8), nullable=False),
        Column("n", Integer, nullable=False),
    ]


# parcels per zoom-19 cell (of their Web Mercator centroid), status, dispute and group
parcel_cell_count = Table(
    "parcel_cell_count",
    Base.metadata,
    *_cell_columns(),
    PrimaryKeyConstraint(
        "cx", "cy", "status", "disputed", "land_use_group", name="pk_parcel_cell_count"
    ),
)
# the signed changes not yet folded into parcel_cell_count (tile_compact())
parcel_cell_delta = Table(
    "parcel_cell_delta",
    Base.metadata,
    *_cell_columns(),
    Index("ix_parcel_cell_delta_cell", "cx", "cy"),
)


class TileCache(Base):
    """A built tile, with the snapshot it was read from and the area it draws (buffer
    included)."""

    __tablename__ = "tile_cache"

    layer: Mapped[str] = mapped_column(String(8), primary_key=True)
    z: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    x: Mapped[int] = mapped_column(Integer, primary_key=True)
    y: Mapped[int] = mapped_column(Integer, primary_key=True)
    body: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    snapshot: Mapped[str] = mapped_column(Text, nullable=False)
    envelope: Mapped[WKBElement] = mapped_column(
        Geometry("POLYGON", srid=3857, spatial_index=False), nullable=False
    )
    built_at: Mapped[datetime] = mapped_column(
        timestamptz(), nullable=False, server_default=func.now()
    )

    __table_args__ = (
        PrimaryKeyConstraint("layer", "z", "x", "y", name="pk_tile_cache"),
        Index("ix_tile_cache_envelope", "envelope", postgresql_using="gist"),
    )


class TileChange(Base):
    """The area a write touched (one per zoom-14 tile of one statement), with its
    transaction id; `seen_at`, when the upkeep first saw it committed."""

    __tablename__ = "tile_change"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    layer: Mapped[str] = mapped_column(String(8), nullable=False)
    xid: Mapped[int] = mapped_column(BigInteger, nullable=False)
    area: Mapped[WKBElement] = mapped_column(
        Geometry("POLYGON", srid=3857, spatial_index=False), nullable=False
    )
    seen_at: Mapped[datetime | None] = mapped_column(timestamptz())

    __table_args__ = (Index("ix_tile_change_area", "area", postgresql_using="gist"),)
