"""Coordinates that cannot be a Vietnamese parcel are caught with a hint (pure)."""

from __future__ import annotations

import pytest

from app.spatial.sanity import coordinate_problem

VIET_YEN_TM3 = (406_600.0, 2_353_000.0, 406_620.0, 2_353_020.0)
VIET_YEN_LONLAT = (106.10, 21.27, 106.1002, 21.2702)


def test_good_coordinates_pass() -> None:
    assert coordinate_problem(VIET_YEN_TM3, 9214) is None
    assert coordinate_problem(VIET_YEN_LONLAT, 4326) is None
    assert coordinate_problem(VIET_YEN_LONLAT, 4756) is None


@pytest.mark.parametrize(
    ("bounds", "srid", "hint"),
    [
        ((2_353_000.0, 406_600.0, 2_353_020.0, 406_620.0), 9214, "northing, easting"),
        ((21.27, 106.10, 21.2702, 106.1002), 4326, "latitude, longitude"),
        (VIET_YEN_TM3, 4326, "metres, not degrees"),
        (VIET_YEN_LONLAT, 9214, "degrees, not metres"),
        ((40_000.0, 5_000_000.0, 40_020.0, 5_000_020.0), 9214, "outside Vietnam"),
        ((2.35, 48.85, 2.36, 48.86), 4326, "outside Vietnam"),
        ((float("nan"), 0.0, 1.0, 1.0), 9214, "not finite"),
        ((1e308, 1e308, float("inf"), 1e308), 9214, "not finite"),
    ],
)
def test_wrong_coordinates_get_a_hint(
    bounds: tuple[float, float, float, float], srid: int, hint: str
) -> None:
    problem = coordinate_problem(bounds, srid)
    assert problem is not None and hint in problem
