"""The checks and writes a parcel's use cases share: its geometry brought to storage, its
key, its land uses and holders, and its retirement."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from shapely import to_wkb

from app.db import queries
from app.db.models import (
    CommuneCrosswalk,
    Holder,
    LandOriginType,
    LandUseType,
    Parcel,
    ParcelLandUse,
    Ward,
)
from app.domain import clock
from app.domain.permissions import Actor
from app.errors import DuplicateParcel, InvalidGeometry, InvalidInput, UnknownWard
from app.schemas.parcels import GeometryIn, HolderIn, LandUseIn
from app.services import versions
from app.spatial import crs as crs_codes
from app.spatial.geometry import parse_parcel_geometry
from app.spatial.sanity import coordinate_problem

# Land-use areas must add up to the parcel's area within this share (or 1 m2).
AREA_TOLERANCE = Decimal("0.01")
# Overlap with a registered parcel tolerated as survey noise, in m2.
OVERLAP_TOLERANCE_M2 = 1.0

LandUseRow = tuple[str, Decimal, list[str]]  # code, area, origin codes


def storage_geometry(
    session: Session, geometry: GeometryIn, crs: str | int
) -> tuple[bytes, float, str]:
    """Return (storage EWKB, area m2, ward code) of an incoming geometry, or raise 422."""
    try:
        srid = crs_codes.parse_crs(crs)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    shape = parse_parcel_geometry(geometry.model_dump())
    problem = coordinate_problem(shape.bounds, srid)
    if problem is not None:
        raise InvalidGeometry(f"The coordinates cannot be right: {problem}.")
    try:
        with session.begin_nested():  # a failed transform must not poison the transaction
            ewkb, area, invalid = queries.to_storage(session.connection(), to_wkb(shape), srid)
    except DBAPIError as exc:
        raise InvalidGeometry(
            f"The geometry cannot be transformed from {crs_codes.uri(srid)}: "
            f"{str(exc.orig).splitlines()[0]}"
        ) from None
    if invalid is not None:
        raise InvalidGeometry(f"The geometry is not valid in the registry's CRS: {invalid}.")
    ward = queries.ward_containing(session.connection(), ewkb)
    if ward is None:
        raise InvalidInput(
            "The parcel lies outside every ward of the registry; check the coordinates and "
            f"their CRS (sent as {crs_codes.uri(srid)}).",
        )
    return ewkb, area, ward


def check_no_overlap(session: Session, ewkb: bytes, *, ignore: list[int]) -> None:
    """Refuse a geometry overlapping a registered parcel (other than `ignore`) beyond noise."""
    clash = queries.overlapping_parcel(session.connection(), ewkb, ignore, OVERLAP_TOLERANCE_M2)
    if clash is not None:
        parcel_id, area = clash
        raise InvalidGeometry(
            f"The parcel overlaps parcel {parcel_id} by {area:.2f} m2; "
            f"at most {OVERLAP_TOLERANCE_M2:g} m2 is tolerated.",
            overlaps=parcel_id,
            overlap_m2=round(area, 2),
        )


def check_commune(session: Session, code: str) -> None:
    """Refuse a survey commune that is neither a ward nor an old commune of the crosswalk."""
    known = session.get(Ward, code) is not None or session.get(CommuneCrosswalk, code) is not None
    if not known:
        raise UnknownWard(
            f"Commune code {code} is neither a ward of the registry nor an old commune in the "
            "crosswalk."
        )


def land_use_rows(
    session: Session, land_uses: list[LandUseIn], parcel_area: Decimal
) -> list[LandUseRow]:
    """Return (code, area, origin codes) per land use, checking codes and areas."""
    codes = [use.code for use in land_uses]
    if len(set(codes)) != len(codes):
        raise InvalidInput("A land-use code appears twice; give each use once with its area.")
    _check_land_use_codes(session, codes)
    _check_origin_codes(session, {c for use in land_uses for c in use.origin_codes})
    if len(land_uses) == 1 and land_uses[0].area_m2 is None:
        return [(codes[0], parcel_area, land_uses[0].origin_codes)]
    if any(use.area_m2 is None for use in land_uses):
        raise InvalidInput("A parcel with several land uses needs the area of each one.")
    total = sum((use.area_m2 for use in land_uses if use.area_m2 is not None), Decimal(0))
    if abs(total - parcel_area) > max(Decimal(1), parcel_area * AREA_TOLERANCE):
        raise InvalidInput(
            f"The land-use areas add up to {total} m2 but the parcel has {parcel_area} m2."
        )
    return [(u.code, u.area_m2 or Decimal(0), u.origin_codes) for u in land_uses]


def _check_land_use_codes(session: Session, codes: list[str]) -> None:
    known = {
        t.code: t for t in session.scalars(select(LandUseType).where(LandUseType.code.in_(codes)))
    }
    for code in codes:
        if code not in known:
            raise InvalidInput(f"Unknown land-use code {code!r}; see GET /land-use-types.")
        if not known[code].is_current:
            raise InvalidInput(
                f"{code} is an old land-use code; use {known[code].replaced_by} instead."
            )


def _check_origin_codes(session: Session, origins: set[str]) -> None:
    known = set(
        session.scalars(select(LandOriginType.code).where(LandOriginType.code.in_(origins)))
    )
    if origins - known:
        raise InvalidInput(f"Unknown land-origin code(s): {', '.join(sorted(origins - known))}.")


def check_key_free(
    session: Session, commune: str, sheet: int, number: int, own_id: int = 0
) -> None:
    """Refuse a (commune, map sheet, parcel number) another parcel already holds."""
    taken = session.scalars(
        select(Parcel.id).where(
            Parcel.survey_commune_code == commune,
            Parcel.sheet_no == sheet,
            Parcel.parcel_no == number,
            Parcel.id != own_id,
        )
    ).first()
    if taken is not None:
        raise DuplicateParcel(
            f"Parcel {number} of map sheet {sheet} in commune {commune} is already registered "
            f"as parcel {taken}.",
            existing_id=taken,
        )


def replace_land_uses(session: Session, parcel: Parcel, rows: list[LandUseRow]) -> None:
    """Make `rows` the parcel's land uses."""
    session.execute(delete(ParcelLandUse).where(ParcelLandUse.parcel_id == parcel.id))
    for code, area, origins in rows:
        session.add(
            ParcelLandUse(
                parcel_id=parcel.id, land_use_code=code, area_m2=area, origin_codes=origins
            )
        )


