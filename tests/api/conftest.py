"""Fixtures for API tests: keys per role, free places to draw parcels, small builders; a
live service with staff accounts and a Chromium page on its workbench."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from app.domain import clock
from app.domain.permissions import Role
from app.localdb import cluster as localdb
from app.services import apikeys
from tests.api.staff import StaffRegister, serve
from tests.api.workbench_browser import Browser
from tests.support import CLOCK, SETUP

WARD = "07795"  # Nếnh
OTHER_WARD = "07798"  # Vân Hà


@dataclass(frozen=True)
class Keys:
    """Bearer headers for each role; ward officers of WARD and of OTHER_WARD."""

    admin: dict[str, str]
    registry: dict[str, str]
    surveyor: dict[str, str]
    ward: dict[str, str]
    other_ward: dict[str, str]
    inspector: dict[str, str]
    viewer: dict[str, str]


@pytest.fixture
def keys(session: Session) -> Keys:
    def make(role: Role, ward: str | None = None) -> dict[str, str]:
        _, key = apikeys.create(
            session=session, actor=SETUP, name=f"test {role.value}", role=role, ward_code=ward
        )
        return {"Authorization": f"Bearer {key}"}

    return Keys(
        admin=make(Role.ADMIN),
        registry=make(Role.REGISTRY_OFFICER),
        surveyor=make(Role.SURVEYOR),
        ward=make(Role.WARD_OFFICER, WARD),
        other_ward=make(Role.WARD_OFFICER, OTHER_WARD),
        viewer=make(Role.GIS_VIEWER),
        inspector=make(Role.INSPECTOR),
    )


@pytest.fixture
def free_spot(connection: Connection) -> Callable[[str], tuple[float, float]]:
    """Return a function giving a point (EPSG:9214) in a ward, 60 m or more from any parcel."""
    taken: list[tuple[float, float]] = []

    def spot(ward: str = WARD) -> tuple[float, float]:
        row = connection.execute(
            text(
                "SELECT ST_X(pt), ST_Y(pt) FROM ward w,"
                " LATERAL ST_GeneratePoints(ST_Buffer(w.boundary, -200), 400, 7) AS pts,"
                " LATERAL (SELECT (ST_Dump(pts)).geom AS pt) d"
                " WHERE w.code = :ward AND NOT EXISTS (SELECT 1 FROM parcel p"
                "   WHERE ST_DWithin(p.geom, pt, 60))"
                " AND NOT (ST_X(pt), ST_Y(pt)) = ANY(SELECT * FROM unnest("
                "   CAST(:xs AS float8[]), CAST(:ys AS float8[])))"
                " ORDER BY ST_X(pt), ST_Y(pt) LIMIT 1"
            ),
            {"ward": ward, "xs": [t[0] for t in taken], "ys": [t[1] for t in taken]},
        ).one()
        taken.append((row[0], row[1]))
        return float(row[0]), float(row[1])

    return spot


def square(x: float, y: float, size: float = 20.0) -> dict[str, Any]:
    """Return a GeoJSON Polygon: a square with its south-west corner at (x, y)."""
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture
def new_parcel(
    client: httpx.Client, keys: Keys, free_spot: Callable[[str], tuple[float, float]]
) -> Callable[..., dict[str, Any]]:
    """Return a function that registers a 20 m x 20 m parcel and returns its Feature."""
    counter = iter(range(9000, 10000))

    def make(ward: str = WARD, **overrides: Any) -> dict[str, Any]:
        x, y = free_spot(ward)
        body: dict[str, Any] = {
            "survey_commune_code": ward,
            "sheet_no": 99,
            "parcel_no": next(counter),
            "geometry": square(x, y),
            "crs": "EPSG:9214",
            "land_uses": [{"code": "ONT"}],
            "address": "Thôn Đông",
            "holders": [
                {"name": "Trần Thị Thu Hương", "kind": "individual", "id_number": "024190001234"}
            ],
        }
        body.update(overrides)
        response = client.post("/parcels", json=body, headers=keys.registry)
        assert response.status_code == 201, response.text
        feature: dict[str, Any] = response.json()
        return feature

    return make


@pytest.fixture
def moving_clock() -> Iterator[None]:
    """Let a test move the pinned clock forward (tests.api.staff.advance); put it back after."""
    with clock.pinned(CLOCK):
        yield


@pytest.fixture(scope="module")
def staff(server_url: str, local_cluster: localdb.Cluster | None) -> Iterator[StaffRegister]:
    """A live service on a register of its own, for one module (which may define its own)."""
    with serve(server_url, local_cluster) as registry:
        yield registry


@pytest.fixture
def browser(staff: StaffRegister) -> Iterator[Browser]:
    """A Chromium page on the module's live service; the test fails if the page met a script
    error, a style or script the policy refused, or fetched anything from outside the service."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        opened = Browser(playwright, staff.base)
        yield opened
        opened.close()
    assert opened.problems == []
    assert opened.foreign == []
