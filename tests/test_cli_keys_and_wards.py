"""API keys and ward boundaries: `parcel-registry apikey|wards` on a fresh database, and
/api-keys over HTTP."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import unicodedata
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.orm import Session

import geopandas as gpd
import pyogrio
import shapely
from pyproj import Transformer
from shapely import Polygon, box

from app.config import to_sqlalchemy_url
from app.domain.permissions import Role
from app.errors import Unauthenticated
from app.services import apikeys, passwords
from tests.spatial.test_crs_detect import TOWGS84_POSITION_VECTOR, tm3_wkt1_with_towgs84
from tests.support import SETUP, fresh_database

CLI = str(Path(sys.executable).parent / "parcel-registry")
LOG_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (DEBUG|INFO) [\w.]+: ")

# two wards near Nếnh, in WGS84; names written decomposed (NFD), as some editors save them
WARDS = [
    {
        "code": "07795",
        "name": "Nếnh",
        "kind": "phường",
        "geometry": box(106.10, 21.26, 106.12, 21.28),
    },
    {
        "code": "07798",
        "name": "Vân Hà",
        "kind": "xã",
        "geometry": box(106.12, 21.26, 106.15, 21.29),
    },
]
CROSSWALK = (
    "old_code,old_name,ward_code,effective_on\n"
    "07693,Thị trấn Nếnh,07795,2025-07-01\n"
    "07700,Xã Vân Hà cũ,07798,\n"
)


TO_VN2000 = Transformer.from_crs("EPSG:4326", "EPSG:9214", always_xy=True)


def _area_vn2000(geometry: Polygon) -> float:
    """Return the area in m2 of a WGS84 polygon, projected with pyproj to EPSG:9214."""
    projected = shapely.transform(
        geometry, lambda xy: np.column_stack(TO_VN2000.transform(xy[:, 0], xy[:, 1]))
    )
    return float(projected.area)


def _env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARCELS_")}
    env["DATABASE_URL"] = database_url
    return env


def _write_wards(path: Path, wards: list[dict[str, Any]], **columns: list[Any]) -> Path:
    frame = gpd.GeoDataFrame(
        {
            "code": [w["code"] for w in wards],
            "name": [unicodedata.normalize("NFD", w["name"]) for w in wards],
            "kind": [unicodedata.normalize("NFD", w["kind"]) for w in wards],
            **columns,
        },
        geometry=[w["geometry"] for w in wards],
        crs="EPSG:4326",
    )
    pyogrio.write_dataframe(frame, path, driver="GPKG", layer="wards")
    return path


class Cli:
    """Runs `parcel-registry` against one database."""

    def __init__(self, database_url: str) -> None:
        self.env = _env(database_url)

    def __call__(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [CLI, *args], env=self.env, capture_output=True, text=True, timeout=300, input=stdin
        )

    def ok(self, *args: str, stdin: str | None = None) -> str:
        result = self(*args, stdin=stdin)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def refused(self, *args: str, stdin: str | None = None) -> str:
        """Run a command that must fail as a user error: exit 2, one line, no traceback."""
        result = self(*args, stdin=stdin)
        assert result.returncode == 2, (result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        # besides the log records of the migration check, one line says what is wrong
        lines = [line for line in result.stderr.splitlines() if not LOG_RECORD.match(line)]
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("parcel-registry: ")
        return lines[0]


@pytest.fixture(scope="module")
def fresh_url(server_url: str) -> Iterator[str]:
    with fresh_database(server_url, "cli_keys_wards") as url:
        yield url


@pytest.fixture(scope="module")
def fresh_engine(fresh_url: str) -> Iterator[Engine]:
    engine = create_engine(to_sqlalchemy_url(fresh_url))
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def cli(fresh_url: str) -> Cli:
    return Cli(fresh_url)


@pytest.fixture(scope="module")
def crosswalk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("crosswalk") / "crosswalk.csv"
    path.write_text(CROSSWALK, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def imported(
    cli: Cli, crosswalk: Path, tmp_path_factory: pytest.TempPathFactory
) -> subprocess.CompletedProcess[str]:
    """The two wards and their crosswalk, imported into the empty database once."""
    gpkg = _write_wards(tmp_path_factory.mktemp("wards") / "wards.gpkg", WARDS)
    return cli("wards", "import", str(gpkg), "--crosswalk", str(crosswalk))


def _wards(engine: Engine) -> dict[str, tuple[str, str, int, float, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT code, name, kind, ST_SRID(boundary), ST_Area(boundary),"
                " GeometryType(boundary) FROM ward ORDER BY code"
            )
        )
        return {r[0]: (r[1], r[2], r[3], float(r[4]), r[5]) for r in rows}


def _crosswalk(engine: Engine) -> list[tuple[str, str, str, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT old_code, old_name, ward_code, CAST(effective_on AS text)"
                " FROM commune_crosswalk ORDER BY old_code"
            )
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


# -- wards import ----------------------------------------------------------------------------


def test_wards_import_migrates_an_empty_database_and_stores_vn2000(
    imported: subprocess.CompletedProcess[str], fresh_engine: Engine
) -> None:
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.splitlines()[-1] == "imported 2 wards and 2 old communes"

    wards = _wards(fresh_engine)
    assert list(wards) == ["07795", "07798"]
    assert wards["07795"][:3] == ("Nếnh", "phuong", 9214)
    assert wards["07798"][:3] == ("Vân Hà", "xa", 9214)
    for name, *_ in wards.values():
        assert unicodedata.is_normalized("NFC", name)
    assert {w[4] for w in wards.values()} == {"MULTIPOLYGON"}

    for ward in WARDS:
        expected = _area_vn2000(ward["geometry"])
        assert expected > 1_000_000
        assert wards[ward["code"]][3] == pytest.approx(expected, rel=0.005)

    assert _crosswalk(fresh_engine) == [
        ("07693", "Thị trấn Nếnh", "07795", "2025-07-01"),
        ("07700", "Xã Vân Hà cũ", "07798", None),
    ]


def test_wards_import_lands_where_the_coordinates_say(
    imported: subprocess.CompletedProcess[str], fresh_engine: Engine
) -> None:
    assert imported.returncode == 0, imported.stderr
    with fresh_engine.connect() as conn:
        lon, lat = conn.execute(
            text(
                "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Transform(ST_Centroid(boundary), 4326)"
                " AS c FROM ward WHERE code = '07795') x"
            )
        ).one()
    assert lon == pytest.approx(106.11, abs=1e-4)
    assert lat == pytest.approx(21.27, abs=1e-4)


def test_wards_reimport_updates_instead_of_duplicating(
    imported: subprocess.CompletedProcess[str],
    cli: Cli,
    crosswalk: Path,
    fresh_engine: Engine,
    tmp_path: Path,
) -> None:
    assert imported.returncode == 0, imported.stderr
    renamed = [{**WARDS[0], "name": "Phường Nếnh", "geometry": box(106.10, 21.26, 106.11, 21.27)}]
    out = cli.ok(
        "wards",
        "import",
        str(_write_wards(tmp_path / "one.gpkg", renamed)),
        "--crosswalk",
        str(crosswalk),
    )
    assert out.splitlines()[-1] == "imported 1 wards and 2 old communes"
    try:
        wards = _wards(fresh_engine)
        assert list(wards) == ["07795", "07798"]
        assert wards["07795"][0] == "Phường Nếnh"
        smaller = _area_vn2000(renamed[0]["geometry"])
        assert wards["07795"][3] == pytest.approx(smaller, rel=0.005)
        assert len(_crosswalk(fresh_engine)) == 2
    finally:
        cli.ok("wards", "import", str(_write_wards(tmp_path / "two.gpkg", WARDS)))
    assert _wards(fresh_engine)["07795"][0] == "Nếnh"


def test_wards_import_reads_numeric_codes(
    imported: subprocess.CompletedProcess[str], cli: Cli, fresh_engine: Engine, tmp_path: Path
) -> None:
    assert imported.returncode == 0, imported.stderr
    path = tmp_path / "numeric.gpkg"
    frame = gpd.GeoDataFrame(
        {"MAXA": [7795.0], "TENXA": ["Nếnh"], "LOAI": ["Phường"]},
        geometry=[WARDS[0]["geometry"]],
        crs="EPSG:4326",
    )
    pyogrio.write_dataframe(frame, path, driver="GPKG")
    assert cli.ok("wards", "import", str(path)).splitlines()[-1] == "imported 1 wards"
    assert list(_wards(fresh_engine)) == ["07795", "07798"]


def test_wards_import_reads_a_tm3_shapefile_whose_prj_carries_towgs84(
    imported: subprocess.CompletedProcess[str], cli: Cli, fresh_engine: Engine, tmp_path: Path
) -> None:
    """The .prj a parcel import reads: the zone from its parameters, its TOWGS84 ignored."""
    assert imported.returncode == 0, imported.stderr
    folder = tmp_path / "shp"
    folder.mkdir()
    frame = gpd.GeoDataFrame(
        {"MAXA": ["07795"], "TENXA": ["Nếnh"], "LOAI": ["phường"]},
        geometry=[
            shapely.transform(
                WARDS[0]["geometry"],
                lambda xy: np.column_stack(TO_VN2000.transform(xy[:, 0], xy[:, 1])),
            )
        ],
    )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "'crs' was not provided", UserWarning)
        pyogrio.write_dataframe(frame, folder / "wards.shp", encoding="UTF-8")
    (folder / "wards.prj").write_text(tm3_wkt1_with_towgs84(TOWGS84_POSITION_VECTOR))
    target = tmp_path / "wards.zip"
    with zipfile.ZipFile(target, "w") as archive:
        for part in sorted(folder.iterdir()):
            archive.write(part, part.name)
    try:
        out = cli.ok("wards", "import", str(target))
        assert "CRS: VN-2000 / TM-3 107-00" in out
        assert any(line.startswith("warning:") and "TOWGS84" in line for line in out.splitlines())
        assert out.splitlines()[-1] == "imported 1 wards"
        with fresh_engine.connect() as conn:
            lon, lat = conn.execute(
                text(
                    "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Transform(ST_Centroid(boundary),"
                    " 4326) AS c FROM ward WHERE code = '07795') x"
                )
            ).one()
        assert lon == pytest.approx(106.11, abs=1e-4)
        assert lat == pytest.approx(21.27, abs=1e-4)
    finally:
        cli.ok("wards", "import", str(_write_wards(tmp_path / "two.gpkg", WARDS)))


def test_wards_import_refuses_a_file_that_is_no_vector_file(
    imported: subprocess.CompletedProcess[str], cli: Cli, fresh_engine: Engine, tmp_path: Path
) -> None:
    bad = tmp_path / "wards.gpkg"
    bad.write_text("code,name\n07795,Nếnh\n", encoding="utf-8")
    message = cli.refused("wards", "import", str(bad))
    assert "wards.gpkg" in message
    cli.refused("wards", "import", str(tmp_path / "missing.gpkg"))
    empty = tmp_path / "empty.geojson"
    empty.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    assert "holds no wards" in cli.refused("wards", "import", str(empty))
    assert len(_wards(fresh_engine)) == 2


def test_wards_import_refuses_missing_fields_and_bad_kinds(
    imported: subprocess.CompletedProcess[str], cli: Cli, fresh_engine: Engine, tmp_path: Path
) -> None:
    no_kind = tmp_path / "no_kind.gpkg"
    pyogrio.write_dataframe(
        gpd.GeoDataFrame(
            {"code": ["07801"], "name": ["Tiên Sơn"]},
            geometry=[box(106.0, 21.2, 106.01, 21.21)],
            crs="EPSG:4326",
        ),
        no_kind,
    )
    assert "kind" in cli.refused("wards", "import", str(no_kind))

    bad_kind = _write_wards(
        tmp_path / "bad_kind.gpkg", [{**WARDS[0], "code": "07801", "kind": "huyện"}]
    )
    assert "07801" in cli.refused("wards", "import", str(bad_kind))
    assert "07801" not in _wards(fresh_engine)


def test_wards_import_refuses_an_invalid_boundary(
    imported: subprocess.CompletedProcess[str], cli: Cli, fresh_engine: Engine, tmp_path: Path
) -> None:
    bowtie = Polygon([(106.0, 21.2), (106.01, 21.21), (106.01, 21.2), (106.0, 21.21)])
    path = _write_wards(
        tmp_path / "bowtie.gpkg", [{**WARDS[0], "code": "07801", "geometry": bowtie}]
    )
    message = cli.refused("wards", "import", str(path))
    assert "07801" in message
    assert "07801" not in _wards(fresh_engine)


def test_wards_import_refuses_a_bad_crosswalk_and_keeps_nothing(
    imported: subprocess.CompletedProcess[str], cli: Cli, fresh_engine: Engine, tmp_path: Path
) -> None:
    gpkg = _write_wards(tmp_path / "new.gpkg", [{**WARDS[0], "code": "07801", "name": "Tiên Sơn"}])
    unknown_ward = tmp_path / "unknown_ward.csv"
    unknown_ward.write_text("old_code,old_name,ward_code\n07702,Xã cũ,09999\n", encoding="utf-8")
    wrong_columns = tmp_path / "wrong_columns.csv"
    wrong_columns.write_text("ma,ten,phuong\n07702,Xã cũ,07795\n", encoding="utf-8")
    header_only = tmp_path / "header_only.csv"
    header_only.write_text("old_code,old_name,ward_code,effective_on\n", encoding="utf-8")

    for csv_file, says in ((unknown_ward, "09999"), (wrong_columns, "old_code")):
        assert says in cli.refused("wards", "import", str(gpkg), "--crosswalk", str(csv_file))
        # one transaction: the wards of a failed import are not kept either
        assert "07801" not in _wards(fresh_engine)
        assert "07702" not in {r[0] for r in _crosswalk(fresh_engine)}

    out = cli.ok(
        "wards",
        "import",
        str(_write_wards(tmp_path / "same.gpkg", WARDS)),
        "--crosswalk",
        str(header_only),
    )
    assert out.splitlines()[-1] == "imported 2 wards and 0 old communes"
    assert len(_crosswalk(fresh_engine)) == 2


# -- apikey ----------------------------------------------------------------------------------


def _authenticate(engine: Engine, key: str) -> Any:
    with Session(engine) as session:
        return apikeys.authenticate(session=session, key=key)


def test_apikey_create_list_revoke(
    imported: subprocess.CompletedProcess[str], cli: Cli, fresh_engine: Engine
) -> None:
    assert imported.returncode == 0, imported.stderr
    out = cli.ok(
        "apikey", "create", "--role", "ward_officer", "--ward", "07795", "--name", "Nguyễn Thị Lan"
    )
    lines = out.strip().splitlines()
    key = lines[-1]
    assert key.startswith("pr_") and len(key) > 40
    assert key not in "\n".join(lines[:-1])

    actor = _authenticate(fresh_engine, key)
    assert (actor.name, actor.role, actor.ward_code) == (
        "Nguyễn Thị Lan",
        Role.WARD_OFFICER,
        "07795",
    )
    key_id = actor.key_id
    with fresh_engine.connect() as conn:
        stored = conn.execute(
            text("SELECT key_hash FROM api_key WHERE id = :id"), {"id": key_id}
        ).scalar_one()
    assert stored == hashlib.sha256(key.encode()).hexdigest()

    listing = cli.ok("apikey", "list")
    line = next(row for row in listing.splitlines() if row.split("\t")[0] == str(key_id))
    assert line.split("\t") == [str(key_id), "ward_officer", "07795", "active", "Nguyễn Thị Lan"]
    assert key not in listing and stored not in listing

    assert str(key_id) in cli.ok("apikey", "revoke", str(key_id))
    with pytest.raises(Unauthenticated):
        _authenticate(fresh_engine, key)
    line = next(r for r in cli.ok("apikey", "list").splitlines() if r.startswith(f"{key_id}\t"))
    assert line.split("\t")[3].startswith("revoked ")

    admin_key = cli.ok("apikey", "create", "--role", "admin", "--name", "Quản trị").strip()
    assert _authenticate(fresh_engine, admin_key.splitlines()[-1]).role is Role.ADMIN


def test_apikey_create_offers_every_role_the_registry_knows(
    imported: subprocess.CompletedProcess[str], cli: Cli, fresh_engine: Engine
) -> None:
    assert imported.returncode == 0, imported.stderr
    for role in Role:
        ward = ["--ward", "07795"] if role is Role.WARD_OFFICER else []
        out = cli.ok("apikey", "create", "--role", str(role), *ward, "--name", f"Kiểm tra {role}")
        assert _authenticate(fresh_engine, out.strip().splitlines()[-1]).role is role
    unknown = cli("apikey", "create", "--role", "auditor", "--name", "X")
    assert unknown.returncode == 2 and "invalid choice: 'auditor'" in unknown.stderr
    assert all(f"'{role}'" in unknown.stderr for role in Role), unknown.stderr


def test_apikey_refusals_are_one_line(
    imported: subprocess.CompletedProcess[str], cli: Cli, fresh_engine: Engine
) -> None:
    assert imported.returncode == 0, imported.stderr
    with fresh_engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM api_key")).scalar_one()
    assert "ward" in cli.refused("apikey", "create", "--role", "ward_officer", "--name", "X")
    assert "99999" in cli.refused(
        "apikey", "create", "--role", "ward_officer", "--ward", "99999", "--name", "X"
    )
    cli.refused("apikey", "create", "--role", "admin", "--ward", "07795", "--name", "X")
    assert "987654" in cli.refused("apikey", "revoke", "987654")
    with fresh_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM api_key")).scalar_one() == before


# -- /api-keys over HTTP ---------------------------------------------------------------------


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


@pytest.fixture
def admin(session: Session) -> dict[str, str]:
    _, key = apikeys.create(session=session, actor=SETUP, name="Quản trị hệ thống", role=Role.ADMIN)
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def registry(session: Session) -> dict[str, str]:
    _, key = apikeys.create(session=session, actor=SETUP, name="Cán bộ", role=Role.REGISTRY_OFFICER)
    return {"Authorization": f"Bearer {key}"}


def test_admin_creates_a_key_shown_once(
    client: httpx.Client,
    admin: dict[str, str],
    session: Session,
    connection: Connection,
) -> None:
    body = {"name": "Nguyễn Thị Lan, CN VPĐKĐĐ", "role": "ward_officer", "ward_code": "07795"}
    response = client.post("/api-keys", json=body, headers=admin)
    assert response.status_code == 201, response.text
    created = response.json()
    key = created["key"]
    assert key.startswith("pr_") and len(key) > 40
    assert created["role"] == "ward_officer" and created["ward_code"] == "07795"
    assert created["name"] == body["name"] and created["revoked_at"] is None

    session.flush()
    stored = connection.execute(
        text("SELECT key_hash, role, ward_code FROM api_key WHERE id = :id"), {"id": created["id"]}
    ).one()
    assert tuple(stored) == (hashlib.sha256(key.encode()).hexdigest(), "ward_officer", "07795")
    assert key not in stored[0]

    # the new key works, as a ward officer of its ward
    mine = {"Authorization": f"Bearer {key}"}
    assert client.get("/complaints", headers=mine).status_code == 200
    _problem(client.get("/api-keys", headers=mine), 403)

    listing = client.get("/api-keys", headers=admin)
    assert listing.status_code == 200
    records = listing.json()
    assert records[0]["id"] == created["id"]  # newest first
    for record in records:
        assert set(record) == {"id", "name", "role", "ward_code", "created_at", "revoked_at"}
    assert key not in listing.text and stored[0] not in listing.text


def test_revoked_key_answers_401(client: httpx.Client, admin: dict[str, str]) -> None:
    created = client.post(
        "/api-keys", json={"name": "Tạm thời", "role": "registry_officer"}, headers=admin
    ).json()
    theirs = {"Authorization": f"Bearer {created['key']}"}
    assert client.get("/reports/undelivered", headers=theirs).status_code == 200

    revoked = client.delete(f"/api-keys/{created['id']}", headers=admin)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None
    assert "key" not in revoked.json()

    refused = client.get("/reports/undelivered", headers=theirs)
    body = _problem(refused, 401)
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert "revoked" in body["detail"]

    # revoking again keeps the first revocation time; the record stays listed
    again = client.delete(f"/api-keys/{created['id']}", headers=admin)
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]
    listed = {k["id"]: k for k in client.get("/api-keys", headers=admin).json()}
    assert listed[created["id"]]["revoked_at"] == revoked.json()["revoked_at"]
    _problem(client.delete("/api-keys/987654321", headers=admin), 404)


def test_key_management_is_for_admins_only(client: httpx.Client, registry: dict[str, str]) -> None:
    body = {"name": "X", "role": "admin"}
    _problem(client.post("/api-keys", json=body, headers=registry), 403)
    _problem(client.get("/api-keys", headers=registry), 403)
    _problem(client.delete("/api-keys/1", headers=registry), 403)
    for response in (
        client.post("/api-keys", json=body),
        client.get("/api-keys"),
        client.delete("/api-keys/1"),
    ):
        _problem(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "body",
    [
        {"name": "Phường", "role": "ward_officer"},
        {"name": "Phường", "role": "ward_officer", "ward_code": "99999"},
        {"name": "Xem bản đồ", "role": "gis_viewer", "ward_code": "07795"},
        {"name": "X", "role": "superuser"},
        {"name": "", "role": "admin"},
        {"name": "X", "role": "admin", "key": "pr_chosen-by-me"},
    ],
)
def test_create_refuses_bad_keys(
    client: httpx.Client, admin: dict[str, str], body: dict[str, Any]
) -> None:
    _problem(client.post("/api-keys", json=body, headers=admin), 422)


@pytest.mark.parametrize(
    "authorization",
    ["Basic YWRtaW46YWRtaW4=", "Bearer", "pr_no_scheme_at_all", "Bearer pr_unknown"],
)
def test_malformed_or_unknown_authorization_is_401(
    client: httpx.Client, authorization: str
) -> None:
    response = client.get("/api-keys", headers={"Authorization": authorization})
    _problem(response, 401)
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="parcel-registry"'


# -- account ---------------------------------------------------------------------------------


def test_account_create_list_disable_enable_and_new_password(
    imported: subprocess.CompletedProcess[str], cli: Cli, fresh_engine: Engine
) -> None:
    assert imported.returncode == 0, imported.stderr
    password = "mật khẩu ban đầu 2025"
    out = cli.ok(
        "account", "create", "phamvanbinh", "--name", "Phạm Văn Bình", "--role", "ward_officer",
        "--ward", "07795", "--password-stdin", stdin=password + "\n",
    )  # fmt: skip
    assert "created account phamvanbinh (ward_officer)" in out
    assert password not in out
    with fresh_engine.connect() as conn:
        stored = conn.execute(
            text("SELECT password_hash FROM staff_account WHERE user_name = 'phamvanbinh'")
        ).scalar_one()
    assert stored.startswith("$argon2id$") and password not in stored
    assert passwords.verify(stored, password)

    line = next(r for r in cli.ok("account", "list").splitlines() if r.startswith("phamvanbinh"))
    assert line.split("\t") == ["phamvanbinh", "ward_officer", "07795", "active", "Phạm Văn Bình"]
    cli.ok("account", "disable", "phamvanbinh")
    line = next(r for r in cli.ok("account", "list").splitlines() if r.startswith("phamvanbinh"))
    assert line.split("\t")[3].startswith("disabled ")
    cli.ok("account", "enable", "phamvanbinh")
    new = "một mật khẩu mới hơn"
    cli.ok("account", "password", "phamvanbinh", "--password-stdin", stdin=new + "\n")
    with fresh_engine.connect() as conn:
        stored = conn.execute(
            text("SELECT password_hash FROM staff_account WHERE user_name = 'phamvanbinh'")
        ).scalar_one()
    assert passwords.verify(stored, new) and not passwords.verify(stored, password)
    assert "A password needs at least" in cli.refused(
        "account", "password", "phamvanbinh", "--password-stdin", stdin="short\n"
    )
    assert "no account" in cli.refused("account", "disable", "nobody").lower()
