"""/health: is the service up, and can it reach PostGIS?"""

from __future__ import annotations

from importlib.metadata import version

from fastapi import APIRouter

from app.api.deps import EngineDep
from app.schemas.common import Health, Problem
from app.services import health as health_service

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=Health,
    responses={503: {"model": Problem, "content": {"application/problem+json": {}}}},
)
def read_health(engine: EngineDep) -> Health:
    """Return ok with the PostGIS version, or 503 when the database cannot be reached."""
    probe = health_service.probe_database(engine=engine)
    return Health(
        status="ok",
        database="reachable",
        postgis_version=probe.postgis_version,
        schema_revision=probe.schema_revision,
        version=version("parcel-registry"),
    )
