"""Response classes and the OpenAPI descriptions shared by routers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import Response
from fastapi.responses import JSONResponse, StreamingResponse

from app.schemas.common import Problem


class GeoJSONResponse(JSONResponse):
    """A GeoJSON document (RFC 7946)."""

    media_type = "application/geo+json"


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Return OpenAPI `responses` entries for problem+json answers."""
    return {
        status: {"model": Problem, "content": {"application/problem+json": {}}}
        for status in statuses
    }


def etag(version: int) -> str:
    """Return the ETag header value of a version."""
    return f'"{version}"'


def collection_response(
    chunks: Iterator[bytes], *, whole: bool, headers: dict[str, str], release: Callable[[], None]
) -> Response:
    """Answer a GeoJSON document: in one body when its features were read in one fetch,
    otherwise streamed a batch at a time (a sync iterator costs a thread hop per chunk, so
    the chunks are batches, never single features)."""
    if whole:
        body = b"".join(chunks)
        release()  # the database is done with: no connection held while a slow client reads
        return Response(body, media_type=GeoJSONResponse.media_type, headers=headers)
    return StreamingResponse(chunks, media_type=GeoJSONResponse.media_type, headers=headers)
