"""SQL of the import queue: claim a job, beat its heart, record its end and its issues.

Each runs in a transaction of its own (the worker's, not a request's): a job's state must be
visible to other processes at once, whatever the import's own transaction does.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, Row, text

from app.db import import_issues
from app.db.import_notices import announce
from app.domain.imports import Issue


def recover_interrupted(engine: Engine, stale_after_s: float) -> int:
    """Mark running imports whose heartbeat is older than `stale_after_s` (their process
    died; nothing of them was written) as failed; return how many."""
    with engine.begin() as conn:
        count: int = conn.execute(
            text(
                "UPDATE import_job SET status = 'failed', finished_at = now(), error ="
                " 'interrupted: the service stopped during the import; nothing of it was"
                " written; retry it' WHERE status = 'running'"
                " AND coalesce(heartbeat_at, started_at) < now() - make_interval(secs => :s)"
            ),
            {"s": stale_after_s},
        ).rowcount
    return count


def claim(engine: Engine, import_id: int | None = None) -> int | None:
    """Take a queued import (this one, or the oldest) and mark it running; return its id."""
    with engine.begin() as conn:
        row = conn.execute(
            text(
                "UPDATE import_job SET status = 'running', started_at = now(),"
                " heartbeat_at = now(), attempts = attempts + 1, progress_done = 0,"
                " progress_phase = 'reading'"
                " WHERE id = (SELECT id FROM import_job WHERE status = 'queued'"
                "  AND (CAST(:id AS bigint) IS NULL OR id = :id)"
                "  ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id"
            ),
            {"id": import_id},
        ).one_or_none()
        if row:
            announce(conn, int(row[0]))
    return int(row[0]) if row else None


def source_of(engine: Engine, import_id: int) -> Row[Any]:
    """Return the spooled file, uploader, options and file name of an import."""
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT spool_path, uploader, options, file_name FROM import_job WHERE id = :id"),
            {"id": import_id},
        ).one()


def outcome_of(engine: Engine, import_id: int) -> tuple[dict[str, Any] | None, str | None]:
    """Return the report and error of an import."""
    with engine.connect() as conn:
        report, error = conn.execute(
            text("SELECT report, error FROM import_job WHERE id = :id"), {"id": import_id}
        ).one()
    return report, error


def heartbeat(engine: Engine, import_id: int, done: int, total: int, phase: str) -> None:
    """Say the import is alive, what it is doing and how far it got; announce it."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE import_job SET heartbeat_at = now(), progress_done = :done,"
                " progress_total = :total, progress_phase = :phase"
                " WHERE id = :id AND status = 'running'"
            ),
            {"id": import_id, "done": done, "total": total, "phase": phase},
        )
        announce(conn, import_id)


def finish(
    engine: Engine,
    import_id: int,
    *,
    status: str,
    report: dict[str, Any] | None,
    error: str | None,
    issues: Sequence[Issue],
    done: int,
    total: int,
) -> None:
    """Record an import's end: its status, report, error, progress and issues."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM import_issue WHERE import_id = :id"), {"id": import_id})
        import_issues.save(conn, import_id, issues)
        conn.execute(
            text(
                "UPDATE import_job SET status = :status, report = CAST(:report AS jsonb),"
                " error = :error, finished_at = now(), progress_done = :done,"
                " progress_total = :total, progress_phase = 'done' WHERE id = :id"
            ),
            {
                "id": import_id,
                "status": status,
                "report": None if report is None else _json(report),
                "error": error,
                "done": done,
                "total": total,
            },
        )
        announce(conn, import_id)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
