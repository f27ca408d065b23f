"""/desks/registry: what the registry officers' desk reads (the pipeline and its lists)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.api.auth import ActorDep
from app.api.deps import SessionDep
from app.api.responses import problems
from app.domain import patterns
from app.domain.patterns import WARD_CODE_ONLY
from app.services import registry_desk

router = APIRouter(prefix="/desks/registry", tags=["desks"])

# a status of the life cycle, as the query names it
Status = Annotated[str, Query(pattern=f"^({patterns.STATUS})$", examples=["eligible"])]


@router.get("/pipeline", responses=problems(401, 403))
def pipeline(session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """The current parcels counted per ward and certificate status, and for the town
    (registry officers)."""
    return registry_desk.pipeline(session=session, actor=actor)


@router.get("/parcels", responses=problems(401, 403, 422))
def pipeline_parcels(
    session: SessionDep,
    actor: ActorDep,
    status: Status,
    ward: Annotated[str | None, Query(pattern=WARD_CODE_ONLY)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    """The parcels behind one count of the pipeline, the longest unchanged first, with the
    version to send as If-Match with their next step (registry officers)."""
    return registry_desk.parcels(
        session=session, actor=actor, ward=ward, status=status, limit=limit, offset=offset
    )
