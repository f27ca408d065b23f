"""SQL of the custody inventory: its list taken from the certificates in custody that day
(the undelivered report's own condition), ticks, its close, and its items read back."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, text

from app.db.report_queries import IN_CUSTODY


def fill(conn: Connection, inventory_id: int, ward: str | None, on: date) -> int:
    """List every certificate in custody on `on` (of `ward`, or all) in the inventory;
    return how many."""
    done = conn.execute(
        text(
            "INSERT INTO custody_inventory_item (inventory_id, certificate_id, parcel_id,"
            " ward_code, serial, register_no, signed_on, custody_location)"
            " SELECT :id, c.id, p.id, p.ward_code, c.serial, c.register_no, c.signed_on,"
            " c.custody_location" + IN_CUSTODY
        ),
        {"id": inventory_id, "ward": ward, "on": on},
    )
    return int(done.rowcount)


def items(conn: Connection, inventory_id: int) -> list[Row[Any]]:
    """Return the inventory's certificates, ward by ward, in the order they were signed."""
    return list(
        conn.execute(
            text(
                "SELECT i.certificate_id, i.parcel_id, i.ward_code, w.name AS ward_name,"
                " p.survey_commune_code, p.sheet_no, p.parcel_no, i.serial, i.register_no,"
                " i.signed_on, i.custody_location, i.found, i.note, i.checked_by, i.checked_at"
                " FROM custody_inventory_item i JOIN parcel p ON p.id = i.parcel_id"
                " JOIN ward w ON w.code = i.ward_code WHERE i.inventory_id = :id"
                " ORDER BY i.ward_code, i.signed_on, i.serial"
            ),
            {"id": inventory_id},
        )
    )


def counts(conn: Connection, inventory_ids: list[int]) -> dict[int, dict[str, int]]:
    """Return, for each inventory, how many certificates it lists, found, missing, unchecked."""
    rows = conn.execute(
        text(
            "SELECT inventory_id, count(*), count(*) FILTER (WHERE found),"
            " count(*) FILTER (WHERE NOT found), count(*) FILTER (WHERE found IS NULL)"
            " FROM custody_inventory_item WHERE inventory_id = ANY(:ids) GROUP BY 1"
        ),
        {"ids": inventory_ids},
    )
    found = {
        r[0]: {"listed": r[1], "found": r[2], "missing": r[3], "unchecked": r[4]} for r in rows
    }
    empty = {"listed": 0, "found": 0, "missing": 0, "unchecked": 0}
    return {i: found.get(i, dict(empty)) for i in inventory_ids}


def check(
    conn: Connection,
    inventory_id: int,
    certificate_id: int,
    found: bool,
    note: str | None,
    by: str,
    at: datetime,
) -> bool:
    """Tick one certificate found (or not); return whether the inventory lists it."""
    done = conn.execute(
        text(
            "UPDATE custody_inventory_item SET found = :found, note = :note, checked_by = :by,"
            " checked_at = :at WHERE inventory_id = :id AND certificate_id = :cert"
        ),
        {
            "id": inventory_id,
            "cert": certificate_id,
            "found": found,
            "note": note,
            "by": by,
            "at": at,
        },
    )
    return bool(done.rowcount)


def mark_unchecked_missing(conn: Connection, inventory_id: int, by: str, at: datetime) -> int:
    """Record every certificate not ticked as missing; return how many."""
    done = conn.execute(
        text(
            "UPDATE custody_inventory_item SET found = false, checked_by = :by,"
            " checked_at = :at, note = coalesce(note, 'không thấy khi kết thúc kiểm kê')"
            " WHERE inventory_id = :id AND found IS NULL"
        ),
        {"id": inventory_id, "by": by, "at": at},
    )
    return int(done.rowcount)
