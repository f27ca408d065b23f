"""Check an uploaded parcel file before GDAL reads it, and find the dataset in it.

Surveyors send a zipped shapefile, sometimes a bare GeoPackage or GeoJSON. All of this runs
before GDAL/pyogrio sees a byte of the upload: the kind is told by content, a zip's central
directory is checked for path tricks, links, encryption, bombs and overlapping entries, then
only the members the dataset needs are decoded (here, counting every byte, never trusting the
declared sizes) into fixed names in a directory the caller owns. Every refusal is an
FileRefused that carries the HTTP status and a short reason.
"""

from __future__ import annotations

import bz2
import codecs
import io
import itertools
import json
import lzma
import re
import shutil
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

from app.errors import FileRefused

__all__ = ["Dataset", "UploadLimits", "open_upload"]


@dataclass(frozen=True)
class UploadLimits:
    """How big and how many an upload's zip members may be."""

    max_files: int = 500  # members in a zip
    max_total_uncompressed: int = 4 * 1024**3  # bytes, all members together
    max_member_ratio: float = 200.0  # uncompressed / compressed, per member (bomb)
    min_ratio_size: int = 1024 * 1024  # ratio is only checked above this uncompressed size


@dataclass(frozen=True)
class Dataset:
    """The dataset found in an upload, extracted into the work directory for pyogrio."""

    path: Path  # the file pyogrio should open (a .shp, .gpkg or .geojson in workdir)
    kind: Literal["shapefile", "gpkg", "geojson"]
    members: tuple[str, ...]  # names of the members used, as they were in the zip
    has_prj: bool  # a usable .prj (WKT text) is there
    has_cpg: bool  # a usable .cpg is there
    cpg: str | None  # its content, stripped, when usable
    needs_shx_restore: bool  # the .shx is missing: open with SHAPE_RESTORE_SHX=YES
    warnings: tuple[str, ...]  # what was ignored or repaired, in plain words


_DEFAULT_LIMITS = UploadLimits()

_ACCEPTED = (
    "upload a .zip holding one shapefile (the .shp with its .dbf, .shx and .prj), "
    "a GeoPackage (.gpkg) or a GeoJSON file"
)

_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"  # an end-of-directory record and nothing before it
_SQLITE_MAGIC = b"SQLite format 3\x00"
_SHAPE_MAGIC = b"\x00\x00\x27\x0a"  # file code 9994, big-endian, in .shp and .shx headers

# Decoded data moves through buffers of this size: memory stays bounded whatever the ratio.
_CHUNK = 64 * 1024
# A .prj is a few hundred bytes of WKT (WKT2 with a BOUNDCRS, a few KiB); a .cpg one short word.
_PRJ_MAX = 64 * 1024
_CPG_MAX = 40
# GeoJSON up to this size is parsed to check it; larger files are only sniffed, because
# json.loads needs several times the file size in memory and GDAL streams it anyway.
_JSON_PARSE_MAX = 16 * 1024**2
_JSON_SNIFF = 1024**2

_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # 30 bytes, then the name and the extra field
_END_RECORD = struct.Struct("<4s4H2LH")  # 22 bytes, then the archive comment
_ZIP64_LOCATOR_SIZE = 20
_ZIP64_END = struct.Struct("<4sQ2H2L4Q")  # 56 bytes
_CENTRAL_HEADER_SIZE = 46

_FLAG_ENCRYPTED = 0x0001
_FLAG_STRONG_ENCRYPTION = 0x0040

