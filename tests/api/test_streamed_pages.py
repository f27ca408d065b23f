"""Pages larger than one fetch are streamed from a server-side cursor, a batch at a time."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, create_engine, event, text
from sqlalchemy.exc import DBAPIError

from app.config import Settings
from app.db.session import make_sessionmaker, read_session_scope, session_scope
from app.domain.permissions import Role
from app.localdb import cluster as localdb
from app.main import create_app
from app.services import parcel_search
from tests.support import committed_register, live_server

BATCH = 7  # features per fetch in these tests, so that pages span several fetches


def _ward(connection: Connection) -> tuple[str, list[int]]:
    """The ward with the most parcels, and their ids in id order."""
    ward = connection.execute(
        text(
            "SELECT ward_code FROM parcel WHERE retired_at IS NULL"
            " GROUP BY ward_code ORDER BY count(*) DESC, ward_code LIMIT 1"
        )
    ).scalar_one()
    ids = connection.execute(
        text("SELECT id FROM parcel WHERE ward_code = :w AND retired_at IS NULL ORDER BY id"),
        {"w": ward},
    ).scalars()
    return ward, list(ids)


def _pages(client: httpx.Client, params: dict[str, Any]) -> list[httpx.Response]:
    pages = []
    url: str | None = "/parcels"
    query: dict[str, Any] | None = params
    while url is not None:
        response = client.get(url, params=query)
        assert response.status_code == 200, response.text
        pages.append(response)
        url = next((li["href"] for li in response.json()["links"] if li["rel"] == "next"), None)
        query = None
    return pages


def _content(pages: list[httpx.Response]) -> list[dict[str, Any]]:
    """What a client reads of each page (the time stamp of the answer aside)."""
    return [
        {
            "features": page.json()["features"],
            "numberReturned": page.json()["numberReturned"],
            "numberMatched": page.json().get("numberMatched"),
            "next": [li["href"] for li in page.json()["links"] if li["rel"] == "next"],
        }
        for page in pages
    ]


@pytest.mark.parametrize("limit", [5, 7, 8, 14, 50])
@pytest.mark.parametrize("sortby", ["id", "-area_m2"])
def test_streamed_pages_equal_pages_answered_whole(
    client: httpx.Client,
    connection: Connection,
    monkeypatch: pytest.MonkeyPatch,
    limit: int,
    sortby: str,
) -> None:
    ward, ids = _ward(connection)
    assert len(ids) > 3 * 50, "the test needs a ward of several pages"
    params = {"ward": ward, "limit": limit, "sortby": sortby, "count": "true"}
    whole = _pages(client, params)
    monkeypatch.setattr(parcel_search, "BATCH", BATCH)
    streamed = _pages(client, params)

    assert _content(streamed) == _content(whole)
    seen = [f["id"] for page in streamed for f in page.json()["features"]]
    assert sorted(seen) == ids, "every parcel once, none missed"
    assert all(page.json()["numberMatched"] == len(ids) for page in streamed)
    assert len(streamed) == -(-len(ids) // limit)
    for page in streamed:
        body = page.json()
        assert body["numberReturned"] == len(body["features"])
        # the page's rows, and the one after it that says a next page exists
        fetched = body["numberReturned"] + (1 if _content([page])[0]["next"] else 0)
        if limit < BATCH or fetched < BATCH:  # one fetch: one body, its length known up front
            assert "content-length" in page.headers
        else:  # read from the cursor a batch at a time, and sent as it comes
            assert "content-length" not in page.headers
            assert page.headers["transfer-encoding"] == "chunked"
    assert any("content-length" not in page.headers for page in streamed) == (limit >= BATCH)
    assert all("content-length" in page.headers for page in whole)


def test_a_streamed_page_in_ogc_items_and_post_search(
    client: httpx.Client, connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    ward, ids = _ward(connection)
    monkeypatch.setattr(parcel_search, "BATCH", BATCH)
    items = client.get(
        "/ogc/collections/parcels/items", params={"ward": ward, "limit": 30, "crs": "EPSG:9214"}
    )
    assert items.status_code == 200, items.text
    assert "content-length" not in items.headers
    assert items.headers["content-crs"] == "<http://www.opengis.net/def/crs/EPSG/0/9214>"
    assert [f["id"] for f in items.json()["features"]] == ids[:30]
    assert items.json()["numberReturned"] == 30
    searched = client.post("/parcels/search", json={"ward": [ward], "limit": 30})
    assert searched.status_code == 200, searched.text
    assert "content-length" not in searched.headers
    assert [f["id"] for f in searched.json()["features"]] == ids[:30]
    next_link = [li["href"] for li in searched.json()["links"] if li["rel"] == "next"]
    assert next_link, "a next page is linked at the end of a streamed page"


def test_reads_share_one_read_only_snapshot_and_leave_the_connection_clean(
    settings: Settings,
) -> None:
    engine = create_engine(settings.sqlalchemy_url(), pool_size=1, max_overflow=0)
    factory = make_sessionmaker(engine)
    try:
        for session in read_session_scope(factory):
            shown = session.execute(
                text(
                    "SELECT current_setting('transaction_isolation'),"
                    " current_setting('transaction_read_only')"
                )
            ).one()
            assert tuple(shown) == ("repeatable read", "on")
            with pytest.raises(DBAPIError, match="read-only transaction"):
                session.execute(text("CREATE TEMP TABLE written (x int)"))
        # the pool's only connection, back in the hands of a writer: its defaults again
        for session in session_scope(factory):
            shown = session.execute(
                text(
                    "SELECT current_setting('transaction_isolation'),"
                    " current_setting('transaction_read_only')"
                )
            ).one()
            assert tuple(shown) == ("read committed", "off")
            session.execute(text("CREATE TEMP TABLE written (x int)"))
    finally:
        engine.dispose()


def test_a_staff_read_holds_one_connection_while_it_streams(
    server_url: str,
    local_cluster: localdb.Cluster | None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    service = local_cluster.service_url if local_cluster else None
    with committed_register(server_url, service, [Role.REGISTRY_OFFICER]) as (_, url, headers):
        app = create_app(
            Settings(  # type: ignore[call-arg]
                DATABASE_URL=url, upload_dir=tmp_path, stats_upkeep=False, import_worker=False
            )
        )
        most = [0]

        with live_server(app) as base:
            pool = app.state.engine.pool

            @event.listens_for(pool, "checkout")
            def _count(*_: Any) -> None:
                most[0] = max(most[0], pool.checkedout())

            monkeypatch.setattr(parcel_search, "BATCH", BATCH)
            for path in ("/parcels", "/ogc/collections/parcels/items"):
                most[0] = 0
                answer = httpx.get(
                    f"{base}{path}",
                    params={"limit": 40},
                    headers=headers[Role.REGISTRY_OFFICER.value],
                    timeout=30,
                )
                assert answer.status_code == 200, answer.text
                assert "content-length" not in answer.headers  # streamed
                features = answer.json()["features"]
                assert len(features) == 40
                if path == "/parcels":  # staff see holders: the key was read in that session
                    assert all("holders" in f["properties"] for f in features)
                assert most[0] == 1, f"{path}: {most[0]} connections at once"


def test_pages_are_built_a_few_at_a_time(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(settings.model_copy(update={"page_concurrency": 2}))
    building, most = [0], [0]
    lock = threading.Lock()
    search = parcel_search.search

    def slow_search(**kwargs: Any) -> parcel_search.Result:
        with lock:
            building[0] += 1
            most[0] = max(most[0], building[0])
        try:
            time.sleep(0.2)
            return search(**kwargs)
        finally:
            with lock:
                building[0] -= 1

    monkeypatch.setattr(parcel_search, "search", slow_search)
    with live_server(app) as base, ThreadPoolExecutor(6) as pool:
        paths = ["/parcels", "/ogc/collections/parcels/items"] * 2 + ["/parcels/search"] * 2
        answers = list(
            pool.map(
                lambda path: (
                    httpx.post(f"{base}{path}", json={"limit": 5}, timeout=30)
                    if path.endswith("search")
                    else httpx.get(f"{base}{path}", params={"limit": 5}, timeout=30)
                ),
                paths,
            )
        )
    assert [a.status_code for a in answers] == [200] * 6
    assert all(len(a.json()["features"]) == 5 for a in answers)
    assert most[0] == 2, f"{most[0]} pages were built at once"


def test_a_stream_cut_short_by_the_database_is_not_a_complete_document(
    client: httpx.Client, connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    ward, _ = _ward(connection)
    monkeypatch.setattr(parcel_search, "BATCH", BATCH)
    batches = parcel_search.Result.batches

    def failing(self: parcel_search.Result) -> Any:
        for n, features in enumerate(batches(self)):
            assert len(features) <= BATCH, "a batch is one fetch from the cursor"
            if n == 2:
                raise RuntimeError("the database went away")
            yield features

    monkeypatch.setattr(parcel_search.Result, "batches", failing)
    # the status line left before the failure: the client must see the body break off
    with pytest.raises(httpx.RemoteProtocolError):
        client.get("/parcels", params={"ward": ward, "limit": 50}).json()
