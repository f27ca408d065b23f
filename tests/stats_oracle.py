"""The coverage figures computed the slow way, straight from the register: the oracle the
counters are checked against. It reads neither the counters nor the columns the triggers keep
(parcel.land_use_group, parcel.backlog_staff, parcel.disputed): disputes, certificates,
backlog reasons and land uses come from their own tables."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from app.db.coverage_sql import BACKLOG
from app.domain.lifecycle import STATUSES

ORACLE_SQL = """
WITH p AS (
    SELECT p.id, p.ward_code, p.status, p.area_m2, p.origin_confirmed,
           p.time_of_use_confirmed,
           coalesce((SELECT t.group_code FROM parcel_land_use u
                     JOIN land_use_type t ON t.code = u.land_use_code
                     WHERE u.parcel_id = p.id
                     ORDER BY t.group_code = 'OTC' DESC, u.area_m2 DESC, u.land_use_code
                     LIMIT 1), '') AS land_use_group,
           p.status IN ('signed', 'delivered') AS certified,
           EXISTS (SELECT 1 FROM dispute d WHERE d.parcel_id = p.id AND d.status = 'open')
               AS open_dispute,
           EXISTS (SELECT 1 FROM certificate c WHERE c.parcel_id = p.id
                   AND c.delivered_on IS NULL) AS in_custody,
           ARRAY(SELECT b.reason::text FROM backlog_reason b WHERE b.parcel_id = p.id) AS staff
    FROM parcel p WHERE p.retired_at IS NULL
), reasons AS (
    SELECT p.*, CASE WHEN p.certified THEN ARRAY[]::text[] ELSE ARRAY(
        SELECT DISTINCT r FROM unnest(ARRAY[
            CASE WHEN p.open_dispute THEN 'dispute' END,
            CASE WHEN NOT p.origin_confirmed THEN 'origin_unconfirmed' END,
            CASE WHEN NOT p.time_of_use_confirmed THEN 'time_of_use_unconfirmed' END,
            CASE WHEN p.status = 'returned' THEN 'missing_documents' END,
            CASE WHEN p.status = 'ineligible' THEN 'ineligible' END
        ] || p.staff) AS r WHERE r IS NOT NULL) END AS why
    FROM p
)
SELECT ward_code, {group} AS land_use_group, GROUPING(ward_code) = 1 AS all_wards,
       count(*) AS parcels, coalesce(sum(area_m2), 0) AS area_m2,
       count(*) FILTER (WHERE status <> 'unregistered') AS registered,
       coalesce(sum(area_m2) FILTER (WHERE status <> 'unregistered'), 0) AS registered_area_m2,
       count(*) FILTER (WHERE certified) AS certified,
       coalesce(sum(area_m2) FILTER (WHERE certified), 0) AS certified_area_m2,
       count(*) FILTER (WHERE in_custody) AS in_custody,
       count(*) FILTER (WHERE origin_confirmed) AS origin_confirmed,
       count(*) FILTER (WHERE time_of_use_confirmed) AS time_of_use_confirmed,
       count(*) FILTER (WHERE origin_confirmed AND time_of_use_confirmed) AS confirmed,
       count(*) FILTER (WHERE open_dispute) AS open_disputes,
       count(*) FILTER (WHERE NOT certified) AS not_certified,
       {reasons}, {statuses}
FROM reasons GROUP BY GROUPING SETS {sets}
"""

RETURNS_SQL = """
WITH r AS (
    SELECT p.ward_code, r.notice_date,
           coalesce((SELECT t.group_code FROM parcel_land_use u
                     JOIN land_use_type t ON t.code = u.land_use_code
                     WHERE u.parcel_id = p.id
                     ORDER BY t.group_code = 'OTC' DESC, u.area_m2 DESC, u.land_use_code
                     LIMIT 1), '') AS land_use_group
    FROM dossier_return r JOIN parcel p ON p.id = r.parcel_id WHERE r.notice_date <= :day
)
SELECT ward_code, {group} AS land_use_group, GROUPING(ward_code) = 1 AS all_wards,
       count(*) AS returned_total,
       count(*) FILTER (WHERE notice_date >= :month_start) AS returned_this_month
FROM r GROUP BY GROUPING SETS {sets}
"""
WARD_SETS = "((ward_code), ())"
GROUP_SETS = "((ward_code, land_use_group), (land_use_group))"


def _group(sets: str) -> str:
    return "land_use_group" if sets == GROUP_SETS else "NULL::text"


def _sql(sets: str) -> str:
    reasons = ", ".join(
        (
            f"count(*) FILTER (WHERE NOT certified AND cardinality(why) = 0) AS backlog_{r}"
            if r == "none"
            else f"count(*) FILTER (WHERE '{r}' = ANY(why)) AS backlog_{r}"
        )
        for r in BACKLOG
    )
    statuses = ", ".join(f"count(*) FILTER (WHERE status = '{s}') AS status_{s}" for s in STATUSES)
    return ORACLE_SQL.format(sets=sets, group=_group(sets), reasons=reasons, statuses=statuses)


def _key(row: Any, by_group: bool) -> Any:
    ward = None if row.all_wards else row.ward_code
    return (ward, row.land_use_group) if by_group else ward


def _empty() -> dict[str, Any]:
    return {"returned_total": 0, "returned_this_month": 0}


def figures(conn: Connection, day: date, *, by_group: bool = False) -> dict[Any, dict[str, Any]]:
    """Return the figures now per ward and for the town (key None) or, `by_group`, per
    (ward, land-use group) and (None, group), with the dossiers returned up to `day`."""
    sets = GROUP_SETS if by_group else WARD_SETS
    found: dict[Any, dict[str, Any]] = {}
    for row in conn.execute(text(_sql(sets))):
        values = dict(row._mapping)
        figures = {
            name: (float(value) if name.endswith("area_m2") else int(value))
            for name, value in values.items()
            if name not in ("ward_code", "land_use_group", "all_wards")
            and not name.startswith(("backlog_", "status_"))
        }
        figures["backlog"] = {r: int(values[f"backlog_{r}"]) for r in BACKLOG}
        figures["by_status"] = {s: int(values[f"status_{s}"]) for s in STATUSES}
        found[_key(row, by_group)] = figures | _empty()
    params = {"day": day, "month_start": day.replace(day=1)}
    for row in conn.execute(text(RETURNS_SQL.format(sets=sets, group=_group(sets))), params):
        entry = found.setdefault(_key(row, by_group), _empty())
        entry["returned_total"] = int(row.returned_total)
        entry["returned_this_month"] = int(row.returned_this_month)
    return found
