"""SQL the sample loader needs: what the register holds, and the day its writes are dated."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, text


def has_wards(conn: Connection) -> bool:
    """Whether the register has any ward."""
    return bool(conn.execute(text("SELECT EXISTS (SELECT 1 FROM ward)")).scalar_one())


def certificates(conn: Connection) -> int:
    """How many certificates the register has recorded."""
    return int(conn.execute(text("SELECT count(*) FROM certificate")).scalar_one())


def land_use_codes(conn: Connection, parcel_id: int) -> list[str]:
    """The land-use codes of a parcel."""
    return list(
        conn.execute(
            text("SELECT land_use_code FROM parcel_land_use WHERE parcel_id = :id"),
            {"id": parcel_id},
        ).scalars()
    )


def live_parcels(conn: Connection) -> list[tuple[int, str]]:
    """(id, ward code) of every parcel not retired, by id."""
    rows = conn.execute(
        text("SELECT id, ward_code FROM parcel WHERE retired_at IS NULL ORDER BY id")
    )
    return [(int(i), str(w)) for i, w in rows]


def date_writes(conn: Connection, day: date) -> None:
    """Date the rest of the transaction's writes (versions, audit, counters) on `day`."""
    conn.execute(text("SELECT set_config('registry.clock', :at, true)"), {"at": f"{day} 09:00+07"})
