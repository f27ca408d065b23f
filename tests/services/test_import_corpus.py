"""Third-party shapefile edge cases through the import: each ends in a specific outcome.

The corpus (see its README.md) holds no Vietnamese parcels: every upload is refused whole (not a
dataset, a bad zip, no .dbf, no .shp, no sheet/parcel columns, no or an unknown CRS, coordinates
far from Vietnam, each with its hint) or has every feature rejected with the reason. Nothing is
ever written, and no upload ends in the generic "failed unexpectedly" error.
"""

from __future__ import annotations

import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from app.config import PROJECT_ROOT
from tests.services.conftest import ImportRun

# GDAL reads the corpus's measured (M) shapes as Z, and says so
pytestmark = pytest.mark.filterwarnings("ignore:Measured \\(M\\) geometry types:UserWarning")

CORPUS = PROJECT_ROOT.parent / "shared" / "testdata" / "shapefile-edgecases"
PARCEL_TABLES = ("parcel", "parcel_version", "parcel_land_use", "holder")

NO_COLUMNS = "no column for sheet_no, parcel_no among "
NO_PRJ = "The file says nothing about its CRS (no .prj); state it with the crs option"
NOT_A_PRJ = "The file says nothing about its CRS (its .prj is no CRS: 'htmlprj.prj' does not hold"
OUTSIDE = "The coordinates cannot be right in WGS 84: they lie outside Vietnam in "
DEGREES = (
    "The coordinates cannot be right in VN-2000 / TM-3 107-00: they look like degrees, not "
    "metres: name EPSG:4326 or EPSG:4756"
)
METRES = "The coordinates cannot be right in WGS 84: they look like metres, not degrees"
POINT = "Point geometry: a parcel is a polygon"
LINE = "LineString geometry: a parcel is a polygon"


def mapped(column: str, **options: Any) -> dict[str, Any]:
    """Return options that name `column` as sheet and parcel number, in a stated commune."""
    return {
        "field_map": {"sheet_no": column, "parcel_no": column},
        "commune_code": "07777",
        **options,
    }


@dataclass(frozen=True)
class Case:
    """An upload ("zip:folder/stem": the loose files zipped; "file:folder/name": as is), the
    options, and the outcome: refused whole (slug, error fragment) or every feature rejected
    (reason -> count)."""

    upload: str
    options: dict[str, Any] = field(default_factory=dict)
    refused: str | None = None
    says: str = ""
    rejected: dict[str, int] = field(default_factory=dict)
    warns: tuple[str, ...] = ()  # file-level warnings expected among the issues

    @property
    def id(self) -> str:
        name = self.upload.split("/")[-1]
        extra = ",".join(f"{k}={v}" for k, v in self.options.items() if k in ("crs",))
        return f"{name}[{'mapped' if self.options else 'as is'}{',' + extra if extra else ''}]"


