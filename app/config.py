"""Settings read from the environment (pydantic-settings)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, PostgresDsn
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.limits import MAX_IMPORT_FEATURES

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The deployment's storage CRS: VN-2000 / TM-3 107-00, the zone of (old) Bắc Giang province.
# Geometry columns carry it in their type, so changing it means a migration, not a setting.
STORAGE_SRID = 9214


class Settings(BaseSettings):
    """Service configuration; every field can be set as PARCELS_<NAME> in the environment."""

    model_config = SettingsConfigDict(env_prefix="PARCELS_", env_file=".env", extra="ignore")

    database_url: PostgresDsn | None = Field(
        None,
        validation_alias=AliasChoices("DATABASE_URL", "PARCELS_DATABASE_URL"),
        description="An existing PostGIS database; unset, the service starts its own local one.",
    )
    migration_database_url: PostgresDsn | None = Field(
        None,
        validation_alias=AliasChoices("MIGRATION_DATABASE_URL", "PARCELS_MIGRATION_DATABASE_URL"),
        description="The tables' owner, for migrations; unset, migrations use DATABASE_URL.",
    )
    host: str = Field("127.0.0.1", validation_alias=AliasChoices("HOST", "PARCELS_HOST"))
    port: int = Field(8000, ge=1, le=65535, validation_alias=AliasChoices("PORT", "PARCELS_PORT"))

    pg_home: Path = Field(
        PROJECT_ROOT / ".pgdata",
        description="State directory of the local PostGIS cluster (data, password, log).",
    )
    pg_port: int = Field(54329, ge=1024, le=65535, description="Port of the local cluster.")

    db_pool_size: int = Field(
        20, gt=0, description="Database connections kept per process (one per busy request)."
    )
    page_concurrency: int = Field(
        default_factory=lambda: 2 * (os.cpu_count() or 1),
        gt=0,
        description="Parcel pages (GET /parcels, POST /parcels/search, OGC items) built at "
        "once; more wait their turn in order. Two per core keeps the slowest answers close to "
        "the typical one under load (a thread per request contends for the interpreter).",
    )
    db_connect_timeout_s: int = Field(5, gt=0)
    db_statement_timeout_ms: int | None = Field(
        None,
        gt=0,
        description="Per-statement time limit of the service's connections; unset, the "
        "database role's own (30 s on the local cluster).",
    )
    db_lock_timeout_ms: int | None = Field(
        None, gt=0, description="Lock wait limit of the service's connections; unset, the role's."
    )
    anonymous_writes_limit: int = Field(
        20, gt=0, description="Complaints one address may send without a key per window."
    )
    anonymous_writes_window_s: float = Field(3600.0, gt=0, description="That window, seconds.")
    load_samples: bool = Field(True, description="Load gis_samples/ into an empty register.")
    map_glyphs_url: str | None = Field(
        "https://demotiles.maplibre.org/font/{fontstack}/{range}.pbf",
        description="The font server of the map style's labels (MapLibre needs one; QGIS uses "
        "its own fonts). A town hall without internet access sets its own, or an empty value "
        "for a style without labels.",
    )
    sample_history_weeks: int = Field(
        10, ge=0, le=104, description="Weeks of certification drive played on the samples."
    )
    upload_dir: Path = Field(
        PROJECT_ROOT / ".uploads", description="Where uploaded files are kept for their import."
    )
    max_upload_mb: int = Field(1024, gt=0, description="Largest upload accepted, in MiB.")
    max_import_features: int = Field(
        MAX_IMPORT_FEATURES,
        gt=0,
        le=MAX_IMPORT_FEATURES,
        description="Most features one uploaded file may hold.",
    )
    import_worker: bool = Field(True, description="Run queued imports in this process.")
    import_stale_after_s: float = Field(
        30.0, gt=0, description="A running import silent this long is taken as interrupted."
    )
    stats_upkeep: bool = Field(
        True, description="Compact the coverage counters and take snapshots in this process."
    )
    stats_compact_every_s: float = Field(
        2.0, gt=0, description="How often the coverage counters are compacted, seconds."
    )
    frontend_modules: Path = Field(
        PROJECT_ROOT / "frontend" / "node_modules",
        description="The npm packages the pages load (OpenLayers, Leaflet, Chart.js), as "
        "scripts/bootstrap.sh installs them from frontend/package-lock.json.",
    )
    session_idle_minutes: int = Field(
        30, gt=0, le=24 * 60, description="A workbench session ends after this long unused."
    )
    session_absolute_hours: int = Field(
        12, gt=0, le=7 * 24, description="A workbench session ends this long after sign-in."
    )
    cookie_secure: Literal["auto", "always", "never"] = Field(
        "auto",
        description="Mark the session cookie Secure: auto does when the request came by HTTPS "
        "(behind a proxy, run uvicorn with --proxy-headers).",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"

    def sqlalchemy_url(self) -> str:
        """Return the database URL for SQLAlchemy (psycopg2 driver); raises if none is set."""
        if self.database_url is None:
            raise RuntimeError("no database configured: set DATABASE_URL or start the local one")
        return to_sqlalchemy_url(str(self.database_url))

    def migration_url(self) -> str:
        """Return the URL migrations run with: the owner's, or else the service's."""
        if self.migration_database_url is not None:
            return to_sqlalchemy_url(str(self.migration_database_url))
        return self.sqlalchemy_url()


def to_sqlalchemy_url(url: str) -> str:
    """Return a postgresql:// URL with the psycopg2 driver named, as SQLAlchemy needs it."""
    scheme, rest = url.split("://", 1)
    if scheme in ("postgres", "postgresql"):
        scheme = "postgresql+psycopg2"
    return f"{scheme}://{rest}"


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings, read once from the environment."""
    return Settings()
