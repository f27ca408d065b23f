"""Exports of a parcel query as files staff take into QGIS or the field."""

from __future__ import annotations

import io
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy.orm import Session

import geopandas as gpd
import pyogrio
import shapely

from app.db import parcel_features
from app.domain.parcel_filter import ParcelFilter
from app.domain.permissions import Action, Actor, Role, may
from app.errors import FileRefused, InvalidInput
from app.limits import MAX_EXPORT_FEATURES
from app.spatial import crs as crs_codes

Format = Literal["gpkg", "shp", "csv"]
COLUMNS = (
    "id",
    "survey_commune_code",
    "ward_code",
    "sheet_no",
    "parcel_no",
    "status",
    "certified",
    "area_m2",
    "legal_area_m2",
    "land_use",
    "disputed",
    "origin_confirmed",
    "address",
    "holders",
)
# a shapefile speaks the cadastral tools' field names (10 characters at most), so that it
# goes back into them, and into this registry's own import, as it is
SHAPEFILE_NAMES = {
    "id": "ID",
    "survey_commune_code": "MAXA",
    "ward_code": "MAPHUONG",
    "sheet_no": "SHBANDO",
    "parcel_no": "SHTHUA",
    "status": "TRANGTHAI",
    "certified": "DACAPGCN",
    "area_m2": "DTTINHTOAN",
    "legal_area_m2": "DIENTICH",
    "land_use": "MALOAIDAT",
    "disputed": "TRANHCHAP",
    "origin_confirmed": "XNNGUONGOC",
    "address": "DIACHI",
    "holders": "TENCHU",
}
MEDIA = {
    "gpkg": "application/geopackage+sqlite3",
    "shp": "application/zip",
    "csv": "text/csv; charset=utf-8",
}


@dataclass
class ExportFile:
    """The file: its bytes, media type and the name to save it under."""

    content: bytes
    media_type: str
    filename: str


def export(
    *, session: Session, actor: Actor, where: ParcelFilter, fmt: Format, crs: str | int
) -> ExportFile:
    """Return the parcels matching `where` as a GeoPackage, a zipped shapefile or a CSV."""
    try:
        srid = crs_codes.parse_crs(crs)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    personal_all = actor.role is not Role.WARD_OFFICER and may(actor, Action.READ_PERSONAL)
    rows = parcel_features.export_rows(
        session.connection(),
        where,
        srid=srid,
        personal_all=personal_all,
        personal_ward=actor.ward_code if actor.role is Role.WARD_OFFICER else None,
        limit=MAX_EXPORT_FEATURES,
    )
    if len(rows) > MAX_EXPORT_FEATURES:
        raise FileRefused(
            f"The query matches more than {MAX_EXPORT_FEATURES:,} parcels; narrow it "
            "(a ward, a map sheet, an area) or export it in parts.",
            status=413,
            slug="too-many-features",
        )
    frame = gpd.GeoDataFrame(
        {name: [getattr(row, name) for row in rows] for name in COLUMNS},
        geometry=shapely.from_wkb([bytes(row.wkb) for row in rows]),
        crs=f"EPSG:{srid}",
    )
    for column in ("area_m2", "legal_area_m2"):
        frame[column] = frame[column].astype("float64")
    with tempfile.TemporaryDirectory(prefix="parcel-export-") as work:
        folder = Path(work)
        if fmt == "gpkg":
            path = folder / "parcels.gpkg"
            pyogrio.write_dataframe(frame, path, layer="parcels", driver="GPKG")
            return ExportFile(path.read_bytes(), MEDIA[fmt], "parcels.gpkg")
        if fmt == "csv":
            path = folder / "parcels.csv"
            pyogrio.write_dataframe(
                frame, path, driver="CSV", layer_options={"GEOMETRY": "AS_WKT", "WRITE_BOM": "YES"}
            )
            return ExportFile(path.read_bytes(), MEDIA[fmt], "parcels.csv")
        path = folder / "parcels.shp"
        pyogrio.write_dataframe(
            frame.rename(columns=SHAPEFILE_NAMES),
            path,
            driver="ESRI Shapefile",
            encoding="UTF-8",
            geometry_type="MultiPolygon",
        )
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for member in sorted(folder.glob("parcels.*")):
                archive.write(member, member.name)
        return ExportFile(buffer.getvalue(), MEDIA[fmt], "parcels.zip")
