"""Response classes and the OpenAPI descriptions shared by routers."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

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