def replace_holders(session: Session, parcel: Parcel, holders: list[HolderIn]) -> None:
    """Make `holders` the parcel's holders, in this order."""
    session.execute(delete(Holder).where(Holder.parcel_id == parcel.id))
    session.flush()
    for position, holder in enumerate(holders, start=1):
        session.add(
            Holder(
                parcel_id=parcel.id,
                position=position,
                name=holder.name,
                kind=holder.kind,
                id_number=holder.id_number,
            )
        )


def holders_of(session: Session, parcel: Parcel) -> list[HolderIn]:
    """Return the parcel's holders, in order, as a new parcel would be given them."""
    holders = session.scalars(
        select(Holder).where(Holder.parcel_id == parcel.id).order_by(Holder.position)
    )
    return [
        HolderIn.model_validate({"name": h.name, "kind": h.kind, "id_number": h.id_number})
        for h in holders
    ]


def area(area_m2: float) -> Decimal:
    """Return an area as the register keeps it: square metres with two decimals."""
    return Decimal(str(round(area_m2, 2)))


def retire(session: Session, parcel: Parcel, actor: Actor, reason: str) -> None:
    """Retire the parcel now, with its reason, and record the version."""
    parcel.retired_at = clock.now().astimezone(UTC)  # as the database reads it back
    parcel.retired_reason = reason
    versions.record(session=session, parcel=parcel, actor=actor, action="retire")
