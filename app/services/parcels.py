"""Parcel use cases: register, read, amend, retire, split, merge."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from shapely import from_wkb, to_wkb

from app.db import queries
from app.db.models import (
    CommuneCrosswalk,
    Holder,
    LandOriginType,
    LandUseType,
    Parcel,
    ParcelLandUse,
    ParcelLineage,
    Ward,
)
from app.domain import clock, lifecycle
from app.domain.permissions import Action, Actor, may
from app.errors import (
    DuplicateParcel,
    Forbidden,
    InvalidGeometry,
    InvalidInput,
    NotFound,
    ParcelRetired,
    PreconditionFailed,
    PreconditionRequired,
    Unauthenticated,
    UnknownWard,
)
from app.schemas.parcels import (
    GeometryIn,
    HolderIn,
    LandUseIn,
    MergeIn,
    ParcelIn,
    ParcelPatch,
    SplitIn,
)
from app.services import versions
from app.spatial import crs as crs_codes
from app.spatial.geometry import parse_parcel_geometry
from app.spatial.sanity import coordinate_problem

# Land-use areas must add up to the parcel's area within this share (or 1 m2).
AREA_TOLERANCE = Decimal("0.01")
# Overlap with a registered parcel tolerated as survey noise, in m2.
OVERLAP_TOLERANCE_M2 = 1.0
# A split's parts must cover the parent to within this many m2.
SPLIT_TOLERANCE_M2 = 1.0


# -- loading and concurrency -----------------------------------------------------------------


def load(*, session: Session, parcel_id: int, lock: bool = False) -> Parcel:
    """Return the parcel, locked for update when asked; raise NotFound."""
    query = select(Parcel).where(Parcel.id == parcel_id)
    if lock:
        query = query.with_for_update()
    parcel = session.scalars(query).one_or_none()
    if parcel is None:
        raise NotFound(f"There is no parcel {parcel_id}.")
    return parcel


def parse_if_match(header: str | None) -> int | None:
    """Return the version an If-Match header names (None for a missing header, -1 for *)."""
    if header is None:
        return None
    value = header.strip()
    if value == "*":
        return -1
    value = value.removeprefix("W/").strip('"')
    try:
        return int(value)
    except ValueError:
        raise PreconditionFailed(
            f"If-Match {header!r} is not an ETag of this API; send the ETag you last read."
        ) from None


def check_version(*, current: int, if_match: str | None, what: str = "parcel") -> None:
    """Refuse an update without If-Match (428) or against a stale version (412)."""
    expected = parse_if_match(if_match)
    if expected is None:
        raise PreconditionRequired(
            f"Updates need If-Match with the {what}'s ETag (read it first, then send it back)."
        )
    if expected not in (-1, current):
        raise PreconditionFailed(
            f"The {what} changed since you read it (you have version {expected}, "
            f"it is now at {current}); read it again and reapply your change.",
            current_version=current,
        )


def _not_retired(parcel: Parcel) -> None:
    if parcel.retired_at is not None:
        raise ParcelRetired(
            f"Parcel {parcel.id} was retired ({parcel.retired_reason}); it cannot change.",
        )


def authorize(actor: Actor, action: Action, ward_code: str | None = None) -> None:
    """Raise Unauthenticated (no key) or Forbidden unless the actor may do `action`."""
    if actor.role is None:
        raise Unauthenticated(
            f"{action.value} needs an API key: send 'Authorization: Bearer <key>'."
        )
    if not may(actor, action, ward_code):
        where = f" in ward {ward_code}" if ward_code else ""
        raise Forbidden(f"{actor.label} may not do {action.value}{where}.")


# -- validation of parts ---------------------------------------------------------------------


def _storage_geometry(
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


def _check_no_overlap(session: Session, ewkb: bytes, *, ignore: list[int]) -> None:
    clash = queries.overlapping_parcel(session.connection(), ewkb, ignore, OVERLAP_TOLERANCE_M2)
    if clash is not None:
        parcel_id, area = clash
        raise InvalidGeometry(
            f"The parcel overlaps parcel {parcel_id} by {area:.2f} m2; "
            f"at most {OVERLAP_TOLERANCE_M2:g} m2 is tolerated.",
            overlaps=parcel_id,
            overlap_m2=round(area, 2),
        )


def _check_commune(session: Session, code: str) -> None:
    known = session.get(Ward, code) is not None or session.get(CommuneCrosswalk, code) is not None
    if not known:
        raise UnknownWard(
            f"Commune code {code} is neither a ward of the registry nor an old commune in the "
            "crosswalk."
        )


def _land_use_rows(
    session: Session, land_uses: list[LandUseIn], parcel_area: Decimal
) -> list[tuple[str, Decimal, list[str]]]:
    """Return (code, area, origin codes) per land use, checking codes and areas."""
    codes = [use.code for use in land_uses]
    if len(set(codes)) != len(codes):
        raise InvalidInput("A land-use code appears twice; give each use once with its area.")
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
    origins = {c for use in land_uses for c in use.origin_codes}
    known_origins = set(
        session.scalars(select(LandOriginType.code).where(LandOriginType.code.in_(origins)))
    )
    if origins - known_origins:
        raise InvalidInput(
            f"Unknown land-origin code(s): {', '.join(sorted(origins - known_origins))}."
        )
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


def _check_key_free(
    session: Session, commune: str, sheet: int, number: int, own_id: int = 0
) -> None:
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


def _replace_land_uses(
    session: Session, parcel: Parcel, rows: list[tuple[str, Decimal, list[str]]]
) -> None:
    session.execute(delete(ParcelLandUse).where(ParcelLandUse.parcel_id == parcel.id))
    for code, area, origins in rows:
        session.add(
            ParcelLandUse(
                parcel_id=parcel.id, land_use_code=code, area_m2=area, origin_codes=origins
            )
        )


def _replace_holders(session: Session, parcel: Parcel, holders: list[HolderIn]) -> None:
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


def _area(area_m2: float) -> Decimal:
    return Decimal(str(round(area_m2, 2)))


# -- use cases -------------------------------------------------------------------------------


def create(*, session: Session, actor: Actor, data: ParcelIn) -> Parcel:
    """Register a new parcel (status unregistered) and its first version; return it."""
    authorize(actor, Action.PARCEL_WRITE)
    _check_commune(session, data.survey_commune_code)
    ewkb, area, ward = _storage_geometry(session, data.geometry, data.crs)
    _check_key_free(session, data.survey_commune_code, data.sheet_no, data.parcel_no)
    _check_no_overlap(session, ewkb, ignore=[])
    reference_area = data.legal_area_m2 or _area(area)
    uses = _land_use_rows(session, data.land_uses, reference_area)
    parcel = Parcel(
        survey_commune_code=data.survey_commune_code,
        ward_code=ward,
        sheet_no=data.sheet_no,
        parcel_no=data.parcel_no,
        geom=ewkb.hex(),
        area_m2=_area(area),
        legal_area_m2=data.legal_area_m2,
        address=data.address,
        extra=data.extra,
    )
    session.add(parcel)
    session.flush()
    _replace_land_uses(session, parcel, uses)
    _replace_holders(session, parcel, data.holders)
    versions.record(session=session, parcel=parcel, actor=actor, action="create")
    return parcel


def amend(
    *, session: Session, actor: Actor, parcel_id: int, if_match: str | None, patch: ParcelPatch
) -> Parcel:
    """Apply a PATCH to a parcel and record the new version; return it."""
    authorize(actor, Action.PARCEL_WRITE)
    parcel = load(session=session, parcel_id=parcel_id, lock=True)
    check_version(current=parcel.version, if_match=if_match)
    _not_retired(parcel)
    fields = patch.model_fields_set
    if "geometry" in fields and patch.geometry is not None:
        ewkb, area, ward = _storage_geometry(session, patch.geometry, patch.crs)
        _check_no_overlap(session, ewkb, ignore=[parcel.id])
        parcel.geom = ewkb.hex()  # type: ignore[assignment]
        parcel.area_m2 = _area(area)  # type: ignore[assignment]
        parcel.ward_code = ward
    if fields & {"sheet_no", "parcel_no"}:
        sheet = patch.sheet_no or parcel.sheet_no
        number = patch.parcel_no or parcel.parcel_no
        _check_key_free(session, parcel.survey_commune_code, sheet, number, own_id=parcel.id)
        parcel.sheet_no, parcel.parcel_no = sheet, number
    if "legal_area_m2" in fields:
        parcel.legal_area_m2 = patch.legal_area_m2
    if "address" in fields:
        parcel.address = patch.address
    if "extra" in fields:
        parcel.extra = patch.extra or {}
    if "land_uses" in fields and patch.land_uses is not None:
        reference = Decimal(str(parcel.legal_area_m2 or parcel.area_m2))
        _replace_land_uses(session, parcel, _land_use_rows(session, patch.land_uses, reference))
    if "holders" in fields:
        _replace_holders(session, parcel, patch.holders or [])
    versions.record(session=session, parcel=parcel, actor=actor, action="amend")
    return parcel


def retire(
    *, session: Session, actor: Actor, parcel_id: int, if_match: str | None, reason: str
) -> Parcel:
    """Retire a parcel with a reason (nothing is deleted); return it."""
    authorize(actor, Action.PARCEL_RETIRE)
    parcel = load(session=session, parcel_id=parcel_id, lock=True)
    check_version(current=parcel.version, if_match=if_match)
    _not_retired(parcel)
    _retire(session, parcel, actor, reason)
    return parcel


def _retire(session: Session, parcel: Parcel, actor: Actor, reason: str) -> None:
    parcel.retired_at = clock.now().astimezone(UTC)  # as the database reads it back
    parcel.retired_reason = reason
    versions.record(session=session, parcel=parcel, actor=actor, action="retire")


def split(
    *, session: Session, actor: Actor, parcel_id: int, if_match: str | None, data: SplitIn
) -> list[Parcel]:
    """Split a parcel into parts that cover it exactly; retire it; return the parts."""
    authorize(actor, Action.PARCEL_WRITE)
    parent = load(session=session, parcel_id=parcel_id, lock=True)
    check_version(current=parent.version, if_match=if_match)
    _not_retired(parent)
    if lifecycle.is_certified(parent.status) or parent.disputed:
        raise InvalidInput(
            "A certified or disputed parcel is split only through its own procedure; "
            "resolve the dispute or retire the certificate first."
        )
    geoms = [_storage_geometry(session, part.geometry, data.crs) for part in data.parts]
    parts_ewkb = [g[0] for g in geoms]
    overlap = queries.overlap_area(session.connection(), parts_ewkb)
    if overlap > SPLIT_TOLERANCE_M2:
        raise InvalidGeometry(f"The parts overlap one another by {overlap:.2f} m2.")
    for part_ewkb in parts_ewkb:
        _check_no_overlap(session, part_ewkb, ignore=[parent.id])
    gap = queries.union_area_difference(session.connection(), parent.id, parts_ewkb)
    if gap > SPLIT_TOLERANCE_M2:
        raise InvalidGeometry(
            f"The parts differ from the parcel by {gap:.2f} m2; they must cover it exactly."
        )
    children = []
    for part, (ewkb, area, ward) in zip(data.parts, geoms, strict=True):
        sheet = part.sheet_no or parent.sheet_no
        _check_key_free(session, parent.survey_commune_code, sheet, part.parcel_no)
        child = Parcel(
            survey_commune_code=parent.survey_commune_code,
            ward_code=ward,
            sheet_no=sheet,
            parcel_no=part.parcel_no,
            geom=ewkb.hex(),
            area_m2=_area(area),
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
        _replace_land_uses(
            session,
            child,
            _land_use_rows(session, part.land_uses, part.legal_area_m2 or _area(area)),
        )
        holders = session.scalars(
            select(Holder).where(Holder.parcel_id == parent.id).order_by(Holder.position)
        )
        _replace_holders(
            session,
            child,
            [
                HolderIn.model_validate({"name": h.name, "kind": h.kind, "id_number": h.id_number})
                for h in holders
            ],
        )
        session.add(
            ParcelLineage(
                parent_id=parent.id, child_id=child.id, kind="split", recorded_by=actor.label
            )
        )
        versions.record(session=session, parcel=child, actor=actor, action="split")
        children.append(child)
    _retire(
        session,
        parent,
        actor,
        f"{data.reason}: split into {', '.join(str(c.id) for c in children)}",
    )
    return children


def merge(*, session: Session, actor: Actor, data: MergeIn) -> Parcel:
    """Merge parcels of one survey commune into a new parcel; retire them; return it."""
    authorize(actor, Action.PARCEL_WRITE)
    parents = [load(session=session, parcel_id=pid, lock=True) for pid in sorted(data.versions)]
    for parent in parents:
        check_version(current=parent.version, if_match=str(data.versions[parent.id]))
        _not_retired(parent)
        if lifecycle.is_certified(parent.status) or parent.disputed:
            raise InvalidInput(
                f"Parcel {parent.id} is certified or disputed; it cannot be merged here."
            )
    communes = {p.survey_commune_code for p in parents}
    if len(communes) > 1:
        raise InvalidInput("Parcels of different survey communes cannot be merged.")
    ewkb = queries.union_of_parcels(session.connection(), [p.id for p in parents])
    area = sum((Decimal(str(p.area_m2)) for p in parents), Decimal(0))
    union = from_wkb(ewkb)
    if union.geom_type != "MultiPolygon" or len(union.geoms) != 1:
        raise InvalidGeometry("The parcels do not touch; only adjacent parcels can be merged.")
    sheet = data.sheet_no or parents[0].sheet_no
    commune = parents[0].survey_commune_code
    _check_key_free(session, commune, sheet, data.parcel_no)
    ward = queries.ward_containing(session.connection(), ewkb)
    merged = Parcel(
        survey_commune_code=commune,
        ward_code=ward or parents[0].ward_code,
        sheet_no=sheet,
        parcel_no=data.parcel_no,
        geom=ewkb.hex(),
        area_m2=_area(float(union.area)),
        address=data.address or parents[0].address,
        extra={},
    )
    session.add(merged)
    session.flush()
    _replace_land_uses(session, merged, _land_use_rows(session, data.land_uses, area))
    for parent in parents:
        session.add(
            ParcelLineage(
                parent_id=parent.id, child_id=merged.id, kind="merge", recorded_by=actor.label
            )
        )
    versions.record(session=session, parcel=merged, actor=actor, action="merge")
    for parent in parents:
        _retire(session, parent, actor, f"{data.reason}: merged into {merged.id}")
    return merged


# -- reading ---------------------------------------------------------------------------------


def _facts(snapshot: dict[str, Any]) -> lifecycle.ParcelFacts:
    return lifecycle.ParcelFacts(
        status=snapshot["status"],
        origin_confirmed=snapshot["origin_confirmed"],
        time_of_use_confirmed=snapshot["time_of_use_confirmed"],
        disputed=snapshot["disputed"],
        retired=snapshot.get("retired_at") is not None,
    )


def public_properties(snapshot: dict[str, Any], *, personal: bool) -> dict[str, Any]:
    """Return a snapshot's properties, holders' names and ID numbers only when `personal`."""
    props = {k: v for k, v in snapshot.items() if k != "geometry"}
    if not personal:
        props["holders"] = [{"kind": h["kind"]} for h in snapshot.get("holders", [])]
    facts = _facts(snapshot)
    props["certified"] = lifecycle.is_certified(facts.status)
    props["allowed_transitions"] = (
        [] if facts.retired else list(lifecycle.allowed_transitions(facts.status))
    )
    staff_set = [r["reason"] for r in snapshot.get("backlog_reasons", [])]
    reasons = lifecycle.derived_backlog_reasons(facts)
    props["backlog"] = (
        [] if props["certified"] else reasons + [r for r in staff_set if r not in reasons]
    )
    return props


def feature(
    *,
    session: Session,
    actor: Actor,
    parcel_id: int,
    crs: str | int = 4326,
    at: datetime | None = None,
) -> tuple[dict[str, Any], int]:
    """Return the parcel (now, or as of `at`) as a GeoJSON Feature, and its version."""
    try:
        srid = crs_codes.parse_crs(crs)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    if at is None:
        version = versions.current(session=session, parcel_id=parcel_id)
    else:
        version = versions.as_of(session=session, parcel_id=parcel_id, at=at)
    snapshot = version.snapshot
    personal = may(actor, Action.READ_PERSONAL, snapshot["ward_code"])
    properties = public_properties(snapshot, personal=personal)
    properties["version"] = version.version
    properties["valid_from"] = version.valid_from.isoformat()
    geometry = queries.geometry_geojson(session.connection(), snapshot["geometry"], srid)
    return (
        {"type": "Feature", "id": parcel_id, "geometry": geometry, "properties": properties},
        version.version,
    )
