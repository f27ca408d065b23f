"""Pages larger than one fetch are streamed from a server-side cursor, a batch at a time."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, text

from app.services import parcel_search

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
