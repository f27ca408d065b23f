"""Coverage statistics: the figures per ward and for the town, as of a day, against targets.

No personal data here: counts and areas only, readable by anyone.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app.db import coverage_sql
from app.db import wards as db_wards
from app.domain import clock, progress
from app.domain.lifecycle import STATUSES
from app.errors import DayOutOfRange

NO_GROUP = ""  # parcels with no land use recorded
NO_GROUP_NAME = "Chưa xác định loại đất"


def targets_of(rows: list[list[Any]]) -> progress.Targets:
    """Return the targets from (ward code or None, year, share) rows."""
    town: dict[int, float] = {}
    wards: dict[str, dict[int, float]] = {}
    for ward_code, year, share in rows:
        if ward_code is None:
            town[int(year)] = float(share)
        else:
            wards.setdefault(ward_code, {})[int(year)] = float(share)
    return progress.Targets(town=town, wards=wards)


def _share(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole else 0.0


_BACKLOG_KEYS = tuple((reason, f"backlog_{reason}") for reason in coverage_sql.BACKLOG)
_STATUS_KEYS = tuple((status, f"status_{status}") for status in STATUSES)


def _figures(row: dict[str, Any] | None) -> dict[str, Any]:
    """Return the figures of one row of coverage_sql.figures() (None: no parcels there).

    Counts come from SQL as integers and areas as floats (coalesced), so this only reads.
    """
    if row is None:
        row = coverage_sql.ZERO_ROW
    parcels = row["parcels"]
    certified = row["status_signed"] + row["status_delivered"]
    area, certified_area = row["area_m2"], row["certified_area_m2"]
    return {
        "parcels": parcels,
        "area_m2": area,
        "registered": parcels - row["status_unregistered"],
        "registered_area_m2": row["registered_area_m2"],
        "certified": certified,
        "certified_area_m2": certified_area,
        "certified_share": _share(certified, parcels),
        "certified_area_share": _share(certified_area, area),
        "certified_last_week": row["certified_last_week"],
        "in_custody": row["status_signed"],
        "origin_confirmed": row["origin_confirmed"],
        "time_of_use_confirmed": row["time_of_use_confirmed"],
        "confirmed": row["confirmed"],
        "open_disputes": row["disputed"],
        "returned_this_month": row["returns_this_month"],
        "returned_total": row["returns"],
        "not_certified": parcels - certified,
        "backlog": {reason: row[key] for reason, key in _BACKLOG_KEYS},
        "by_status": {status: row[key] for status, key in _STATUS_KEYS},
    }


def _progress(
    figures: dict[str, Any],
    recent: dict[str, Any] | None,
    *,
    targets: progress.Targets,
    ward_code: str | None,
    day: date,
) -> dict[str, Any]:
    done = progress.progress(
        targets=targets,
        ward_code=ward_code,
        day=day,
        parcels=figures["parcels"],
        certified=figures["certified"],
        certified_recent=int((recent or {}).get("certified_recent") or 0),
    )
    return {
        "target_year": done.year,
        "target_share": done.target_share,
        "expected_share": done.expected_share,
        "behind": done.behind,
        "parcels_to_expected": done.parcels_to_expected,
        "weekly_rate": done.weekly_rate,
        "projected_completion": done.projected_completion,
    }


def as_of(session: Session, day: date) -> dict[str, Any]:
    """Return the coverage document as of the end of `day`: the town and every ward, each
    with its figures, its progress against the target and its figures per land-use group."""
    state = coverage_sql.figures(session, day, progress.RATE_WEEKS * 7)
    ward_rows, group_rows, target_rows = coverage_sql.lookups(session)
    targets = targets_of(target_rows)
    groups = [(code, name) for code, name in group_rows]

    def keyed(rows: list[dict[str, Any]]) -> dict[tuple[Any, ...], dict[str, Any]]:
        return {
            (r["ward_code"], r["land_use_group"], r["all_wards"], r["all_groups"]): r for r in rows
        }

    rows = keyed(state)
    if any(not r["all_groups"] and r["land_use_group"] == NO_GROUP for r in state):
        groups.append((NO_GROUP, NO_GROUP_NAME))

    def block(ward_code: str | None) -> dict[str, Any]:
        row = rows.get((ward_code, None, ward_code is None, True))
        figures = _figures(row)
        figures |= _progress(figures, row, targets=targets, ward_code=ward_code, day=day)
        figures["by_land_use_group"] = []
        for code, name in groups:
            part = rows.get((ward_code, code, ward_code is None, False))
            figures["by_land_use_group"].append(
                {"land_use_group": code, "name": name, **_figures(part)}
            )
        return figures

    wards = [
        {"ward_code": code, "ward_name": name, "kind": kind, **block(code)}
        for code, name, kind in ward_rows
    ]
    return {"as_of": day, "town": block(None), "wards": wards}


def check_day(day: date | None) -> date:
    """Return the day asked for, today by default; refuse a day still to come, or one before
    the register could hold anything."""
    today = clock.today()
    if day is None:
        return today
    if day > today:
        raise DayOutOfRange(f"{day} is still to come; today is {today}.")
    if day < progress.FIRST_DAY:
        raise DayOutOfRange(f"{day} is before {progress.FIRST_DAY}: there are no figures then.")
    return day


def ward_boundaries(session: Session) -> dict[str, str]:
    """Return each ward's boundary as GeoJSON geometry text in WGS84, to 7 decimals (about a
    centimetre: what a coverage map needs)."""
    return db_wards.boundaries(session.connection(), digits=7)
