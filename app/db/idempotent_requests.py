"""SQL of stored answers to writes sent with an Idempotency-Key."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, Row, text

# how long an answer is kept for a retry
KEPT_FOR = "24 hours"


def lock(conn: Connection, key_id: int, key: str) -> None:
    """Wait for, then hold until the transaction ends, the lock on an API key's key."""
    conn.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:k, :id))"),
        {"k": key, "id": key_id},
    )


def stored(conn: Connection, key_id: int, key: str) -> Row[Any] | None:
    """The answer kept under an API key's key (fingerprint, status, media type, headers,
    body), if not expired."""
    return conn.execute(
        text(
            "SELECT fingerprint, status_code, media_type, headers, body FROM idempotent_request"
            " WHERE key_id = :id AND idempotency_key = :k"
            f" AND created_at > now() - interval '{KEPT_FOR}'"
        ),
        {"id": key_id, "k": key},
    ).one_or_none()


def store(
    conn: Connection,
    *,
    key_id: int,
    key: str,
    method: str,
    path: str,
    fingerprint: str,
    status_code: int,
    media_type: str,
    headers: dict[str, str],
    body: bytes,
) -> None:
    """Keep an answer (replacing an expired one), and drop the key's expired answers."""
    conn.execute(
        text(
            "INSERT INTO idempotent_request (key_id, idempotency_key, method, path, fingerprint,"
            " status_code, media_type, headers, body) VALUES (:id, :k, :method, :path, :fp,"
            " :status, :media, CAST(:headers AS jsonb), :body)"
            " ON CONFLICT (key_id, idempotency_key) DO UPDATE SET method = EXCLUDED.method,"
            " path = EXCLUDED.path, fingerprint = EXCLUDED.fingerprint,"
            " status_code = EXCLUDED.status_code, media_type = EXCLUDED.media_type,"
            " headers = EXCLUDED.headers, body = EXCLUDED.body, created_at = now()"
        ),
        {
            "id": key_id,
            "k": key,
            "method": method,
            "path": path,
            "fp": fingerprint,
            "status": status_code,
            "media": media_type,
            "headers": json.dumps(headers),
            "body": body,
        },
    )
    conn.execute(
        text(
            "DELETE FROM idempotent_request"
            f" WHERE created_at < now() - interval '{KEPT_FOR}' AND key_id = :id"
        ),
        {"id": key_id},
    )