_DRIVE = re.compile(r"[A-Za-z]:")
_WKT_START = re.compile(
    r"(PROJCS|GEOGCS|GEOCCS|COMPD_CS|VERT_CS|LOCAL_CS|FITTED_CS|"
    r"PROJCRS|PROJECTEDCRS|GEOGCRS|GEOGRAPHICCRS|GEODCRS|GEODETICCRS|BASEGEOGCRS|"
    r"COMPOUNDCRS|BOUNDCRS|VERTCRS|VERTICALCRS|ENGCRS|ENGINEERINGCRS)\s*[\[(]",
    re.IGNORECASE,
)
# GDAL's shapefile driver reads only WKT1 (ESRI or OGC) from a .prj: with WKT2 it finds no CRS
_WKT1_START = re.compile(r"(PROJCS|GEOGCS|GEOCCS|COMPD_CS|VERT_CS|LOCAL_CS|FITTED_CS)\b", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CODE_PAGE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._:()-]*")
_GEOJSON_TYPES = ("FeatureCollection", "Feature")
_GEOJSON_TYPE_NEAR_START = re.compile(rb'"type"\s*:\s*"(FeatureCollection|Feature)"')

_SIDECARS = (".shx", ".dbf", ".prj", ".cpg")
_OTHER_DATASETS = {".gpkg": "gpkg", ".geojson": "geojson", ".json": "geojson"}
# the methods Python can decode: stored, deflate, bzip2, LZMA (not Deflate64, not AES)
_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)

# What zipfile's directory parser lets through on crafted input (struct.error for short
# records, UnicodeDecodeError for a bad UTF-8 name, NotImplementedError for a "needs version
# 9.9" entry, OverflowError/ValueError for absurd offsets...): all mean "not a usable zip".
_PARSE_ERRORS = (
    zipfile.BadZipFile,
    NotImplementedError,
    EOFError,
    OSError,
    ValueError,
    OverflowError,
    IndexError,
    KeyError,
    struct.error,
)
# What decoding a member can raise when its compressed data is corrupt.
_DECODE_ERRORS = (zlib.error, lzma.LZMAError, EOFError, OSError, ValueError, struct.error)


def open_upload(source: Path, workdir: Path, limits: UploadLimits = _DEFAULT_LIMITS) -> Dataset:
    """Check the uploaded file and return the dataset to read, extracted into workdir."""
    with source.open("rb") as upload:
        head = upload.read(len(_SQLITE_MAGIC))
        if head.startswith((_ZIP_MAGIC, _EMPTY_ZIP_MAGIC)):
            return _open_zip(upload, workdir, limits)
    if not head:
        raise FileRefused(
            f"the uploaded file is empty; {_ACCEPTED}", status=415, slug="not-a-dataset"
        )
    if head.startswith(_SQLITE_MAGIC):
        return _bare(source, workdir / "upload.gpkg", "gpkg", limits)
    if head.startswith(_SHAPE_MAGIC):
        raise FileRefused(
            "a .shp file cannot be read alone: zip it together with the .dbf, .shx and .prj "
            "of the same name and upload the zip",
            status=422,
            slug="shapefile-not-zipped",
        )
    if _starts_like_json(source):
        problem = _geojson_problem(source)
        if problem is None:
            return _bare(source, workdir / "upload.geojson", "geojson", limits)
        raise FileRefused(
            f"the uploaded file is JSON but {problem}; {_ACCEPTED}",
            status=415,
            slug="not-a-dataset",
        )
    raise FileRefused(
        f"the uploaded file is not a zip, GeoPackage or GeoJSON file; {_ACCEPTED}",
        status=415,
        slug="not-a-dataset",
    )


# --- bare files ---------------------------------------------------------------------------


def _bare(
    source: Path, target: Path, kind: Literal["gpkg", "geojson"], limits: UploadLimits
) -> Dataset:
    """Return a dataset for a bare GeoPackage or GeoJSON, copied into the work directory."""
    size = source.stat().st_size
    if size > limits.max_total_uncompressed:
        raise FileRefused(
            f"the file is {_size(size)}, more than the {_size(limits.max_total_uncompressed)} "
            "accepted; split the upload",
            status=413,
            slug="too-large",
        )
    # copied under a fixed name: GDAL picks the GeoJSON driver by extension too
    shutil.copyfile(source, target)
    return Dataset(
        path=target,
        kind=kind,
        members=(),
        has_prj=False,
        has_cpg=False,
        cpg=None,
        needs_shx_restore=False,
        warnings=(),
    )


