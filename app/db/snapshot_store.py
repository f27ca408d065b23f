"""SQL of the frozen figures of closed weeks and months (stat_snapshot)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import Connection, text


def taken(conn: Connection, period: str) -> set[date]:
    """The ends of the periods of this kind already frozen."""
    return set(
        conn.execute(
            text("SELECT period_end FROM stat_snapshot WHERE period = :period"),
            {"period": period},
        ).scalars()
    )


def store(conn: Connection, period: str, end: date, figures: dict[str, Any]) -> bool:
    """Freeze a period's figures; False when another process froze it first."""
    inserted = conn.execute(
        text(
            "INSERT INTO stat_snapshot (period, period_end, figures)"
            " VALUES (:period, :end, CAST(:figures AS jsonb)) ON CONFLICT DO NOTHING"
            " RETURNING 1"
        ),
        {"period": period, "end": end, "figures": json.dumps(figures, default=str)},
    ).first()
    return inserted is not None


def between(
    conn: Connection, period: str, start: date | None, end: date | None
) -> list[tuple[date, dict[str, Any]]]:
    """The snapshots of the period kind between two days (either open), oldest first."""
    rows = conn.execute(
        text(
            "SELECT period_end, figures FROM stat_snapshot WHERE period = :period"
            " AND (CAST(:start AS date) IS NULL OR period_end >= :start)"
            " AND (CAST(:end AS date) IS NULL OR period_end <= :end) ORDER BY period_end"
        ),
        {"period": period, "start": start, "end": end},
    )
    return [(row[0], row[1]) for row in rows]


def one(conn: Connection, period: str, end: date) -> dict[str, Any] | None:
    """The snapshot of the period ending on `end`, if taken."""
    figures: dict[str, Any] | None = conn.execute(
        text("SELECT figures FROM stat_snapshot WHERE period = :period AND period_end = :end"),
        {"period": period, "end": end},
    ).scalar()
    return figures
