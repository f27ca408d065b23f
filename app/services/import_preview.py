"""Before an import: what the registry will make of a file (its features, CRS, the encoding
of each column, which column feeds which field, a few values decoded), with nothing written
and the file not kept."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, BinaryIO

from app.domain.imports import ImportOptions
from app.errors import FileRefused
from app.ingest import source as source_file
from app.ingest.fields import REQUIRED, VARIANTS, FieldMappingError, map_fields
from app.ingest.spool import spool

__all__ = ["preview"]

# values shown per column; text encodings are decided on more, as the import does on its
# first chunk
SAMPLES = 5
DETECT_ON = 2_000


def preview(
    stream: BinaryIO,
    *,
    spool_dir: Path,
    max_bytes: int,
    max_features: int,
    options: ImportOptions,
) -> dict[str, Any]:
    """Return how the file would be read; raise FileRefused for a file refused whole."""
    path, _, _ = spool(stream, spool_dir, max_bytes)
    try:
        with tempfile.TemporaryDirectory(prefix="parcel-preview-") as workdir:
            dataset, total = source_file.open_dataset(path, Path(workdir), max_features)
            first = next(source_file.chunks(dataset, DETECT_ON), None)
            if first is None or total == 0:
                raise FileRefused("The file holds no features.", slug="empty")
            warnings = list(dataset.warnings) + list(first.warnings)
            crs, crs_problem = _crs(dataset, first.crs_wkt, options.crs, warnings)
            fields, problem = _fields(list(first.columns), options.field_map)
    finally:
        path.unlink(missing_ok=True)
    by_column = {column: field for field, column in fields.items()}
    return {
        "kind": dataset.kind,
        "features": total,
        "crs": crs,
        "crs_problem": crs_problem,
        "fields": fields,
        "mapping_problem": problem,
        "required_fields": list(REQUIRED),
        "known_fields": list(VARIANTS),
        "columns": [
            {
                "name": name,
                "field": by_column.get(name),
                "encoding": first.encodings.get(name),
                "samples": [None if v is None else str(v) for v in values[:SAMPLES]],
            }
            for name, values in first.columns.items()
        ],
        "warnings": warnings,
    }


def _crs(
    dataset: Any, crs_wkt: str | None, stated: int | None, warnings: list[str]
) -> tuple[dict[str, Any] | None, str | None]:
    try:
        detected = source_file.detect_crs(dataset, crs_wkt, stated)
    except FileRefused as exc:
        return None, exc.detail
    warnings.extend(detected.warnings)
    return {"epsg": detected.epsg, "name": detected.name, "how": detected.how}, None


def _fields(columns: list[str], stated: dict[str, str]) -> tuple[dict[str, str], str | None]:
    try:
        return map_fields(columns, stated).columns, None
    except FieldMappingError as exc:
        return {}, str(exc)
