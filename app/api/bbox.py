"""The one reader of `bbox` query parameters (GET /parcels, the exports, OGC API items)."""

from __future__ import annotations

from collections.abc import Iterable

from app.errors import InvalidInput
from app.spatial.bbox import USAGE, BBox, to_bbox


def parse_bbox(values: str | Iterable[str] | None) -> BBox | None:
    """Return the box of a `bbox` parameter (given once, or repeated and joined by commas);
    None when absent."""
    if values is None:
        return None
    given = [values] if isinstance(values, str) else list(values)
    parts = [p.strip() for value in given for p in value.split(",") if p.strip()]
    if not parts:
        return None
    try:
        return to_bbox([float(p) for p in parts])
    except ValueError:
        raise InvalidInput(f"{USAGE}; {','.join(parts)!r} is not.") from None
