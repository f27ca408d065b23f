"""Check an uploaded parcel file before GDAL reads it, and find the dataset in it.

Surveyors send a zipped shapefile, sometimes a bare GeoPackage or GeoJSON. All of this runs
before GDAL/pyogrio sees a byte of the upload: the kind is told by content (file_kinds), a
zip's directory is checked whole (safe_zip), then only the members the dataset needs are
decoded (zip_members) into fixed names in a directory the caller owns. Every refusal is a
FileRefused that carries the HTTP status and a short reason.
"""

from __future__ import annotations

import codecs
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

from app.errors import FileRefused
from app.ingest import file_kinds
from app.ingest.file_kinds import EMPTY_ZIP_MAGIC, SHAPE_MAGIC, SQLITE_MAGIC, ZIP_MAGIC
from app.ingest.safe_zip import Member, UploadLimits, human_size, read_members
from app.ingest.zip_members import Budget, extract, read_small

__all__ = ["Dataset", "UploadLimits", "open_upload"]


@dataclass(frozen=True)
class Dataset:
    """The dataset found in an upload, extracted into the work directory for pyogrio."""

    path: Path  # the file pyogrio should open (a .shp, .gpkg or .geojson in workdir)
    kind: Literal["shapefile", "gpkg", "geojson"]
    members: tuple[str, ...] = ()  # names of the members used, as they were in the zip
    has_prj: bool = False  # a usable .prj (WKT text) is there
    has_cpg: bool = False  # a usable .cpg is there
    cpg: str | None = None  # its content, stripped, when usable
    needs_shx_restore: bool = False  # the .shx is missing: open with SHAPE_RESTORE_SHX=YES
    warnings: tuple[str, ...] = ()  # what was ignored or repaired, in plain words


_DEFAULT_LIMITS = UploadLimits()

_ACCEPTED = (
    "upload a .zip holding one shapefile (the .shp with its .dbf, .shx and .prj), "
    "a GeoPackage (.gpkg) or a GeoJSON file"
)
_SIDECARS = (".shx", ".dbf", ".prj", ".cpg")
_OTHER_DATASETS = {".gpkg": "gpkg", ".geojson": "geojson", ".json": "geojson"}


def open_upload(source: Path, workdir: Path, limits: UploadLimits = _DEFAULT_LIMITS) -> Dataset:
    """Check the uploaded file and return the dataset to read, extracted into workdir."""
    with source.open("rb") as upload:
        head = upload.read(len(SQLITE_MAGIC))
        if head.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC)):
            members = read_members(upload, limits)
            return _find_dataset(upload, members, workdir, Budget(limits.max_total_uncompressed))
    if not head:
        raise FileRefused(
            f"the uploaded file is empty; {_ACCEPTED}", status=415, slug="not-a-dataset"
        )
    if head.startswith(SQLITE_MAGIC):
        return _bare(source, workdir / "upload.gpkg", "gpkg", limits)
    if head.startswith(SHAPE_MAGIC):
        raise FileRefused(
            "a .shp file cannot be read alone: zip it together with the .dbf, .shx and .prj "
            "of the same name and upload the zip",
            status=422,
            slug="shapefile-not-zipped",
        )
    if file_kinds.starts_like_json(source):
        problem = file_kinds.geojson_problem(source)
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


def _bare(
    source: Path, target: Path, kind: Literal["gpkg", "geojson"], limits: UploadLimits
) -> Dataset:
    """Return a dataset for a bare GeoPackage or GeoJSON, copied into the work directory."""
    size = source.stat().st_size
    if size > limits.max_total_uncompressed:
        raise FileRefused(
            f"the file is {human_size(size)}, more than the "
            f"{human_size(limits.max_total_uncompressed)} accepted; split the upload",
            status=413,
            slug="too-large",
        )
    # copied under a fixed name: GDAL picks the GeoJSON driver by extension too
    shutil.copyfile(source, target)
    return Dataset(path=target, kind=kind)