def _starts_like_json(path: Path) -> bool:
    """Return whether the first non-whitespace byte is "{" (after a UTF-8 BOM, if any)."""
    with path.open("rb") as file:
        head = file.read(_JSON_SNIFF)
    return head.removeprefix(codecs.BOM_UTF8).lstrip(b" \t\r\n").startswith(b"{")


def _geojson_problem(path: Path) -> str | None:
    """Return why the file is not a GeoJSON FeatureCollection or Feature; None when it is."""
    if not _starts_like_json(path):
        return "it does not start with a JSON object"
    if path.stat().st_size > _JSON_PARSE_MAX:
        with path.open("rb") as file:
            head = file.read(_JSON_SNIFF)
        if _GEOJSON_TYPE_NEAR_START.search(head):
            return None
        return 'no "type": "FeatureCollection" is found near its start'
    try:
        document = json.loads(path.read_bytes().decode("utf-8-sig"))
    # RecursionError: deeply nested arrays, a cheap crafted input for the C scanner
    except (ValueError, RecursionError):
        return "it is not valid UTF-8 JSON"
    if not isinstance(document, dict) or document.get("type") not in _GEOJSON_TYPES:
        return 'it is not a GeoJSON "FeatureCollection" or "Feature"'
    return None


# --- zips: the central directory ----------------------------------------------------------


@dataclass
class _Member:
    """One zip entry, with its name split the way the dataset search needs it."""

    info: zipfile.ZipInfo
    name: str  # as in the zip, for messages and Dataset.members
    parts: tuple[str, ...]  # path components, "\\" taken as a separator, "" and "." dropped
    is_dir: bool
    data_offset: int = field(default=-1)  # where its compressed bytes start; set by _locate

    @property
    def base(self) -> str:
        """Return the file name without its folder."""
        return self.parts[-1] if self.parts else ""

    @property
    def ext(self) -> str:
        """Return the lower-case extension, dot included ("" when there is none)."""
        stem, dot, ext = self.base.rpartition(".")
        return f".{ext.lower()}" if dot and stem else ""

    @property
    def key(self) -> tuple[str, str]:
        """Return the folder and stem, lower-cased: what ties a .shp to its sidecars."""
        return ("/".join(self.parts[:-1]).lower(), self.base.rpartition(".")[0].lower())

    @property
    def junk(self) -> bool:
        """Return whether this is macOS metadata or a hidden file, never part of a dataset."""
        return any(part.startswith(".") or part.lower() == "__macosx" for part in self.parts)


def _open_zip(upload: BinaryIO, workdir: Path, limits: UploadLimits) -> Dataset:
    """Return the dataset in a zip, after checking the whole zip is safe to read."""
    size = upload.seek(0, io.SEEK_END)
    _check_entry_count(upload, size, limits.max_files)
    try:
        with zipfile.ZipFile(upload) as archive:
            infos = archive.infolist()
    except _PARSE_ERRORS as exc:
        raise FileRefused(
            f"the zip file is damaged and cannot be read ({exc}); zip the files again",
            status=422,
            slug="bad-zip",
        ) from exc
    members = _check_members(infos, limits)
    _locate(upload, members, size)
    return _find_dataset(upload, members, workdir, _Budget(limits.max_total_uncompressed))


