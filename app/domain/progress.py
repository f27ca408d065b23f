"""Directive 30 progress: targets per year, the share expected by a day, and projections.

The share is the share of parcels certified (a certificate signed or delivered) among the
parcels of the register, counted by parcel: the plan sets its targets on the number of parcels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

Period = Literal["week", "month"]
RATE_WEEKS = 4  # the recent weekly rate is measured over this many weeks
FIRST_DAY = date(2000, 1, 1)  # no figures are asked for before this day


def period_end(day: date, period: Period) -> date:
    """Return the last day of the week (Monday to Sunday) or month that holds `day`."""
    if period == "week":
        return day + timedelta(days=6 - day.weekday())
    first_next = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def previous_period_end(end: date, period: Period) -> date:
    """Return the end of the period before the one ending on `end`."""
    if period == "week":
        return end - timedelta(days=7)
    return end.replace(day=1) - timedelta(days=1)


def closed_period_ends(first_day: date, today: date, period: Period) -> list[date]:
    """Return the ends of the periods from the one holding `first_day` to the last one over
    before `today`, oldest first."""
    ends = []
    end = period_end(first_day, period)
    while end < today:
        ends.append(end)
        end = period_end(end + timedelta(days=1), period)
    return ends


@dataclass(frozen=True)
class Targets:
    """The town's default share per year and the wards' own, where set."""

    town: dict[int, float]
    wards: dict[str, dict[int, float]]

    def for_year(self, year: int, ward_code: str | None = None) -> float | None:
        """Return the share to reach by the end of `year`: the ward's own target, else the
        town's; a year after the last target keeps the last one. None before any target."""
        own = self.wards.get(ward_code, {}) if ward_code else {}
        if year in own:
            return own[year]
        if year in self.town:
            return self.town[year]
        earlier = [y for y in set(own) | set(self.town) if y < year]
        if not earlier:
            return None
        last = max(earlier)
        return own.get(last, self.town.get(last))

    def expected_share(self, day: date, ward_code: str | None = None) -> float | None:
        """Return the share that should be certified by `day`: the way from the previous
        year's target (0 in the first target year; never above this year's) to this year's, in
        proportion to the days gone. None before the first target year."""
        target = self.for_year(day.year, ward_code)
        if target is None:
            return None
        start = min(self.for_year(day.year - 1, ward_code) or 0.0, target)
        days_in_year = (date(day.year + 1, 1, 1) - date(day.year, 1, 1)).days
        elapsed = (day - date(day.year, 1, 1)).days + 1
        return round(start + (target - start) * elapsed / days_in_year, 4)


@dataclass(frozen=True)
class Progress:
    """How a ward (or the town) stands against its target on a day."""

    year: int
    target_share: float | None
    expected_share: float | None
    behind: bool
    parcels_to_expected: int
    weekly_rate: float
    projected_completion: date | None


def progress(
    *,
    targets: Targets,
    ward_code: str | None,
    day: date,
    parcels: int,
    certified: int,
    certified_recent: int,
) -> Progress:
    """Return the progress on `day`, given the parcels certified over the last RATE_WEEKS
    weeks (net of re-issues and retirements) for the rate and the projection."""
    share = certified / parcels if parcels else 0.0
    expected = targets.expected_share(day, ward_code)
    needed = max(0, math.ceil(round((expected or 0.0) * parcels, 6)) - certified)
    rate = certified_recent / RATE_WEEKS
    remaining = parcels - certified
    if remaining <= 0:
        completion: date | None = day
    elif rate > 0:
        completion = day + timedelta(days=math.ceil(remaining / rate * 7))
    else:
        completion = None  # nothing certified lately: no date can be projected
    return Progress(
        year=day.year,
        target_share=targets.for_year(day.year, ward_code),
        expected_share=expected,
        behind=expected is not None and parcels > 0 and share < expected,
        parcels_to_expected=needed,
        weekly_rate=round(rate, 2),
        projected_completion=completion,
    )
