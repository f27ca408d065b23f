"""GET /parcels/find: a parcel found as people ask for one (the workbench's search box)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.api.auth import ActorDep
from app.api.deps import SessionDep
from app.api.responses import problems
from app.domain.patterns import WARD_CODE_ONLY
from app.services import parcel_find

router = APIRouter(prefix="/parcels", tags=["parcels"])


@router.get("/find", responses=problems(401, 403, 422))
def find_parcels(
    session: SessionDep,
    actor: ActorDep,
    commune: Annotated[
        str | None,
        Query(pattern=WARD_CODE_ONLY, description="Commune code at survey time, or ward code."),
    ] = None,
    sheet: Annotated[int | None, Query(ge=1, le=999_999_999, description="Map sheet.")] = None,
    number: Annotated[int | None, Query(ge=1, le=999_999_999, description="Parcel no.")] = None,
    address: Annotated[
        str | None,
        Query(
            min_length=2,
            max_length=200,
            description="Part of the address; diacritics and case ignored.",
        ),
    ] = None,
    holder: Annotated[
        str | None,
        Query(
            min_length=2,
            max_length=200,
            description="Part of a holder's name (staff who "
            "may read personal data only; a ward officer: in their ward).",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> dict[str, Any]:
    """The parcels that match every criterion given, current ones first, in key order; with
    `more` when there are others beyond `limit`. Holders' names only for staff allowed."""
    return parcel_find.find(
        session=session,
        actor=actor,
        commune=commune,
        sheet_no=sheet,
        parcel_no=number,
        address=address,
        holder=holder,
        limit=limit,
    )
