"""The import use case: accept an upload durably, queue it, run it once, survive crashes,
allow retries. The HTTP upload, the command line and the sample loader all go through here."""

from __future__ import annotations

import csv
import io
import logging
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.db import import_issues, import_jobs
from app.db.models import ImportJob
from app.domain.imports import ImportOptions, Issue
from app.domain.permissions import Actor
from app.errors import Conflict, FileRefused, NotFound
from app.ingest.spool import spool
from app.limits import MAX_IMPORT_FEATURES
from app.services import audit, import_run
from app.services.background import Loop

logger = logging.getLogger(__name__)

# A running job whose heartbeat is older than this belongs to a process that died.
STALE_AFTER_S = 30.0
# done, total, phase (one of IMPORT_PHASES)
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Spooled:
    """An upload kept on disk, checked as far as can be at once."""

    path: Path
    sha256: str
    size: int
    file_name: str


@dataclass(frozen=True)
class Finished:
    """How an import run to its end went."""

    import_id: int
    status: str
    report: dict[str, Any] | None
    error: str | None


def receive(
    stream: BinaryIO,
    *,
    file_name: str,
    spool_dir: Path,
    max_bytes: int,
    max_features: int = MAX_IMPORT_FEATURES,
) -> Spooled:
    """Keep an upload on disk and refuse at once what can be (unsafe or unreadable archive,
    too many features); a refused upload leaves nothing behind."""
    path, sha256, size = spool(stream, spool_dir, max_bytes)
    try:
        import_run.preflight(path, max_features)
    except FileRefused:
        path.unlink(missing_ok=True)
        raise
    return Spooled(path, sha256, size, file_name)


def submit(
    *, session: Session, upload: Spooled, uploader: Actor, options: ImportOptions
) -> ImportJob:
    """Record a queued import of a spooled file; return it."""
    job = ImportJob(
        file_name=upload.file_name,
        sha256=upload.sha256,
        size_bytes=upload.size,
        spool_path=str(upload.path),
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
        after={
            "file_name": upload.file_name,
            "sha256": upload.sha256,
            "size_bytes": upload.size,
            **job.options,
        },
    )
    return job


def import_now(
    engine: Engine,
    source: Path,
    *,
    spool_dir: Path,
    uploader: Actor,
    options: ImportOptions,
    max_bytes: int = 2**31,
    on_progress: Progress | None = None,
) -> Finished:
    """Import a file at once, as an upload would be (spooled, queued, run), in this process:
    a file refused whole is a failed import, with its reason as the error."""
    with source.open("rb") as stream:
        path, sha256, size = spool(stream, spool_dir, max_bytes)
    upload = Spooled(path, sha256, size, source.name)
    with Session(engine) as session, session.begin():
        import_id = submit(session=session, upload=upload, uploader=uploader, options=options).id
    if claim(engine, import_id) != import_id:
        raise Conflict(f"Import {import_id} was taken by another worker.")
    status = run_claimed(engine, import_id, on_progress=on_progress)
    report, error = import_jobs.outcome_of(engine, import_id)
    return Finished(import_id, status, report, error)


def describe(job: ImportJob) -> dict[str, Any]:
    """Return an import's status document: file, options, progress, report, links."""
    return {
        "id": job.id,
        "status": job.status,
        "file_name": job.file_name,
        "sha256": job.sha256,
        "size_bytes": job.size_bytes,
        "uploader": job.uploader,
        "options": job.options,
        "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "attempts": job.attempts,
        "progress": {
            "done": job.progress_done,
            "total": job.progress_total,
            "phase": job.progress_phase or ("done" if job.finished_at else "queued"),
        },
        "report": job.report,
        "error": job.error,
        "links": {
            "self": f"/imports/{job.id}",
            "events": f"/imports/{job.id}/events",
            "issues": f"/imports/{job.id}/issues",
            "rejects": f"/imports/{job.id}/rejects.csv",
        },
    }


def get(*, session: Session, import_id: int) -> ImportJob:
    """Return an import job; raise NotFound."""
    job = session.get(ImportJob, import_id)
    if job is None:
        raise NotFound(f"There is no import {import_id}.")
    return job


def rejects_csv(*, session: Session, import_id: int) -> str:
    """Return every rejected or repaired feature, warning and overlap of an import, with its
    row and reason, as CSV (a BOM first, so that spreadsheets read it as UTF-8)."""
    get(session=session, import_id=import_id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["row", "key", "kind", "reason"])
    for issue in import_issues.all_of(session.connection(), import_id):
        writer.writerow([issue.source_row or "", issue.feature_key or "", issue.kind, issue.reason])
    return "\ufeff" + out.getvalue()


