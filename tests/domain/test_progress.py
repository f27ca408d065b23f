"""Targets, the share expected by a day, behind-schedule flags, projections, periods."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.domain.progress import (
    Targets,
    closed_period_ends,
    period_end,
    previous_period_end,
    progress,
)

PLAN = Targets(town={2024: 0.4, 2025: 1.0}, wards={"07795": {2025: 0.8}})


def test_a_ward_target_overrides_the_town_and_the_last_one_carries_on() -> None:
    assert PLAN.for_year(2024) == 0.4
    assert PLAN.for_year(2025, "07795") == 0.8
    assert PLAN.for_year(2024, "07795") == 0.4  # the town's where the ward has none
    assert PLAN.for_year(2026) == 1.0 and PLAN.for_year(2030, "07795") == 0.8
    assert PLAN.for_year(2023) is None


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2023, 12, 31), None),  # before the plan
        (date(2024, 1, 1), round(0.4 / 366, 4)),
        (date(2024, 7, 1), round(0.4 * 183 / 366, 4)),  # 2024 is a leap year
        (date(2024, 12, 31), 0.4),
        (date(2025, 7, 2), round(0.4 + 0.6 * 183 / 365, 4)),
        (date(2025, 12, 31), 1.0),
        (date(2026, 6, 1), 1.0),  # past the last target: all of it
    ],
)
def test_the_expected_share_rises_through_the_year(day: date, expected: float | None) -> None:
    assert PLAN.expected_share(day) == expected


def test_a_lowered_target_is_expected_from_the_year_start() -> None:
    lowered = Targets(town={2025: 1.0, 2026: 0.5}, wards={})
    assert lowered.expected_share(date(2026, 1, 1)) == 0.5


def test_behind_schedule_and_what_is_missing() -> None:
    day = date(2024, 12, 31)  # 40% expected
    behind = progress(
        targets=PLAN, ward_code=None, day=day, parcels=1000, certified=399, certified_recent=0
    )
    assert behind.behind and behind.parcels_to_expected == 1
    assert behind.projected_completion is None  # nothing certified lately
    on_track = progress(
        targets=PLAN, ward_code=None, day=day, parcels=1000, certified=400, certified_recent=40
    )
    assert not on_track.behind and on_track.parcels_to_expected == 0
    # 600 left at 10 a week: 60 weeks
    assert on_track.weekly_rate == 10.0
    assert on_track.projected_completion == day + timedelta(weeks=60)
    done = progress(
        targets=PLAN, ward_code=None, day=day, parcels=10, certified=10, certified_recent=0
    )
    assert done.projected_completion == day and not done.behind
    empty = progress(
        targets=PLAN, ward_code=None, day=day, parcels=0, certified=0, certified_recent=0
    )
    assert not empty.behind


def test_weeks_end_on_sunday_and_months_on_their_last_day() -> None:
    assert period_end(date(2026, 11, 30), "week") == date(2026, 12, 6)  # a Monday
    assert period_end(date(2026, 12, 6), "week") == date(2026, 12, 6)
    assert period_end(date(2026, 2, 10), "month") == date(2026, 2, 28)
    assert period_end(date(2026, 12, 31), "month") == date(2026, 12, 31)
    assert previous_period_end(date(2026, 12, 6), "week") == date(2026, 11, 29)
    assert previous_period_end(date(2026, 3, 31), "month") == date(2026, 2, 28)
    assert closed_period_ends(date(2026, 11, 10), date(2026, 11, 30), "week") == [
        date(2026, 11, 15),
        date(2026, 11, 22),
        date(2026, 11, 29),
    ]
    assert closed_period_ends(date(2026, 9, 15), date(2026, 11, 30), "month") == [
        date(2026, 9, 30),
        date(2026, 10, 31),
    ]
    assert closed_period_ends(date(2026, 11, 30), date(2026, 11, 30), "month") == []
