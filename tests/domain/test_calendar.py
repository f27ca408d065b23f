"""The drive's calendar on every day of the spans where it can go wrong: each weekday, month
ends, year ends and leap days. The oracle counts days one by one (ISO weeks, the calendar
module), not with the arithmetic of app.domain.progress."""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import pytest

from app.domain import clock
from app.domain.progress import (
    Period,
    Targets,
    closed_period_ends,
    period_end,
    previous_period_end,
)

# a leap day and its month end; the ends of a leap year and of a common one; a leap day to come
SPANS = [
    (date(2024, 2, 20), date(2024, 3, 10)),
    (date(2024, 12, 20), date(2025, 1, 12)),
    (date(2025, 12, 18), date(2026, 1, 11)),
    (date(2028, 2, 21), date(2028, 3, 5)),
]


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


DAYS = [day for span in SPANS for day in _days(*span)]


def _is_end(day: date, period: Period) -> bool:
    """Whether a week (ISO: Monday to Sunday) or a month ends on `day`."""
    if period == "week":
        return day.isocalendar().weekday == 7
    return day.day == calendar.monthrange(day.year, day.month)[1]


def test_the_spans_hold_every_weekday_and_the_ends_that_matter() -> None:
    assert {day.weekday() for day in DAYS} == set(range(7))
    assert {date(2024, 2, 29), date(2028, 2, 29), date(2024, 12, 31), date(2025, 12, 31)} <= set(
        DAYS
    )


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_a_day_belongs_to_the_week_and_the_month_that_hold_it(day: date) -> None:
    iso = day.isocalendar()
    assert period_end(day, "week") == date.fromisocalendar(iso.year, iso.week, 7)
    last = calendar.monthrange(day.year, day.month)[1]
    assert period_end(day, "month") == date(day.year, day.month, last)
    for period in ("week", "month"):
        end = period_end(day, period)
        # the next end after the previous one, counted day by day, is this one
        before = previous_period_end(end, period)
        assert _is_end(before, period) and before < day
        assert next(d for d in _days(before + timedelta(days=1), end) if _is_end(d, period)) == end


@pytest.mark.parametrize("today", DAYS, ids=str)
@pytest.mark.parametrize("period", ["week", "month"])
def test_closed_periods_are_the_ends_before_today(today: date, period: Period) -> None:
    first = today - timedelta(days=45)
    # the first period is the one holding `first`; the running one (holding today) is open
    expected = [d for d in _days(first, today - timedelta(days=1)) if _is_end(d, period)]
    assert closed_period_ends(first, today, period) == expected
    if _is_end(today, period):  # a period ending today is still running until tomorrow
        assert today not in closed_period_ends(first, today, period)
        assert today in closed_period_ends(first, today + timedelta(days=1), period)


PLAN = Targets(town={2024: 0.4, 2025: 1.0}, wards={})


@pytest.mark.parametrize("year", [2024, 2025])
def test_a_target_year_starts_one_day_in_and_ends_on_its_target(year: int) -> None:
    days = 366 if calendar.isleap(year) else 365
    start = PLAN.for_year(year - 1) or 0.0
    target = PLAN.for_year(year)
    assert target is not None
    assert PLAN.expected_share(date(year, 1, 1)) == round(start + (target - start) / days, 4)
    assert PLAN.expected_share(date(year, 12, 31)) == target
    # the share never falls from one day to the next across the year's end
    shares = [PLAN.expected_share(d) for d in _days(date(year, 12, 29), date(year + 1, 1, 3))]
    assert all(a is not None and b is not None and a <= b for a, b in pairwise(shares))


@pytest.mark.parametrize(
    ("utc", "vietnam_day"),
    [
        ("2026-12-05T16:59:59", date(2026, 12, 5)),  # 23:59:59 in Hà Nội
        ("2026-12-05T17:00:00", date(2026, 12, 6)),  # midnight in Hà Nội, still the 5th in UTC
        ("2026-12-31T17:30:00", date(2027, 1, 1)),
        ("2028-02-28T18:00:00", date(2028, 2, 29)),
    ],
)
def test_today_is_the_vietnam_day(utc: str, vietnam_day: date) -> None:
    with clock.pinned(datetime.fromisoformat(utc).replace(tzinfo=UTC)):
        assert clock.today() == vietnam_day
        assert clock.now().utcoffset() == timedelta(hours=7)


def test_a_pinned_clock_stands_still_and_comes_back() -> None:
    outer = clock.now()
    at = datetime(2025, 12, 31, 23, 0, tzinfo=clock.LOCAL_TZ)
    with clock.pinned(at):
        assert clock.now() == at and clock.today() == date(2025, 12, 31)
    assert clock.now() == outer  # the suite's own pin is back
    with pytest.raises(ValueError, match="aware"):
        clock.pin(datetime(2025, 1, 1))


def test_unpinned_the_clock_is_the_wall_clock_in_vietnam() -> None:
    suite = clock.now()
    clock.pin(None)
    try:
        assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)
        assert clock.now().utcoffset() == timedelta(hours=7)
    finally:
        clock.pin(suite)