def retry(*, session: Session, actor: Actor, import_id: int) -> ImportJob:
    """Queue a failed import again; return it."""
    job = get(session=session, import_id=import_id)
    if job.status != "failed":
        raise Conflict(f"Import {import_id} is {job.status}; only a failed import is retried.")
    if not Path(job.spool_path).exists():
        raise Conflict(f"The file of import {import_id} is no longer kept; upload it again.")
    job.status = "queued"
    job.error = None
    job.progress_phase = "queued"
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
    count = import_jobs.recover_interrupted(engine, stale_after_s)
    if count:
        logger.warning("marked %d interrupted import(s) as failed", count)
    return count


def claim(engine: Engine, import_id: int | None = None) -> int | None:
    """Take a queued import (this one, or the oldest) and mark it running; return its id."""
    return import_jobs.claim(engine, import_id)


class _Heartbeat:
    """While an import runs, record its progress every so often: a job whose heartbeat goes
    stale is taken for interrupted by the next recovery."""

    def __init__(
        self, engine: Engine, import_id: int, on_progress: Progress | None, every_s: float
    ) -> None:
        self.engine = engine
        self.import_id = import_id
        self.on_progress = on_progress
        self.every_s = every_s
        self.done = self.total = 0
        self.phase = "reading"
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._beat, name=f"import-{import_id}-heartbeat", daemon=True
        )

    def progress(self, done: int, total: int, phase: str) -> None:
        """Note how far the import is (and tell the caller's progress bar); a new phase or
        count is written and announced at once, for the pages that follow the import."""
        changed = (done, total, phase) != (self.done, self.total, self.phase)
        self.done, self.total, self.phase = done, total, phase
        if self.on_progress:
            self.on_progress(done, total, phase)
        if changed:
            self._write()

    def _write(self) -> None:
        try:
            import_jobs.heartbeat(self.engine, self.import_id, self.done, self.total, self.phase)
        except Exception:  # the database is away; the import itself will fail
            logger.warning("import %d: heartbeat failed", self.import_id)

    def _beat(self) -> None:
        while not self._stop.wait(self.every_s):
            self._write()

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def run_claimed(
    engine: Engine,
    import_id: int,
    on_progress: Progress | None = None,
    stale_after_s: float = STALE_AFTER_S,
) -> str:
    """Run a claimed import to its end; return its final status."""
    job = import_jobs.source_of(engine, import_id)
    status, report, error = "failed", None, None
    issues: list[Issue] = []
    with _Heartbeat(engine, import_id, on_progress, stale_after_s / 6) as heartbeat:
        try:
            outcome = import_run.run(
                engine=engine,
                source=Path(job.spool_path),
                import_id=import_id,
                actor=f"{job.uploader}, import {import_id} ({job.file_name})",
                options=ImportOptions(**job.options),
                progress=heartbeat.progress,
            )
            status = "failed" if outcome.failed else "succeeded"
            report, error, issues = outcome.report, outcome.error, outcome.issues
        except FileRefused as exc:
            report = {"refused": exc.slug}
            error = str(exc)
        except Exception:
            logger.exception("import %d failed unexpectedly", import_id)
            error = "the import failed unexpectedly; the error was logged; nothing was written"
    try:
        import_jobs.finish(
            engine,
            import_id,
            status=status,
            report=report,
            error=error,
            issues=issues,
            done=heartbeat.total if status == "succeeded" else heartbeat.done,
            total=heartbeat.total,
        )
    except Exception:
        # the database went away: the job keeps its stale heartbeat and is marked failed
        # by the next recovery, with nothing written
        logger.exception("import %d: cannot record its end", import_id)
        return "failed"
    return status


def worker(engine: Engine, poll_s: float = 0.5, stale_after_s: float = STALE_AFTER_S) -> Loop:
    """Return the loop that runs queued imports one at a time, for as long as the app lives;
    it recovers the imports of a process that died, at its start and when idle."""
    idle = {"s": 0.0}

    def recover() -> None:
        try:
            recover_interrupted(engine, stale_after_s)
        except Exception:  # the database may be down; /health says so
            logger.warning("could not check for interrupted imports", exc_info=True)

    def work(round_number: int) -> bool:
        try:
            import_id = claim(engine)
        except Exception:
            logger.warning("import worker cannot reach the database")
            import_id = None
        if import_id is None:
            idle["s"] += poll_s
            if idle["s"] >= stale_after_s / 2:
                recover()  # a job of a process (or a database) that died meanwhile
                idle["s"] = 0.0
            return False
        try:
            run_claimed(engine, import_id, stale_after_s=stale_after_s)
        except Exception:  # never let one import stop the worker
            logger.exception("import %d: the worker caught an error", import_id)
        return True

    return Loop("import-worker", work, poll_s, first=recover)
