"""CQL2 text filters (basic CQL2) on /parcels and /ogc: every operator against SQL counted
independently, the errors (400), and GDAL pushing its -where down to the server."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Connection, text

from app.db import cql2
from app.errors import InvalidFilter
from app.limits import MAX_FILTER_LENGTH
from tests.support import ensure_tool

# (filter, the same condition in SQL over parcel p, written by hand)
CASES = [
    ("area_m2 > 400", "p.area_m2 > 400"),
    ("area_m2 >= 400 AND area_m2 <= 450", "p.area_m2 BETWEEN 400 AND 450"),
    ("300 > area_m2", "p.area_m2 < 300"),
    ("ward_code = '07795'", "p.ward_code = '07795'"),
    ("ward_code <> '07795' AND sheet_no < 3", "p.ward_code <> '07795' AND p.sheet_no < 3"),
    (
        "(ward_code = '07795' OR ward_code = '07798') AND NOT (parcel_no > 20)",
        "p.ward_code IN ('07795', '07798') AND p.parcel_no <= 20",
    ),
    ("status = 'unregistered'", "p.status = 'unregistered'"),
    ("certified = false AND disputed = FALSE", "p.status NOT IN ('signed', 'delivered')"),
    ("legal_area_m2 IS NULL", "p.legal_area_m2 IS NULL"),
    ("address IS NOT NULL AND id <= 1500", "p.address IS NOT NULL AND p.id <= 1500"),
    ("survey_commune_code = '07795' or registered = true", "p.survey_commune_code = '07795'"),
]


@pytest.mark.parametrize(("cql", "sql"), CASES, ids=[c for c, _ in CASES])
def test_each_filter_matches_its_sql(
    client: httpx.Client, connection: Connection, cql: str, sql: str
) -> None:
    expected = connection.execute(
        text(f"SELECT count(*) FROM parcel p WHERE p.retired_at IS NULL AND {sql}")
    ).scalar_one()
    answer = client.get("/parcels", params={"filter": cql, "count": "true", "limit": 1})
    assert answer.status_code == 200, answer.text
    assert answer.json()["numberMatched"] == expected
    ogc = client.get(
        "/ogc/collections/parcels/items", params={"filter": cql, "limit": 10000}
    ).json()
    assert ogc["numberReturned"] == expected


def test_filters_combine_with_the_other_parameters(
    client: httpx.Client, connection: Connection
) -> None:
    expected = connection.execute(
        text(
            "SELECT count(*) FROM parcel WHERE retired_at IS NULL AND ward_code = '07798'"
            " AND area_m2 > 300"
        )
    ).scalar_one()
    answer = client.get(
        "/parcels",
        params={"ward": "07798", "filter": "area_m2 > 300", "count": "true", "limit": 1},
    ).json()
    assert answer["numberMatched"] == expected > 0


@pytest.mark.parametrize(
    ("cql", "says"),
    [
        ("owner = 'Nguyễn Văn A'", "not a queryable"),
        ("holders = 'x'", "not a queryable"),
        ("p.id = 1", "not a queryable"),
        ("sheet_no = 'one'", "is an integer"),
        ("sheet_no = 1.5", "is an integer"),
        ("disputed > true", "only = and <>"),
        ("status IN ('registered')", "beyond basic CQL2"),
        ("status LIKE 'reg%'", "beyond basic CQL2"),
        ("S_INTERSECTS(geometry, POINT(106 21))", "beyond basic CQL2"),
        ("area_m2 = area_m2", "literal"),
        ("status = ", "not CQL2 text"),
        ("status = 'a'; DROP TABLE parcel", "not CQL2 text"),
    ],
)
def test_what_is_not_basic_cql2_is_a_400(client: httpx.Client, cql: str, says: str) -> None:
    for path in ("/parcels", "/ogc/collections/parcels/items"):
        answer = client.get(path, params={"filter": cql})
        assert answer.status_code == 400, (path, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert says in answer.json()["detail"]


def test_literals_are_bound_never_spliced() -> None:
    sql, params = cql2.to_sql("address = 'x) OR 1=1 --'")
    assert "1=1" not in sql and params == {"cql_0": "x) OR 1=1 --"}
    with pytest.raises(InvalidFilter):
        cql2.to_sql("x" * (MAX_FILTER_LENGTH + 1))


def test_queryables_conformance_and_languages(client: httpx.Client) -> None:
    conformance = client.get("/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2" in conformance
    assert "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text" in conformance
    schema = client.get("/ogc/collections/parcels/queryables")
    assert schema.headers["content-type"] == "application/schema+json"
    properties = schema.json()["properties"]
    assert set(properties) == set(cql2.PARCEL_QUERYABLES)
    assert "holders" not in properties and properties["area_m2"]["type"] == "number"
    collection = client.get("/ogc/collections/parcels").json()
    assert any(link["rel"].endswith("/queryables") for link in collection["links"])
    assert client.get("/ogc/collections/wards/queryables").status_code == 404
    json_lang = client.get(
        "/ogc/collections/parcels/items",
        params={"filter": "area_m2 > 1", "filter-lang": "cql2-json"},
    )
    assert json_lang.status_code == 400
    wards = client.get("/ogc/collections/wards/items", params={"filter": "area_m2 > 1"})
    assert wards.status_code == 400


def test_gdal_sends_what_it_can_of_its_where_to_the_server(
    base_url: str, client: httpx.Client, connection: Connection, tmp_path: Path
) -> None:
    """GDAL 3.6 speaks only the draft `cql-text`, not CQL2: from the OGC OpenAPI document it
    learns which properties are also query parameters, sends those equalities, and checks the
    rest of its -where itself. Either way the features are the right ones."""
    ogr2ogr = ensure_tool("ogr2ogr", "gdal-bin")
    out = tmp_path / "filtered.geojson"
    where = "status = 'unregistered' AND disputed = 0 AND ward_code = '07795' AND area_m2 > 350"
    done = subprocess.run(
        [ogr2ogr, "-f", "GeoJSON", str(out), f"OAPIF:{base_url}/ogc", "parcels"]
        + ["-oo", "PAGE_SIZE=1000", "-where", where, "--debug", "on"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    keys = {
        (
            f["properties"]["survey_commune_code"],
            f["properties"]["sheet_no"],
            f["properties"]["parcel_no"],
        )
        for f in json.loads(out.read_text())["features"]
    }
    expected = {
        (r[0], r[1], r[2])
        for r in connection.execute(
            text(
                "SELECT survey_commune_code, sheet_no, parcel_no FROM parcel"
                " WHERE retired_at IS NULL AND status = 'unregistered' AND NOT disputed"
                " AND ward_code = '07795' AND area_m2 > 350"
            )
        )
    }
    assert keys == expected and expected
    fetched = [
        line for line in done.stderr.splitlines() if "/ogc/collections/parcels/items?" in line
    ]
    assert fetched and all("status=unregistered" in line for line in fetched[1:])


def test_the_ogc_api_definition_is_rooted_at_ogc(client: httpx.Client) -> None:
    landing = client.get("/ogc").json()
    desc = next(link for link in landing["links"] if link["rel"] == "service-desc")
    assert desc["href"].endswith("/ogc/api")
    spec = client.get("/ogc/api")
    assert spec.headers["content-type"].startswith("application/vnd.oai.openapi+json")
    document = spec.json()
    assert document["servers"][0]["url"].endswith("/ogc")
    items = document["paths"]["/collections/{collectionId}/items"]["get"]
    names = {p["name"] for p in items["parameters"]}
    assert {"collectionId", "limit", "bbox", "filter", "filter-lang", "status"} <= names
    assert all(not path.startswith("/ogc") for path in document["paths"])


@pytest.mark.parametrize(
    ("literal", "value"),
    [("'Xóm Nếnh, nhà ông O''Brien'", "Xóm Nếnh, nhà ông O'Brien"), ("'''quoted'''", "'quoted'")],
)
def test_a_quote_inside_a_string_is_written_twice(
    client: httpx.Client, connection: Connection, literal: str, value: str
) -> None:
    parcel_id = connection.execute(
        text("UPDATE parcel SET address = :v WHERE id = (SELECT min(id) FROM parcel) RETURNING id"),
        {"v": value},
    ).scalar_one()
    answer = client.get(
        "/parcels", params={"filter": f"address = {literal} AND id > 0", "properties": "address"}
    )
    assert answer.status_code == 200, answer.text
    assert [(f["id"], f["properties"]["address"]) for f in answer.json()["features"]] == [
        (parcel_id, value)
    ]
    # the other literals of the same filter are left as written
    where, params = cql2.to_sql(f"address = {literal} OR ward_code = '07795'")
    assert sorted(params.values()) == sorted([value, "07795"])


def test_text_that_looks_like_a_lifted_literal_stays_the_users() -> None:
    # a literal taken out for its escaped quote is named by a marker no user text can guess
    lookalike = "\ue0000\ue001"
    where, params = cql2.to_sql(f"address = '{lookalike}' OR address = 'a''b'")
    assert sorted(params.values()) == sorted([lookalike, "a'b"])
