"""SQL of the parcel's history: the snapshot a version keeps."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text


def snapshot(conn: Connection, parcel_id: int) -> tuple[dict[str, Any], datetime]:
    """The parcel as a version keeps it (parcel_snapshot(), the first revision), and the time now
    (the clock of the transaction's statement, which dates the version)."""
    row = conn.execute(
        text("SELECT parcel_snapshot(:id), clock_timestamp()"), {"id": parcel_id}
    ).one()
    return row[0], row[1]
