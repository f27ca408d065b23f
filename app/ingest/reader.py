"""Read an uploaded dataset into columns: raw geometry, attributes decoded to NFC text."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import pyogrio
from pyogrio import raw as pyogrio_raw

from app.ingest import vntext
from app.ingest.upload import Dataset

# .cpg contents seen in the wild -> Python codec names
CPG_CODECS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "65001": "utf-8",
    "1258": "cp1258",
    "cp1258": "cp1258",
    "windows-1258": "cp1258",
    "ansi 1258": "cp1258",
    "1252": "cp1252",
    "ansi 1252": "cp1252",
    "1250": "cp1250",
    "ansi 1250": "cp1250",
    "iso-8859-1": "latin-1",
    "iso88591": "latin-1",
    "88591": "latin-1",
    "latin1": "latin-1",
}


class DatasetUnreadable(Exception):
    """GDAL cannot read the dataset; the message says why."""


@dataclass
class Features:
    """The features of a dataset, column-wise."""

    wkb: list[bytes | None]
    columns: dict[str, list[Any]]
    crs_wkt: str | None
    encodings: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.wkb)


def _codec_from_cpg(cpg: str | None) -> str | None:
    if cpg is None:
        return None
    return CPG_CODECS.get(cpg.strip().lower())


def decode_column(values: list[Any], codec: str | None) -> tuple[list[Any], str]:
    """Return the column as NFC text and the encoding found (values read 1:1 as Latin-1).

    A column that is not valid in the declared codec (a .cpg saying UTF-8 over legacy bytes)
    is decoded as detected instead; the caller sees the encoding differ from the codec.
    """
    if not values or not any(isinstance(v, str) for v in values):
        return values, "none"
    raw = [v.encode("latin-1") if isinstance(v, str) else None for v in values]

    def decoded(encoding: str) -> list[Any]:
        return [
            None
            if r is None
            else vntext.decode(r, encoding)
            if encoding in vntext.ENCODINGS
            else unicodedata.normalize("NFC", r.decode(encoding, errors="replace"))
            for r in raw
        ]

    def detected() -> str:
        return vntext.detect_encoding(r for r in raw if r is not None)

    encoding = codec or detected()
    try:
        texts = decoded(encoding)
    except UnicodeDecodeError:
        encoding = detected()
        texts = decoded(encoding)
    return [(d.strip() or None) if isinstance(d, str) else d for d in texts], encoding


def _field_name(name: str, codec: str | None) -> str:
    """Return a field name read byte for byte, decoded with the .cpg's codec when it fits."""
    if codec is None or name.isascii():
        return name
    try:
        return unicodedata.normalize("NFC", name.encode("latin-1").decode(codec))
    except (UnicodeError, LookupError):
        return name


@contextmanager
def _restoring_shx(dataset: Dataset) -> Iterator[None]:
    """Let GDAL rebuild a missing .shx while the dataset is read (a process-wide option)."""
    if not dataset.needs_shx_restore:
        yield
        return
    pyogrio.set_gdal_config_options({"SHAPE_RESTORE_SHX": True})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"SHAPE_RESTORE_SHX": None})


def count(dataset: Dataset) -> int:
    """Return how many features the dataset holds."""
    try:
        with _restoring_shx(dataset):
            return int(pyogrio.read_info(dataset.path)["features"])
    except Exception as exc:  # pyogrio raises DataSourceError, DataLayerError, ... and more
        raise DatasetUnreadable(f"GDAL cannot read the file: {exc}") from None


def read_chunks(dataset: Dataset, size: int) -> Iterator[Features]:
    """Yield the dataset's features `size` at a time, text decoded as declared or detected.

    A text column's encoding is decided on the first chunk and kept for the others, so that
    the whole file never sits in memory at once.
    """
    codec = _codec_from_cpg(dataset.cpg) if dataset.has_cpg else None
    warnings: list[str] = []
    if dataset.has_cpg and codec is None:
        warnings.append(f"the .cpg names an unknown code page ({dataset.cpg!r}); detected instead")
    # Shapefiles are read byte for byte and decoded per column below, with the .cpg's codec
    # when it names one: GDAL's own reading of a .cpg misses forms like "65001" (mojibake) and
    # fails the whole file on one value that is not UTF-8.
    byte_for_byte = dataset.kind == "shapefile"
    options: dict[str, Any] = {"encoding": "ISO-8859-1"} if byte_for_byte else {}
    decided: dict[str, str] = {}
    for offset in range(0, max(count(dataset), 1), size):
        meta, geometry, field_data = _read_raw(dataset, offset, size, options)
        names = [_field_name(str(n), codec if byte_for_byte else None) for n in meta["fields"]]
        columns: dict[str, list[Any]] = {}
        encodings: dict[str, str] = {}
        for name, data in zip(names, field_data, strict=True):
            values = data.tolist() if isinstance(data, np.ndarray) else list(data)
            if byte_for_byte:
                chosen = codec or decided.get(name)
                values, encodings[name] = decode_column(values, chosen)
                decided.setdefault(name, encodings[name])
                if chosen is not None and encodings[name] not in ("none", chosen):
                    warnings.append(
                        _encoding_changed(dataset, name, chosen, encodings[name], codec, offset)
                    )
            else:
                values = [
                    unicodedata.normalize("NFC", v).strip() or None if isinstance(v, str) else v
                    for v in values
                ]
                if any(isinstance(v, str) for v in values):
                    encodings[name] = codec or "utf-8"
            columns[name] = values
        yield Features(
            wkb=[None if g is None else bytes(g) for g in geometry],
            columns=columns,
            crs_wkt=meta.get("crs"),
            encodings={k: decided.get(k, v) for k, v in encodings.items()},
            warnings=warnings,
        )
        warnings = []


def _read_raw(
    dataset: Dataset, offset: int, size: int, options: dict[str, Any]
) -> tuple[dict[str, Any], Any, Any]:
    """Return GDAL's raw reading (meta, geometries, field arrays) of `size` features."""
    try:
        with _restoring_shx(dataset):
            meta, _, geometry, field_data = pyogrio_raw.read(
                dataset.path,
                return_fids=False,
                skip_features=offset,
                max_features=size,
                **options,
            )
    except Exception as exc:  # pyogrio raises DataSourceError, DataLayerError, ...
        raise DatasetUnreadable(f"GDAL cannot read the file: {exc}") from None
    if geometry is None:
        raise DatasetUnreadable("the file has no geometry column")
    return meta, geometry, field_data


def _encoding_changed(
    dataset: Dataset, name: str, chosen: str, found: str, codec: str | None, offset: int
) -> str:
    """Return the warning for a column that is not in the encoding the .cpg or the first
    chunk gave it."""
    if codec:
        return (
            f"the .cpg says {dataset.cpg}, but column {name} is not {chosen}; "
            f"read as {found} (detected)"
        )
    return (
        f"column {name} was {chosen} in the first features but not from "
        f"feature {offset + 1} on; read as {found} (detected)"
    )


def read_prj(dataset: Dataset) -> str | None:
    """Return the text of the shapefile's .prj, when there is a usable one."""
    if dataset.kind != "shapefile" or not dataset.has_prj:
        return None
    prj = Path(dataset.path).with_suffix(".prj")
    return prj.read_text(encoding="utf-8", errors="replace") if prj.exists() else None
