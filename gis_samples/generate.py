"""Generate the registry's sample data, deterministically.

A made-up town shaped like Việt Yên (Bắc Giang, now Bắc Ninh): 17 wards and communes with
Vietnamese names, and parcels grouped in villages around each ward's centre, in
VN-2000 / TM-3 107-00 (EPSG:9214). Same arguments, same bytes.

    python gis_samples/generate.py                       # the committed samples (3,000 parcels)
    python gis_samples/generate.py --parcels 1000000 --out gis_samples/generated/1m

Writes wards.geojson, parcels.zip (shapefile, UTF-8 with .cpg) and parcels_tcvn3.zip (the same
parcels with TCVN3-encoded text and no .cpg, as old Vietnamese tools leave them).
"""

from __future__ import annotations

import argparse
import io
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

import geopandas as gpd
import pyogrio
import shapely

from app.ingest.vntext import encode_tcvn3

SRID = 9214
# centre of the town in EPSG:9214 (about 106.10 E, 21.27 N)
CENTRE_E, CENTRE_N = 406_600.0, 2_353_000.0
SEED = 30  # Directive 30

# Pre-2025 wards (phường) and communes (xã) of the town. The codes of Bích Động, Tự Lạn, Nếnh
# and Vân Hà are the ones the merged 2025 wards carry; the others are illustrative, not the GSO
# list.
WARDS = [
    ("07777", "Bích Động", "phuong"),
    ("07774", "Tự Lạn", "phuong"),
    ("07795", "Nếnh", "phuong"),
    ("07798", "Vân Hà", "xa"),
    ("07780", "Hồng Thái", "phuong"),
    ("07783", "Tăng Tiến", "phuong"),
    ("07786", "Quang Châu", "phuong"),
    ("07789", "Vân Trung", "phuong"),
    ("07792", "Ninh Sơn", "phuong"),
    ("07801", "Quảng Minh", "phuong"),
    ("07804", "Thượng Lan", "xa"),
    ("07807", "Việt Tiến", "xa"),
    ("07810", "Hương Mai", "xa"),
    ("07813", "Tiên Sơn", "xa"),
    ("07816", "Trung Sơn", "xa"),
    ("07819", "Minh Đức", "xa"),
    ("07822", "Nghĩa Trung", "xa"),
]

# Parcels of these wards were surveyed when they were still townships (thị trấn) under older
# codes; the crosswalk (commune_crosswalk.csv) maps them to today's wards. Illustrative codes.
SURVEYED_AS = {"07777": ("07690", "Thị trấn Bích Động"), "07795": ("07693", "Thị trấn Nếnh")}

VILLAGES = ["Đông", "Đoài", "Trung", "Nội", "Thượng", "Hạ", "Tân Lập", "Phúc Long"]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Dương"]
MIDDLE_M = ["Văn", "Đức", "Hữu", "Minh", "Quang"]
MIDDLE_F = ["Thị", "Thu", "Ngọc", "Thanh"]
GIVEN_M = ["Hùng", "Dũng", "Tuấn", "Nam", "Thắng", "Bình", "Khánh", "Đông", "Quý", "Sơn"]
GIVEN_F = ["Hương", "Lan", "Hằng", "Thảo", "Phượng", "Yến", "Ngọc", "Hoa", "Nhung", "Trang"]
# land use by ring around a village centre: residential core, gardens, then fields and ponds
RESIDENTIAL = {"phuong": "ODT", "xa": "ONT"}
GARDEN = ["CLN", "HNK"]
FIELDS = ["LUC", "LUC", "LUK", "NTS", "HNK"]

ESRI_PRJ = (
    'PROJCS["VN_2000_KT107_3deg",GEOGCS["GCS_VN_2000",DATUM["D_Vietnam_2000",'
    'SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],'
    'UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
    'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
    'PARAMETER["Central_Meridian",107.0],PARAMETER["Scale_Factor",0.9999],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
)


def town_outline(rng: np.random.Generator) -> shapely.Polygon:
    """Return an irregular town boundary of roughly 15 km x 12 km."""
    angles = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    radius = 6_800 * (1 + 0.12 * rng.standard_normal(angles.size).clip(-2, 2))
    xs = CENTRE_E + 1.15 * radius * np.cos(angles)
    ys = CENTRE_N + 0.9 * radius * np.sin(angles)
    return shapely.Polygon(np.column_stack([xs, ys])).buffer(0)


def ward_polygons(outline: shapely.Polygon, rng: np.random.Generator) -> list[shapely.Polygon]:
    """Split the outline into one Voronoi cell per ward, largest piece of each cell kept."""
    minx, miny, maxx, maxy = outline.bounds
    seeds: list[shapely.Point] = []
    while len(seeds) < len(WARDS):
        p = shapely.Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if outline.buffer(-900).contains(p) and all(p.distance(q) > 2_200 for q in seeds):
            seeds.append(p)
    cells = shapely.voronoi_polygons(shapely.MultiPoint(seeds), extend_to=outline.envelope)
    by_seed = []
    for seed in seeds:
        cell = next(c for c in cells.geoms if c.contains(seed))
        by_seed.append(shapely.set_precision(cell.intersection(outline), 0.01))
    return by_seed


