"""/complaints: the hotline. Anyone may submit; ward and registry staff handle."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from app.api.auth import ActorDep, IfMatch
from app.api.deps import SessionDep
from app.api.rate_limit import SlidingWindow
from app.api.responses import etag, problems
from app.domain.codes import ComplaintStatus
from app.domain.patterns import WARD_CODE_ONLY
from app.schemas.complaints import (
    AssigneeOut,
    ComplaintIn,
    ComplaintOut,
    ComplaintReceipt,
    ComplaintUpdate,
)
from app.services import complaints

router = APIRouter(prefix="/complaints", tags=["complaints"])
# beside /complaints/{id}, not under it: no method of a complaint's URL answers for it
extra = APIRouter()

ComplaintId = Annotated[int, Path(gt=0)]


@router.post("", status_code=201, responses=problems(404, 422, 429))
def submit_complaint(
    data: ComplaintIn, session: SessionDep, actor: ActorDep, request: Request, response: Response
) -> ComplaintReceipt:
    """Submit a complaint about a parcel or a dossier; no key needed. Quote the id returned.

    Without a key, one address may send a limited number per hour (429 past it).
    """
    if actor.role is None:
        window: SlidingWindow = request.app.state.anonymous_writes
        window.hit(request.client.host if request.client else "unknown")
    complaint = complaints.submit(session=session, actor=actor, data=data)
    response.headers["Location"] = f"/complaints/{complaint.id}"
    return ComplaintReceipt(id=complaint.id, status="received", received_at=complaint.received_at)


@router.get("", responses=problems(401, 403))
def list_complaints(
    session: SessionDep,
    actor: ActorDep,
    status: Annotated[
        list[ComplaintStatus] | None,
        Query(description="Repeat for several: status=received&status=in_progress."),
    ] = None,
    ward: Annotated[str | None, Query(pattern=WARD_CODE_ONLY)] = None,
    assigned_to: Annotated[
        str | None, Query(max_length=64, description="Only those handed to this user name.")
    ] = None,
) -> list[ComplaintOut]:
    """Return complaints to handle, newest first (a ward officer sees their own ward's)."""
    found = complaints.listing(
        session=session, actor=actor, status=status, ward_code=ward, assigned_to=assigned_to
    )
    return [complaints.to_out(c, key) for c, key in found]


@extra.get("/complaint-assignees", tags=["complaints"], responses=problems(401, 403))
def complaint_assignees(session: SessionDep, actor: ActorDep) -> list[AssigneeOut]:
    """Return the active staff accounts the caller may hand a complaint to."""
    return [
        AssigneeOut.model_validate(a, from_attributes=True)
        for a in complaints.assignees(session=session, actor=actor)
    ]


@router.get("/{complaint_id}", responses=problems(401, 403, 404))
def read_complaint(
    complaint_id: ComplaintId, session: SessionDep, actor: ActorDep, response: Response
) -> ComplaintOut:
    """Return one complaint with its handling."""
    complaint = complaints.get(session=session, actor=actor, complaint_id=complaint_id)
    response.headers["ETag"] = etag(complaint.version)
    return complaints.to_out(complaint, complaints.parcel_key(session, complaint))


@router.patch("/{complaint_id}", responses=problems(401, 403, 404, 412, 422, 428))
def handle_complaint(
    complaint_id: ComplaintId,
    data: ComplaintUpdate,
    session: SessionDep,
    actor: ActorDep,
    response: Response,
    if_match: IfMatch = None,
) -> ComplaintOut:
    """Move a complaint to in progress or resolved, with the staff response."""
    complaint = complaints.handle(
        session=session, actor=actor, complaint_id=complaint_id, if_match=if_match, data=data
    )
    response.headers["ETag"] = etag(complaint.version)
    return complaints.to_out(complaint, complaints.parcel_key(session, complaint))