def _check_entry_count(upload: BinaryIO, size: int, max_files: int) -> None:
    """Refuse a zip with too many entries before zipfile builds an object for each of them.

    zipfile walks the whole central directory, whatever the entry count the end record
    claims; a small upload can hold millions of 46-byte entries. The same walk is done here,
    counting only. Whatever does not parse is left to zipfile, which refuses it.
    """
    tail_size = min(size, _END_RECORD.size + 0xFFFF)
    upload.seek(size - tail_size)
    tail = upload.read(tail_size)
    # the end record is looked for where zipfile looks: at the very end, else the last one
    end = tail[-_END_RECORD.size :]
    if end.startswith(_EMPTY_ZIP_MAGIC) and end.endswith(b"\x00\x00"):
        at = len(tail) - _END_RECORD.size
    else:
        at = tail.rfind(_EMPTY_ZIP_MAGIC)
    if at < 0 or at + _END_RECORD.size > len(tail):
        return
    directory_size: int = _END_RECORD.unpack_from(tail, at)[5]
    directory_end = size - tail_size + at
    zip64_at = directory_end - _ZIP64_LOCATOR_SIZE - _ZIP64_END.size
    if zip64_at >= 0:
        upload.seek(directory_end - _ZIP64_LOCATOR_SIZE)
        locator = upload.read(4)
        upload.seek(zip64_at)
        record = upload.read(_ZIP64_END.size)
        if locator == b"PK\x06\x07" and record.startswith(b"PK\x06\x06"):
            directory_size = _ZIP64_END.unpack(record)[8]
            directory_end = zip64_at
    start = directory_end - directory_size
    if start < 0:
        return
    upload.seek(start)
    directory = upload.read(directory_size)
    position = count = 0
    while position < directory_size:
        header_end = position + _CENTRAL_HEADER_SIZE
        if header_end > len(directory) or directory[position : position + 4] != b"PK\x01\x02":
            return
        name_size, extra_size, comment_size = struct.unpack_from("<3H", directory, position + 28)
        position = header_end + name_size + extra_size + comment_size
        count += 1
        if count > max_files:
            raise _too_many_files(max_files)


def _too_many_files(max_files: int) -> FileRefused:
    return FileRefused(
        f"the zip holds more than {max_files} files; zip only the dataset's files",
        status=413,
        slug="too-many-files",
    )


def _check_members(infos: list[zipfile.ZipInfo], limits: UploadLimits) -> list[_Member]:
    """Return the zip's entries, refusing unsafe names, links, encryption and bombs."""
    if len(infos) > limits.max_files:
        raise _too_many_files(limits.max_files)
    members: list[_Member] = []
    for info in infos:
        # orig_filename: zipfile cuts .filename at a NUL, hiding the trick
        name = info.orig_filename
        problem = _name_problem(name)
        if problem:
            raise FileRefused(
                f"the zip member {name!r} {problem}; zip the files again from their own folder",
                status=422,
                slug="zip-slip",
            )
        path = name.replace("\\", "/")
        parts = tuple(part for part in path.split("/") if part not in ("", "."))
        member = _Member(info=info, name=name, parts=parts, is_dir=path.endswith("/"))
        kind = _non_regular(member)
        if kind:
            raise FileRefused(
                f"the zip member {name!r} is {kind}, not a regular file; zip the files "
                "themselves, not links to them",
                status=422,
                slug="zip-link",
            )
        if info.flag_bits & (_FLAG_ENCRYPTED | _FLAG_STRONG_ENCRYPTION):
            raise FileRefused(
                f"the zip member {name!r} is password-protected; zip the files again "
                "without a password",
                status=422,
                slug="zip-encrypted",
            )
        members.append(member)
    total = sum(info.file_size for info in infos)
    if total > limits.max_total_uncompressed:
        raise FileRefused(
            f"the zip would unpack to {_size(total)}, more than the "
            f"{_size(limits.max_total_uncompressed)} accepted; split the upload",
            status=413,
            slug="too-large",
        )
    for member in members:
        info = member.info
        # compared by multiplying: a member declaring 0 compressed bytes has no finite ratio
        if (
            info.file_size > limits.min_ratio_size
            and info.file_size > limits.max_member_ratio * info.compress_size
        ):
            raise FileRefused(
                f"the zip member {member.name!r} claims to expand from {info.compress_size} to "
                f"{info.file_size} bytes, more than {limits.max_member_ratio:g} times, which is "
                "how zip bombs look; zip the real files again",
                status=413,
                slug="zip-bomb",
            )
    return members


def _name_problem(name: str) -> str | None:
    """Return what makes a member name unsafe as a path, or None when it is harmless."""
    if "\x00" in name:
        return "has a NUL byte in its name"
    # Windows tools may write "\" as the separator: taken as one, "..\x" is caught below
    path = name.replace("\\", "/")
    if path.startswith("/"):
        return "has an absolute path"
    if _DRIVE.match(path):
        return "starts with a drive letter"
    # Windows drops trailing dots and spaces, so "... " or ". ." would act as ".." there
    if any(part.rstrip(". ") == "" and part not in ("", ".") for part in path.split("/")):
        return "climbs out of its folder with '..'"
    return None


