"""Idempotency-Key: store a write's answer with the write; answer a retry with it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.db import idempotent_requests
from app.domain.permissions import Actor
from app.errors import InvalidInput


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
    idempotent_requests.lock(session.connection(), actor.key_id, key)
    row = idempotent_requests.stored(session.connection(), actor.key_id, key)
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
    assert actor.key_id is not None, "idempotency keys belong to API keys"
    idempotent_requests.store(
        session.connection(),
        key_id=actor.key_id,
        key=key,
        method=method,
        path=path,
        fingerprint=fingerprint,
        status_code=answer.status_code,
        media_type=answer.media_type,
        headers=answer.headers,
        body=answer.body,
    )
