"""Idempotency-Key: store a write's answer with the write; answer a retry with it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.domain.permissions import Actor
from app.errors import InvalidInput

KEPT_FOR = "24 hours"


@dataclass(frozen=True)
class Stored:
    """A stored answer."""

    status_code: int
    media_type: str
    headers: dict[str, str]
    body: bytes


def fingerprint(*parts: object) -> str:
    """Return the SHA-256 of what identifies a request: method, path, body, options."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(repr(part).encode())
        digest.update(b"\0")
    return digest.hexdigest()


def lookup(*, session: Session, actor: Actor, key: str, fingerprint: str) -> Stored | None:
    """Return the answer stored under the actor's key, or None (the request then proceeds).

    Takes a transaction lock on the key first: a retry that arrives while the first request
    still runs waits for it and then gets its answer. The same key on another request is 422.
    """
    assert actor.key_id is not None, "idempotency keys belong to API keys"
    session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:k, :id))"),
        {"k": key, "id": actor.key_id},
    )
    row = session.execute(
        text(
            "SELECT fingerprint, status_code, media_type, headers, body FROM idempotent_request"
            " WHERE key_id = :id AND idempotency_key = :k"
            f" AND created_at > now() - interval '{KEPT_FOR}'"
        ),
        {"id": actor.key_id, "k": key},
    ).one_or_none()
    if row is None:
        return None
    if row.fingerprint != fingerprint:
        raise InvalidInput(
            f"Idempotency-Key {key!r} was used for another request; use a new key for a new "
            "request.",
        )
    return Stored(row.status_code, row.media_type, dict(row.headers), bytes(row.body))


def remember(
    *,
    session: Session,
    actor: Actor,
    key: str,
    method: str,
    path: str,
    fingerprint: str,
    answer: Stored,
) -> None:
    """Store the answer in the write's transaction (replacing an expired one)."""
    params: dict[str, Any] = {
        "id": actor.key_id,
        "k": key,
        "method": method,
        "path": path,
        "fp": fingerprint,
        "status": answer.status_code,
        "media": answer.media_type,
        "headers": json.dumps(answer.headers),
        "body": answer.body,
    }
    session.execute(
        text(
            "INSERT INTO idempotent_request (key_id, idempotency_key, method, path, fingerprint,"
            " status_code, media_type, headers, body) VALUES (:id, :k, :method, :path, :fp,"
            " :status, :media, CAST(:headers AS jsonb), :body)"
            " ON CONFLICT (key_id, idempotency_key) DO UPDATE SET method = EXCLUDED.method,"
            " path = EXCLUDED.path, fingerprint = EXCLUDED.fingerprint,"
            " status_code = EXCLUDED.status_code, media_type = EXCLUDED.media_type,"
            " headers = EXCLUDED.headers, body = EXCLUDED.body, created_at = now()"
        ),
        params,
    )
    session.execute(
        text(
            "DELETE FROM idempotent_request"
            f" WHERE created_at < now() - interval '{KEPT_FOR}' AND key_id = :id"
        ),
        {"id": actor.key_id},
    )