def _non_regular(member: _Member) -> str | None:
    """Return what kind of special file the entry is (from its Unix mode), or None."""
    mode = member.info.external_attr >> 16
    file_type = stat.S_IFMT(mode)
    # no Unix mode at all (zips made on Windows): a plain file or directory
    if file_type in (0, stat.S_IFREG):
        return None
    if file_type == stat.S_IFDIR:
        return None if member.is_dir else "a directory entry without a trailing slash"
    if file_type == stat.S_IFLNK:
        return "a symbolic link"
    return "a device, pipe or socket"


def _locate(upload: BinaryIO, members: list[_Member], size: int) -> None:
    """Find where each member's data starts; refuse entries that share or overlap data.

    An "overlapping" zip bomb (CVE-2024-0450) points many directory entries at one
    highly compressed stream, so each decodes it again; Python 3.11.7's zipfile lets that
    through. In a sane zip, each entry's local header and data end before the next begins.
    """
    spans: list[tuple[int, int, _Member]] = []
    for member in members:
        offset = member.info.header_offset
        if offset < 0 or offset + _LOCAL_HEADER.size > size:
            raise _bad_zip(member, "its header lies outside the file")
        upload.seek(offset)
        header = upload.read(_LOCAL_HEADER.size)
        if len(header) != _LOCAL_HEADER.size or not header.startswith(_ZIP_MAGIC):
            raise _bad_zip(member, "its header is not where the zip's directory says")
        name_size, extra_size = struct.unpack_from("<2H", header, 26)
        member.data_offset = offset + _LOCAL_HEADER.size + name_size + extra_size
        end = member.data_offset + member.info.compress_size
        if end > size:
            raise _bad_zip(member, "its data runs past the end of the file (truncated upload?)")
        spans.append((offset, end, member))
    spans.sort(key=lambda span: span[0])
    for (offset, end, member), (next_offset, _, following) in itertools.pairwise(spans):
        if next_offset == offset or end > next_offset:
            raise FileRefused(
                f"the zip members {member.name!r} and {following.name!r} overlap (share "
                "compressed data), which is how zip bombs are built; zip the files again",
                status=413,
                slug="zip-bomb",
            )


def _bad_zip(member: _Member, problem: str) -> FileRefused:
    return FileRefused(
        f"the zip member {member.name!r} is damaged: {problem}; zip the files again",
        status=422,
        slug="bad-zip",
    )


# --- zips: finding and extracting the dataset ---------------------------------------------


def _find_dataset(
    upload: BinaryIO, members: list[_Member], workdir: Path, budget: _Budget
) -> Dataset:
    """Return the one dataset in the zip, extracted; refuse when there is none or several."""
    usable = [m for m in members if not m.is_dir and not m.junk and m.parts]
    shapefiles = [m for m in usable if m.ext == ".shp"]
    others = [m for m in usable if m.ext in _OTHER_DATASETS]
    if len(shapefiles) > 1:
        raise FileRefused(
            f"the zip holds {len(shapefiles)} shapefiles ({_names(shapefiles)}); "
            "upload one shapefile per zip",
            status=422,
            slug="several-shapefiles",
        )
    if shapefiles:
        ignored = tuple(f"{m.name!r} was not read: only the shapefile is imported" for m in others)
        return _extract_shapefile(upload, shapefiles[0], usable, workdir, budget, ignored)
    if len(others) > 1:
        raise FileRefused(
            f"the zip holds several datasets ({_names(others)}); upload one per zip",
            status=422,
            slug="several-datasets",
        )
    if others:
        return _extract_other(upload, others[0], workdir, budget)
    held = f"it holds {_names(usable)}" if usable else "it holds no files"
    skipped = sum(1 for m in members if m.junk and not m.is_dir)
    hidden = f" ({skipped} hidden or __MACOSX files skipped)" if skipped else ""
    raise FileRefused(
        f"the zip holds no .shp file: {held}{hidden}; zip the .shp together with its .dbf, "
        ".shx and .prj",
        status=422,
        slug="no-shapefile",
    )


