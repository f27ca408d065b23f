"""A ward officer's desk: what waits for the commune in one ward (origin and time of use to
confirm, disputes to settle). Readable by those who may read the ward's personal data: its
own officers, and the registry's staff, GIS viewers and inspectors for any ward."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.db import ward_desk
from app.db.models import Ward
from app.domain import clock
from app.domain.permissions import Action, Actor, authorize
from app.errors import NotFound

__all__ = ["awaiting", "open_disputes"]


def _check(session: Session, actor: Actor, ward: str) -> None:
    authorize(actor, Action.READ_PERSONAL, ward)
    if session.get(Ward, ward) is None:
        raise NotFound(f"There is no ward {ward}.")


def awaiting(
    *, session: Session, actor: Actor, ward: str, limit: int, offset: int
) -> dict[str, Any]:
    """Return the ward's parcels waiting for the commune to confirm their origin or time of
    use, oldest first, with their age in days, and how many there are."""
    _check(session, actor, ward)
    today = clock.today()
    total, rows = ward_desk.awaiting(session.connection(), ward, today, limit, offset)
    return {
        "ward_code": ward,
        "today": today.isoformat(),
        "total": total,
        "limit": limit,
        "offset": offset,
        "parcels": [
            {
                "id": r.id,
                "survey_commune_code": r.survey_commune_code,
                "sheet_no": r.sheet_no,
                "parcel_no": r.parcel_no,
                "address": r.address,
                "status": r.status,
                "version": r.version,
                "origin_confirmed": r.origin_confirmed,
                "time_of_use_confirmed": r.time_of_use_confirmed,
                "disputed": r.disputed,
                "backlog_reasons": list(r.backlog_staff or []),
                "land_uses": r.land_uses,
                "in_register_since": r.created_at.isoformat(),
                "age_days": r.age_days,
            }
            for r in rows
        ],
    }


def open_disputes(*, session: Session, actor: Actor, ward: str) -> dict[str, Any]:
    """Return the ward's open disputes, oldest first, with their parties and age in days."""
    _check(session, actor, ward)
    today = clock.today()
    rows = ward_desk.open_disputes(session.connection(), ward, today)
    return {
        "ward_code": ward,
        "today": today.isoformat(),
        "disputes": [
            {
                "id": r.id,
                "parcel_id": r.parcel_id,
                "survey_commune_code": r.survey_commune_code,
                "sheet_no": r.sheet_no,
                "parcel_no": r.parcel_no,
                "address": r.address,
                "kind": r.kind,
                "description": r.description,
                "parties": list(r.parties),
                "opened_on": r.opened_on.isoformat(),
                "opened_by": r.opened_by,
                "version": r.version,
                "age_days": r.age_days,
            }
            for r in rows
        ],
    }
