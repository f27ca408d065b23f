"""One import, end to end: open the upload safely, read, check, write in one transaction."""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from sqlalchemy import Connection, Engine, text

from app.db import import_sql
from app.ingest import checks, reader
from app.ingest import source as source_file
from app.ingest.checks import Issue
from app.ingest.fields import FieldMapping, FieldMappingError, map_fields
from app.ingest.source import ImportRefused
from app.limits import MAX_IMPORT_FEATURES
from app.services import audit
from app.spatial import crs_detect

logger = logging.getLogger(__name__)

Mode = Literal["all_or_nothing", "accept_valid"]


@dataclass(frozen=True)
class ImportOptions:
    """What the uploader says about the file and how strict the import is."""

    crs: int | None = None
    field_map: dict[str, str] = field(default_factory=dict)
    commune_code: str | None = None
    mode: Mode = "all_or_nothing"
    dry_run: bool = False
    overlap_tolerance_m2: float = 1.0
    repair_tolerance: float = 0.01
    area_warning_tolerance: float = 0.05


@dataclass
class Outcome:
    """What an import did (or, in a dry run, would do)."""

    report: dict[str, Any]
    issues: list[Issue]
    failed: bool
    error: str | None = None


Progress = Callable[[int, int], None]

# parcel.legal_area_m2 is numeric(14, 2): a declared area from here on cannot be stored
MAX_AREA_M2 = 1e12


def _key(commune: str | None, sheet: int | None, number: int | None) -> str | None:
    if sheet is None or number is None:
        return None
    return f"{commune or '?'}/{sheet}/{number}"


def _attributes(
    features: reader.Features, mapping: FieldMapping, options: ImportOptions
) -> dict[str, list[Any]]:
    n = len(features)
    cols = mapping.columns

    def column(name: str) -> list[Any]:
        return features.columns[cols[name]] if name in cols else [None] * n

    commune = column("survey_commune_code")
    if "survey_commune_code" not in cols:
        if options.commune_code is None:
            raise ImportRefused(
                "The file has no commune column (MAXA, XAID, ...); state the commune code at "
                "survey time with the commune_code option.",
                slug="commune-missing",
            )
        commune = [options.commune_code] * n
    else:
        commune = [
            # a blank in a numeric DBF column reads as NaN
            (str(int(c)).zfill(5) if np.isfinite(c) else options.commune_code)
            if isinstance(c, int | float) and not isinstance(c, bool)
            else (str(c).strip().zfill(5) if c not in (None, "") else options.commune_code)
            for c in commune
        ]
    area = column("legal_area_m2")
    return {
        "commune": commune,
        "sheet": [checks.as_positive_int(v) for v in column("sheet_no")],
        "parcel": [checks.as_positive_int(v) for v in column("parcel_no")],
        "legal_area": [
            round(float(v), 2)
            if isinstance(v, int | float) and v and np.isfinite(v) and 0 < v < MAX_AREA_M2
            else None
            for v in area
        ],
        "land_use": [
            str(v).strip() if v not in (None, "") else None for v in column("land_use_code")
        ],
        "holder": [str(v) if v not in (None, "") else None for v in column("holder_name")],
        "address": [str(v) if v not in (None, "") else None for v in column("address")],
    }


def _extras(features: reader.Features, mapping: FieldMapping, row: int) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    for name in mapping.extra:
        value = features.columns[name][row]
        if isinstance(value, float) and not np.isfinite(value):
            value = None
        if value is not None:
            extra[name] = value.item() if isinstance(value, np.generic) else value
    return extra


# Features read, checked and staged at a time: memory stays flat whatever the file's size.
CHUNK = 50_000