def _find_dataset(
    upload: BinaryIO, members: list[Member], workdir: Path, budget: Budget
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
        ignored = [f"{m.name!r} was not read: only the shapefile is imported" for m in others]
        return _Shapefile(upload, shapefiles[0], workdir, budget, ignored).extract(usable)
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


def _names(members: Iterable[Member], at_most: int = 10) -> str:
    names = [repr(m.name) for m in members]
    more = f" and {len(names) - at_most} more" if len(names) > at_most else ""
    return ", ".join(names[:at_most]) + more


class _Shapefile:
    """A .shp member and its sidecars, extracted as workdir/upload.*, with what was noted."""

    def __init__(
        self, upload: BinaryIO, shp: Member, workdir: Path, budget: Budget, notes: list[str]
    ) -> None:
        self.upload = upload
        self.shp = shp
        self.stem = shp.base.rpartition(".")[0]
        self.workdir = workdir
        self.budget = budget
        self.notes = notes
        self.used = [shp.name]

    def extract(self, usable: list[Member]) -> Dataset:
        """Return the shapefile made of the .shp and the sidecars of the same folder and stem."""
        sidecars = self._sidecars(usable)
        dbf = sidecars.get(".dbf")
        if dbf is None:
            raise FileRefused(
                f"{self.shp.name!r} has no .dbf (its attribute table) beside it; add "
                f"{self.stem}.dbf from the same folder to the zip",
                status=422,
                slug="no-dbf",
            )
        self._extract_shp()
        needs_shx_restore = not self._extract_shx(sidecars.get(".shx"))
        extract(self.upload, dbf, self.workdir / "upload.dbf", self.budget)
        self.used.append(dbf.name)
        has_prj = self._extract_prj(sidecars.get(".prj"))
        code_page = self._extract_cpg(sidecars.get(".cpg"))
        return Dataset(
            path=self.workdir / "upload.shp",
            kind="shapefile",
            members=tuple(self.used),
            has_prj=has_prj,
            has_cpg=code_page is not None,
            cpg=code_page,
            needs_shx_restore=needs_shx_restore,
            warnings=tuple(self.notes),
        )

    def _sidecars(self, usable: list[Member]) -> dict[str, Member]:
        sidecars: dict[str, Member] = {}
        for member in usable:
            if member.ext in _SIDECARS and member.key == self.shp.key:
                if member.ext in sidecars:
                    raise FileRefused(
                        f"the zip holds both {sidecars[member.ext].name!r} and "
                        f"{member.name!r}; keep only one of them",
                        status=422,
                        slug="ambiguous-member",
                    )
                sidecars[member.ext] = member
        return sidecars

    def _extract_shp(self) -> None:
        target = self.workdir / "upload.shp"
        extract(self.upload, self.shp, target, self.budget)
        if not file_kinds.starts_with(target, SHAPE_MAGIC):
            raise FileRefused(
                f"{self.shp.name!r} is not a shapefile: it does not start with the .shp "
                "signature (a renamed file?); zip the real .shp",
                status=422,
                slug="not-a-shapefile",
            )

    def _extract_shx(self, shx: Member | None) -> bool:
        """Return whether a usable shape index was extracted (else GDAL rebuilds it)."""
        if shx is None:
            self.notes.append(
                f"{self.stem}.shx (the shape index) is missing; it is rebuilt from the .shp"
            )
            return False
        target = self.workdir / "upload.shx"
        extract(self.upload, shx, target, self.budget)
        if not file_kinds.starts_with(target, SHAPE_MAGIC):
            target.unlink()
            self.notes.append(f"{shx.name!r} is not a shape index and was ignored; it is rebuilt")
            return False
        self.used.append(shx.name)
        return True

    def _extract_prj(self, prj: Member | None) -> bool:
        """Return whether a .prj holding WKT was extracted."""
        if prj is None:
            return False
        wkt = file_kinds.wkt(read_small(self.upload, prj, file_kinds.PRJ_MAX, self.budget))
        if wkt is None:
            self.notes.append(
                f"{prj.name!r} does not hold a WKT coordinate system (an HTML page or another "
                "file saved under that name?) and was ignored"
            )
            return False
        (self.workdir / "upload.prj").write_text(wkt, encoding="utf-8")
        self.used.append(prj.name)
        if not file_kinds.is_wkt1(wkt):
            self.notes.append(
                f"{prj.name!r} is WKT2, which the shapefile reader does not understand: "
                "save the .prj as ESRI (WKT1) if the coordinate system comes out missing"
            )
        return True

    def _extract_cpg(self, cpg: Member | None) -> str | None:
        """Return the code page a usable .cpg names, extracted; None without one."""
        if cpg is None:
            return None
        limit = file_kinds.CPG_MAX + len(codecs.BOM_UTF8)
        code_page = file_kinds.code_page(read_small(self.upload, cpg, limit, self.budget))
        if code_page is None:
            self.notes.append(
                f"{cpg.name!r} does not name a code page and was ignored; the attribute "
                "encoding is taken from the .dbf"
            )
            return None
        (self.workdir / "upload.cpg").write_text(code_page, encoding="ascii")
        self.used.append(cpg.name)
        return code_page


def _extract_other(upload: BinaryIO, member: Member, workdir: Path, budget: Budget) -> Dataset:
    """Return the GeoPackage or GeoJSON member, extracted and checked by content."""
    kind: Literal["gpkg", "geojson"] = (
        "gpkg" if _OTHER_DATASETS[member.ext] == "gpkg" else "geojson"
    )
    target = workdir / f"upload.{kind}"
    extract(upload, member, target, budget)
    if kind == "gpkg" and not file_kinds.starts_with(target, SQLITE_MAGIC):
        raise FileRefused(
            f"{member.name!r} is not a GeoPackage (it is not an SQLite database)",
            status=422,
            slug="not-a-geopackage",
        )
    if kind == "geojson":
        problem = file_kinds.geojson_problem(target)
        if problem is not None:
            raise FileRefused(
                f"{member.name!r} is not GeoJSON: {problem}", status=422, slug="not-geojson"
            )
    return Dataset(path=target, kind=kind, members=(member.name,))
