"""Optimistic concurrency: an update names the version it was made from (If-Match).

Two officers editing one record must not silently overwrite each other: every update
carries the ETag last read, and is refused when the record moved on since.
"""

from __future__ import annotations

from app.errors import PreconditionFailed, PreconditionRequired

__all__ = ["check_version", "parse_if_match"]


def parse_if_match(header: str | None) -> int | None:
    """Return the version an If-Match header names (None for a missing header, -1 for *)."""
    if header is None:
        return None
    value = header.strip()
    if value == "*":
        return -1
    value = value.removeprefix("W/").strip('"')
    try:
        return int(value)
    except ValueError:
        raise PreconditionFailed(
            f"If-Match {header!r} is not an ETag of this API; send the ETag you last read."
        ) from None


def check_version(*, current: int, if_match: str | None, what: str = "parcel") -> None:
    """Refuse an update without If-Match (428) or against a stale version (412)."""
    expected = parse_if_match(if_match)
    if expected is None:
        raise PreconditionRequired(
            f"Updates need If-Match with the {what}'s ETag (read it first, then send it back)."
        )
    if expected not in (-1, current):
        raise PreconditionFailed(
            f"The {what} changed since you read it (you have version {expected}, "
            f"it is now at {current}); read it again and reapply your change.",
            current_version=current,
        )