CASES = [
    # --- not a dataset, damaged, incomplete --------------------------------------------------
    Case("file:pyshp/empty_zipfile.zip", refused="no-shapefile", says="it holds 'dummyfile.txt'"),
    Case("file:shapefile-js/badzip.zip", refused="not-a-dataset", says="is not a zip, GeoPackage"),
    Case("file:shapefile-js/bad.shp", refused="not-a-dataset", says="is not a zip, GeoPackage"),
    Case("file:shapefile-js/bad.dbf", refused="not-a-dataset", says="is not a zip, GeoPackage"),
    Case("file:fiona/test_tin.csv", refused="not-a-dataset", says="is not a zip, GeoPackage"),
    Case("file:fiona/gre.shp", refused="shapefile-not-zipped", says="cannot be read alone"),
    Case("file:shapefile-js/utf.shp", refused="shapefile-not-zipped", says="zip it together"),
    Case("zip:shapefile-js/bad", refused="not-a-shapefile", says="'bad.shp' is not a shapefile"),
    Case("file:shapefile-js/no-dbf.zip", refused="no-dbf", says="'no-dbf.shp' has no .dbf"),
    Case("file:shapefile-js/noshp.zip", refused="no-shapefile", says="'counties.dbf'"),
    # --- no sheet/parcel columns ----------------------------------------------------------------
    Case("zip:fiona/coutwildrnp", refused="fields", says=NO_COLUMNS + "PERIMETER"),
    Case("zip:fiona/gre", refused="fields", says=NO_COLUMNS + "flag"),
    Case("file:shapefile-js/T8Th4_6n.zip", refused="fields", says=NO_COLUMNS + "name"),
    Case("zip:shapefile-js/codepage", refused="fields", says=NO_COLUMNS + "field"),
    Case("zip:shapefile-js/utf", refused="fields", says=NO_COLUMNS + "field"),
    Case("zip:shapefile-js/export_multipointz", refused="fields", says=NO_COLUMNS + "attr"),
    Case("file:shapefile-js/qgis.zip", refused="fields", says=NO_COLUMNS + "FID"),
    Case("file:shapefile-js/zero-len-line.zip", refused="fields", says=NO_COLUMNS + "TYPEPIPE"),
    # --- no CRS, or one the registry does not take ----------------------------------------------
    Case("zip:fiona/test_tin", refused="crs-missing", says=NO_PRJ),
    Case("zip:pyshp/blockgroups", refused="crs-missing", says=NO_PRJ),
    Case("zip:pyshp/corrupt_too_long", refused="crs-missing", says=NO_PRJ),
    Case("zip:pyshp/latin1", refused="crs-missing", says=NO_PRJ),
    Case("file:shapefile-js/SHP_Exclude.zip", refused="crs-missing", says=NO_PRJ),
    Case("zip:shapefile-js/htmlprj", mapped("field"), refused="crs-missing", says=NOT_A_PRJ),
    Case(
        "file:pyshp/REL.zip",
        refused="crs-unknown",
        says="'MGI / Austria Lambert' on the Bessel 1841 ellipsoid",
    ),
    Case(
        "file:shapefile-js/mixedcase.zip",
        refused="crs-unknown",
        says="'NAD83 / Massachusetts Mainland' on the GRS 1980 ellipsoid",
    ),
    # --- coordinates far from Vietnam -----------------------------------------------------------
    Case("zip:fiona/coutwildrnp", mapped("WILDRNP020"), refused="coordinates", says=OUTSIDE),
    Case("zip:fiona/coutwildrnp", mapped("WILDRNP020", crs=9214), "coordinates", DEGREES),
    Case("zip:fiona/gre", mapped("flag"), refused="coordinates", says=OUTSIDE),
    Case("file:shapefile-js/qgis.zip", mapped("FID"), refused="coordinates", says=OUTSIDE),
    Case("file:pyshp/REL.zip", mapped("Id", crs=4326), refused="coordinates", says=METRES),
    Case(
        "file:pyshp/REL.zip",
        mapped("Id", crs=9214),
        refused="coordinates",
        says="they lie outside Vietnam in http://www.opengis.net/def/crs/EPSG/0/9214",
    ),
    Case("zip:pyshp/blockgroups", mapped("POP1990", crs=9214), "coordinates", DEGREES),
    Case("zip:pyshp/blockgroups", mapped("POP1990", crs=4326), "coordinates", OUTSIDE),
    Case("zip:pyshp/latin1", mapped("id", crs=4326), refused="coordinates", says=OUTSIDE),
    Case("file:shapefile-js/SHP_Exclude.zip", mapped("__ID42", crs=4326), "coordinates", OUTSIDE),
    Case(
        "file:shapefile-js/SHP_Exclude.zip",
        # a numeric commune column with nulls (NaN): the stated commune code stands in
        {
            "field_map": {
                "survey_commune_code": "CropYear",
                "sheet_no": "__ID42",
                "parcel_no": "__ID42",
            },
            "commune_code": "07777",
            "crs": 4326,
        },
        refused="coordinates",
        says=OUTSIDE,
    ),
    Case("file:shapefile-js/mixedcase.zip", mapped("SENDISTNUM", crs=4326), "coordinates", METRES),
    # --- every feature rejected, with its reason ------------------------------------------------
    Case(
        "zip:fiona/test_tin",
        mapped("id", crs=9214),
        rejected={"TIN (MultiPatch) geometry: a parcel is a polygon": 1},
    ),
    Case("zip:pyshp/corrupt_too_long", mapped("test", crs=9214), rejected={LINE: 10}),
    Case("file:shapefile-js/T8Th4_6n.zip", mapped("name"), rejected={LINE: 1}),
    Case("zip:shapefile-js/codepage", mapped("field"), rejected={POINT: 2}),
    Case("zip:shapefile-js/utf", mapped("field"), rejected={POINT: 2}),
    Case(
        "zip:shapefile-js/htmlcpg",
        mapped("field"),
        rejected={POINT: 2},
        warns=(
            "htmlcpg.shx (the shape index) is missing; it is rebuilt from the .shp",
            "'htmlcpg.cpg' does not name a code page and was ignored",
        ),
    ),
    Case(
        "zip:shapefile-js/htmlprj",
        mapped("field", crs=4326),
        rejected={POINT: 2},
        warns=("'htmlprj.prj' does not hold a WKT coordinate system",),
    ),
    Case(
        "zip:shapefile-js/export_multipointz",
        mapped("attr"),
        rejected={"MultiPoint geometry: a parcel is a polygon": 1},
    ),
    Case(
        "zip:shapefile-js/export_polylinez",
        mapped("attr"),
        rejected={"MultiLineString geometry: a parcel is a polygon": 1},
    ),
    Case(
        "file:shapefile-js/zero-len-line.zip",
        mapped("Shape_Leng"),
        rejected={LINE: 2, "null geometry": 1},
    ),
    # Massachusetts metres read as VN-2000 / TM-3 107-00 fall in Vietnam's coordinate ranges
    # (the file is not refused whole) but outside every ward; three strays are far even so
    Case(
        "file:shapefile-js/mixedcase.zip",
        mapped("SENDISTNUM", crs=9214),
        rejected={
            "outside every ward of the registry": 37,
            "far from the others: they lie outside Vietnam in "
            "http://www.opengis.net/def/crs/EPSG/0/9214 (is it the right zone?)": 3,
        },
    ),
]


