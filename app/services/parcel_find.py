"""Finding a parcel as people ask for one: by key, by address, or (for those who may read
personal data) by a holder's name."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.db import parcel_find
from app.domain.permissions import Action, Actor, Role, authorize, may
from app.domain.vn_fold import fold
from app.errors import InvalidInput

__all__ = ["find"]


def find(
    *,
    session: Session,
    actor: Actor,
    commune: str | None,
    sheet_no: int | None,
    parcel_no: int | None,
    address: str | None,
    holder: str | None,
    limit: int,
) -> dict[str, Any]:
    """Return the parcels that match (at most `limit`, and whether there are more).

    A holder's name is searched only by those who may read personal data (a ward officer:
    in their own ward); the holders' names come back only to them."""
    if not any(v is not None for v in (commune, sheet_no, parcel_no, address, holder)):
        raise InvalidInput(
            "Say what to look for: commune (or ward), sheet and number, an address or a "
            "holder's name."
        )
    holder_ward = None
    if holder is not None:
        authorize(actor, Action.READ_PERSONAL)
        if actor.role is Role.WARD_OFFICER:
            holder_ward = actor.ward_code
    wanted = parcel_find.Wanted(
        commune=commune,
        sheet_no=sheet_no,
        parcel_no=parcel_no,
        address=fold(address) if address else None,
        holder=fold(holder) if holder else None,
        holder_ward=holder_ward,
    )
    conn = session.connection()
    rows = parcel_find.find(conn, wanted, limit + 1)
    shown = rows[:limit]
    personal = [r.id for r in shown if may(actor, Action.READ_PERSONAL, r.ward_code)]
    names = parcel_find.holder_names(conn, personal) if personal else {}
    return {
        "parcels": [
            {
                "id": r.id,
                "survey_commune_code": r.survey_commune_code,
                "sheet_no": r.sheet_no,
                "parcel_no": r.parcel_no,
                "ward_code": r.ward_code,
                "ward_name": r.ward_name,
                "address": r.address,
                "status": r.status,
                "area_m2": float(r.area_m2),
                "retired": r.retired,
                **({"holders": names.get(r.id, [])} if r.id in personal else {}),
            }
            for r in shown
        ],
        "more": len(rows) > limit,
    }
