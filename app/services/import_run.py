"""One import, end to end: open the upload safely, read and check it a chunk at a time,
check it whole against the register, and write it in one transaction (or nothing)."""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine

from app.config import STORAGE_SRID
from app.db import import_sql, import_upsert
from app.domain.imports import ImportOptions, Issue
from app.errors import FileRefused
from app.ingest import checks, parcel_rows, upload
from app.ingest import source as source_file
from app.ingest.fields import FieldMapping, FieldMappingError, map_fields
from app.limits import MAX_IMPORT_FEATURES
from app.services import audit
from app.spatial import crs_detect, drawn_shapes

logger = logging.getLogger(__name__)

# done, total, phase: see domain.codes.IMPORT_PHASES
Progress = Callable[[int, int, str], None]
# Features read, checked and staged at a time: memory stays flat whatever the file's size.
CHUNK = 50_000


@dataclass
class Outcome:
    """What an import did (or, in a dry run, would do)."""

    report: dict[str, Any]
    issues: list[Issue]
    failed: bool
    error: str | None = None


@dataclass
class _Staged:
    """The file as staged: its features' keys, the issues so far, how it was read."""

    keys: list[str | None]
    issues: list[Issue]
    detected: crs_detect.DetectedCrs
    mapping: FieldMapping
    encodings: dict[str, str]
    repaired: int
    shapes: dict[int, bytes]  # source rows' geometry (the file's CRS), to draw their issues


def preflight(source: Path, max_features: int = MAX_IMPORT_FEATURES) -> int:
    """Return how many features an upload holds, or raise FileRefused: the checks that an
    upload can answer at once (unsafe or unreadable archive, too many features)."""
    with tempfile.TemporaryDirectory(prefix="parcel-preflight-") as workdir:
        return source_file.open_dataset(source, Path(workdir), max_features)[1]


def run(
    *,
    engine: Engine,
    source: Path,
    import_id: int,
    actor: str,
    options: ImportOptions,
    progress: Progress | None = None,
) -> Outcome:
    """Import `source`; return the report. Raises FileRefused for a file refused whole."""
    started = time.monotonic()
    tick = progress or (lambda done, total, phase: None)
    with tempfile.TemporaryDirectory(prefix="parcel-import-") as workdir, engine.connect() as conn:
        dataset, total = source_file.open_dataset(source, Path(workdir))
        tick(0, total, "reading")
        transaction = conn.begin()
        try:
            import_sql.create_stage(conn, import_id)
            staged = _stage(conn, dataset, total, options, tick)
            report = _report(staged, total, options)
            failed = _check_and_write(conn, staged, report, import_id, actor, options, tick)
            _draw_issues(conn, staged)
            if failed or options.dry_run:
                transaction.rollback()
            else:
                import_sql.drop_work(conn)
                audit.record(
                    conn,
                    actor=actor,
                    action="import.write",
                    target_type="import",
                    target_id=import_id,
                    after={k: report[k] for k in ("inserted", "updated", "unchanged", "rejected")},
                )
                transaction.commit()
        except BaseException:
            transaction.rollback()
            raise
    report["seconds"] = round(time.monotonic() - started, 2)
    tick(total, total, "done")
    return _outcome(report, staged.issues, failed, import_id, source.name)


def _stage(
    conn: Connection, dataset: upload.Dataset, total: int, options: ImportOptions, tick: Progress
) -> _Staged:
    """Read, check and COPY the file a chunk at a time; then drop duplicate keys."""
    keys: list[str | None] = []
    issues = [Issue(-1, None, "warning", w) for w in dataset.warnings]
    encodings: dict[str, str] = {}
    shapes: dict[int, bytes] = {}
    repaired = 0
    detected: crs_detect.DetectedCrs | None = None
    mapping: FieldMapping | None = None
    for offset, chunk in zip(
        range(0, max(total, 1), CHUNK), source_file.chunks(dataset, CHUNK), strict=False
    ):
        issues += [Issue(-1, None, "warning", w) for w in chunk.warnings]
        if detected is None or mapping is None:
            detected = source_file.detect_crs(dataset, chunk.crs_wkt, options.crs)
            issues += [Issue(-1, None, "warning", w) for w in detected.warnings]
            try:
                mapping = map_fields(list(chunk.columns), options.field_map)
            except FieldMappingError as exc:
                raise FileRefused(str(exc), slug="fields") from None
        encodings.update(chunk.encodings)
        checked = parcel_rows.check_chunk(chunk, offset, mapping, options, detected, offset == 0)
        keys += checked.keys
        issues += checked.issues
        repaired += checked.repaired
        shapes.update(checked.shapes)
        import_sql.copy_rows(conn, checked.rows, checked.extras)
        tick(min(offset + CHUNK, total), total, "reading")
    if detected is None or mapping is None:  # an empty file
        raise FileRefused("The file holds no features.", slug="empty")
    issues += _drop_duplicates(conn, keys, issues, shapes)
    return _Staged(keys, issues, detected, mapping, encodings, repaired, shapes)


