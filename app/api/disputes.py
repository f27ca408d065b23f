"""/disputes/{id}: read and resolve a dispute."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from app.api.auth import ActorDep, IfMatch
from app.api.deps import SessionDep
from app.api.responses import etag, problems
from app.schemas.disputes import DisputeOut, DisputeResolveIn
from app.services import disputes

router = APIRouter(prefix="/disputes", tags=["disputes"])

DisputeId = Annotated[int, Path(gt=0)]


@router.get("/{dispute_id}", responses=problems(404))
def read_dispute(
    dispute_id: DisputeId, session: SessionDep, actor: ActorDep, response: Response
) -> DisputeOut:
    """Return one dispute; the parties only for staff allowed to see personal data."""
    dispute, parcel = disputes.get(session=session, dispute_id=dispute_id)
    response.headers["ETag"] = etag(dispute.version)
    return disputes.to_out(dispute, actor, parcel.ward_code)


@router.post("/{dispute_id}/resolve", responses=problems(401, 403, 404, 409, 412, 422, 428))
def resolve_dispute(
    dispute_id: DisputeId,
    data: DisputeResolveIn,
    session: SessionDep,
    actor: ActorDep,
    response: Response,
    if_match: IfMatch = None,
) -> DisputeOut:
    """Close a dispute with its resolution; the parcel is free again once none is open."""
    dispute = disputes.resolve(
        session=session, actor=actor, dispute_id=dispute_id, if_match=if_match, data=data
    )
    _, parcel = disputes.get(session=session, dispute_id=dispute_id)
    response.headers["ETag"] = etag(dispute.version)
    return disputes.to_out(dispute, actor, parcel.ward_code)
