"""Tests for the upload checks: zip safety, and finding the dataset in an upload."""

from __future__ import annotations

import json
import random
import shutil
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import geopandas as gpd
import pyogrio
from pyproj import CRS
from shapely.geometry import Polygon

from app import config
from app.errors import FileRefused
from app.ingest import file_kinds
from app.ingest.upload import Dataset, UploadLimits, open_upload

CORPUS = Path(config.PROJECT_ROOT).parent / "shared" / "testdata" / "shapefile-edgecases"
MiB = 1024**2
SHAPEFILE_EXTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
WKT = (
    'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137,298.257223563]],'
    'PRIMEM["Greenwich",0],UNIT["Degree",0.017453292519943295]]'
)
HTML = b"<!DOCTYPE html><html><head><title>Parcels</title></head><body>404</body></html>\n"


# --- building uploads ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def frame() -> gpd.GeoDataFrame:
    """Two parcels in the storage CRS, with a Vietnamese holder name."""
    square = Polygon([(0, 0), (20, 0), (20, 30), (0, 30)])
    return gpd.GeoDataFrame(
        {"SHTHUA": [1, 2], "TENCHU": ["Nguyễn Văn An", "Trần Thị Bình"]},
        geometry=[
            Polygon([(x + 430_000, y + 2_350_000) for x, y in square.exterior.coords]),
            Polygon([(x + 430_030, y + 2_350_000) for x, y in square.exterior.coords]),
        ],
        crs=f"EPSG:{config.STORAGE_SRID}",
    )


