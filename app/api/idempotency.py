"""The Idempotency-Key header: a retried write gets the first answer back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Header, Response
from sqlalchemy.orm import Session

from app.domain.permissions import Actor
from app.errors import Unauthenticated
from app.services import idempotency

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Any unique string (a UUID): a retry with the same key and request gets "
        "the first answer back instead of acting twice. Kept for a day, per API key.",
    ),
]
# the answer's headers worth replaying
KEPT_HEADERS = ("etag", "location")


def once(
    *,
    session: Session,
    actor: Actor,
    key: str | None,
    method: str,
    path: str,
    request: object,
    act: Callable[[], Response],
) -> Response:
    """Return act()'s answer, stored under `key`; or, when `key` was seen, the stored one.

    `request` is what identifies the request beyond its path (its body, its options).
    """
    if key is None:
        return act()
    if actor.key_id is None:
        raise Unauthenticated("Idempotency-Key needs an API key: send 'Authorization: Bearer'.")
    fingerprint = idempotency.fingerprint(method, path, request)
    stored = idempotency.lookup(session=session, actor=actor, key=key, fingerprint=fingerprint)
    if stored is not None:
        return Response(
            stored.body,
            status_code=stored.status_code,
            media_type=stored.media_type,
            headers={**stored.headers, "Idempotent-Replayed": "true"},
        )
    response = act()
    if 200 <= response.status_code < 300:
        idempotency.remember(
            session=session,
            actor=actor,
            key=key,
            method=method,
            path=path,
            fingerprint=fingerprint,
            answer=idempotency.Stored(
                status_code=response.status_code,
                media_type=response.media_type or "application/json",
                headers={k: v for k, v in response.headers.items() if k in KEPT_HEADERS},
                body=bytes(response.body),
            ),
        )
    return response
