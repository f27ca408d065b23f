"""Import jobs: accept an upload durably, run it once, survive crashes, allow retries."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import uuid
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from app.db.models import ImportJob
from app.domain.permissions import Actor
from app.errors import Conflict, NotFound, RegistryError
from app.ingest import pipeline
from app.ingest.checks import Issue
from app.ingest.pipeline import ImportOptions
from app.ingest.source import ImportRefused
from app.services import audit

logger = logging.getLogger(__name__)

# A running job whose heartbeat is older than this belongs to a process that died.
STALE_AFTER_S = 30.0
CHUNK = 1024 * 1024


class UploadTooLarge(RegistryError):
    """The upload is larger than the limit."""

    status = 413
    slug = "upload-too-large"
    title = "Upload too large"


def spool(stream: BinaryIO, spool_dir: Path, max_bytes: int) -> tuple[Path, str, int]:
    """Copy an upload to the spool directory; return (path, sha256, size). Fsynced: kept."""
    spool_dir.mkdir(parents=True, exist_ok=True)
    target = spool_dir / f"upload-{uuid.uuid4().hex}"
    digest = hashlib.sha256()
    size = 0
    try:
        with target.open("wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise UploadTooLarge(
                        f"The upload is larger than {max_bytes // (1024 * 1024)} MiB; split it "
                        "by map sheet or commune."
                    )
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target, digest.hexdigest(), size


def submit(
    *,
    session: Session,
    path: Path,
    sha256: str,
    size: int,
    file_name: str,
    uploader: Actor,
    options: ImportOptions,
) -> ImportJob:
    """Record a queued import of a spooled file; return it."""
    job = ImportJob(
        file_name=file_name,
        sha256=sha256,
        size_bytes=size,
        spool_path=str(path),
        uploader=uploader.label,
        options=asdict(options),
    )
    session.add(job)
    session.flush()
    session.refresh(job)
    audit.record(
        session,
        actor=uploader,
        action="import.submit",
        target_type="import",
        target_id=job.id,
        after={"file_name": file_name, "sha256": sha256, "size_bytes": size, **job.options},
    )
    return job


def get(*, session: Session, import_id: int) -> ImportJob:
    """Return an import job; raise NotFound."""
    job = session.get(ImportJob, import_id)
    if job is None:
        raise NotFound(f"There is no import {import_id}.")
    return job


def retry(*, session: Session, actor: Actor, import_id: int) -> ImportJob:
    """Queue a failed import again; return it."""
    job = get(session=session, import_id=import_id)
    if job.status != "failed":
        raise Conflict(f"Import {import_id} is {job.status}; only a failed import is retried.")
    if not Path(job.spool_path).exists():
        raise Conflict(f"The file of import {import_id} is no longer kept; upload it again.")
    job.status = "queued"
    job.error = None
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="import.retry",
        target_type="import",
        target_id=job.id,
        before={"status": "failed"},
        after={"status": "queued"},
    )
    return job


def recover_interrupted(engine: Engine, stale_after_s: float = STALE_AFTER_S) -> int:
    """Mark imports whose process died as failed (nothing of them was written); return count."""
    with engine.begin() as conn:
        count = conn.execute(
            text(
                "UPDATE import_job SET status = 'failed', finished_at = now(), error ="
                " 'interrupted: the service stopped during the import; nothing of it was"
                " written; retry it' WHERE status = 'running'"
                " AND coalesce(heartbeat_at, started_at) < now() - make_interval(secs => :s)"
            ),
            {"s": stale_after_s},
        ).rowcount
    if count:
        logger.warning("marked %d interrupted import(s) as failed", count)
    return count


def claim(engine: Engine, import_id: int | None = None) -> int | None:
    """Take a queued import (this one, or the oldest) and mark it running; return its id."""
    with engine.begin() as conn:
        row = conn.execute(
            text(
                "UPDATE import_job SET status = 'running', started_at = now(),"
                " heartbeat_at = now(), attempts = attempts + 1, progress_done = 0"
                " WHERE id = (SELECT id FROM import_job WHERE status = 'queued'"
                "  AND (CAST(:id AS bigint) IS NULL OR id = :id)"
                "  ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id"
            ),
            {"id": import_id},
        ).one_or_none()
    return int(row[0]) if row else None


def run_claimed(
    engine: Engine,
    import_id: int,
    on_progress: Callable[[int, int], None] | None = None,
    stale_after_s: float = STALE_AFTER_S,
) -> str:
    """Run a claimed import to its end; return its final status."""
    with engine.connect() as conn:
        job = conn.execute(
            text("SELECT spool_path, uploader, options, file_name FROM import_job WHERE id = :id"),
            {"id": import_id},
        ).one()
    options = ImportOptions(**job.options)
    state = {"done": 0, "total": 0}
    stop = threading.Event()

    def progress(done: int, total: int) -> None:
        state.update(done=done, total=total)
        if on_progress:
            on_progress(done, total)

    def beat() -> None:
        while not stop.wait(stale_after_s / 6):
            try:
                _heartbeat(engine, import_id, state)
            except Exception:  # the database is away; the import itself will fail
                logger.warning("import %d: heartbeat failed", import_id)

    beater = threading.Thread(target=beat, name=f"import-{import_id}-heartbeat", daemon=True)
    beater.start()
    status, report, error = "failed", None, None
    issues: list[Issue] = []
    try:
        outcome = pipeline.run(
            engine=engine,
            source=Path(job.spool_path),
            import_id=import_id,
            actor=f"{job.uploader}, import {import_id} ({job.file_name})",
            options=options,
            progress=progress,
        )
        status = "failed" if outcome.failed else "succeeded"
        report, error, issues = outcome.report, outcome.error, outcome.issues
    except ImportRefused as exc:
        report = {"refused": exc.slug}
        error = str(exc)
    except Exception:
        logger.exception("import %d failed unexpectedly", import_id)
        error = "the import failed unexpectedly; the error was logged; nothing was written"
    finally:
        stop.set()
        beater.join()
    try:
        _finish(engine, import_id, status, report, error, issues, state)
    except Exception:
        # the database went away: the job keeps its stale heartbeat and is marked failed
        # by the next recovery, with nothing written
        logger.exception("import %d: cannot record its end", import_id)
        return "failed"
    return status


def _heartbeat(engine: Engine, import_id: int, state: dict[str, int]) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE import_job SET heartbeat_at = now(), progress_done = :done,"
                " progress_total = :total WHERE id = :id AND status = 'running'"
            ),
            {"id": import_id, **state},
        )


def _finish(
    engine: Engine,
    import_id: int,
    status: str,
    report: dict[str, Any] | None,
    error: str | None,
    issues: list[Issue],
    state: dict[str, int],
) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM import_issue WHERE import_id = :id"), {"id": import_id})
        pipeline.save_issues(conn, import_id, issues)
        conn.execute(
            text(
                "UPDATE import_job SET status = :status, report = CAST(:report AS jsonb),"
                " error = :error, finished_at = now(), progress_done = :done,"
                " progress_total = :total WHERE id = :id"
            ),
            {
                "id": import_id,
                "status": status,
                "report": None if report is None else _json(report),
                "error": error,
                "done": state["total"] if status == "succeeded" else state["done"],
                "total": state["total"],
            },
        )


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


class Worker:
    """A thread that runs queued imports one at a time, for as long as the app lives."""

    def __init__(
        self, engine: Engine, poll_s: float = 0.5, stale_after_s: float = STALE_AFTER_S
    ) -> None:
        self.engine = engine
        self.poll_s = poll_s
        self.stale_after_s = stale_after_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="import-worker", daemon=True)

    def start(self) -> None:
        """Recover interrupted imports, then start polling."""
        self._recover()
        self._thread.start()

    def _recover(self) -> None:
        try:
            recover_interrupted(self.engine, self.stale_after_s)
        except Exception:  # the database may be down; /health says so
            logger.warning("could not check for interrupted imports", exc_info=True)

    def stop(self) -> None:
        """Stop after the current import."""
        self._stop.set()
        self._thread.join(timeout=30)

    def _loop(self) -> None:
        idle = 0.0
        while not self._stop.is_set():
            try:
                import_id = claim(self.engine)
            except Exception:
                logger.warning("import worker cannot reach the database")
                import_id = None
            if import_id is None:
                self._stop.wait(self.poll_s)
                idle += self.poll_s
                if idle >= self.stale_after_s / 2:
                    # a job of a process (or a database) that died meanwhile
                    self._recover()
                    idle = 0.0
                continue
            try:
                run_claimed(self.engine, import_id, stale_after_s=self.stale_after_s)
            except Exception:  # never let one import stop the worker
                logger.exception("import %d: the worker caught an error", import_id)