@pytest.fixture(scope="module")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"the shapefile edge-case corpus is not there ({CORPUS.name})")
    return CORPUS


def upload(corpus: Path, spec: str, folder: Path) -> Path:
    """Return the file to upload: a corpus file as is, or a shapefile's loose files zipped."""
    how, _, name = spec.partition(":")
    if how == "file":
        return corpus / name
    source_dir, _, stem = name.rpartition("/")
    target = folder / f"{stem}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in sorted((corpus / source_dir).glob(f"{stem}.*")):
            archive.write(part, part.name)
    return target


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_corpus_upload_ends_in_its_specific_outcome(
    corpus: Path, run_import: ImportRun, register: Engine, tmp_path: Path, case: Case
) -> None:
    status, report, issues = run_import(upload(corpus, case.upload, tmp_path), **case.options)
    with register.connect() as conn:
        error = conn.execute(text("SELECT error FROM import_job")).scalar_one()
        written = {
            t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in PARCEL_TABLES
        }
    assert "unexpectedly" not in error
    assert status == "failed"
    assert written == dict.fromkeys(PARCEL_TABLES, 0)
    if case.refused is not None:
        assert report == {"refused": case.refused}, error
        assert case.says in error
        assert issues == []
        return
    rejected = [i for i in issues if i["kind"] == "rejected"]
    assert Counter(i["reason"] for i in rejected) == case.rejected
    assert report["rejected"] == report["read"] == len(rejected)
    assert report["inserted"] == report["updated"] == report["unchanged"] == 0
    assert error.startswith(f"all_or_nothing: {report['rejected']} feature(s) rejected")
    file_warnings = [i["reason"] for i in issues if i["source_row"] is None]
    for warning in case.warns:
        assert any(w.startswith(warning) for w in file_warnings), file_warnings


def test_stated_encodings_and_features_are_reported_for_a_rejected_file(
    corpus: Path, run_import: ImportRun, tmp_path: Path
) -> None:
    # the .cpg "ANSI 1250" is honoured; the report of a failed import is still complete
    _, report, issues = run_import(
        upload(corpus, "zip:shapefile-js/codepage", tmp_path), **mapped("field")
    )
    assert report["encoding"] == {"field": "cp1250"}
    assert report["crs"]["epsg"] == 4326 and report["read"] == 2
    assert [(i["source_row"], i["feature_key"]) for i in issues] == [(1, None), (2, None)]

    _, report, _ = run_import(upload(corpus, "zip:shapefile-js/utf", tmp_path), **mapped("field"))
    assert report["encoding"] == {"field": "utf-8"}


def test_mixedcase_invalid_polygon_is_repaired_before_being_rejected(
    corpus: Path, run_import: ImportRun, tmp_path: Path
) -> None:
    _, report, issues = run_import(
        upload(corpus, "file:shapefile-js/mixedcase.zip", tmp_path),
        **mapped("SENDISTNUM", crs=9214),
    )
    repaired = [i for i in issues if i["kind"] == "repaired"]
    assert [(i["source_row"], i["reason"].split("[")[0]) for i in repaired] == [
        (7, "repaired: Ring Self-intersection")
    ]
    assert report["repaired"] == 1
