"""Directive 30 targets: the town's share per year and the wards' own, set by admins."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.db import target_store
from app.domain.permissions import Action, Actor, authorize
from app.errors import NotFound
from app.services import audit


def listing(session: Session) -> list[dict[str, Any]]:
    """Return every target: the town's (ward_code null) first, then the wards' own."""
    return target_store.listing(session.connection())


def put(
    *, session: Session, actor: Actor, year: int, share: Decimal, ward_code: str | None
) -> dict[str, Any]:
    """Set the share to reach by the end of `year`, for the town or for one ward."""
    authorize(actor, Action.TARGET_WRITE)
    if ward_code is not None and not target_store.ward_exists(session.connection(), ward_code):
        raise NotFound(f"There is no ward {ward_code}.")
    before = target_store.current(session.connection(), ward_code, year)
    target_store.put(session.connection(), ward_code, year, share, actor.label)
    after = {"year": year, "share": float(share)}
    audit.record(
        session,
        actor=actor,
        action="target.set",
        target_type="coverage_target",
        target_id=f"{ward_code or 'town'}/{year}",
        ward_code=ward_code,
        before=before,
        after=after,
    )
    return {"ward_code": ward_code, **after}


def delete(*, session: Session, actor: Actor, year: int, ward_code: str) -> None:
    """Drop a ward's own target for a year: the town's applies again."""
    authorize(actor, Action.TARGET_WRITE)
    before = target_store.current(session.connection(), ward_code, year)
    if before is None:
        raise NotFound(f"Ward {ward_code} has no target of its own for {year}.")
    target_store.delete(session.connection(), ward_code, year)
    audit.record(
        session,
        actor=actor,
        action="target.delete",
        target_type="coverage_target",
        target_id=f"{ward_code}/{year}",
        ward_code=ward_code,
        before=before,
    )
