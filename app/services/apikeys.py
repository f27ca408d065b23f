"""API keys: random secrets shown once, stored as SHA-256, revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import ApiKey
from app.domain import clock
from app.domain.permissions import Actor, Role
from app.errors import NotFound, Unauthenticated
from app.services import audit
from app.services.role_scope import check_ward

PREFIX = "pr_"


def _hash(key: str) -> str:
    # keys are 256-bit random: a fast hash is enough, no password stretching needed
    return hashlib.sha256(key.encode()).hexdigest()


def create(
    *, session: Session, actor: Actor, name: str, role: Role, ward_code: str | None = None
) -> tuple[ApiKey, str]:
    """Create a key; return its record and the key itself (shown this once only)."""
    check_ward(session, role, ward_code, "key")
    key = PREFIX + secrets.token_urlsafe(32)
    record = ApiKey(name=name, role=role.value, ward_code=ward_code, key_hash=_hash(key))
    session.add(record)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="apikey.create",
        target_type="api_key",
        target_id=record.id,
        ward_code=ward_code,
        after={"name": name, "role": role.value, "ward_code": ward_code},
    )
    return record, key


def authenticate(*, session: Session, key: str) -> Actor:
    """Return the actor a key belongs to; raise Unauthenticated for unknown or revoked keys."""
    record = session.scalars(select(ApiKey).where(ApiKey.key_hash == _hash(key))).one_or_none()
    if record is None or record.revoked_at is not None:
        raise Unauthenticated("The API key is unknown or revoked.")
    return Actor(
        name=record.name, role=Role(record.role), ward_code=record.ward_code, key_id=record.id
    )


def revoke(*, session: Session, actor: Actor, key_id: int) -> ApiKey:
    """Revoke a key (it stays on record); return it."""
    record = session.get(ApiKey, key_id)
    if record is None:
        raise NotFound(f"There is no API key {key_id}.")
    if record.revoked_at is None:
        record.revoked_at = clock.now().astimezone(UTC)  # as the database reads it back
        audit.record(
            session,
            actor=actor,
            action="apikey.revoke",
            target_type="api_key",
            target_id=record.id,
            ward_code=record.ward_code,
            before={"revoked_at": None},
            after={"revoked_at": record.revoked_at.isoformat()},
        )
    return record


def listing(*, session: Session) -> list[ApiKey]:
    """Return every key record, newest first (never the keys themselves)."""
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id.desc())))
