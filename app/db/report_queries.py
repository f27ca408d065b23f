"""SQL of the monthly reviews' reports: certificates in custody, dossiers returned."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, text

# the certificates in custody on :on (of ward :ward, or all): signed by then and not handed
# over by then (a certificate handed over since still belongs to that day's inventory); the
# undelivered report and the custody inventory both count these
IN_CUSTODY = """
    FROM certificate c
    JOIN parcel p ON p.id = c.parcel_id
    JOIN ward w ON w.code = p.ward_code
    WHERE p.retired_at IS NULL AND c.signed_on <= :on
      AND (c.delivered_on IS NULL OR c.delivered_on > :on)
      AND (CAST(:ward AS text) IS NULL OR w.code = :ward)
"""

UNDELIVERED_SQL = text(
    """
    SELECT w.code AS ward_code, w.name AS ward_name, p.id AS parcel_id,
           p.survey_commune_code, p.sheet_no, p.parcel_no,
           c.serial, c.register_no, c.signed_on, c.custody_location,
           (:on - c.signed_on) AS days_held
    """
    + IN_CUSTODY
    + """
    ORDER BY w.code, c.signed_on, c.serial
    """
)

RETURNED_SQL = text(
    """
    SELECT w.code AS ward_code, w.name AS ward_name,
           to_char(date_trunc('month', r.notice_date), 'YYYY-MM') AS month,
           count(*) AS returned, count(DISTINCT r.parcel_id) AS parcels
    FROM dossier_return r
    JOIN parcel p ON p.id = r.parcel_id
    JOIN ward w ON w.code = p.ward_code
    WHERE r.notice_date BETWEEN :start AND :end
      AND (CAST(:ward AS text) IS NULL OR w.code = :ward)
    GROUP BY w.code, w.name, month
    ORDER BY month, w.code
    """
)

RETURNED_NOTICES_SQL = text(
    """
    SELECT w.code AS ward_code, r.parcel_id, p.survey_commune_code, p.sheet_no, p.parcel_no,
           r.notice_no, r.notice_date, r.missing_items, r.copied_to, r.returned_by
    FROM dossier_return r
    JOIN parcel p ON p.id = r.parcel_id
    JOIN ward w ON w.code = p.ward_code
    WHERE r.notice_date BETWEEN :start AND :end
      AND (CAST(:ward AS text) IS NULL OR w.code = :ward)
    ORDER BY r.notice_date, r.id
    """
)


def undelivered(conn: Connection, on: date, ward_code: str | None) -> list[dict[str, Any]]:
    """The signed certificates still in custody on `on` (of one ward, or all)."""
    return [
        dict(row._mapping) for row in conn.execute(UNDELIVERED_SQL, {"on": on, "ward": ward_code})
    ]


def returned(
    conn: Connection, start: date, end: date, ward_code: str | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Dossier returns counted by ward and month, and the notices themselves."""
    params = {"start": start, "end": end, "ward": ward_code}
    counts = [dict(r._mapping) for r in conn.execute(RETURNED_SQL, params)]
    notices = [dict(r._mapping) for r in conn.execute(RETURNED_NOTICES_SQL, params)]
    return counts, notices
