"""create_app(settings): wiring only."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from importlib.metadata import version

import anyio
from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from sqlalchemy import Engine

from app.api import (
    accounts,
    apikeys,
    audit,
    complaints,
    custody,
    dashboard,
    disputes,
    health,
    import_desk,
    imports,
    ogc,
    openapi,
    parcel_find,
    parcel_queries,
    parcels,
    registry_desk,
    reports,
    session,
    stats,
    tiles,
    ward_desk,
    wards,
    workbench,
)
from app.api.body_limit import BodyLimitMiddleware
from app.api.problems import install_handlers
from app.api.rate_limit import SlidingWindow
from app.api.request_id import RequestIdMiddleware
from app.config import Settings, get_settings
from app.db.session import make_engine, make_sessionmaker
from app.limits import MAX_JSON_BODY_BYTES
from app.services import imports as import_service
from app.services import stats_upkeep
from app.services.import_events import ImportEvents

DESCRIPTION = """
Land-parcel registry for the Directive 30 certification drive (Việt Yên): parcels with their
certificate status, land-origin confirmation and disputes, spatial queries, and per-ward
coverage statistics. Geometry is stored in VN-2000 / TM-3 107-00 (EPSG:9214) and served in
WGS84 unless another CRS is asked for. Errors are RFC 9457 `application/problem+json`.
"""


ROUTERS = (
    health.router,
    parcel_queries.router,
    parcel_find.router,
    parcels.router,
    disputes.router,
    complaints.router,
    complaints.extra,
    reports.router,
    stats.router,
    wards.router,
    tiles.router,
    ogc.router,
    apikeys.router,
    accounts.router,
    session.router,
    imports.router,
    imports.previews,
    import_desk.router,
    ward_desk.router,
    registry_desk.router,
    custody.router,
    audit.router,
    dashboard.router,
    workbench.router,
)


def create_app(settings: Settings) -> FastAPI:
    """Return the registry's FastAPI application, bound to the settings' database."""
    engine = make_engine(settings)
    # docs assets served by the app itself: registry offices may have no route to a CDN
    app = FastAPIOffline(
        title="Parcel registry",
        version=version("parcel-registry"),
        description=DESCRIPTION,
        lifespan=_lifespan(settings, engine),
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.import_events = ImportEvents(engine)
    app.state.anonymous_writes = SlidingWindow(
        settings.anonymous_writes_limit, settings.anonymous_writes_window_s
    )
    install_handlers(app)
    openapi.install(app)
    app.add_middleware(
        BodyLimitMiddleware,
        upload_limit=settings.max_upload_mb * 1024 * 1024,
        json_limit=MAX_JSON_BODY_BYTES,
    )
    app.add_middleware(RequestIdMiddleware)
    for router in ROUTERS:
        app.include_router(router)
    return app


def _lifespan(
    settings: Settings, engine: Engine
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Return what runs while the app serves: the import worker and the statistics upkeep
    (when the settings want them), then the engine's disposal."""
    worker = (
        import_service.worker(engine, stale_after_s=settings.import_stale_after_s)
        if settings.import_worker
        else None
    )
    upkeep = (
        stats_upkeep.upkeep(engine, every_s=settings.stats_compact_every_s)
        if settings.stats_upkeep
        else None
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        for thread in (worker, upkeep):
            if thread is not None:
                thread.start()
        app.state.import_events.start()
        # what is loaded by now lives as long as the process: leave it out of the collector's
        # full passes, which otherwise walk it all (tens of ms) every few large answers
        gc.collect()
        gc.freeze()
        # made here: a limiter belongs to the running event loop
        app.state.page_limiter = anyio.CapacityLimiter(settings.page_concurrency)
        yield
        app.state.import_events.stop()
        for thread in (worker, upkeep):
            if thread is not None:
                thread.stop()
        engine.dispose()

    return lifespan


def app_from_environment() -> FastAPI:
    """Return the app configured from the environment (for `uvicorn --factory`)."""
    return create_app(get_settings())
