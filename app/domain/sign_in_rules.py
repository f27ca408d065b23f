"""The rules of staff sign-in: passwords, back-off and locks after failures, session expiry.

Pure rules on numbers and instants: the service applies them to the accounts it keeps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = [
    "LOCK_AFTER_FAILURES",
    "LOCK_FOR",
    "SessionPolicy",
    "password_problem",
    "retry_after",
]

# failures in a row before the account is locked, and for how long
LOCK_AFTER_FAILURES = 10
LOCK_FOR = timedelta(minutes=15)
# from this many failures in a row on, each next attempt waits twice as long as the last
BACK_OFF_FROM = 3
BACK_OFF_MAX = timedelta(minutes=2)

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256


def retry_after(
    failures: int, last_failure: datetime | None, locked_until: datetime | None, now: datetime
) -> timedelta:
    """Return how long the next attempt must wait (zero: it may be made now).

    A lock holds until its end; before the lock, after BACK_OFF_FROM failures in a row the
    wait doubles with each failure (1 s, 2 s, 4 s ... at most BACK_OFF_MAX), which slows a
    guesser to a crawl and costs a person who mistyped a few seconds.
    """
    if locked_until is not None and locked_until > now:
        return locked_until - now
    if failures < BACK_OFF_FROM or last_failure is None:
        return timedelta(0)
    wait = min(timedelta(seconds=2 ** (failures - BACK_OFF_FROM)), BACK_OFF_MAX)
    return max(last_failure + wait - now, timedelta(0))


def password_problem(password: str, user_name: str) -> tuple[str, str] | None:
    """Return (rule, what is wrong) when a new password is unfit, or None.

    The rule names which one it breaks (too_short, too_long, contains_user_name, too_simple),
    for a page to say it in the user's language."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return "too_short", f"A password needs at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return "too_long", f"A password has at most {MAX_PASSWORD_LENGTH} characters."
    if user_name.lower() in password.lower():
        return "contains_user_name", "A password must not contain the user name."
    if len(set(password)) < 5:
        return "too_simple", "A password needs at least 5 different characters."
    return None


@dataclass(frozen=True)
class SessionPolicy:
    """How long a signed-in session lasts: idle (since its last request) and at most."""

    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)

    def expires_at(self, started: datetime, last_seen: datetime) -> datetime:
        """Return when a session started and last seen at these instants ends."""
        return min(last_seen + self.idle, started + self.absolute)