def _stage_chunk(
    conn: Connection,
    chunk: reader.Features,
    offset: int,
    mapping: FieldMapping,
    options: ImportOptions,
    detected: crs_detect.DetectedCrs,
    keys: list[str | None],
    issues: list[Issue],
    first: bool,
) -> int:
    """Check one chunk, add its keys and issues, COPY its good rows; return repairs made."""
    attrs = _attributes(chunk, mapping, options)
    local_keys = [
        _key(c, s, p)
        for c, s, p in zip(attrs["commune"], attrs["sheet"], attrs["parcel"], strict=True)
    ]
    keys.extend(local_keys)
    checked = checks.check_geometries(chunk.wkb, local_keys, options.repair_tolerance)
    issues += [Issue(i.row + offset, i.key, i.kind, i.reason) for i in checked.issues]
    bad = set(checked.rejected_rows)
    for row, key in enumerate(local_keys):
        if key is None and row not in bad:
            which = "map sheet number" if attrs["sheet"][row] is None else "parcel number"
            issues.append(Issue(row + offset, None, "rejected", f"no {which}"))
            bad.add(row)
    if "legal_area_m2" in mapping.columns:
        for row, declared in enumerate(chunk.columns[mapping.columns["legal_area_m2"]]):
            if isinstance(declared, int | float) and declared >= MAX_AREA_M2:
                issues.append(
                    Issue(
                        row + offset,
                        local_keys[row],
                        "warning",
                        f"declared area {declared:g} m2 ignored",
                    )
                )
    if checked.wkb:
        bounds = checked.bounds
        if first:
            source_file.check_coordinates(bounds, detected)
        for row, reason in zip(checked.rows, checks.far_away(bounds, detected.epsg), strict=True):
            if reason is not None and row not in bad:
                issues.append(
                    Issue(
                        row + offset, local_keys[row], "rejected", f"far from the others: {reason}"
                    )
                )
                bad.add(row)
    keep = [
        (row, wkb) for row, wkb in zip(checked.rows, checked.wkb, strict=True) if row not in bad
    ]
    rows = [row for row, _ in keep]
    import_sql.copy_rows(
        conn,
        {
            "source_row": [row + offset for row in rows],
            "commune": [attrs["commune"][row] for row in rows],
            "sheet_no": [attrs["sheet"][row] for row in rows],
            "parcel_no": [attrs["parcel"][row] for row in rows],
            "legal_area": [attrs["legal_area"][row] for row in rows],
            "land_use": [attrs["land_use"][row] for row in rows],
            "holder": [attrs["holder"][row] for row in rows],
            "address": [attrs["address"][row] for row in rows],
            "wkb": [wkb for _, wkb in keep],
        },
        [_extras(chunk, mapping, row) for row in rows] if mapping.extra else None,
    )
    return checked.repaired


