"""Finding the dataset in an upload: what a good one gives, what is refused and why (the
zip's own safety: test_safe_zip), and the third-party corpus."""

from __future__ import annotations

import json
import stat
import zipfile
from pathlib import Path

import pytest

from pyproj import CRS

from app import config
from app.ingest import file_kinds
from app.ingest.upload import Dataset, open_upload
from tests.ingest.uploads import (
    CORPUS,
    HTML,
    SHAPEFILE_EXTS,
    WKT,
    info_of,
    make_zip,
    named,
    refusal,
    write,
)

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
