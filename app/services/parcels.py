"""Parcel use cases: register, amend and retire one parcel (split and merge: parcel_lineage;
reading: parcel_views)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from app.db.models import Parcel
from app.domain.permissions import Action, Actor, authorize
from app.domain.preconditions import check_version
from app.schemas.parcels import ParcelIn, ParcelPatch
from app.services import parcel_parts as parts
from app.services import versions
from app.services.parcel_lookup import ensure_active, load

__all__ = ["amend", "create", "retire"]


def create(*, session: Session, actor: Actor, data: ParcelIn) -> Parcel:
    """Register a new parcel (status unregistered) and its first version; return it."""
    authorize(actor, Action.PARCEL_WRITE)
    parts.check_commune(session, data.survey_commune_code)
    ewkb, area, ward = parts.storage_geometry(session, data.geometry, data.crs)
    parts.check_key_free(session, data.survey_commune_code, data.sheet_no, data.parcel_no)
    parts.check_no_overlap(session, ewkb, ignore=[])
    reference_area = data.legal_area_m2 or parts.area(area)
    uses = parts.land_use_rows(session, data.land_uses, reference_area)
    parcel = Parcel(
        survey_commune_code=data.survey_commune_code,
        ward_code=ward,
        sheet_no=data.sheet_no,
        parcel_no=data.parcel_no,
        geom=ewkb.hex(),
        area_m2=parts.area(area),
        legal_area_m2=data.legal_area_m2,
        address=data.address,
        extra=data.extra,
    )
    session.add(parcel)
    session.flush()
    parts.replace_land_uses(session, parcel, uses)
    parts.replace_holders(session, parcel, data.holders)
    versions.record(session=session, parcel=parcel, actor=actor, action="create")
    return parcel


def amend(
    *, session: Session, actor: Actor, parcel_id: int, if_match: str | None, patch: ParcelPatch
) -> Parcel:
    """Apply a PATCH to a parcel and record the new version; return it."""
    authorize(actor, Action.PARCEL_WRITE)
    parcel = load(session=session, parcel_id=parcel_id, lock=True)
    check_version(current=parcel.version, if_match=if_match)
    ensure_active(parcel)
    fields = patch.model_fields_set
    if "geometry" in fields and patch.geometry is not None:
        ewkb, area, ward = parts.storage_geometry(session, patch.geometry, patch.crs)
        parts.check_no_overlap(session, ewkb, ignore=[parcel.id])
        parcel.geom = ewkb.hex()  # type: ignore[assignment]
        parcel.area_m2 = parts.area(area)  # type: ignore[assignment]
        parcel.ward_code = ward
    if fields & {"sheet_no", "parcel_no"}:
        sheet = patch.sheet_no or parcel.sheet_no
        number = patch.parcel_no or parcel.parcel_no
        parts.check_key_free(session, parcel.survey_commune_code, sheet, number, own_id=parcel.id)
        parcel.sheet_no, parcel.parcel_no = sheet, number
    if "legal_area_m2" in fields:
        parcel.legal_area_m2 = patch.legal_area_m2
    if "address" in fields:
        parcel.address = patch.address
    if "extra" in fields:
        parcel.extra = patch.extra or {}
    if "land_uses" in fields and patch.land_uses is not None:
        reference = Decimal(str(parcel.legal_area_m2 or parcel.area_m2))
        uses = parts.land_use_rows(session, patch.land_uses, reference)
        parts.replace_land_uses(session, parcel, uses)
    if "holders" in fields:
        parts.replace_holders(session, parcel, patch.holders or [])
    versions.record(session=session, parcel=parcel, actor=actor, action="amend")
    return parcel


def retire(
    *, session: Session, actor: Actor, parcel_id: int, if_match: str | None, reason: str
) -> Parcel:
    """Retire a parcel with a reason (nothing is deleted); return it."""
    authorize(actor, Action.PARCEL_RETIRE)
    parcel = load(session=session, parcel_id=parcel_id, lock=True)
    check_version(current=parcel.version, if_match=if_match)
    ensure_active(parcel)
    parts.retire(session, parcel, actor, reason)
    return parcel