@pytest.fixture(scope="session")
def parts(frame: gpd.GeoDataFrame, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The files of a two-parcel shapefile, by extension (.shp .shx .dbf .prj .cpg)."""
    folder = tmp_path_factory.mktemp("shapefile")
    pyogrio.write_dataframe(frame, folder / "parcels.shp", encoding="UTF-8")
    files = {path.suffix: path.read_bytes() for path in folder.iterdir()}
    assert set(files) == set(SHAPEFILE_EXTS)
    return files


@pytest.fixture(scope="session")
def gpkg(frame: gpd.GeoDataFrame, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("gpkg") / "parcels.gpkg"
    pyogrio.write_dataframe(frame, path, driver="GPKG")
    return path.read_bytes()


@pytest.fixture(scope="session")
def geojson(frame: gpd.GeoDataFrame) -> bytes:
    return frame.to_crs(4326).to_json().encode()


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    path = tmp_path / "work"
    path.mkdir()
    return path


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


# --- what a good upload gives ---------------------------------------------------------------


def test_a_zipped_shapefile_is_extracted_under_fixed_names(
    parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    dataset = open_upload(make_zip(tmp_path / "up.zip", named(parts)), workdir)
    assert dataset == Dataset(
        path=workdir / "upload.shp",
        kind="shapefile",
        members=("parcels.shp", "parcels.shx", "parcels.dbf", "parcels.prj", "parcels.cpg"),
        has_prj=True,
        has_cpg=True,
        cpg="UTF-8",
        needs_shx_restore=False,
        warnings=(),
    )
    assert sorted(p.name for p in workdir.iterdir()) == [
        f"upload{ext}" for ext in sorted(SHAPEFILE_EXTS)
    ]
    for ext in (".shp", ".shx", ".dbf"):
        assert (workdir / f"upload{ext}").read_bytes() == parts[ext]
    info = info_of(dataset)
    assert info["features"] == 2
    assert info["crs"] == f"EPSG:{config.STORAGE_SRID}"


@pytest.mark.parametrize(
    "compression",
    [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA],
    ids=["stored", "deflate", "bzip2", "lzma"],
)
def test_every_compression_python_knows_is_decoded(
    compression: int, parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    dataset = open_upload(make_zip(tmp_path / "up.zip", named(parts), compression), workdir)
    for ext in (".shp", ".shx", ".dbf"):
        assert (workdir / f"upload{ext}").read_bytes() == parts[ext]
    assert info_of(dataset)["features"] == 2


def test_upper_case_extensions_in_a_sub_folder_with_directory_entries(
    parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    folder = "Khao sat/Xa Tien Son/"
    files = {
        folder + "THUADAT.SHP": parts[".shp"],
        folder + "ThuaDat.Shx": parts[".shx"],
        folder + "thuadat.DBF": parts[".dbf"],
        folder + "THUADAT.PRJ": parts[".prj"],
        folder + "thuadat.cpg": parts[".cpg"],
        "Khao sat/ghi chu.txt": b"notes",
    }
    path = tmp_path / "up.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for directory in ("Khao sat/", folder):
            entry = zipfile.ZipInfo(directory)
            entry.external_attr = (stat.S_IFDIR | 0o755) << 16 | 0x10
            zf.writestr(entry, b"")
        for name, data in files.items():
            zf.writestr(name, data)
    dataset = open_upload(path, workdir)
    assert dataset.members == tuple(name for name in files if name.startswith(folder))
    assert (dataset.has_prj, dataset.cpg, dataset.needs_shx_restore) == (True, "UTF-8", False)
    assert sorted(p.name for p in workdir.iterdir()) == [
        f"upload{ext}" for ext in sorted(SHAPEFILE_EXTS)
    ]
    assert info_of(dataset)["features"] == 2


def test_backslash_separators_of_old_windows_zippers_are_folders(
    parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    files = {f"survey\\{name}": data for name, data in named(parts).items()}
    files["other\\parcels.prj"] = HTML  # same stem, other folder: not a sidecar of the .shp
    dataset = open_upload(make_zip(tmp_path / "up.zip", files), workdir)
    assert dataset.members[0] == "survey\\parcels.shp"
    assert "survey\\parcels.prj" in dataset.members and dataset.has_prj


def test_macos_metadata_and_hidden_files_are_ignored(
    parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    junk = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        " + bytes(200)  # AppleDouble
    files = {
        **named(parts, "survey/parcels"),
        "__MACOSX/survey/._parcels.shp": junk,
        "__MACOSX/survey/._parcels.dbf": junk,
        "survey/._parcels.shp": junk,
        "survey/.DS_Store": junk,
        ".hidden/parcels.shp": junk,
    }
    dataset = open_upload(make_zip(tmp_path / "up.zip", files), workdir)
    assert dataset.members == tuple(named(parts, "survey/parcels"))
    assert dataset.warnings == ()
    assert info_of(dataset)["features"] == 2


def test_macos_metadata_alone_is_no_shapefile(tmp_path: Path, workdir: Path) -> None:
    path = make_zip(tmp_path / "up.zip", {"__MACOSX/._parcels.shp": b"\x00\x05\x16\x07"})
    refused = refusal(path, workdir)
    assert (refused.status, refused.slug) == (422, "no-shapefile")
    assert "__MACOSX" in str(refused)


def test_a_missing_shx_is_rebuilt_with_a_warning(
    parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    files = named(parts, exts=(".shp", ".dbf", ".prj"))
    dataset = open_upload(make_zip(tmp_path / "up.zip", files), workdir)
    assert dataset.needs_shx_restore
    assert dataset.members == ("parcels.shp", "parcels.dbf", "parcels.prj")
    assert not dataset.has_cpg and dataset.cpg is None
    assert len(dataset.warnings) == 1 and "parcels.shx" in dataset.warnings[0]
    assert info_of(dataset)["features"] == 2


def test_an_shx_that_is_not_an_index_is_dropped_and_rebuilt(
    parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    files = named(parts) | {"parcels.shx": HTML}
    dataset = open_upload(make_zip(tmp_path / "up.zip", files), workdir)
    assert dataset.needs_shx_restore
    assert "parcels.shx" not in dataset.members
    assert not (workdir / "upload.shx").exists()
    assert info_of(dataset)["features"] == 2


@pytest.mark.parametrize(
    "prj",
    [HTML, bytes(range(256)), b"", b"   \r\n", b'GEOGCS["GCS_WGS_1984",DATUM[', b"\xff\xfeG\x00"],
    ids=["html", "binary", "empty", "blank", "truncated", "utf16"],
)
def test_a_prj_that_is_not_wkt_is_ignored_with_a_warning(
    prj: bytes, parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    files = named(parts) | {"parcels.prj": prj}
    dataset = open_upload(make_zip(tmp_path / "up.zip", files), workdir)
    assert not dataset.has_prj
    assert "parcels.prj" not in dataset.members
    assert not (workdir / "upload.prj").exists()
    assert len(dataset.warnings) == 1 and "parcels.prj" in dataset.warnings[0]
    assert info_of(dataset)["crs"] is None


@pytest.mark.parametrize(
    "prj",
    [WKT.encode(), b"\xef\xbb\xbf\r\n  " + WKT.encode() + b"\r\n"],
    ids=["plain", "bom-blanks"],
)
def test_a_wkt_prj_is_kept(
    prj: bytes, parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    files = named(parts) | {"parcels.prj": prj}
    dataset = open_upload(make_zip(tmp_path / "up.zip", files), workdir)
    assert dataset.has_prj and dataset.warnings == ()
    assert (workdir / "upload.prj").read_text(encoding="utf-8") == WKT
    assert info_of(dataset)["crs"] == "EPSG:4326"


def test_a_wkt2_prj_is_kept_with_a_warning(
    parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    wkt2 = CRS.from_epsg(config.STORAGE_SRID).to_wkt("WKT2_2019")
    files = named(parts) | {"parcels.prj": wkt2.encode()}
    dataset = open_upload(make_zip(tmp_path / "up.zip", files), workdir)
    assert dataset.has_prj and "parcels.prj" in dataset.members
    assert (workdir / "upload.prj").read_text(encoding="utf-8") == wkt2
    assert len(dataset.warnings) == 1 and "WKT2" in dataset.warnings[0]


@pytest.mark.parametrize(
    "cpg",
    [HTML, b"A" * 41, "UTF\u20118".encode(), b"", b"\x00\x01", b"<b>UTF-8</b>"],
    ids=["html", "too-long", "non-ascii", "empty", "binary", "markup"],
)
def test_a_cpg_that_is_not_a_code_page_is_ignored_with_a_warning(
    cpg: bytes, parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    files = named(parts) | {"parcels.cpg": cpg}
    dataset = open_upload(make_zip(tmp_path / "up.zip", files), workdir)
    assert (dataset.has_cpg, dataset.cpg) == (False, None)
    assert "parcels.cpg" not in dataset.members
    assert not (workdir / "upload.cpg").exists()
    assert len(dataset.warnings) == 1 and "parcels.cpg" in dataset.warnings[0]


@pytest.mark.parametrize(
    ("cpg", "name"),
    [(b"UTF-8", "UTF-8"), (b"ANSI 1250\r\n", "ANSI 1250"), (b"\xef\xbb\xbf65001", "65001")],
)
def test_a_code_page_cpg_is_kept_stripped(
    cpg: bytes, name: str, parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    files = named(parts) | {"parcels.cpg": cpg}
    dataset = open_upload(make_zip(tmp_path / "up.zip", files), workdir)
    assert (dataset.has_cpg, dataset.cpg, dataset.warnings) == (True, name, ())
    assert (workdir / "upload.cpg").read_text() == name


def test_a_shapefile_beside_another_dataset_wins_with_a_warning(
    parts: dict[str, bytes], gpkg: bytes, tmp_path: Path, workdir: Path
) -> None:
    files = named(parts) | {"backup/parcels.gpkg": gpkg}
    dataset = open_upload(make_zip(tmp_path / "up.zip", files), workdir)
    assert dataset.kind == "shapefile"
    assert len(dataset.warnings) == 1 and "backup/parcels.gpkg" in dataset.warnings[0]


def test_a_geopackage_is_known_by_content_not_name(
    gpkg: bytes, tmp_path: Path, workdir: Path
) -> None:
    dataset = open_upload(write(tmp_path / "parcels.zip", gpkg), workdir)
    assert (dataset.kind, dataset.path, dataset.members) == ("gpkg", workdir / "upload.gpkg", ())
    assert info_of(dataset)["features"] == 2


@pytest.mark.parametrize("prefix", [b"", b"\xef\xbb\xbf \r\n\t"], ids=["plain", "bom-blanks"])
def test_geojson_is_known_by_content_not_name(
    prefix: bytes, geojson: bytes, tmp_path: Path, workdir: Path
) -> None:
    dataset = open_upload(write(tmp_path / "parcels.shp", prefix + geojson), workdir)
    assert (dataset.kind, dataset.path) == ("geojson", workdir / "upload.geojson")
    assert info_of(dataset)["features"] == 2


def test_a_single_feature_is_geojson_too(tmp_path: Path, workdir: Path) -> None:
    feature = {
        "type": "Feature",
        "properties": {"SHTHUA": 1},
        "geometry": {"type": "Point", "coordinates": [106.1, 21.2]},
    }
    dataset = open_upload(write(tmp_path / "f.bin", json.dumps(feature).encode()), workdir)
    assert dataset.kind == "geojson"


def test_a_large_geojson_is_sniffed_not_parsed(
    geojson: bytes, tmp_path: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(file_kinds, "JSON_PARSE_MAX", 100)
    assert open_upload(write(tmp_path / "big", geojson), workdir).kind == "geojson"
    refused = refusal(write(tmp_path / "big2", b'{"rows": [' + b"1," * 100 + b"1]}"), workdir)
    assert (refused.status, refused.slug) == (415, "not-a-dataset")


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("data/parcels.gpkg", "gpkg", "gpkg"),
        ("data/parcels.geojson", "geojson", "geojson"),
        ("PARCELS.JSON", "geojson", "geojson"),
    ],
)
def test_a_zipped_geopackage_or_geojson_is_found(
    name: str,
    data: str,
    kind: str,
    gpkg: bytes,
    geojson: bytes,
    tmp_path: Path,
    workdir: Path,
) -> None:
    content = gpkg if data == "gpkg" else geojson
    dataset = open_upload(
        make_zip(tmp_path / "up.zip", {name: content, "readme.txt": b"x"}), workdir
    )
    assert (dataset.kind, dataset.members) == (kind, (name,))
    assert dataset.path == workdir / f"upload.{kind}"
    assert info_of(dataset)["features"] == 2


# --- what is refused, and why -----------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [b"just some text\n", bytes(range(256)) * 4, b"\x03\x71\x09\x0a" + bytes(60), b"[1, 2, 3]"],
    ids=["text", "binary", "dbf", "json-array"],
)
def test_other_content_is_not_a_dataset(content: bytes, tmp_path: Path, workdir: Path) -> None:
    refused = refusal(write(tmp_path / "parcels.zip", content), workdir)
    assert (refused.status, refused.slug) == (415, "not-a-dataset")
    assert "zip" in str(refused) and "GeoPackage" in str(refused) and "GeoJSON" in str(refused)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b'{"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}',
        b'{"type": "FeatureCollection", "features": [',
        b'{"a": ' + b"[" * 200_000 + b"]" * 200_000 + b"}",
        b'{"type": "FeatureCollection"} \xff\xfe',
    ],
    ids=["empty", "bare-geometry", "truncated", "deeply-nested", "not-utf8"],
)
def test_json_that_is_not_geojson_is_not_a_dataset(
    content: bytes, tmp_path: Path, workdir: Path
) -> None:
    refused = refusal(write(tmp_path / "parcels.geojson", content), workdir)
    assert (refused.status, refused.slug) == (415, "not-a-dataset")


def test_a_bare_shp_is_asked_to_be_zipped(
    parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    refused = refusal(write(tmp_path / "parcels.shp", parts[".shp"]), workdir)
    assert (refused.status, refused.slug) == (422, "shapefile-not-zipped")
    assert ".dbf" in str(refused) and "zip" in str(refused)


def test_an_empty_zip_holds_no_shapefile(tmp_path: Path, workdir: Path) -> None:
    empty = b"PK\x05\x06" + bytes(18)
    refused = refusal(write(tmp_path / "up.zip", empty), workdir)
    assert (refused.status, refused.slug) == (422, "no-shapefile")


def test_a_zip_without_a_shp_is_refused_naming_what_it_holds(
    parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    path = make_zip(tmp_path / "up.zip", named(parts, exts=(".dbf", ".shx")))
    refused = refusal(path, workdir)
    assert (refused.status, refused.slug) == (422, "no-shapefile")
    assert "parcels.dbf" in str(refused)


def test_several_shapefiles_are_refused_listing_them(
    parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    files = named(parts, "thua_dat") | named(parts, "ranh_gioi/ranh_gioi")
    refused = refusal(make_zip(tmp_path / "up.zip", files), workdir)
    assert (refused.status, refused.slug) == (422, "several-shapefiles")
    assert "thua_dat.shp" in str(refused) and "ranh_gioi/ranh_gioi.shp" in str(refused)


def test_several_other_datasets_are_refused(
    gpkg: bytes, geojson: bytes, tmp_path: Path, workdir: Path
) -> None:
    path = make_zip(tmp_path / "up.zip", {"a.gpkg": gpkg, "b.geojson": geojson})
    refused = refusal(path, workdir)
    assert (refused.status, refused.slug) == (422, "several-datasets")


def test_a_shp_without_its_dbf_is_refused(
    parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    files = named(parts, exts=(".shp", ".shx", ".prj")) | {"other.dbf": parts[".dbf"]}
    refused = refusal(make_zip(tmp_path / "up.zip", files), workdir)
    assert (refused.status, refused.slug) == (422, "no-dbf")
    assert "parcels.dbf" in str(refused)


def test_two_sidecars_for_one_role_are_refused(
    parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    files = named(parts) | {"PARCELS.DBF": parts[".dbf"]}
    refused = refusal(make_zip(tmp_path / "up.zip", files), workdir)
    assert (refused.status, refused.slug) == (422, "ambiguous-member")


def test_a_shp_that_is_not_a_shapefile_is_refused(
    parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    files = named(parts) | {"parcels.shp": parts[".dbf"]}
    refused = refusal(make_zip(tmp_path / "up.zip", files), workdir)
    assert (refused.status, refused.slug) == (422, "not-a-shapefile")


@pytest.mark.parametrize(
    ("name", "content"),
    [("parcels.gpkg", b"not a database"), ("parcels.geojson", b'{"type": "Polygon"}')],
)
def test_a_zipped_gpkg_or_geojson_is_checked_by_content(
    name: str, content: bytes, tmp_path: Path, workdir: Path
) -> None:
    refused = refusal(make_zip(tmp_path / "up.zip", {name: content}), workdir)
    assert refused.status == 422
    assert refused.slug in ("not-a-geopackage", "not-geojson")


@pytest.mark.parametrize(
    "name",
    [
        b"../evil.shp",
        b"/etc/x.shp",
        b"C:\\x.shp",
        b"c:x.shp",
        b"..\\evil.shp",
        b"survey/../../evil.shp",
        b"\\\\server\\share\\x.shp",
        b"x.shp\x00.txt",
        b".. /evil.shp",
        b"survey/. ./evil.shp",
    ],
)
def test_path_tricks_in_names_are_zip_slip(name: bytes, tmp_path: Path, workdir: Path) -> None:
    path = write(tmp_path / "up.zip", raw_zip([raw(name, b"\x00\x00\x27\x0a")]))
    refused = refusal(path, workdir)
    assert (refused.status, refused.slug) == (422, "zip-slip")
    assert list(workdir.iterdir()) == []


def test_a_path_trick_outside_the_dataset_still_refuses_the_zip(
    parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    members = [raw(name, data) for name, data in named(parts).items()]
    members.append(raw("../../etc/cron.d/job", b"* * * * * root true\n"))
    refused = refusal(write(tmp_path / "up.zip", raw_zip(members)), workdir)
    assert refused.slug == "zip-slip"
    assert list(workdir.iterdir()) == []


@pytest.mark.parametrize(
    "mode",
    [stat.S_IFLNK | 0o777, stat.S_IFIFO | 0o644, stat.S_IFCHR | 0o644, stat.S_IFDIR | 0o755],
    ids=["symlink", "fifo", "device", "directory-named-like-a-file"],
)
def test_links_and_special_files_are_refused(
    mode: int, parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    path = tmp_path / "up.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in named(parts, exts=(".shx", ".dbf")).items():
            zf.writestr(name, data)
        link = zipfile.ZipInfo("parcels.shp")
        link.external_attr = mode << 16
        zf.writestr(link, "/etc/passwd")
    refused = refusal(path, workdir)
    assert (refused.status, refused.slug) == (422, "zip-link")
    assert "parcels.shp" in str(refused)


@pytest.mark.parametrize("lying_count", [False, True], ids=["honest-count", "lying-count"])
def test_too_many_files(lying_count: bool, tmp_path: Path, workdir: Path) -> None:
    data = raw_zip([raw(f"f{i}.txt", b"") for i in range(501)])
    if lying_count:  # zipfile walks the directory whatever the end record says
        data = data[:-14] + struct.pack("<2H", 1, 1) + data[-10:]
    refused = refusal(write(tmp_path / "up.zip", data), workdir)
    assert (refused.status, refused.slug) == (413, "too-many-files")
    assert "500" in str(refused)


def test_the_count_is_checked_before_zipfile_parses_the_directory(
    tmp_path: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # zipfile builds an object per entry, however many a small upload crams in
    data = raw_zip([raw(f"f{i}", b"") for i in range(501)])
    source = write(tmp_path / "up.zip", data[:-14] + struct.pack("<2H", 1, 1) + data[-10:])

    def no_parsing(*args: object, **kwargs: object) -> None:
        raise AssertionError("zipfile parsed the directory before the entries were counted")

    monkeypatch.setattr(zipfile, "ZipFile", no_parsing)
    assert refusal(source, workdir).slug == "too-many-files"


def test_the_file_count_limit_is_the_callers(
    parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    path = make_zip(tmp_path / "up.zip", named(parts))
    assert refusal(path, workdir, UploadLimits(max_files=4)).slug == "too-many-files"
    assert open_upload(path, workdir, UploadLimits(max_files=5)).kind == "shapefile"


def test_a_zip_declaring_too_much_in_all_is_too_large(tmp_path: Path, workdir: Path) -> None:
    members = [raw(f"part{i}.dbf", b"x", size=3 * 1024**3) for i in range(2)]
    refused = refusal(write(tmp_path / "up.zip", raw_zip(members)), workdir)
    assert (refused.status, refused.slug) == (413, "too-large")


def test_a_classic_bomb_is_refused_before_anything_is_written(
    parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    stream, crc = zeros_deflated(300)
    assert len(stream) < MiB
    members = [raw(name, data) for name, data in named(parts, exts=(".shp", ".shx")).items()]
    members.append(Raw(b"parcels.dbf", stream, 300 * MiB, crc))
    refused = refusal(write(tmp_path / "up.zip", raw_zip(members)), workdir)
    assert (refused.status, refused.slug) == (413, "zip-bomb")
    assert "parcels.dbf" in str(refused)
    assert list(workdir.iterdir()) == []


@pytest.mark.parametrize(("mib", "refused"), [(0.5, False), (2, True)])
def test_the_ratio_is_only_checked_above_the_minimum_size(
    mib: float, refused: bool, parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    files = named(parts) | {"notes.txt": bytes(int(mib * MiB))}  # zeros: ~1000:1
    path = make_zip(tmp_path / "up.zip", files)
    if refused:
        assert refusal(path, workdir).slug == "zip-bomb"
    else:
        assert open_upload(path, workdir).kind == "shapefile"


def test_entries_sharing_one_local_header_are_a_bomb(
    parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    shp, shx = raw("parcels.shp", parts[".shp"]), raw("parcels.shx", parts[".shx"])
    dbf = raw("parcels.dbf", parts[".shp"])  # a directory entry pointing at the .shp's data
    data = raw_zip([shp, shx], central=[(shp, 0), (shx, 1), (dbf, 0)])
    refused = refusal(write(tmp_path / "up.zip", data), workdir)
    assert (refused.status, refused.slug) == (413, "zip-bomb")
    assert list(workdir.iterdir()) == []


def test_an_entry_whose_data_runs_into_the_next_header_is_a_bomb(
    parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    members = [raw(name, data) for name, data in named(parts).items()]
    members[0].csize = len(members[0].payload) + 31  # over the .shx's 30-byte local header
    refused = refusal(write(tmp_path / "up.zip", raw_zip(members)), workdir)
    assert (refused.status, refused.slug) == (413, "zip-bomb")
    assert "parcels.shp" in str(refused) and "parcels.shx" in str(refused)


def test_a_member_inflating_beyond_its_declared_size_is_stopped(
    parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    # declares 1000 bytes, with the CRC of those first 1000 bytes, but inflates to 5 MiB:
    # a decoder that stops at the declared size without saying so would accept it
    body = parts[".shp"] + bytes(5 * MiB)
    members = [raw("parcels.shp", body, size=1000, crc=zlib.crc32(body[:1000]))]
    members += [raw(name, data) for name, data in named(parts, exts=(".shx", ".dbf")).items()]
    refused = refusal(write(tmp_path / "up.zip", raw_zip(members)), workdir)
    assert (refused.status, refused.slug) == (413, "zip-bomb")
    assert "parcels.shp" in str(refused)
    written = workdir / "upload.shp"
    assert not written.exists() or written.stat().st_size <= 1000


def test_a_member_shorter_than_declared_is_bad(
    parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    members = [raw(name, data) for name, data in named(parts).items()]
    members[2].size += 100  # the .dbf
    refused = refusal(write(tmp_path / "up.zip", raw_zip(members)), workdir)
    assert (refused.status, refused.slug) == (422, "bad-zip")
    assert "parcels.dbf" in str(refused)


@pytest.mark.parametrize("flags", [0x0001, 0x0041], ids=["zipcrypto", "strong"])
def test_encrypted_members_are_refused(
    flags: int, parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    members = [raw(name, data) for name, data in named(parts).items()]
    members[2].flags = flags
    refused = refusal(write(tmp_path / "up.zip", raw_zip(members)), workdir)
    assert (refused.status, refused.slug) == (422, "zip-encrypted")
    assert "parcels.dbf" in str(refused)


@pytest.mark.parametrize("method", [99, 9, 1])
def test_an_unsupported_compression_method_is_a_bad_zip(
    method: int, parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    members = [raw(name, data) for name, data in named(parts).items()]
    members[0].method = method
    refused = refusal(write(tmp_path / "up.zip", raw_zip(members)), workdir)
    assert (refused.status, refused.slug) == (422, "bad-zip")
    assert "parcels.shp" in str(refused) and str(method) in str(refused)


def test_corrupt_compressed_data_is_a_bad_zip(
    parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    members = [raw(name, data) for name, data in named(parts).items()]
    dbf = members[2]
    dbf.payload = dbf.payload[:8] + bytes(b ^ 0x5A for b in dbf.payload[8:40]) + dbf.payload[40:]
    refused = refusal(write(tmp_path / "up.zip", raw_zip(members)), workdir)
    assert (refused.status, refused.slug) == (422, "bad-zip")
    assert "parcels.dbf" in str(refused)


def test_a_checksum_mismatch_is_a_bad_zip(
    parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    members = [raw(name, data) for name, data in named(parts).items()]
    members[1].crc ^= 1  # the .shx
    refused = refusal(write(tmp_path / "up.zip", raw_zip(members)), workdir)
    assert (refused.status, refused.slug) == (422, "bad-zip")
    assert "parcels.shx" in str(refused) and "checksum" in str(refused)


@pytest.mark.parametrize("cut", ["half", "middle", "tail"])
def test_a_truncated_zip_is_a_bad_zip(
    cut: str, parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    data = make_zip(tmp_path / "good.zip", named(parts)).read_bytes()
    directory = data.index(b"PK\x01\x02")
    cuts = {
        "half": data[: len(data) // 2],
        "middle": data[:100] + data[directory:],  # the directory now points past the data
        "tail": data[:-5],
    }
    refused = refusal(write(tmp_path / "up.zip", cuts[cut]), workdir)
    assert (refused.status, refused.slug) == (422, "bad-zip")


def test_crafted_damage_only_ever_raises_upload_refused(
    parts: dict[str, bytes], tmp_path: Path
) -> None:
    """Whatever bytes are changed, the answer is a dataset or FileRefused, nothing else."""
    good = make_zip(tmp_path / "good.zip", named(parts)).read_bytes()
    directory = good.index(b"PK\x01\x02")
    rng = random.Random(20240450)
    outcomes: set[str] = set()
    for attempt in range(600):
        data = bytearray(good)
        # most changes go to the directory and headers, where the parser is exposed
        low = directory if attempt % 3 else 0
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(low, len(data))
            data[at] = rng.choice((0x00, 0xFF, 0x7F, 0x80, rng.randrange(256)))
        if attempt % 10 == 0:
            data = data[: rng.randrange(len(data))]
        workdir = tmp_path / "work"
        workdir.mkdir()
        source = write(tmp_path / "up.zip", bytes(data))
        try:
            open_upload(source, workdir)
            outcomes.add("dataset")
        except FileRefused as exc:
            assert exc.status in (413, 415, 422)
            assert exc.slug and str(exc)
            outcomes.add(exc.slug)
        shutil.rmtree(workdir)
    assert {"bad-zip", "dataset"} <= outcomes and len(outcomes) >= 4, outcomes


# --- the third-party corpus -------------------------------------------------------------------


@pytest.fixture
def corpus() -> Path:
    if not (CORPUS / "README.md").is_file():
        pytest.skip("the shapefile edge-case corpus is not in shared/testdata")
    return CORPUS


def zip_loose(corpus: Path, folder: str, stem: str, target: Path) -> Path:
    """Zip the loose files of one corpus shapefile together, as a surveyor would."""
    files = sorted((corpus / folder).glob(f"{stem}.*"))
    assert files, f"{folder}/{stem}.* is not in the corpus"
    return make_zip(target, {path.name: path.read_bytes() for path in files})


@pytest.mark.parametrize(
    ("archive_name", "members"),
    [
        ("pyshp/REL.zip", ("REL/releaseArea20090407.shp", "REL/releaseArea20090407.dbf")),
        ("shapefile-js/T8Th4_6n.zip", ("export/POLYLINE.shp", "export/POLYLINE.dbf")),
        ("shapefile-js/mixedcase.zip", ("senate.shp", "senate.shx", "senate.DBF")),
        ("shapefile-js/qgis.zip", ("qgis.shp", "qgis.shx", "qgis.dbf")),
        ("shapefile-js/SHP_Exclude.zip", ("TestExclude.shp", "TestExclude.dbf")),
        ("shapefile-js/zero-len-line.zip", ("zero-len-line.shp", "zero-len-line.dbf")),
    ],
)
def test_corpus_zips_that_hold_a_shapefile(
    archive_name: str, members: tuple[str, ...], corpus: Path, workdir: Path
) -> None:
    dataset = open_upload(corpus / archive_name, workdir)
    assert dataset.kind == "shapefile"
    assert set(members) <= set(dataset.members)
    assert not any(name.endswith((".sbn", ".sbx", ".xml", ".mshp")) for name in dataset.members)
    assert info_of(dataset)["features"] > 0


@pytest.mark.parametrize(
    ("archive_name", "status", "slug"),
    [
        ("shapefile-js/badzip.zip", 415, "not-a-dataset"),
        ("pyshp/empty_zipfile.zip", 422, "no-shapefile"),
        ("shapefile-js/no-dbf.zip", 422, "no-dbf"),
        ("shapefile-js/noshp.zip", 422, "no-shapefile"),
        ("shapefile-js/bad.shp", 415, "not-a-dataset"),  # a DBF uploaded alone
    ],
)
def test_corpus_files_that_are_refused(
    archive_name: str, status: int, slug: str, corpus: Path, workdir: Path
) -> None:
    refused = refusal(corpus / archive_name, workdir)
    assert (refused.status, refused.slug) == (status, slug)
    assert list(workdir.iterdir()) == []


def test_corpus_dbf_renamed_to_shp_zipped_is_not_a_shapefile(
    corpus: Path, tmp_path: Path, workdir: Path
) -> None:
    path = zip_loose(corpus, "shapefile-js", "bad", tmp_path / "bad.zip")
    refused = refusal(path, workdir)
    assert (refused.status, refused.slug) == (422, "not-a-shapefile")


# GDAL reads the Z+M test files as Z only, and says so
@pytest.mark.filterwarnings("ignore:Measured \\(M\\) geometry types:UserWarning")
@pytest.mark.parametrize(
    ("folder", "stem", "has_prj", "cpg", "needs_shx_restore", "warned"),
    [
        ("fiona", "coutwildrnp", True, "ISO-8859-1", False, ()),
        ("fiona", "gre", True, "UTF-8", False, ()),
        ("fiona", "test_tin", False, None, False, ()),
        ("pyshp", "latin1", False, None, True, (".shx",)),
        ("pyshp", "corrupt_too_long", False, None, False, ()),
        ("pyshp", "blockgroups", False, None, False, ()),
        ("shapefile-js", "codepage", True, "ANSI 1250", False, ()),
        ("shapefile-js", "utf", True, "UTF-8", False, ()),
        ("shapefile-js", "export_multipointz", True, None, False, ()),
        ("shapefile-js", "export_polylinez", True, None, False, ()),
        ("shapefile-js", "htmlcpg", True, None, True, (".shx", ".cpg")),
        ("shapefile-js", "htmlprj", False, "UTF-8", True, (".shx", ".prj")),
    ],
)
def test_corpus_loose_shapefiles_zipped(
    folder: str,
    stem: str,
    has_prj: bool,
    cpg: str | None,
    needs_shx_restore: bool,
    warned: tuple[str, ...],
    corpus: Path,
    tmp_path: Path,
    workdir: Path,
) -> None:
    dataset = open_upload(zip_loose(corpus, folder, stem, tmp_path / "up.zip"), workdir)
    assert dataset.kind == "shapefile"
    assert (dataset.has_prj, dataset.cpg, dataset.has_cpg) == (has_prj, cpg, cpg is not None)
    assert dataset.needs_shx_restore is needs_shx_restore
    assert len(dataset.warnings) == len(warned)
    for ext, warning in zip(warned, dataset.warnings, strict=True):
        assert f"{stem}{ext}" in warning
    assert (workdir / "upload.prj").exists() is has_prj
    assert (workdir / "upload.cpg").exists() is (cpg is not None)
    assert info_of(dataset)["features"] > 0
