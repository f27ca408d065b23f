"""serve, db, migrate, samples: running the service and its database."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from app.cli.common import CliError, local_cluster, with_database
from app.config import PROJECT_ROOT, Settings
from app.localdb import cluster as localdb

logger = logging.getLogger("parcel_registry")


def cmd_serve(settings: Settings, args: argparse.Namespace) -> None:
    """Prepare the database (migrate, samples) and serve the API in the foreground."""
    import uvicorn

    from app.db import migrate
    from app.db.session import make_engine
    from app.main import create_app
    from app.services import samples

    settings = with_database(settings)
    migrate.upgrade(settings.migration_url())
    if settings.load_samples and not args.no_samples:
        engine = make_engine(settings)
        try:
            samples.load_if_empty(
                engine=engine,
                directory=PROJECT_ROOT / "gis_samples",
                history_weeks=settings.sample_history_weeks,
            )
        finally:
            engine.dispose()
    host = args.host or settings.host
    port = args.port or settings.port
    logger.info("serving on http://%s:%d (API at /docs)", host, port)
    uvicorn.run(create_app(settings), host=host, port=port, log_config=None)


def cmd_db(settings: Settings, args: argparse.Namespace) -> None:
    """Manage the local PostGIS cluster."""
    if args.action in ("up", "url") and settings.database_url is not None:
        raise CliError("DATABASE_URL is set: the service uses that database, not a local one")
    cluster = local_cluster(settings)
    if args.action == "up":
        localdb.up(cluster)
        state = localdb.status(cluster)
        print(f"local PostGIS running on {cluster.host}:{state.port} (data: {cluster.data_dir})")
    elif args.action == "down":
        stopped = localdb.down(cluster)
        print("local PostGIS stopped" if stopped else "local PostGIS was not running")
    elif args.action == "status":
        state = localdb.status(cluster)
        if not state.initialised:
            print(f"no local cluster in {cluster.home}")
        elif state.running:
            print(f"running, pid {state.pid}, port {state.port}, data {cluster.data_dir}")
        else:
            print(f"stopped, data {cluster.data_dir}")
        if not state.running:
            raise SystemExit(3)  # like pg_ctl status: not running
    elif args.action == "url":
        localdb.up(cluster)
        print(cluster.url() if args.owner else cluster.service_url())


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> None:
    """Upgrade (or downgrade) the schema."""
    from app.db import migrate

    url = with_database(settings).migration_url()
    if args.downgrade:
        migrate.downgrade(url, args.downgrade)
    else:
        migrate.upgrade(url, args.revision)


def cmd_samples(settings: Settings, args: argparse.Namespace) -> None:
    """Load the sample wards and parcels into an empty register."""
    from app.db import migrate
    from app.db.session import make_engine
    from app.services import samples

    settings = with_database(settings)
    migrate.upgrade(settings.migration_url())
    engine = make_engine(settings)
    try:
        weeks = settings.sample_history_weeks if args.history_weeks is None else args.history_weeks
        if not 0 <= weeks <= 104:
            raise CliError(f"--history-weeks must be 0 to 104, not {weeks}")
        loaded = samples.load_if_empty(
            engine=engine, directory=Path(args.directory), history_weeks=weeks
        )
    finally:
        engine.dispose()
    print(
        f"loaded {loaded.wards} wards and {loaded.parcels} parcels"
        if loaded
        else "the register is not empty: nothing loaded"
    )