def _drop_duplicates(
    conn: Connection, keys: list[str | None], issues: list[Issue], shapes: dict[int, bytes]
) -> list[Issue]:
    """Unstage every feature whose key appears more than once (keeping its geometry in
    `shapes`); return their issues."""
    dupes = checks.duplicate_keys(keys)
    dupe_rows = [row for row, key in enumerate(keys) if key in dupes]
    if dupe_rows:
        shapes.update(import_sql.staged_shapes(conn, dupe_rows))
        import_sql.drop_staged(conn, dupe_rows)
    rejected_so_far = {i.row for i in issues if i.kind == "rejected"}
    return [
        Issue(row, keys[row], "rejected", f"key {keys[row]} appears more than once in the file")
        for row in dupe_rows
        if row not in rejected_so_far
    ]


def _draw_issues(conn: Connection, staged: _Staged) -> None:
    """Give each issue of a feature its geometry in the storage CRS, for the map: those
    rejected while reading were kept then, the others are still staged."""
    rows = {issue.row for issue in staged.issues if issue.row >= 0}
    staged.shapes.update(import_sql.staged_shapes(conn, rows - staged.shapes.keys()))
    drawn = drawn_shapes.reproject(
        {row: staged.shapes[row] for row in rows if row in staged.shapes},
        staged.detected.epsg,
        STORAGE_SRID,
    )
    staged.issues[:] = [
        replace(issue, shape=drawn.get(issue.row)) if issue.row >= 0 else issue
        for issue in staged.issues
    ]


def _report(staged: _Staged, total: int, options: ImportOptions) -> dict[str, Any]:
    detected = staged.detected
    return {
        "read": total,
        "inserted": 0,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "repaired": staged.repaired,
        "warnings": 0,
        "overlaps": 0,
        "crs": {"epsg": detected.epsg, "name": detected.name, "how": detected.how},
        "encoding": staged.encodings,
        "fields": staged.mapping.columns,
        "extra_fields": list(staged.mapping.extra),
        "mode": options.mode,
        "dry_run": options.dry_run,
    }


def _check_and_write(
    conn: Connection,
    staged: _Staged,
    report: dict[str, Any],
    import_id: int,
    actor: str,
    options: ImportOptions,
    tick: Progress,
) -> bool:
    """Check the staged features against the register (geometry, areas, land uses,
    overlaps) and write them, unless the mode says not to; return whether the import failed."""
    keys, issues = staged.keys, staged.issues
    total = report["read"]
    tick(0, total, "checking")
    import_sql.prepare(conn, staged.detected.epsg)
    issues += [Issue(r, keys[r], "rejected", why) for r, why in import_sql.rejections(conn)]
    issues += [
        Issue(r, keys[r], "warning", why)
        for r, why in import_sql.area_warnings(conn, options.area_warning_tolerance)
    ]
    issues += [Issue(r, keys[r], "warning", why) for r, why in import_sql.land_use_notes(conn)]
    tick(0, total, "overlaps")
    found = import_sql.overlaps(conn, options.overlap_tolerance_m2)
    issues += [Issue(r, keys[r], "overlap", why) for r, _, why in found]
    report["overlaps"] = len(found)
    rejected = {i.row for i in issues if i.kind == "rejected"}
    failed = options.mode == "all_or_nothing" and bool(rejected or found)
    if not failed:
        overlapping = {r for r, _, _ in found} | {o for _, o, _ in found if o is not None}
        if overlapping:
            import_sql.drop_rows(conn, overlapping)
            issues += [
                Issue(r, keys[r], "rejected", "overlaps another parcel (see overlap)")
                for r in sorted(overlapping)
            ]
        tick(0, total, "writing")
        report.update(
            import_upsert.upsert(
                conn,
                import_id=import_id,
                actor=actor,
                has_holder="holder_name" in staged.mapping.columns,
            )
        )
    report["rejected"] = len({i.row for i in issues if i.kind == "rejected"})
    report["warnings"] = sum(1 for i in issues if i.kind == "warning")
    return failed


def _outcome(
    report: dict[str, Any], issues: list[Issue], failed: bool, import_id: int, name: str
) -> Outcome:
    error = (
        f"all_or_nothing: {report['rejected']} feature(s) rejected and {report['overlaps']} "
        "overlap(s); nothing was written (see rejects.csv, or use mode accept_valid)"
        if failed
        else None
    )
    if failed:
        report["inserted"] = report["updated"] = report["unchanged"] = 0
    logger.info(
        "import %d of %s: read %d, inserted %d, updated %d, unchanged %d, rejected %d, %.1f s",
        import_id,
        name,
        report["read"],
        report["inserted"],
        report["updated"],
        report["unchanged"],
        report["rejected"],
        report["seconds"],
    )
    return Outcome(report=report, issues=issues, failed=failed, error=error)
