"""/wards and the code lists."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from app.api.deps import SessionDep
from app.api.responses import GeoJSONResponse, problems
from app.domain.patterns import WARD_CODE_ONLY
from app.errors import NotFound
from app.services import wards

router = APIRouter(tags=["wards and code lists"])


@router.get("/wards", response_class=GeoJSONResponse)
def list_wards(session: SessionDep) -> GeoJSONResponse:
    """Return the wards as a GeoJSON FeatureCollection in WGS84, with their old communes."""
    return GeoJSONResponse(wards.geojson(session=session))


@router.get("/wards/names")
def ward_names(session: SessionDep) -> list[dict[str, str]]:
    """Return the wards' codes, names and kinds (xa, phuong), by name, without boundaries."""
    return wards.names(session=session)


@router.get("/wards/{code}", response_class=GeoJSONResponse, responses=problems(404))
def read_ward(
    code: Annotated[str, Path(pattern=WARD_CODE_ONLY)], session: SessionDep
) -> GeoJSONResponse:
    """Return one ward as a GeoJSON Feature in WGS84."""
    collection = wards.geojson(session=session, code=code)
    if not collection["features"]:
        raise NotFound(f"There is no ward {code}.")
    return GeoJSONResponse(collection["features"][0])


@router.get("/land-use-types")
def land_use_types(session: SessionDep) -> list[dict[str, Any]]:
    """Return the land-use codes (Circular 08/2024), and old codes with their replacement."""
    result: list[dict[str, Any]] = wards.land_use_types(session=session)
    return result


@router.get("/land-origin-types")
def land_origin_types(session: SessionDep) -> list[dict[str, Any]]:
    """Return the land-origin codes."""
    result: list[dict[str, Any]] = wards.land_origin_types(session=session)
    return result
