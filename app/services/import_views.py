"""What the upload desk reads of imports: the caller's own, one page of an import's issues,
and an import's status as its event stream sends it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db import import_issues
from app.db.models import ImportJob
from app.domain.permissions import Actor
from app.errors import NotFound
from app.services.imports import describe, get

__all__ = ["issues_geojson", "issues_page", "issues_tile", "listing", "status_of"]

# below this zoom (a district across a few tiles) an import's features are specks
ISSUES_MIN_ZOOM = 10


def listing(*, session: Session, actor: Actor, mine: bool, limit: int) -> list[dict[str, Any]]:
    """Return the newest imports first (only the caller's own with `mine`), as status
    documents without their reports' lists."""
    query = select(ImportJob).order_by(ImportJob.id.desc()).limit(limit)
    if mine:
        query = query.where(ImportJob.uploader == actor.label)
    return [describe(job) for job in session.scalars(query)]


def issues_page(
    *,
    session: Session,
    import_id: int,
    kind: str | None,
    reason: str | None,
    order: str,
    descending: bool,
    limit: int,
    offset: int,
) -> dict[str, Any]:
    """Return one page of an import's rejects, repairs, warnings and overlaps, in file order
    unless `order` names another (row, key, kind, reason)."""
    get(session=session, import_id=import_id)
    total, rows = import_issues.page(
        session.connection(),
        import_id,
        kind=kind,
        reason=reason,
        order=order,
        descending=descending,
        limit=limit,
        offset=offset,
    )
    drawn, bbox = import_issues.drawn(session.connection(), import_id)
    return {
        "total": total,
        "limit": limit,
        "offset": offset,
        "drawn": drawn,
        "bbox": bbox,
        "issues": [
            {
                "seq": r.seq,
                "row": r.source_row,
                "key": r.feature_key,
                "kind": r.kind,
                "reason": r.reason,
                "drawn": r.drawn,
                "bbox": [round(float(v), 7) for v in r.bbox] if r.bbox else None,
            }
            for r in rows
        ],
    }


def issues_geojson(
    *, session: Session, import_id: int, kind: str | None, seq: int | None = None
) -> str:
    """Return the import's issues that have a geometry (or the one `seq`) as a GeoJSON
    FeatureCollection."""
    get(session=session, import_id=import_id)
    return import_issues.feature_collection(session.connection(), import_id, kind, seq)


def issues_tile(*, session: Session, import_id: int, z: int, x: int, y: int) -> bytes:
    """Return the import's issues in one vector tile (empty below zoom 10: a district)."""
    get(session=session, import_id=import_id)
    if x >= 2**z or y >= 2**z:
        raise NotFound(f"There is no tile {z}/{x}/{y}: at zoom {z}, x and y go up to {2**z - 1}.")
    if z < ISSUES_MIN_ZOOM:
        return b""
    return import_issues.tile(session.connection(), import_id, z, x, y)


def status_of(factory: sessionmaker[Session], import_id: int) -> dict[str, Any]:
    """Return an import's status document, read in a short transaction of its own."""
    with factory() as session:
        return describe(get(session=session, import_id=import_id))
