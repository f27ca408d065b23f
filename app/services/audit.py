"""The audit trail: every write through the service, attributable and append-only."""

from __future__ import annotations

from contextvars import ContextVar
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, String, cast, insert, or_, select
from sqlalchemy.orm import Session

from app.db.models import AuditEvent, ParcelVersion
from app.domain.permissions import Actor

# The id of the HTTP request being served (set by the request-id middleware); None outside
# a request, e.g. in the command line or the import worker.
REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)


def record(
    db: Session | Connection,
    *,
    actor: Actor | str,
    action: str,
    target_type: str,
    target_id: object = None,
    ward_code: str | None = None,
    parcel_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    request_id: str | None = None,
) -> None:
    """Add an audit event in the caller's transaction: it commits with the write or not at all.

    `actor` is the Actor, or the label of one recorded earlier (an import's uploader).
    """
    who = actor if isinstance(actor, Actor) else None
    db.execute(
        insert(AuditEvent).values(
            actor=who.label if who else str(actor),
            role=who.role.value if who and who.role else None,
            key_id=who.key_id if who else None,
            account_id=who.account_id if who else None,
            request_id=request_id or REQUEST_ID.get(),
            action=action,
            target_type=target_type,
            target_id=None if target_id is None else str(target_id),
            ward_code=ward_code,
            parcel_id=parcel_id,
            before=before,
            after=after,
        )
    )


def changed_values(changes: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a version's {field: {"old", "new"}} into the before and after values."""
    return (
        {k: v.get("old") for k, v in changes.items()},
        {k: v.get("new") for k, v in changes.items()},
    )


def query(
    *,
    actor: str | None = None,
    ward_code: str | None = None,
    parcel_id: int | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after_id: int | None = None,
) -> Select[AuditEvent]:
    """Return the events matching every filter given, oldest first.

    `actor` matches the recorded label or the key's name in it ("Lan" finds "Lan (admin)").
    A parcel's events include the imports that wrote a version of it.
    """
    statement = select(AuditEvent).order_by(AuditEvent.id)
    if actor is not None:
        statement = statement.where(
            or_(
                AuditEvent.actor == actor,
                AuditEvent.actor.startswith(actor + " (", autoescape=True),
            )
        )
    if ward_code is not None:
        statement = statement.where(AuditEvent.ward_code == ward_code)
    if parcel_id is not None:
        imports = (
            select(cast(ParcelVersion.import_id, String))
            .select_from(ParcelVersion)
            .where(ParcelVersion.parcel_id == parcel_id, ParcelVersion.import_id.is_not(None))
        )
        statement = statement.where(
            or_(
                AuditEvent.parcel_id == parcel_id,
                (AuditEvent.target_type == "import") & AuditEvent.target_id.in_(imports),
            )
        )
    if action is not None:
        statement = statement.where(AuditEvent.action == action)
    if since is not None:
        statement = statement.where(AuditEvent.at >= since)
    if until is not None:
        statement = statement.where(AuditEvent.at < until)
    if after_id is not None:
        statement = statement.where(AuditEvent.id > after_id)
    return statement
