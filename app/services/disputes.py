"""Disputes: an open one flags the parcel and blocks its certificate."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from app.db.models import Dispute, Parcel
from app.domain.permissions import Action, Actor, authorize, may
from app.domain.preconditions import check_version
from app.errors import Conflict, DayOutOfRange, NotFound, ParcelRetired
from app.schemas.disputes import DisputeIn, DisputeOut, DisputeResolveIn
from app.services import versions
from app.services.parcel_lookup import load


def to_out(dispute: Dispute, actor: Actor, ward_code: str) -> DisputeOut:
    """Return the dispute for this reader (parties only for staff of the ward)."""
    personal = may(actor, Action.READ_PERSONAL, ward_code)
    return DisputeOut(
        id=dispute.id,
        parcel_id=dispute.parcel_id,
        opened_on=dispute.opened_on,
        kind=dispute.kind,
        description=dispute.description,
        parties=list(dispute.parties) if personal else None,
        status=dispute.status,
        resolution=dispute.resolution,
        resolved_on=dispute.resolved_on,
        opened_by=dispute.opened_by,
        resolved_by=dispute.resolved_by,
        version=dispute.version,
    )


def open_dispute(*, session: Session, actor: Actor, parcel_id: int, data: DisputeIn) -> Dispute:
    """Record a dispute; the parcel becomes disputed."""
    parcel = load(session=session, parcel_id=parcel_id, lock=True)
    authorize(actor, Action.DISPUTE_WRITE, parcel.ward_code)
    if parcel.retired_at is not None:
        raise ParcelRetired(f"Parcel {parcel.id} is retired.")
    dispute = Dispute(
        parcel_id=parcel.id,
        opened_on=data.opened_on,
        kind=data.kind,
        description=data.description,
        parties=data.parties,
        opened_by=actor.label,
    )
    session.add(dispute)
    parcel.disputed = True
    versions.record(session=session, parcel=parcel, actor=actor, action="open_dispute")
    return dispute


def get(*, session: Session, dispute_id: int) -> tuple[Dispute, Parcel]:
    """Return the dispute and its parcel; raise NotFound."""
    dispute = session.get(Dispute, dispute_id)
    if dispute is None:
        raise NotFound(f"There is no dispute {dispute_id}.")
    parcel = load(session=session, parcel_id=dispute.parcel_id)
    return dispute, parcel


def for_parcel(*, session: Session, parcel_id: int) -> tuple[list[Dispute], Parcel]:
    """Return the parcel's disputes, oldest first, and the parcel."""
    parcel = load(session=session, parcel_id=parcel_id)
    disputes = session.scalars(
        select(Dispute).where(Dispute.parcel_id == parcel_id).order_by(Dispute.id)
    )
    return list(disputes), parcel


def resolve(
    *,
    session: Session,
    actor: Actor,
    dispute_id: int,
    if_match: str | None,
    data: DisputeResolveIn,
) -> Dispute:
    """Close a dispute with its resolution; the parcel is undisputed when none stays open."""
    dispute, _ = get(session=session, dispute_id=dispute_id)
    parcel = load(session=session, parcel_id=dispute.parcel_id, lock=True)
    authorize(actor, Action.DISPUTE_WRITE, parcel.ward_code)
    session.refresh(dispute, with_for_update=True)
    check_version(current=dispute.version, if_match=if_match, what="dispute")
    if dispute.status == "resolved":
        raise Conflict(f"Dispute {dispute.id} was already resolved on {dispute.resolved_on}.")
    if data.resolved_on < dispute.opened_on:
        raise DayOutOfRange("resolved_on is before the dispute was opened.")
    dispute.status = "resolved"
    dispute.resolution = data.resolution
    dispute.resolved_on = data.resolved_on
    dispute.resolved_by = actor.label
    dispute.version += 1
    session.flush()
    parcel.disputed = bool(
        session.scalar(
            select(exists().where(Dispute.parcel_id == parcel.id, Dispute.status == "open"))
        )
    )
    versions.record(session=session, parcel=parcel, actor=actor, action="resolve_dispute")
    return dispute
