"""The one reader of `bbox` query parameters (GET /parcels, the exports, OGC API items)."""

from __future__ import annotations

import re

from app.domain import patterns
from app.errors import InvalidBBox, NotAsDeclared
from app.spatial.bbox import USAGE, BBox, to_bbox


def parse_bbox(value: str | None) -> BBox | None:
    """Return the box of a `bbox` parameter, None when absent; refuse one that is not four
    (or six) numbers, or whose minimum lies past its maximum."""
    if value is None:
        return None
    if re.fullmatch(patterns.bbox(), value) is None:
        raise NotAsDeclared(f"{USAGE}; {value!r} is not.")
    try:
        return to_bbox([float(p) for p in value.split(",")])
    except ValueError:
        raise InvalidBBox(f"{USAGE}; {value!r} is not.") from None
