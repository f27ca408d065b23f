"""Split a parcel into parts, merge parcels into one: the parents are retired, the children
registered, and the lineage between them kept."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from shapely import from_wkb

from app.db import queries
from app.db.models import Parcel, ParcelLineage
from app.domain import lifecycle
from app.domain.permissions import Action, Actor, authorize
from app.domain.preconditions import check_version
from app.errors import InvalidGeometry, InvalidInput
from app.schemas.parcels import MergeIn, SplitIn, SplitPart
from app.services import parcel_parts as parts
from app.services import versions
from app.services.parcel_lookup import ensure_active, load

__all__ = ["merge", "split"]

# A split's parts must cover the parent to within this many m2.
SPLIT_TOLERANCE_M2 = 1.0

_Storage = tuple[bytes, float, str]  # storage EWKB, area m2, ward code


def split(
    *, session: Session, actor: Actor, parcel_id: int, if_match: str | None, data: SplitIn
) -> list[Parcel]:
    """Split a parcel into parts that cover it exactly; retire it; return the parts."""
    authorize(actor, Action.PARCEL_WRITE)
    parent = load(session=session, parcel_id=parcel_id, lock=True)
    check_version(current=parent.version, if_match=if_match)
    _ensure_free_to_change(
        parent,
        "A certified or disputed parcel is split only through its own procedure; "
        "resolve the dispute or retire the certificate first.",
    )
    geoms = [parts.storage_geometry(session, part.geometry, data.crs) for part in data.parts]
    _check_parts_cover(session, parent, [g[0] for g in geoms])
    children = [
        _split_child(session, actor, parent, part, storage)
        for part, storage in zip(data.parts, geoms, strict=True)
    ]
    reason = f"{data.reason}: split into {', '.join(str(c.id) for c in children)}"
    parts.retire(session, parent, actor, reason)
    return children


def _ensure_free_to_change(parcel: Parcel, refusal: str) -> None:
    """Refuse a retired parcel, and a certified or disputed one with `refusal`."""
    ensure_active(parcel)
    if lifecycle.is_certified(parcel.status) or parcel.disputed:
        raise InvalidInput(refusal.format(id=parcel.id))


def _check_parts_cover(session: Session, parent: Parcel, parts_ewkb: list[bytes]) -> None:
    """Refuse parts that overlap one another or a neighbour, or do not cover the parent."""
    overlap = queries.overlap_area(session.connection(), parts_ewkb)
    if overlap > SPLIT_TOLERANCE_M2:
        raise InvalidGeometry(f"The parts overlap one another by {overlap:.2f} m2.")
    for part_ewkb in parts_ewkb:
        parts.check_no_overlap(session, part_ewkb, ignore=[parent.id])
    gap = queries.union_area_difference(session.connection(), parent.id, parts_ewkb)
    if gap > SPLIT_TOLERANCE_M2:
        raise InvalidGeometry(
            f"The parts differ from the parcel by {gap:.2f} m2; they must cover it exactly."
        )


def _split_child(
    session: Session, actor: Actor, parent: Parcel, part: SplitPart, storage: _Storage
) -> Parcel:
    """Register one part of a split: the parent's status and confirmations, its own shape."""
    ewkb, area, ward = storage
    sheet = part.sheet_no or parent.sheet_no
    parts.check_key_free(session, parent.survey_commune_code, sheet, part.parcel_no)
    child = Parcel(
        survey_commune_code=parent.survey_commune_code,
        ward_code=ward,
        sheet_no=sheet,
        parcel_no=part.parcel_no,
        geom=ewkb.hex(),
        area_m2=parts.area(area),
        legal_area_m2=part.legal_area_m2,
        address=part.address or parent.address,
        status=parent.status,
        land_use_since=parent.land_use_since,
        origin_confirmed=parent.origin_confirmed,
        time_of_use_confirmed=parent.time_of_use_confirmed,
        extra={},
    )
    session.add(child)
    session.flush()
    reference_area = part.legal_area_m2 or parts.area(area)
    parts.replace_land_uses(
        session, child, parts.land_use_rows(session, part.land_uses, reference_area)
    )
    parts.replace_holders(session, child, parts.holders_of(session, parent))
    session.add(
        ParcelLineage(parent_id=parent.id, child_id=child.id, kind="split", recorded_by=actor.label)
    )
    versions.record(session=session, parcel=child, actor=actor, action="split")
    return child


def merge(*, session: Session, actor: Actor, data: MergeIn) -> Parcel:
    """Merge parcels of one survey commune into a new parcel; retire them; return it."""
    authorize(actor, Action.PARCEL_WRITE)
    parents = [load(session=session, parcel_id=pid, lock=True) for pid in sorted(data.versions)]
    for parent in parents:
        check_version(current=parent.version, if_match=str(data.versions[parent.id]))
        _ensure_free_to_change(
            parent, "Parcel {id} is certified or disputed; it cannot be merged here."
        )
    if len({p.survey_commune_code for p in parents}) > 1:
        raise InvalidInput("Parcels of different survey communes cannot be merged.")
    ewkb = queries.union_of_parcels(session.connection(), [p.id for p in parents])
    area = sum((Decimal(str(p.area_m2)) for p in parents), Decimal(0))
    union = from_wkb(ewkb)
    if union.geom_type != "MultiPolygon" or len(union.geoms) != 1:
        raise InvalidGeometry("The parcels do not touch; only adjacent parcels can be merged.")
    sheet = data.sheet_no or parents[0].sheet_no
    commune = parents[0].survey_commune_code
    parts.check_key_free(session, commune, sheet, data.parcel_no)
    ward = queries.ward_containing(session.connection(), ewkb)
    merged = Parcel(
        survey_commune_code=commune,
        ward_code=ward or parents[0].ward_code,
        sheet_no=sheet,
        parcel_no=data.parcel_no,
        geom=ewkb.hex(),
        area_m2=parts.area(float(union.area)),
        address=data.address or parents[0].address,
        extra={},
    )
    session.add(merged)
    session.flush()
    parts.replace_land_uses(session, merged, parts.land_use_rows(session, data.land_uses, area))
    for parent in parents:
        session.add(
            ParcelLineage(
                parent_id=parent.id, child_id=merged.id, kind="merge", recorded_by=actor.label
            )
        )
    versions.record(session=session, parcel=merged, actor=actor, action="merge")
    for parent in parents:
        parts.retire(session, parent, actor, f"{data.reason}: merged into {merged.id}")
    return merged
