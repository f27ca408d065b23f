"""/audit: the append-only trail of every write, for inspectors."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import Select
from sqlalchemy.orm import Session

from app.api.auth import ActorDep
from app.api.deps import ReadSessionDep
from app.api.params import Instant
from app.api.responses import problems
from app.domain.patterns import WARD_CODE_ONLY
from app.domain.permissions import Action, authorize
from app.schemas.audit import AuditEventOut, AuditPage
from app.services import audit, audit_export

router = APIRouter(prefix="/audit", tags=["audit"])


CSV_DOC = {
    "content": {"text/csv": {}},
    "description": "A page of JSON, or with `format=csv` every matching event as CSV.",
}


@router.get("", response_model=AuditPage, responses={200: CSV_DOC, **problems(401, 403, 422)})
def audit_events(
    request: Request,
    session: ReadSessionDep,
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
    format: Annotated[
        Literal["json", "csv"],
        Query(description="json (a page) or csv (every matching event, no paging)."),
    ] = "json",
) -> Any:
    """Audit events matching every filter given, oldest first, a page at a time.

    Each event says who acted (key name and role), when, in which request, what they did to
    which target, and the values before and after. The CSV (Vietnamese headings) streams
    every event matching the filters, from `after` on, without `limit`.
    """
    authorize(actor, Action.AUDIT_READ)
    matching = audit.query(
        actor=by,
        ward_code=ward,
        parcel_id=parcel,
        action=action,
        since=since,
        until=until,
        after_id=after,
    )
    if format == "csv":
        return _export(session, matching)
    statement = matching.limit(limit + 1)
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


def _export(session: Session, matching: Select[Any]) -> StreamingResponse:
    """Every matching event as CSV, streamed from a server-side cursor."""
    streamed = session.scalars(matching.execution_options(yield_per=1000))
    return StreamingResponse(
        audit_export.lines(streamed),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="nhat-ky-thao-tac.csv"'},
    )