def parcel_grid(
    wards: list[shapely.Polygon], count: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Return `count` quadrilateral parcels (as polygons) and the index of each one's ward.

    Parcels tile villages (discs around each ward's interior point) on a jittered grid whose
    nodes are shared, so neighbours meet exactly and never overlap.
    """
    town_area = sum(w.area for w in wards)
    target_area = min(count * 330.0, 0.7 * town_area)  # ~330 m2 a parcel while room allows
    cell_area = target_area / count
    width, height = np.sqrt(cell_area / 1.5), np.sqrt(cell_area * 1.5)
    centres = np.array([[w.point_on_surface().x, w.point_on_surface().y] for w in wards])
    radius = np.sqrt(target_area / len(wards) / np.pi)
    union = shapely.union_all(wards)
    minx, miny, maxx, maxy = union.bounds
    nx, ny = int((maxx - minx) / width) + 2, int((maxy - miny) / height) + 2
    for _ in range(40):
        gx = minx + np.arange(nx + 1) * width
        gy = miny + np.arange(ny + 1) * height
        node_x, node_y = np.meshgrid(gx, gy)
        # jitter the shared nodes by up to 15% of a cell: irregular, still valid quads
        node_x = node_x + rng.uniform(-0.15, 0.15, node_x.shape) * width
        node_y = node_y + rng.uniform(-0.15, 0.15, node_y.shape) * height
        cx = (node_x[:-1, :-1] + node_x[1:, 1:]) / 2
        cy = (node_y[:-1, :-1] + node_y[1:, 1:]) / 2
        dist = np.sqrt((cx[..., None] - centres[:, 0]) ** 2 + (cy[..., None] - centres[:, 1]) ** 2)
        near = dist.min(axis=-1) / radius
        # every corner inside the town: no parcel hangs over its edge
        keep = (near <= 1.0) & shapely.contains_xy(union, cx, cy)
        for dy, dx in ((0, 0), (0, 1), (1, 0), (1, 1)):
            corners_x = node_x[dy : dy + node_x.shape[0] - 1, dx : dx + node_x.shape[1] - 1]
            corners_y = node_y[dy : dy + node_y.shape[0] - 1, dx : dx + node_y.shape[1] - 1]
            keep &= shapely.contains_xy(union, corners_x, corners_y)
        if keep.sum() >= count:
            break
        radius *= 1.1
    else:
        raise RuntimeError(f"cannot place {count} parcels in the town")
    rows, cols = np.nonzero(keep)
    order = np.argsort(near[rows, cols], kind="stable")[:count]
    rows, cols = rows[order], cols[order]
    # keep a north-to-south, west-to-east order, as map sheets are numbered
    order = np.lexsort((cols, -rows))
    rows, cols = rows[order], cols[order]
    ring = np.stack(
        [
            np.stack([node_x[rows, cols], node_y[rows, cols]], -1),
            np.stack([node_x[rows, cols + 1], node_y[rows, cols + 1]], -1),
            np.stack([node_x[rows + 1, cols + 1], node_y[rows + 1, cols + 1]], -1),
            np.stack([node_x[rows + 1, cols], node_y[rows + 1, cols]], -1),
            np.stack([node_x[rows, cols], node_y[rows, cols]], -1),
        ],
        axis=1,
    ).round(3)
    polygons = shapely.polygons(ring)
    px, py = (ring[:, 0, 0] + ring[:, 2, 0]) / 2, (ring[:, 0, 1] + ring[:, 2, 1]) / 2
    ward_index = np.full(count, -1)
    for i, ward in enumerate(wards):
        ward_index[(ward_index < 0) & shapely.contains_xy(ward, px, py)] = i
    ward_index[ward_index < 0] = np.argmin(
        np.hypot(
            px[ward_index < 0, None] - centres[:, 0], py[ward_index < 0, None] - centres[:, 1]
        ),
        axis=1,
    )
    ring_position = near[rows, cols]
    return polygons, np.column_stack([ward_index, ring_position])


def attributes(
    polygons: np.ndarray, placement: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    """Return the cadastral attributes of each parcel (Vietnamese field names)."""
    ward_index = placement[:, 0].astype(int)
    ring = placement[:, 1]
    codes = np.array([w[0] for w in WARDS])[ward_index]
    kinds = np.array([w[2] for w in WARDS])[ward_index]
    names = np.array([w[1] for w in WARDS])[ward_index]
    centroids = shapely.centroid(polygons)
    cx, cy = shapely.get_x(centroids), shapely.get_y(centroids)
    # map sheets: a 500 m grid, numbered from 1 in each commune in reading order
    cell = np.floor((CENTRE_N + 9_000 - cy) / 500) * 100 + np.floor((cx - CENTRE_E + 9_000) / 500)
    frame = pd.DataFrame({"code": codes, "cell": cell.astype(int)})
    frame["SHBANDO"] = frame.groupby("code")["cell"].rank(method="dense").astype(int)
    frame["SHTHUA"] = frame.groupby(["code", "SHBANDO"]).cumcount() + 1
    area = shapely.area(polygons)
    declared = np.where(rng.random(area.size) < 0.1, area * rng.normal(1, 0.02, area.size), area)
    land_use = np.where(
        ring < 0.45,
        np.array([RESIDENTIAL[k] for k in kinds]),
        np.where(
            ring < 0.65,
            rng.choice(GARDEN, area.size),
            rng.choice(FIELDS, area.size),
        ),
    )
    male = rng.random(area.size) < 0.55
    holder = [
        f"{rng.choice(FAMILY)} {rng.choice(MIDDLE_M if m else MIDDLE_F)} "
        f"{rng.choice(GIVEN_M if m else GIVEN_F)}"
        for m in male
    ]
    village = rng.choice(VILLAGES, area.size)
    unit = np.where(kinds == "phuong", "Phường", "Xã")
    address = [
        f"{'Tổ dân phố' if k == 'phuong' else 'Thôn'} {v}, {u} {n}"
        for k, v, u, n in zip(kinds, village, unit, names, strict=True)
    ]
    survey_codes = np.array([SURVEYED_AS.get(c, (c, ""))[0] for c in codes])
    return pd.DataFrame(
        {
            "MAXA": survey_codes,
            "SHBANDO": frame["SHBANDO"].to_numpy(),
            "SHTHUA": frame["SHTHUA"].to_numpy(),
            "DIENTICH": np.round(declared, 1),
            "MALOAIDAT": land_use,
            "TENCHU": holder,
            "DIACHI": address,
        }
    )


def write_shapefile_zip(frame: gpd.GeoDataFrame, target: Path, *, encoding: str, cpg: bool) -> None:
    """Write the parcels as one zipped shapefile with a Vietnamese-tool style .prj."""
    with tempfile.TemporaryDirectory() as tmp:
        shp = Path(tmp) / "parcels.shp"
        pyogrio.write_dataframe(frame, shp, driver="ESRI Shapefile", encoding=encoding)
        (Path(tmp) / "parcels.prj").write_text(ESRI_PRJ)
        cpg_path = Path(tmp) / "parcels.cpg"
        dbf = Path(tmp) / "parcels.dbf"
        header = bytearray(dbf.read_bytes())
        header[1:4] = bytes([124, 1, 1])  # "last update" 2024-01-01, not today: same bytes
        if cpg:
            cpg_path.write_text("UTF-8")
        else:
            cpg_path.unlink(missing_ok=True)
            header[29] = 0  # no language driver id: the encoding is undeclared, as in the wild
        dbf.write_bytes(bytes(header))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for part in sorted(Path(tmp).iterdir()):
                info = zipfile.ZipInfo(part.name, date_time=(2024, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, part.read_bytes())
        target.write_bytes(buffer.getvalue())


def generate(out: Path, parcels: int) -> None:
    """Write the wards and `parcels` parcels into `out`."""
    rng = np.random.default_rng(SEED)
    outline = town_outline(rng)
    wards = ward_polygons(outline, rng)
    out.mkdir(parents=True, exist_ok=True)
    ward_frame = gpd.GeoDataFrame(
        {
            "code": [w[0] for w in WARDS],
            "name": [w[1] for w in WARDS],
            "kind": [w[2] for w in WARDS],
        },
        geometry=[shapely.MultiPolygon([w]) if w.geom_type == "Polygon" else w for w in wards],
        crs=SRID,
    )
    wards_path = out / "wards.geojson"
    wards_path.unlink(missing_ok=True)
    pyogrio.write_dataframe(
        ward_frame, wards_path, driver="GeoJSON", layer_options={"COORDINATE_PRECISION": 2}
    )
    (out / "commune_crosswalk.csv").write_text(
        "old_code,old_name,ward_code,effective_on\n"
        + "".join(f"{old},{name},{ward},\n" for ward, (old, name) in SURVEYED_AS.items()),
        encoding="utf-8",
    )
    polygons, placement = parcel_grid(wards, parcels, rng)
    frame = gpd.GeoDataFrame(attributes(polygons, placement, rng), geometry=polygons, crs=SRID)
    write_shapefile_zip(frame, out / "parcels.zip", encoding="UTF-8", cpg=True)
    legacy = frame.copy()
    for column in ("TENCHU", "DIACHI"):
        # TCVN3 bytes carried through a Latin-1 DBF byte for byte
        legacy[column] = [encode_tcvn3(v).decode("latin-1") for v in legacy[column]]
    write_shapefile_zip(legacy, out / "parcels_tcvn3.zip", encoding="ISO-8859-1", cpg=False)
    print(f"wrote {len(ward_frame)} wards and {len(frame)} parcels to {out}")


def main() -> None:
    """Parse the command line and generate."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=3_000, help="how many parcels")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args()
    generate(args.out, args.parcels)


if __name__ == "__main__":
    main()