def _names(members: Iterable[_Member], at_most: int = 10) -> str:
    names = [repr(m.name) for m in members]
    more = f" and {len(names) - at_most} more" if len(names) > at_most else ""
    return ", ".join(names[:at_most]) + more


def _extract_shapefile(
    upload: BinaryIO,
    shp: _Member,
    usable: list[_Member],
    workdir: Path,
    budget: _Budget,
    warnings: tuple[str, ...],
) -> Dataset:
    """Return the shapefile made of `shp` and its sidecars, extracted as workdir/upload.*."""
    sidecars: dict[str, _Member] = {}
    for member in usable:
        if member.ext in _SIDECARS and member.key == shp.key:
            if member.ext in sidecars:
                raise FileRefused(
                    f"the zip holds both {sidecars[member.ext].name!r} and {member.name!r}; "
                    "keep only one of them",
                    status=422,
                    slug="ambiguous-member",
                )
            sidecars[member.ext] = member
    stem = shp.base.rpartition(".")[0]
    dbf = sidecars.get(".dbf")
    if dbf is None:
        raise FileRefused(
            f"{shp.name!r} has no .dbf (its attribute table) beside it; add {stem}.dbf from "
            "the same folder to the zip",
            status=422,
            slug="no-dbf",
        )
    notes = list(warnings)
    used = [shp.name]

    target = workdir / "upload.shp"
    _extract(upload, shp, target, budget)
    if not _starts_with(target, _SHAPE_MAGIC):
        raise FileRefused(
            f"{shp.name!r} is not a shapefile: it does not start with the .shp signature "
            "(a renamed file?); zip the real .shp",
            status=422,
            slug="not-a-shapefile",
        )

    shx = sidecars.get(".shx")
    needs_shx_restore = True
    if shx is None:
        notes.append(f"{stem}.shx (the shape index) is missing; it is rebuilt from the .shp")
    else:
        target = workdir / "upload.shx"
        _extract(upload, shx, target, budget)
        if _starts_with(target, _SHAPE_MAGIC):
            used.append(shx.name)
            needs_shx_restore = False
        else:
            target.unlink()
            notes.append(f"{shx.name!r} is not a shape index and was ignored; it is rebuilt")

    _extract(upload, dbf, workdir / "upload.dbf", budget)
    used.append(dbf.name)

    prj = sidecars.get(".prj")
    has_prj = False
    if prj is not None:
        wkt = _wkt(_read_small(upload, prj, _PRJ_MAX, budget))
        if wkt is None:
            notes.append(
                f"{prj.name!r} does not hold a WKT coordinate system (an HTML page or another "
                "file saved under that name?) and was ignored"
            )
        else:
            (workdir / "upload.prj").write_text(wkt, encoding="utf-8")
            used.append(prj.name)
            has_prj = True
            if not _WKT1_START.match(wkt):
                notes.append(
                    f"{prj.name!r} is WKT2, which the shapefile reader does not understand: "
                    "save the .prj as ESRI (WKT1) if the coordinate system comes out missing"
                )

    cpg = sidecars.get(".cpg")
    code_page: str | None = None
    if cpg is not None:
        code_page = _code_page(_read_small(upload, cpg, _CPG_MAX + len(codecs.BOM_UTF8), budget))
        if code_page is None:
            notes.append(
                f"{cpg.name!r} does not name a code page and was ignored; the attribute "
                "encoding is taken from the .dbf"
            )
        else:
            (workdir / "upload.cpg").write_text(code_page, encoding="ascii")
            used.append(cpg.name)

    return Dataset(
        path=workdir / "upload.shp",
        kind="shapefile",
        members=tuple(used),
        has_prj=has_prj,
        has_cpg=code_page is not None,
        cpg=code_page,
        needs_shx_restore=needs_shx_restore,
        warnings=tuple(notes),
    )


