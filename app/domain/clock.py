"""The registry's clock: the instant and the Vietnam day that the drive's calendar goes by.

Wall time unless pinned. A pinned clock stands still at one instant: tests pin it, and pin the
database's counters clock (`registry.clock`, read by `stat_clock()`) to the same instant, so
that what they expect never depends on the day, the hour or the time zone they run in.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

_pinned: datetime | None = None


def now() -> datetime:
    """Return the current instant in Vietnam time (the pinned one, if pinned)."""
    if _pinned is not None:
        return _pinned
    return datetime.now(LOCAL_TZ)


def today() -> date:
    """Return today's date in Vietnam, whatever the server's time zone."""
    return now().date()


def pin(at: datetime | None) -> None:
    """Stop the clock at `at` (an aware datetime), or set it going again with None."""
    global _pinned
    if at is not None and at.tzinfo is None:
        raise ValueError("pin the clock to an aware datetime (with its UTC offset)")
    _pinned = None if at is None else at.astimezone(LOCAL_TZ)


@contextmanager
def pinned(at: datetime) -> Iterator[None]:
    """Keep the clock at `at` inside the block, then put back what it was."""
    before = _pinned
    pin(at)
    try:
        yield
    finally:
        pin(before)
