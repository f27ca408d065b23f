"""SQL of a ward officer's desk: the parcels waiting for the commune's confirmation, the open
disputes; each with its age in days at a given date (Vietnam's calendar)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, Row, text

LOCAL = "Asia/Ho_Chi_Minh"

AWAITING = f"""
SELECT p.id, p.survey_commune_code, p.sheet_no, p.parcel_no, p.address, p.status, p.version,
       p.origin_confirmed, p.time_of_use_confirmed, p.disputed, p.backlog_staff, p.created_at,
       greatest(0, CAST(:today AS date) - (p.created_at AT TIME ZONE '{LOCAL}')::date)
         AS age_days,
       coalesce((SELECT json_agg(json_build_object('code', u.land_use_code,
                   'area_m2', u.area_m2, 'origin_codes', u.origin_codes)
                 ORDER BY u.area_m2 DESC, u.land_use_code)
                 FROM parcel_land_use u WHERE u.parcel_id = p.id), '[]'::json) AS land_uses,
       count(*) OVER () AS total
FROM parcel p
WHERE p.ward_code = :ward AND p.retired_at IS NULL
  AND NOT (p.origin_confirmed AND p.time_of_use_confirmed)
ORDER BY p.created_at, p.id
LIMIT :limit OFFSET :offset
"""

OPEN_DISPUTES = """
SELECT d.id, d.parcel_id, p.survey_commune_code, p.sheet_no, p.parcel_no, p.address,
       d.kind, d.description, d.parties, d.opened_on, d.opened_by, d.version,
       greatest(0, CAST(:today AS date) - d.opened_on) AS age_days
FROM dispute d JOIN parcel p ON p.id = d.parcel_id
WHERE p.ward_code = :ward AND d.status = 'open'
ORDER BY d.opened_on, d.id
"""


def awaiting(
    conn: Connection, ward: str, today: date, limit: int, offset: int
) -> tuple[int, list[Row[Any]]]:
    """Return how many current parcels of the ward wait for the commune to confirm their
    origin or time of use, and one page of them, oldest in the register first."""
    rows = list(
        conn.execute(
            text(AWAITING),
            {"ward": ward, "today": today, "limit": limit, "offset": offset},
        )
    )
    if rows:
        return int(rows[0].total), rows
    total = conn.execute(
        text(
            "SELECT count(*) FROM parcel WHERE ward_code = :ward AND retired_at IS NULL"
            " AND NOT (origin_confirmed AND time_of_use_confirmed)"
        ),
        {"ward": ward},
    ).scalar_one()
    return int(total), rows


def open_disputes(conn: Connection, ward: str, today: date) -> list[Row[Any]]:
    """Return the ward's open disputes, the oldest first."""
    return list(conn.execute(text(OPEN_DISPUTES), {"ward": ward, "today": today}))
