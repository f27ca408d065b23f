"""SQL of the coverage targets: the town's per year, and wards' own."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, text

LIST_SQL = text(
    "SELECT t.ward_code, w.name AS ward_name, t.year, t.share, t.set_by, t.set_at"
    " FROM coverage_target t LEFT JOIN ward w ON w.code = t.ward_code"
    " ORDER BY t.ward_code NULLS FIRST, t.year"
)


def listing(conn: Connection) -> list[dict[str, Any]]:
    """Every target: the town's (ward_code null) first, then the wards' own."""
    return [dict(row._mapping) | {"share": float(row.share)} for row in conn.execute(LIST_SQL)]


def current(conn: Connection, ward_code: str | None, year: int) -> dict[str, Any] | None:
    """The target of the town (ward None) or a ward for a year, locked for an update."""
    row = conn.execute(
        text(
            "SELECT year, share FROM coverage_target WHERE year = :year"
            " AND ward_code IS NOT DISTINCT FROM CAST(:ward AS varchar) FOR UPDATE"
        ),
        {"year": year, "ward": ward_code},
    ).first()
    return None if row is None else {"year": row.year, "share": float(row.share)}


def ward_exists(conn: Connection, ward_code: str) -> bool:
    """Whether the register has this ward."""
    found = conn.execute(text("SELECT 1 FROM ward WHERE code = :c"), {"c": ward_code}).first()
    return found is not None


def put(conn: Connection, ward_code: str | None, year: int, share: Decimal, by: str) -> None:
    """Set (or replace) the share to reach by the end of `year`."""
    index = (
        "(year) WHERE ward_code IS NULL"
        if ward_code is None
        else "(ward_code, year) WHERE ward_code IS NOT NULL"
    )
    conn.execute(
        text(
            "INSERT INTO coverage_target (ward_code, year, share, set_by)"
            " VALUES (:ward, :year, :share, :by)"
            f" ON CONFLICT {index} DO UPDATE SET share = excluded.share,"
            " set_by = excluded.set_by, set_at = now()"
        ),
        {"ward": ward_code, "year": year, "share": share, "by": by},
    )


def delete(conn: Connection, ward_code: str, year: int) -> None:
    """Drop a ward's own target for a year."""
    conn.execute(
        text("DELETE FROM coverage_target WHERE ward_code = :ward AND year = :year"),
        {"ward": ward_code, "year": year},
    )
