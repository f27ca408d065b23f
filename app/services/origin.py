"""The commune's confirmation of land origin and time of use, and staff backlog reasons."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.db.models import BacklogReason, LandOriginType, Parcel, ParcelLandUse
from app.domain.permissions import Action, Actor, authorize
from app.domain.preconditions import check_version
from app.errors import InvalidInput, ParcelRetired
from app.schemas.parcels import BacklogIn, OriginConfirmationIn
from app.services import versions
from app.services.parcel_lookup import load


def confirm(
    *,
    session: Session,
    actor: Actor,
    parcel_id: int,
    if_match: str | None,
    data: OriginConfirmationIn,
) -> Parcel:
    """Record (or revise) the commune's confirmation; return the parcel."""
    parcel = load(session=session, parcel_id=parcel_id, lock=True)
    authorize(actor, Action.CONFIRM_ORIGIN, parcel.ward_code)
    check_version(current=parcel.version, if_match=if_match)
    if parcel.retired_at is not None:
        raise ParcelRetired(f"Parcel {parcel.id} is retired.")
    if data.origin_confirmed and not data.land_uses:
        raise InvalidInput("Confirming the origin needs the origin codes of each land use.")
    uses = {
        u.land_use_code: u
        for u in session.scalars(select(ParcelLandUse).where(ParcelLandUse.parcel_id == parcel.id))
    }
    codes = {c for use in data.land_uses for c in use.origin_codes}
    known = set(session.scalars(select(LandOriginType.code).where(LandOriginType.code.in_(codes))))
    if codes - known:
        raise InvalidInput(f"Unknown land-origin code(s): {', '.join(sorted(codes - known))}.")
    for use in data.land_uses:
        if use.code not in uses:
            raise InvalidInput(
                f"The parcel has no land use {use.code}; it has {', '.join(sorted(uses))}."
            )
        uses[use.code].origin_codes = use.origin_codes
    if data.time_of_use_confirmed and data.land_use_since is None:
        raise InvalidInput("Confirming the time of use needs land_use_since.")
    parcel.origin_confirmed = data.origin_confirmed
    parcel.time_of_use_confirmed = data.time_of_use_confirmed
    parcel.land_use_since = data.land_use_since
    parcel.confirmed_by = actor.label
    parcel.confirmed_on = data.confirmed_on
    parcel.confirmation_document = data.document
    versions.record(session=session, parcel=parcel, actor=actor, action="confirm_origin")
    return parcel


def set_backlog(
    *, session: Session, actor: Actor, parcel_id: int, if_match: str | None, data: BacklogIn
) -> Parcel:
    """Replace the staff-set backlog reasons of a parcel; return it."""
    parcel = load(session=session, parcel_id=parcel_id, lock=True)
    authorize(actor, Action.BACKLOG_WRITE, parcel.ward_code)
    check_version(current=parcel.version, if_match=if_match)
    if len({r.reason for r in data.reasons}) != len(data.reasons):
        raise InvalidInput("A backlog reason appears twice.")
    session.execute(delete(BacklogReason).where(BacklogReason.parcel_id == parcel.id))
    for item in data.reasons:
        session.add(
            BacklogReason(
                parcel_id=parcel.id, reason=item.reason, note=item.note, set_by=actor.label
            )
        )
    versions.record(session=session, parcel=parcel, actor=actor, action="set_backlog")
    return parcel
