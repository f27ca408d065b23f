"""The monthly custody inventory of signed certificates not yet handed over: started with
the list of every certificate in custody that day (what the undelivered report counts),
ticked one by one, closed with those not found recorded missing; kept, and written out as
the inventory record (XLSX, Vietnamese headings)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import custody
from app.db.models import CustodyInventory, Ward
from app.domain import clock
from app.domain.permissions import Action, Actor, authorize
from app.errors import Conflict, DayOutOfRange, NotFound
from app.services import audit

__all__ = ["check", "close", "get", "listing", "scope_name", "start"]


def _load(session: Session, inventory_id: int, lock: bool = False) -> CustodyInventory:
    query = select(CustodyInventory).where(CustodyInventory.id == inventory_id)
    found = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if found is None:
        raise NotFound(f"There is no custody inventory {inventory_id}.")
    return found


def _open(session: Session, inventory_id: int) -> CustodyInventory:
    inventory = _load(session, inventory_id, lock=True)
    if inventory.closed_at is not None:
        raise Conflict(
            f"Custody inventory {inventory_id} was closed on {inventory.closed_at:%d/%m/%Y}"
            f" by {inventory.closed_by}; start another one."
        )
    return inventory


def start(
    *, session: Session, actor: Actor, ward_code: str | None, taken_on: date
) -> dict[str, Any]:
    """Start the inventory of `ward_code` (None: the whole town) on `taken_on`, listing
    every certificate in custody that day."""
    authorize(actor, Action.CUSTODY_COUNT)
    if ward_code is not None and session.get(Ward, ward_code) is None:
        raise NotFound(f"There is no ward {ward_code}.")
    if taken_on > clock.today():
        raise DayOutOfRange(f"An inventory cannot be taken on a day to come ({taken_on}).")
    same_day = select(CustodyInventory.id).where(
        CustodyInventory.taken_on == taken_on,
        CustodyInventory.ward_code.is_(None)
        if ward_code is None
        else CustodyInventory.ward_code == ward_code,
    )
    if session.scalars(same_day).first() is not None:
        where = f"ward {ward_code}" if ward_code else "the town"
        raise Conflict(f"An inventory of {where} on {taken_on:%d/%m/%Y} exists already; open it.")
    inventory = CustodyInventory(
        ward_code=ward_code, taken_on=taken_on, started_by=actor.label, started_at=clock.now()
    )
    session.add(inventory)
    session.flush()  # two officers at the same instant: the unique index refuses the second
    listed = custody.fill(session.connection(), inventory.id, ward_code, taken_on)
    audit.record(
        session,
        actor=actor,
        action="custody.start",
        target_type="custody_inventory",
        target_id=inventory.id,
        ward_code=ward_code,
        after={"taken_on": taken_on.isoformat(), "listed": listed},
    )
    return get(session=session, actor=actor, inventory_id=inventory.id)


def _describe(inventory: CustodyInventory, counts: dict[str, int]) -> dict[str, Any]:
    return {
        "id": inventory.id,
        "ward_code": inventory.ward_code,
        "taken_on": inventory.taken_on.isoformat(),
        "started_by": inventory.started_by,
        "started_at": inventory.started_at.isoformat(),
        "closed_by": inventory.closed_by,
        "closed_at": inventory.closed_at.isoformat() if inventory.closed_at else None,
        **counts,
    }


def listing(*, session: Session, actor: Actor, limit: int) -> list[dict[str, Any]]:
    """Return the newest inventories first, with their counts."""
    authorize(actor, Action.REPORT_READ)
    found = list(
        session.scalars(
            select(CustodyInventory)
            .order_by(CustodyInventory.taken_on.desc(), CustodyInventory.id.desc())
            .limit(limit)
        )
    )
    counts = custody.counts(session.connection(), [i.id for i in found])
    return [_describe(i, counts[i.id]) for i in found]


def get(*, session: Session, actor: Actor, inventory_id: int) -> dict[str, Any]:
    """Return an inventory with its counts and every certificate it lists."""
    authorize(actor, Action.REPORT_READ)
    inventory = _load(session, inventory_id)
    conn = session.connection()
    document = _describe(inventory, custody.counts(conn, [inventory.id])[inventory.id])
    document["items"] = [
        {
            "certificate_id": r.certificate_id,
            "parcel_id": r.parcel_id,
            "ward_code": r.ward_code,
            "ward_name": r.ward_name,
            "survey_commune_code": r.survey_commune_code,
            "sheet_no": r.sheet_no,
            "parcel_no": r.parcel_no,
            "serial": r.serial,
            "register_no": r.register_no,
            "signed_on": r.signed_on.isoformat(),
            "days_held": (inventory.taken_on - r.signed_on).days,
            "custody_location": r.custody_location,
            "found": r.found,
            "note": r.note,
            "checked_by": r.checked_by,
            "checked_at": r.checked_at.isoformat() if r.checked_at else None,
        }
        for r in custody.items(conn, inventory.id)
    ]
    return document


def check(
    *,
    session: Session,
    actor: Actor,
    inventory_id: int,
    certificate_id: int,
    found: bool,
    note: str | None,
) -> dict[str, Any]:
    """Tick one certificate of an open inventory found (or not), with a note."""
    authorize(actor, Action.CUSTODY_COUNT)
    inventory = _open(session, inventory_id)
    conn = session.connection()
    if not custody.check(conn, inventory.id, certificate_id, found, note, actor.label, clock.now()):
        raise NotFound(
            f"Custody inventory {inventory_id} does not list certificate {certificate_id}."
        )
    audit.record(
        session,
        actor=actor,
        action="custody.check",
        target_type="custody_inventory",
        target_id=inventory.id,
        ward_code=inventory.ward_code,
        after={"certificate_id": certificate_id, "found": found, "note": note},
    )
    return custody.counts(session.connection(), [inventory.id])[inventory.id]


def close(*, session: Session, actor: Actor, inventory_id: int) -> dict[str, Any]:
    """Close an inventory: the certificates not ticked are recorded missing."""
    authorize(actor, Action.CUSTODY_COUNT)
    inventory = _open(session, inventory_id)
    missing = custody.mark_unchecked_missing(
        session.connection(), inventory.id, actor.label, clock.now()
    )
    inventory.closed_by = actor.label
    inventory.closed_at = clock.now()
    inventory.version += 1
    session.flush()
    counts = custody.counts(session.connection(), [inventory.id])[inventory.id]
    audit.record(
        session,
        actor=actor,
        action="custody.close",
        target_type="custody_inventory",
        target_id=inventory.id,
        ward_code=inventory.ward_code,
        after={**counts, "marked_missing": missing},
    )
    return get(session=session, actor=actor, inventory_id=inventory.id)


def scope_name(*, session: Session, ward_code: str | None) -> str:
    """What an inventory counts, in words: the ward's name, or the whole town."""
    if ward_code is None:
        return "toàn thị xã"
    ward = session.get(Ward, ward_code)
    return f"{ward.name} ({ward_code})" if ward else ward_code