def _extract_other(upload: BinaryIO, member: _Member, workdir: Path, budget: _Budget) -> Dataset:
    """Return the GeoPackage or GeoJSON member, extracted and checked by content."""
    kind = "gpkg" if _OTHER_DATASETS[member.ext] == "gpkg" else "geojson"
    target = workdir / f"upload.{kind}"
    _extract(upload, member, target, budget)
    if kind == "gpkg":
        if not _starts_with(target, _SQLITE_MAGIC):
            raise FileRefused(
                f"{member.name!r} is not a GeoPackage (it is not an SQLite database)",
                status=422,
                slug="not-a-geopackage",
            )
        return _single(target, "gpkg", member)
    problem = _geojson_problem(target)
    if problem is not None:
        raise FileRefused(
            f"{member.name!r} is not GeoJSON: {problem}", status=422, slug="not-geojson"
        )
    return _single(target, "geojson", member)


def _single(path: Path, kind: Literal["gpkg", "geojson"], member: _Member) -> Dataset:
    return Dataset(
        path=path,
        kind=kind,
        members=(member.name,),
        has_prj=False,
        has_cpg=False,
        cpg=None,
        needs_shx_restore=False,
        warnings=(),
    )


def _starts_with(path: Path, magic: bytes) -> bool:
    with path.open("rb") as file:
        return file.read(len(magic)) == magic


def _wkt(raw: bytes | None) -> str | None:
    """Return the .prj's WKT text when it looks like one, else None."""
    if raw is None:
        return None
    try:
        # Notepad saves with a BOM; GDAL's WKT parser does not expect one
        text = raw.decode("utf-8").removeprefix("\ufeff").strip()
    except UnicodeDecodeError:
        return None
    if not _WKT_START.match(text) or _CONTROL.search(text) or text[-1:] not in ("]", ")"):
        return None
    return text


def _code_page(raw: bytes | None) -> str | None:
    """Return the .cpg's code-page name (e.g. "UTF-8", "ANSI 1250"), or None if it is not one."""
    if raw is None:
        return None
    raw = raw.removeprefix(codecs.BOM_UTF8)
    if len(raw) > _CPG_MAX or not raw.isascii():
        return None
    text = raw.decode("ascii").strip()
    return text if _CODE_PAGE.fullmatch(text) else None


# --- zips: decoding members ---------------------------------------------------------------


class _Budget:
    """Bytes the extraction may still write, all members together."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.left = limit

    def take(self, size: int) -> None:
        """Count `size` more bytes; refuse once the limit is passed."""
        self.left -= size
        if self.left < 0:
            raise FileRefused(
                f"the zip unpacks to more than the {_size(self.limit)} accepted; split the upload",
                status=413,
                slug="too-large",
            )


def _extract(upload: BinaryIO, member: _Member, target: Path, budget: _Budget) -> None:
    """Write the member's decoded bytes to `target`, a fixed name that must not exist yet."""
    with target.open("xb") as out:
        for chunk in _decoded(upload, member, budget):
            out.write(chunk)


def _read_small(upload: BinaryIO, member: _Member, limit: int, budget: _Budget) -> bytes | None:
    """Return a small member's decoded bytes, or None when it declares more than `limit`."""
    if member.info.file_size > limit:
        return None
    return b"".join(_decoded(upload, member, budget))


