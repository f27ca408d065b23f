"""Pydantic bodies that describe the API's responses in OpenAPI."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Health(BaseModel):
    """The service and its database are up."""

    status: Literal["ok"]
    database: Literal["reachable"]
    postgis_version: str = Field(examples=["3.3 USE_GEOS=1 USE_PROJ=1 USE_STATS=1"])
    schema_revision: str | None = Field(
        description="The Alembic revision the database is at.", examples=["0002"]
    )
    version: str = Field(description="The service's version.", examples=["0.1.0"])


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str = Field(examples=["/problems/database-unavailable"])
    title: str
    status: int
    detail: str
    instance: str
