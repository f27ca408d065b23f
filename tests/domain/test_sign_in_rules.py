"""The sign-in rules on their own: the wait after failures, passwords, session ends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.domain.sign_in_rules import (
    BACK_OFF_MAX,
    LOCK_FOR,
    SessionPolicy,
    password_problem,
    retry_after,
)

T = datetime(2026, 12, 6, 3, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("failures", "wait_s"),
    [(0, 0), (1, 0), (2, 0), (3, 1), (4, 2), (5, 4), (8, 32), (9, 64), (12, 120), (40, 120)],
)
def test_the_wait_doubles_from_the_third_failure_up_to_its_ceiling(
    failures: int, wait_s: int
) -> None:
    assert retry_after(failures, T, None, T) == timedelta(seconds=wait_s)
    assert BACK_OFF_MAX == timedelta(seconds=120)


def test_the_wait_counts_from_the_last_failure() -> None:
    assert retry_after(5, T, None, T + timedelta(seconds=3)) == timedelta(seconds=1)
    assert retry_after(5, T, None, T + timedelta(seconds=4)) == timedelta(0)
    assert retry_after(5, T, None, T + timedelta(hours=1)) == timedelta(0)


def test_a_lock_holds_to_its_end_whatever_the_count() -> None:
    until = T + LOCK_FOR
    assert retry_after(0, None, until, T) == LOCK_FOR
    assert retry_after(0, None, until, until - timedelta(seconds=1)) == timedelta(seconds=1)
    assert retry_after(0, None, until, until) == timedelta(0)


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("ngắn", "too_short"),
        ("x" * 257, "too_long"),
        ("abc-lanNguyen-2025", "contains_user_name"),
        ("aaaabbbbaaaabbbb", "too_simple"),
        ("mật khẩu đủ dài 2025", None),
    ],
)
def test_password_rules(password: str, rule: str | None) -> None:
    problem = password_problem(password, "lannguyen")
    assert (problem[0] if problem else None) == rule


def test_a_session_ends_idle_or_at_its_absolute_end_whichever_comes_first() -> None:
    policy = SessionPolicy(idle=timedelta(minutes=30), absolute=timedelta(hours=12))
    assert policy.expires_at(T, T) == T + timedelta(minutes=30)
    late = T + timedelta(hours=11, minutes=50)
    assert policy.expires_at(T, late) == T + timedelta(hours=12)
