"""The registry officers' desk: where every dossier stands in the certificate's life cycle,
ward by ward, and the parcels behind each count, with the version their next step needs."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.db import registry_desk
from app.domain import clock, lifecycle
from app.domain.permissions import Action, Actor, authorize

__all__ = ["parcels", "pipeline"]


def pipeline(*, session: Session, actor: Actor) -> dict[str, Any]:
    """Return the current parcels counted per ward and status (every status, zeros too)."""
    authorize(actor, Action.TRANSITION)
    wards: dict[str, dict[str, Any]] = {}
    for row in registry_desk.pipeline(session.connection()):
        ward = wards.setdefault(
            row.ward_code,
            {
                "ward_code": row.ward_code,
                "ward_name": row.ward_name,
                "by_status": dict.fromkeys(lifecycle.STATUSES, 0),
            },
        )
        ward["by_status"][row.status] = int(row.parcels)
    totals = dict.fromkeys(lifecycle.STATUSES, 0)
    for ward in wards.values():
        for status, count in ward["by_status"].items():
            totals[status] += count
    return {
        "today": clock.today().isoformat(),
        "statuses": list(lifecycle.STATUSES),
        "wards": list(wards.values()),
        "town": totals,
    }


def parcels(
    *,
    session: Session,
    actor: Actor,
    ward: str | None,
    status: str,
    limit: int,
    offset: int,
) -> dict[str, Any]:
    """Return one page of the parcels in `status` (of one ward, or all), the longest
    unchanged first, each with its version and the steps it may take next."""
    authorize(actor, Action.TRANSITION)
    today = clock.today()
    rows = registry_desk.parcels(
        session.connection(), ward=ward, status=status, today=today, limit=limit, offset=offset
    )
    return {
        "status": status,
        "ward_code": ward,
        "total": int(rows[0].total) if rows else 0,
        "limit": limit,
        "offset": offset,
        "parcels": [
            {
                "id": r.id,
                "ward_code": r.ward_code,
                "survey_commune_code": r.survey_commune_code,
                "sheet_no": r.sheet_no,
                "parcel_no": r.parcel_no,
                "address": r.address,
                "status": r.status,
                "version": r.version,
                "disputed": r.disputed,
                "origin_confirmed": r.origin_confirmed,
                "time_of_use_confirmed": r.time_of_use_confirmed,
                "unchanged_days": r.unchanged_days,
                "allowed_transitions": list(lifecycle.allowed_transitions(r.status)),
            }
            for r in rows
        ],
    }
