"""Bounding boxes as the API takes them: four finite numbers, min before max."""

from __future__ import annotations

import math
from collections.abc import Sequence

BBox = tuple[float, float, float, float]
USAGE = "bbox is four numbers, minx,miny,maxx,maxy (or six with minz and maxz), min before max"


def to_bbox(numbers: Sequence[float]) -> BBox:
    """Return the box of four numbers (or six: x, y, z twice, whose heights are dropped);
    raise ValueError saying what a bbox is when they are not one."""
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if (
        len(numbers) != 4
        or not all(math.isfinite(n) for n in numbers)
        or numbers[0] > numbers[2]
        or numbers[1] > numbers[3]
    ):
        raise ValueError(USAGE)
    return numbers[0], numbers[1], numbers[2], numbers[3]
