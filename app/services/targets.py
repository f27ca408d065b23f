"""Directive 30 targets: the town's share per year and the wards' own, set by admins."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.domain.permissions import Action, Actor
from app.errors import NotFound
from app.services import audit
from app.services.parcels import authorize

LIST_SQL = text(
    "SELECT t.ward_code, w.name AS ward_name, t.year, t.share, t.set_by, t.set_at"
    " FROM coverage_target t LEFT JOIN ward w ON w.code = t.ward_code"
    " ORDER BY t.ward_code NULLS FIRST, t.year"
)


def listing(session: Session) -> list[dict[str, Any]]:
    """Return every target: the town's (ward_code null) first, then the wards' own."""
    return [dict(row._mapping) | {"share": float(row.share)} for row in session.execute(LIST_SQL)]


def _current(session: Session, ward_code: str | None, year: int) -> dict[str, Any] | None:
    row = session.execute(
        text(
            "SELECT year, share FROM coverage_target WHERE year = :year"
            " AND ward_code IS NOT DISTINCT FROM CAST(:ward AS varchar) FOR UPDATE"
        ),
        {"year": year, "ward": ward_code},
    ).first()
    return None if row is None else {"year": row.year, "share": float(row.share)}


def put(
    *, session: Session, actor: Actor, year: int, share: Decimal, ward_code: str | None
) -> dict[str, Any]:
    """Set the share to reach by the end of `year`, for the town or for one ward."""
    authorize(actor, Action.TARGET_WRITE)
    if (
        ward_code is not None
        and session.execute(text("SELECT 1 FROM ward WHERE code = :c"), {"c": ward_code}).first()
        is None
    ):
        raise NotFound(f"There is no ward {ward_code}.")
    before = _current(session, ward_code, year)
    index = (
        "(year) WHERE ward_code IS NULL"
        if ward_code is None
        else "(ward_code, year) WHERE ward_code IS NOT NULL"
    )
    session.execute(
        text(
            "INSERT INTO coverage_target (ward_code, year, share, set_by)"
            " VALUES (:ward, :year, :share, :by)"
            f" ON CONFLICT {index} DO UPDATE SET share = excluded.share,"
            " set_by = excluded.set_by, set_at = now()"
        ),
        {"ward": ward_code, "year": year, "share": share, "by": actor.label},
    )
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
    before = _current(session, ward_code, year)
    if before is None:
        raise NotFound(f"Ward {ward_code} has no target of its own for {year}.")
    session.execute(
        text("DELETE FROM coverage_target WHERE ward_code = :ward AND year = :year"),
        {"ward": ward_code, "year": year},
    )
    audit.record(
        session,
        actor=actor,
        action="target.delete",
        target_type="coverage_target",
        target_id=f"{ward_code}/{year}",
        ward_code=ward_code,
        before=before,
    )
