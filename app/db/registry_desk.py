"""SQL of the registry officers' desk: the certificate pipeline counted per ward and status,
and the parcels behind one count."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, Row, text

LOCAL = "Asia/Ho_Chi_Minh"

PIPELINE = """
SELECT p.ward_code, w.name AS ward_name, p.status, count(*) AS parcels
FROM parcel p JOIN ward w ON w.code = p.ward_code
WHERE p.retired_at IS NULL
GROUP BY p.ward_code, w.name, p.status
ORDER BY p.ward_code, p.status
"""

# the parcels of one count: the longest unchanged first (updated_at: the last write to it)
PARCELS = f"""
SELECT p.id, p.ward_code, p.survey_commune_code, p.sheet_no, p.parcel_no, p.address, p.status,
       p.version, p.disputed, p.origin_confirmed, p.time_of_use_confirmed,
       greatest(0, CAST(:today AS date) - (p.updated_at AT TIME ZONE '{LOCAL}')::date)
         AS unchanged_days,
       count(*) OVER () AS total
FROM parcel p
WHERE p.retired_at IS NULL AND p.status = :status
  AND (CAST(:ward AS text) IS NULL OR p.ward_code = :ward)
ORDER BY p.updated_at, p.id
LIMIT :limit OFFSET :offset
"""


def pipeline(conn: Connection) -> list[Row[Any]]:
    """Return (ward, name, status, parcels) for every ward and status that has parcels."""
    return list(conn.execute(text(PIPELINE)))


def parcels(
    conn: Connection, *, ward: str | None, status: str, today: date, limit: int, offset: int
) -> list[Row[Any]]:
    """Return one page of the current parcels in `status` (of one ward, or all)."""
    params = {"ward": ward, "status": status, "today": today, "limit": limit, "offset": offset}
    return list(conn.execute(text(PARCELS), params))