def _decoded(upload: BinaryIO, member: _Member, budget: _Budget) -> Iterator[bytes]:
    """Yield the member's decoded bytes, refusing as soon as they outgrow the declared size.

    Decoded here rather than by zipfile so every byte is counted against the size the
    directory declared (which the bomb checks used) and the budget, whatever the headers say.
    """
    info = member.info
    if info.compress_type not in _METHODS:
        raise FileRefused(
            f"the zip member {member.name!r} uses compression method {info.compress_type}, "
            "which cannot be read; zip the files again with ordinary (deflate) compression",
            status=422,
            slug="bad-zip",
        )
    written = 0
    crc = 0
    try:
        for chunk in _decode(info.compress_type, _compressed(upload, member)):
            written += len(chunk)
            if written > info.file_size:
                raise FileRefused(
                    f"the zip member {member.name!r} unpacks to more than the {info.file_size} "
                    "bytes it declares, which is how zip bombs look; zip the real files again",
                    status=413,
                    slug="zip-bomb",
                )
            budget.take(len(chunk))
            crc = zlib.crc32(chunk, crc)
            yield chunk
    except _DECODE_ERRORS as exc:
        raise _bad_zip(member, f"its data does not decompress ({exc})") from exc
    if written != info.file_size:
        raise _bad_zip(member, f"it unpacks to {written} bytes, not the {info.file_size} declared")
    if crc != info.CRC:
        raise _bad_zip(member, "its checksum does not match its content")


def _compressed(upload: BinaryIO, member: _Member) -> Iterator[bytes]:
    """Yield the member's compressed bytes from the upload, in bounded chunks."""
    upload.seek(member.data_offset)
    left = member.info.compress_size
    while left > 0:
        chunk = upload.read(min(left, _CHUNK))
        if not chunk:
            raise EOFError("the data is cut short")
        left -= len(chunk)
        yield chunk


def _decode(method: int, compressed: Iterator[bytes]) -> Iterator[bytes]:
    """Yield decoded chunks of at most _CHUNK bytes (method: one of _METHODS)."""
    if method == zipfile.ZIP_DEFLATED:
        return _inflate(compressed)
    if method == zipfile.ZIP_BZIP2:
        return _drain(bz2.BZ2Decompressor(), compressed)
    if method == zipfile.ZIP_LZMA:
        return _unlzma(compressed)
    return compressed  # stored


def _inflate(compressed: Iterator[bytes]) -> Iterator[bytes]:
    decompressor = zlib.decompressobj(-zlib.MAX_WBITS)
    for chunk in compressed:
        data = chunk
        while data and not decompressor.eof:
            yield decompressor.decompress(data, _CHUNK)
            data = decompressor.unconsumed_tail
        # the last call may have stopped at _CHUNK with output still pending
        while not decompressor.eof:
            pending = decompressor.decompress(b"", _CHUNK)
            if not pending:
                break
            yield pending
        if decompressor.eof:
            return


def _drain(
    decompressor: bz2.BZ2Decompressor | lzma.LZMADecompressor, compressed: Iterable[bytes]
) -> Iterator[bytes]:
    for chunk in compressed:
        if decompressor.eof:
            return  # bytes after the end of the stream are ignored, as zipfile does
        yield decompressor.decompress(chunk, _CHUNK)
        while not decompressor.eof and not decompressor.needs_input:
            yield decompressor.decompress(b"", _CHUNK)


def _unlzma(compressed: Iterator[bytes]) -> Iterator[bytes]:
    """Decode a zip LZMA member: a 4-byte version/size header, 5 property bytes, raw LZMA1."""
    head = b""
    for chunk in compressed:
        head += chunk
        if len(head) >= 9:
            break
    if len(head) < 9 or struct.unpack_from("<H", head, 2)[0] != 5:
        raise ValueError("bad LZMA header")
    properties = head[4]
    if properties >= 9 * 5 * 5:
        raise ValueError("bad LZMA properties")
    position_bits, rest = divmod(properties, 9 * 5)
    literal_position_bits, literal_context_bits = divmod(rest, 9)
    decompressor = lzma.LZMADecompressor(
        lzma.FORMAT_RAW,
        filters=[
            {
                "id": lzma.FILTER_LZMA1,
                "dict_size": struct.unpack_from("<L", head, 5)[0],
                "lc": literal_context_bits,
                "lp": literal_position_bits,
                "pb": position_bits,
            }
        ],
    )
    return _drain(decompressor, itertools.chain([head[9:]], compressed))


def _size(size: int) -> str:
    """Return a byte count the way a person reads it."""
    if size >= 1024**3:
        return f"{size / 1024**3:.1f} GiB"
    return f"{size / 1024**2:.1f} MiB"
