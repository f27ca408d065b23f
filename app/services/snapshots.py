"""Weekly and monthly snapshots: the coverage document frozen at the end of each closed period.

A snapshot is taken once, the first time anyone (the service's maintenance loop, a report, the
timeline) needs a closed period that has none, and never changes afterwards: the database
refuses to update or delete it. A report of a past period therefore reads the same every time,
even after late corrections (a dossier returned with an earlier notice date, an edited target).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app.db import coverage_sql, snapshot_store
from app.domain import clock, progress
from app.domain.progress import Period
from app.services import coverage

# figures whose change since the previous period the timeline and the reports show
CHANGES = ("parcels", "registered", "certified", "confirmed", "returned_total", "in_custody")


def ensure(session: Session, period: Period, today: date | None = None) -> int:
    """Take the missing snapshots of closed periods; return how many were taken."""
    today = today or clock.today()
    first = coverage_sql.first_day(session)
    if first is None:
        return 0
    taken = snapshot_store.taken(session.connection(), period)
    count = 0
    for end in progress.closed_period_ends(first, today, period):
        if end in taken:
            continue
        document = coverage.as_of(session, end)
        count += snapshot_store.store(session.connection(), period, end, document)
    return count


def stored(
    session: Session, period: Period, start: date | None = None, end: date | None = None
) -> list[tuple[date, dict[str, Any]]]:
    """Return the snapshots of the period kind between two days, oldest first."""
    return snapshot_store.between(session.connection(), period, start, end)


def one(session: Session, period: Period, end: date) -> dict[str, Any] | None:
    """Return the snapshot of the period ending on `end`, if taken."""
    return snapshot_store.one(session.connection(), period, end)


def blocks(document: dict[str, Any]) -> dict[str | None, dict[str, Any]]:
    """Return the figures of a coverage document by ward code, the town's under None."""
    found: dict[str | None, dict[str, Any]] = {None: document["town"]}
    found.update({w["ward_code"]: w for w in document["wards"]})
    return found


def changes(current: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, int]:
    """Return the change of the CHANGES figures since the previous period (0 without one)."""
    if previous is None:
        return dict.fromkeys(CHANGES, 0)
    return {name: int(current[name]) - int(previous[name]) for name in CHANGES}


TOWN_NAME = "Toàn địa bàn"
POINT_FIGURES = (
    "parcels",
    "registered",
    "certified",
    "certified_share",
    "certified_area_share",
    "confirmed",
    "open_disputes",
    "in_custody",
    "returned_total",
    "expected_share",
    "target_share",
    "behind",
)


def _point(
    end: date, block: dict[str, Any], previous: dict[str, Any] | None, live: bool
) -> dict[str, Any]:
    return {
        "period_end": end,
        "provisional": live,
        **{name: block[name] for name in POINT_FIGURES},
        "change": changes(block, previous),
    }


def timeline(
    session: Session,
    period: Period,
    *,
    ward_code: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> dict[str, Any]:
    """Return per ward and for the town the figures at the end of each period, with the change
    since the period before; the period still running ends the series, marked provisional."""
    today = clock.today()
    ensure(session, period, today)
    documents = [(day, doc, False) for day, doc in stored(session, period, end=end)]
    if end is None or end >= today:
        live = json.loads(json.dumps(coverage.as_of(session, today), default=str))
        documents.append((progress.period_end(today, period), live, True))

    names: dict[str | None, str] = {None: TOWN_NAME}
    series: dict[str | None, list[dict[str, Any]]] = {}
    previous: dict[str | None, dict[str, Any]] = {}
    for day, doc, live in documents:
        for code, block in blocks(doc).items():
            if ward_code is not None and code not in (None, ward_code):
                continue
            if code is not None:
                names[code] = block["ward_name"]
            if start is None or day >= start:
                series.setdefault(code, []).append(_point(day, block, previous.get(code), live))
            previous[code] = block
    return {
        "period": period,
        "series": [
            {"ward_code": code, "ward_name": names[code], "points": points}
            for code, points in series.items()
        ],
    }
