"""Uploads built for the tests: shapefile parts named at will, zips written byte by byte so
that any header can lie, and the refusal an upload gets."""

from __future__ import annotations

import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import pyogrio

from app import config
from app.errors import FileRefused
from app.ingest.upload import Dataset, UploadLimits, open_upload

CORPUS = Path(config.PROJECT_ROOT).parent / "shared" / "testdata" / "shapefile-edgecases"
MiB = 1024**2
SHAPEFILE_EXTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
WKT = (
    'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137,298.257223563]],'
    'PRIMEM["Greenwich",0],UNIT["Degree",0.017453292519943295]]'
)
HTML = b"<!DOCTYPE html><html><head><title>Parcels</title></head><body>404</body></html>\n"


def named(
    parts: dict[str, bytes], stem: str = "parcels", exts: tuple[str, ...] = SHAPEFILE_EXTS
) -> dict[str, bytes]:
    """Name the shapefile's files `stem` + extension (only `exts`, in their case)."""
    return {stem + ext: parts[ext.lower()] for ext in exts}


def make_zip(path: Path, files: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive_file:
        for name, data in files.items():
            archive_file.writestr(name, data)
    return path


def refusal(source: Path, workdir: Path, limits: UploadLimits | None = None) -> FileRefused:
    with pytest.raises(FileRefused) as caught:
        open_upload(source, workdir, limits or UploadLimits())
    return caught.value


def info_of(dataset: Dataset) -> dict[str, Any]:
    """Return pyogrio's read_info of the dataset, rebuilding a missing .shx when needed."""
    if dataset.needs_shx_restore:
        pyogrio.set_gdal_config_options({"SHAPE_RESTORE_SHX": "YES"})
    try:
        info: dict[str, Any] = pyogrio.read_info(dataset.path)
        return info
    finally:
        pyogrio.set_gdal_config_options({"SHAPE_RESTORE_SHX": None})


def deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def zeros_deflated(mib: int) -> tuple[bytes, int]:
    """Return a raw deflate stream of `mib` MiB of zeros and their CRC, without deflating it all.

    After a full flush the compressor forgets its history, so every 1 MiB block of zeros
    compresses to the same bytes: the stream is one block's bytes repeated.
    """
    block = bytes(MiB)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    piece = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(block, crc)
    return piece * mib + compressor.flush(), crc


@dataclass
class Raw:
    """One member of a zip written byte by byte, so that any header field can lie."""

    name: bytes
    payload: bytes  # the bytes stored, already compressed
    size: int  # declared uncompressed size
    crc: int
    method: int = zipfile.ZIP_DEFLATED
    flags: int = 0
    mode: int = stat.S_IFREG | 0o644
    csize: int | None = None  # declared compressed size; None: len(payload)


def raw(name: str | bytes, data: bytes, **fields: Any) -> Raw:
    """Return a truthful deflated member; `fields` then override any header field."""
    member = Raw(
        name=name.encode() if isinstance(name, str) else name,
        payload=deflate(data),
        size=len(data),
        crc=zlib.crc32(data),
    )
    for key, value in fields.items():
        setattr(member, key, value)
    return member


def raw_zip(members: list[Raw], central: list[tuple[Raw, int]] | None = None) -> bytes:
    """Return a zip of `members`; `central` lists the directory entries and the index of the
    local header each points to (default: one entry per member, pointing at its own)."""
    out = bytearray()
    offsets = []
    for m in members:
        offsets.append(len(out))
        out += struct.pack(
            "<4s5H3L2H", b"PK\x03\x04", 20, m.flags, m.method, 0, 0x21, m.crc,
            len(m.payload), m.size, len(m.name), 0,
        )  # fmt: skip
        out += m.name + m.payload
    entries = central if central is not None else [(m, i) for i, m in enumerate(members)]
    start = len(out)
    for m, index in entries:
        csize = len(m.payload) if m.csize is None else m.csize
        out += struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", 0x0314, 20, m.flags, m.method, 0, 0x21, m.crc,
            csize, m.size, len(m.name), 0, 0, 0, 0, m.mode << 16, offsets[index],
        )  # fmt: skip
        out += m.name
    count = len(entries)
    out += struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(out) - start, start, 0)
    return bytes(out)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
