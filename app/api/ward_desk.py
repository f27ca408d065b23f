"""/desks/wards/{ward}: what a ward officer's desk reads (the officer's own ward only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from app.api.auth import ActorDep
from app.api.deps import SessionDep
from app.api.responses import problems
from app.domain.patterns import WARD_CODE_ONLY
from app.services import ward_desk

router = APIRouter(prefix="/desks/wards", tags=["desks"])

WardCode = Annotated[str, Path(pattern=WARD_CODE_ONLY)]


@router.get("/{ward}/awaiting", responses=problems(401, 403, 404, 422))
def awaiting_confirmation(
    ward: WardCode,
    session: SessionDep,
    actor: ActorDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    """The ward's parcels whose origin or time of use the commune has not confirmed yet,
    oldest in the register first, with their age in days (Vietnam's calendar), their land
    uses, and the version to send as If-Match with the confirmation.

    A ward officer of this ward, or staff who may read any ward's personal data."""
    return ward_desk.awaiting(session=session, actor=actor, ward=ward, limit=limit, offset=offset)


@router.get("/{ward}/disputes", responses=problems(401, 403, 404, 422))
def open_disputes(ward: WardCode, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """The ward's open disputes, oldest first, with their parties, age in days and version
    (the If-Match of their resolution)."""
    return ward_desk.open_disputes(session=session, actor=actor, ward=ward)
