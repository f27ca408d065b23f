"""/audit: the append-only trail of every write, for inspectors."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from app.api.auth import ActorDep
from app.api.deps import SessionDep
from app.api.params import Instant
from app.api.responses import problems
from app.domain.patterns import WARD_CODE_ONLY
from app.domain.permissions import Action, authorize
from app.schemas.audit import AuditEventOut, AuditPage
from app.services import audit

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", responses=problems(401, 403, 422))
def audit_events(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    by: Annotated[
        str | None,
        Query(
            alias="actor",
            max_length=200,
            description="Who acted: the key's name, or its recorded label 'name (role)'.",
        ),
    ] = None,
    ward: Annotated[str | None, Query(pattern=WARD_CODE_ONLY, description="Ward code.")] = None,
    parcel: Annotated[
        int | None,
        Query(gt=0, description="Parcel id; includes the imports that wrote a version of it."),
    ] = None,
    action: Annotated[str | None, Query(max_length=48, examples=["transition:signed"])] = None,
    since: Annotated[Instant | None, Query(description="From this time (inclusive).")] = None,
    until: Annotated[Instant | None, Query(description="Before this time.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    after: Annotated[int | None, Query(ge=0, description="The `next_after` of a page.")] = None,
) -> AuditPage:
    """Audit events matching every filter given, oldest first, a page at a time.

    Each event says who acted (key name and role), when, in which request, what they did to
    which target, and the values before and after.
    """
    authorize(actor, Action.AUDIT_READ)
    statement = audit.query(
        actor=by,
        ward_code=ward,
        parcel_id=parcel,
        action=action,
        since=since,
        until=until,
        after_id=after,
    ).limit(limit + 1)
    events = list(session.scalars(statement))
    more = len(events) > limit
    events = events[:limit]
    next_url: Any = None
    if more:
        next_url = str(request.url.include_query_params(after=events[-1].id))
    return AuditPage(
        events=[AuditEventOut.model_validate(e, from_attributes=True) for e in events],
        next=next_url,
    )
