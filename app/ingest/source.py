"""The one way the registry reads a file it is given (parcels, wards, crosswalks and those to
come): opened safely, its CRS found from the file or stated by the uploader, its text decoded
column by column (a .cpg when it names a code page, else detected: UTF-8, TCVN3, VNI,
Windows-1258), NFC.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from app.errors import FileRefused
from app.ingest import reader, upload
from app.limits import MAX_IMPORT_FEATURES
from app.spatial import crs_detect
from app.spatial.sanity import coordinate_problem


def open_dataset(
    source: Path, workdir: Path, max_features: int = MAX_IMPORT_FEATURES
) -> tuple[upload.Dataset, int]:
    """Open an upload safely in `workdir` and count its features; raise FileRefused."""
    try:
        dataset = upload.open_upload(source, workdir)
    except OSError as exc:  # a path given on the command line that is not there
        raise FileRefused(f"cannot be read: {exc.strerror}", slug="unreadable") from None
    try:
        total = reader.count(dataset)
    except reader.DatasetUnreadable as exc:
        raise FileRefused(str(exc), slug="unreadable") from None
    if total > max_features:
        raise FileRefused(
            f"The file holds {total:,} features; one import takes at most "
            f"{max_features:,}. Split it by commune or map sheet.",
            status=413,
            slug="too-many-features",
        )
    return dataset, total


def chunks(dataset: upload.Dataset, size: int) -> Iterator[reader.Features]:
    """Yield the dataset's features `size` at a time, text decoded; raise FileRefused."""
    try:
        yield from reader.read_chunks(dataset, size)
    except reader.DatasetUnreadable as exc:
        raise FileRefused(str(exc), slug="unreadable") from None


def detect_crs(
    dataset: upload.Dataset, crs_wkt: str | None, stated: int | None
) -> crs_detect.DetectedCrs:
    """Return the CRS of a dataset: the one the uploader states, else the .prj's (a
    shapefile), else the one the file declares (`crs_wkt`, as GDAL reads it). The zone is
    identified from the projection's parameters, never from a datum shift in the file.
    Raises FileRefused when none can be identified."""
    try:
        if stated is not None:
            return crs_detect.detect_from_epsg(stated)
        prj = reader.read_prj(dataset)
        if prj is not None:
            return crs_detect.detect_from_wkt(prj)
        if dataset.kind != "shapefile" and crs_wkt:
            if crs_wkt.upper().startswith("EPSG:"):
                code = int(crs_wkt.split(":")[1])
                return replace(crs_detect.detect_from_epsg(code), how=f"EPSG:{code} from the file")
            return crs_detect.detect_from_wkt(crs_wkt)
    except crs_detect.CrsUnknown as exc:
        raise FileRefused(
            f"{str(exc).rstrip('.')}. State the CRS with the crs option (an EPSG code).",
            slug="crs-unknown",
        ) from None
    unusable = [w for w in dataset.warnings if "coordinate system" in w]
    said = f"its .prj is no CRS: {unusable[0]}" if unusable else "no .prj"
    raise FileRefused(
        f"The file says nothing about its CRS ({said}); state it with the crs option, "
        "e.g. 9214 for VN-2000 / TM-3 107-00.",
        slug="crs-missing",
    )


def check_coordinates(bounds: Any, detected: crs_detect.DetectedCrs) -> None:
    """Refuse a file whose coordinates cannot be Vietnamese in the CRS found (a wrong zone, a
    swapped X and Y): judged by the median of its features' bounds (minx, miny, maxx, maxy
    rows), so that a few strays do not condemn it."""
    if len(bounds) == 0:
        return
    m = np.median(np.asarray(bounds, dtype=float), axis=0)
    problem = coordinate_problem((m[0], m[1], m[2], m[3]), detected.epsg)
    if problem is not None:
        raise FileRefused(
            f"The coordinates cannot be right in {detected.name}: {problem}.",
            slug="coordinates",
        )


def decode_table(data: bytes) -> tuple[str, dict[str, str]]:
    """Return a CSV file as UTF-8 text, each column decoded as the text of a shapefile column
    is (detected, NFC), and the encoding found per column."""
    text = data.removeprefix(b"\xef\xbb\xbf").decode("latin-1")  # bytes 1:1, as for a .dbf
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return "", {}
    width = max(len(row) for row in rows)
    cells = [row + [""] * (width - len(row)) for row in rows]
    columns = [[row[i] for row in cells] for i in range(width)]
    decoded: list[list[str]] = []
    encodings: dict[str, str] = {}
    for values in columns:
        texts, encoding = reader.decode_column(values, None)
        column = ["" if t is None else str(t) for t in texts]
        decoded.append(column)
        if column[0]:
            encodings[column[0]] = encoding
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(zip(*decoded, strict=True))
    return out.getvalue(), encodings