def preflight(source: Path, max_features: int = MAX_IMPORT_FEATURES) -> int:
    """Return how many features an upload holds, or raise ImportRefused: the checks that an
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
    """Import `source`; return the report. Raises ImportRefused for a file refused whole."""
    started = time.monotonic()
    tick = progress or (lambda done, total: None)
    keys: list[str | None] = []
    issues: list[Issue] = []
    encodings: dict[str, str] = {}
    repaired = 0
    failed = False
    with tempfile.TemporaryDirectory(prefix="parcel-import-") as workdir, engine.connect() as conn:
        dataset, total = source_file.open_dataset(source, Path(workdir))
        tick(0, total)
        issues += [Issue(-1, None, "warning", w) for w in dataset.warnings]
        transaction = conn.begin()
        try:
            import_sql.create_stage(conn, import_id)
            detected: crs_detect.DetectedCrs | None = None
            mapping: FieldMapping | None = None
            for offset, chunk in zip(
                range(0, max(total, 1), CHUNK), source_file.chunks(dataset, CHUNK), strict=False
            ):
                issues += [Issue(-1, None, "warning", w) for w in chunk.warnings]
                if detected is None:
                    detected = source_file.detect_crs(dataset, chunk.crs_wkt, options.crs)
                    issues += [Issue(-1, None, "warning", w) for w in detected.warnings]
                    try:
                        mapping = map_fields(list(chunk.columns), options.field_map)
                    except FieldMappingError as exc:
                        raise ImportRefused(str(exc), slug="fields") from None
                assert mapping is not None
                encodings.update(chunk.encodings)
                repaired += _stage_chunk(
                    conn, chunk, offset, mapping, options, detected, keys, issues, offset == 0
                )
                tick(min(offset + CHUNK, total) // 2, total)
            if detected is None or mapping is None:  # an empty file
                raise ImportRefused("The file holds no features.", slug="empty")
            dupes = checks.duplicate_keys(keys)
            dupe_rows = [row for row, key in enumerate(keys) if key in dupes]
            rejected_so_far = {i.row for i in issues if i.kind == "rejected"}
            issues += [
                Issue(
                    row,
                    keys[row],
                    "rejected",
                    f"key {keys[row]} appears more than once in the file",
                )
                for row in dupe_rows
                if row not in rejected_so_far
            ]
            if dupe_rows:
                import_sql.drop_staged(conn, dupe_rows)
            report: dict[str, Any] = {
                "read": total,
                "inserted": 0,
                "updated": 0,
                "unchanged": 0,
                "rejected": 0,
                "repaired": repaired,
                "warnings": 0,
                "overlaps": 0,
                "crs": {"epsg": detected.epsg, "name": detected.name, "how": detected.how},
                "encoding": encodings,
                "fields": mapping.columns,
                "extra_fields": list(mapping.extra),
                "mode": options.mode,
                "dry_run": options.dry_run,
            }
            import_sql.prepare(conn, detected.epsg)
            issues += [Issue(r, keys[r], "rejected", why) for r, why in import_sql.rejections(conn)]
            issues += [
                Issue(r, keys[r], "warning", why)
                for r, why in import_sql.area_warnings(conn, options.area_warning_tolerance)
            ]
            issues += [
                Issue(r, keys[r], "warning", why) for r, why in import_sql.land_use_notes(conn)
            ]
            found = import_sql.overlaps(conn, options.overlap_tolerance_m2)
            issues += [Issue(r, keys[r], "overlap", why) for r, _, why in found]
            report["overlaps"] = len(found)
            rejected = {i.row for i in issues if i.kind == "rejected"}
            if options.mode == "all_or_nothing" and (rejected or found):
                failed = True
            else:
                overlapping = {r for r, _, _ in found} | {o for _, o, _ in found if o is not None}
                if overlapping:
                    import_sql.drop_rows(conn, overlapping)
                    issues += [
                        Issue(r, keys[r], "rejected", "overlaps another parcel (see overlap)")
                        for r in sorted(overlapping)
                    ]
                tick(3 * total // 4, total)
                report.update(
                    import_sql.upsert(
                        conn,
                        import_id=import_id,
                        actor=actor,
                        has_holder="holder_name" in mapping.columns,
                    )
                )
            report["rejected"] = len({i.row for i in issues if i.kind == "rejected"})
            report["warnings"] = sum(1 for i in issues if i.kind == "warning")
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
    tick(total, total)
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
        source.name,
        total,
        report["inserted"],
        report["updated"],
        report["unchanged"],
        report["rejected"],
        report["seconds"],
    )
    return Outcome(report=report, issues=issues, failed=failed, error=error)


def save_issues(conn: Connection, import_id: int, issues: list[Issue]) -> None:
    """Store the import's issues (rows 1-based as in the file; file-level ones without row)."""
    if not issues:
        return
    conn.execute(
        text(
            "INSERT INTO import_issue (import_id, seq, source_row, feature_key, kind, reason)"
            " VALUES (:id, :seq, :row, :key, :kind, :reason)"
        ),
        [
            {
                "id": import_id,
                "seq": seq,
                "row": issue.row + 1 if issue.row >= 0 else None,
                "key": issue.key,
                "kind": issue.kind,
                "reason": issue.reason,
            }
            for seq, issue in enumerate(issues, start=1)
        ],
    )
