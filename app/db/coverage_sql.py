"""SQL over the coverage counters (revision 0009): the figures as of a day, recent changes.

The counters are `stat_total` (one row per ward, principal land-use group and status), the
changes per day in `stat_day`, and what the triggers appended since the last compaction in
`stat_delta`. As of day D: stat_total + the pending rows of days up to D - the days after D.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.db import prepared
from app.db.models import COUNTER_MEASURES
from app.domain.lifecycle import STATUSES

MEASURES = COUNTER_MEASURES
BACKLOG = tuple(m.removeprefix("backlog_") for m in MEASURES if m.startswith("backlog_"))
_CERTIFIED = "status IN ('signed', 'delivered')"

_cols = ", ".join(MEASURES)
_negated = ", ".join(f"-{m}" for m in MEASURES)
_status_counts = ", ".join(
    f"coalesce(sum(parcels) FILTER (WHERE status = '{s}'), 0)::bigint AS status_{s}"
    for s in STATUSES
)
# counts as bigint (Python int), areas as float8 (Python float): the service only reads them
_sums = ", ".join(
    f"coalesce(sum({m}), 0)::{'float8' if m == 'area_m2' else 'bigint'} AS {m}" for m in MEASURES
)

_zeros = ", ".join("0" for _ in MEASURES)
_recent = ("returns_this_month", "certified_recent", "certified_last_week")
_no_recent = ", ".join(f"0 AS {r}" for r in _recent)

# one pass: the state as of :day (totals, plus pending days up to it, minus the days after
# it) and the recent changes (rows whose measures are zero and whose own columns are not)
FIGURES_SQL = text(
    f"""
    WITH recent AS (
        SELECT day, ward_code, land_use_group, status, parcels, returns FROM stat_day
        WHERE day > :since AND day <= :day
        UNION ALL
        SELECT day, ward_code, land_use_group, status, parcels, returns FROM stat_delta
        WHERE day > :since AND day <= :day
    ), rows AS (
        SELECT ward_code, land_use_group, status, {_cols}, {_no_recent} FROM stat_total
        UNION ALL
        SELECT ward_code, land_use_group, status, {_cols}, {_no_recent} FROM stat_delta
        WHERE day <= :day
        UNION ALL
        SELECT ward_code, land_use_group, status, {_negated}, {_no_recent} FROM stat_day
        WHERE day > :day
        UNION ALL
        SELECT ward_code, land_use_group, status, {_zeros},
               CASE WHEN day >= :month_start THEN returns ELSE 0 END,
               CASE WHEN {_CERTIFIED} AND day > :rate_since THEN parcels ELSE 0 END,
               CASE WHEN {_CERTIFIED} AND day > :week_since THEN parcels ELSE 0 END
        FROM recent
    )
    SELECT ward_code, land_use_group, GROUPING(ward_code) = 1 AS all_wards,
           GROUPING(land_use_group) = 1 AS all_groups, {_sums},
           coalesce(sum(area_m2) FILTER (WHERE status <> 'unregistered'), 0)::float8
               AS registered_area_m2,
           coalesce(sum(area_m2) FILTER (WHERE {_CERTIFIED}), 0)::float8 AS certified_area_m2,
           {_status_counts},
           {", ".join(f"coalesce(sum({r}), 0)::bigint AS {r}" for r in _recent)}
    FROM rows
    GROUP BY GROUPING SETS ((ward_code), (ward_code, land_use_group), (), (land_use_group))
    """
)

# the figures of a place with no parcels
ZERO_ROW: dict[str, Any] = dict.fromkeys(
    [*MEASURES, "registered_area_m2", "certified_area_m2"]
    + [f"status_{s}" for s in STATUSES]
    + list(_recent),
    0,
) | {"area_m2": 0.0, "registered_area_m2": 0.0, "certified_area_m2": 0.0}

PARAM_TYPES = dict.fromkeys(("day", "since", "month_start", "rate_since", "week_since"), "date")

LOOKUPS_SQL = text(
    """
    SELECT (SELECT json_agg(json_build_array(code, name, kind) ORDER BY code) FROM ward),
           (SELECT json_agg(json_build_array(code, name) ORDER BY sort_order)
            FROM land_use_group),
           (SELECT json_agg(json_build_array(ward_code, year, share)) FROM coverage_target)
    """
)

FIRST_DAY_SQL = text(
    "SELECT least((SELECT min(day) FROM stat_day), (SELECT min(day) FROM stat_delta))"
)


def figures(session: Session, day: date, rate_days: int) -> list[dict[str, Any]]:
    """Return the figures as of the end of `day`, per ward, per ward and land-use group, for
    the town and per group (flags all_wards and all_groups say which), each with the dossiers
    returned in the month up to `day`, and the parcels certified (net) in the `rate_days` and
    in the 7 days up to it."""
    month_start = day.replace(day=1)
    params = {
        "day": day,
        "since": min(month_start - timedelta(days=1), day - timedelta(days=rate_days)),
        "month_start": month_start,
        "rate_since": day - timedelta(days=rate_days),
        "week_since": day - timedelta(days=7),
    }
    rows = prepared.execute(session, "coverage_figures", FIGURES_SQL.text, params, PARAM_TYPES)
    return [dict(row._mapping) for row in rows]


def lookups(
    session: Session,
) -> tuple[list[list[str]], list[list[str]], list[list[Any]]]:
    """Return the wards (code, name, kind), the land-use groups (code, name) and the targets
    (ward code or None, year, share), in one round trip."""
    wards, groups, targets = session.execute(LOOKUPS_SQL).one()
    return wards or [], groups or [], targets or []


def first_day(session: Session) -> date | None:
    """Return the first day the counters hold a change for."""
    value: date | None = session.execute(FIRST_DAY_SQL).scalar()
    return value


def compact(session: Session) -> int:
    """Fold the appended changes into the totals and the days; return how many rows."""
    return int(session.execute(text("SELECT stat_compact()")).scalar_one())
