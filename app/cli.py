"""The `parcel-registry` command: serve, db, migrate, wards, apikey, import, samples."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import PostgresDsn
from sqlalchemy.orm import Session

from app.config import PROJECT_ROOT, Settings, get_settings
from app.domain.permissions import Actor, Role, command_line
from app.localdb import cluster as localdb
from app.localdb.packages import PackagesMissing
from app.logging import configure_logging

logger = logging.getLogger("parcel_registry")


class CliError(Exception):
    """A command failed for a reason the user can act on."""


def local_cluster(settings: Settings) -> localdb.Cluster:
    """Return the local cluster the settings describe, its home resolved for this user."""
    return localdb.Cluster(home=localdb.resolve_home(settings.pg_home), port=settings.pg_port)


def with_database(settings: Settings) -> Settings:
    """Return settings whose database URLs are set, starting the local PostGIS if needed.

    On the local cluster the service connects as its own role and migrations as the owner.
    """
    if settings.database_url is not None:
        return settings
    cluster = local_cluster(settings)
    localdb.up(cluster)
    return settings.model_copy(
        update={
            "database_url": PostgresDsn(cluster.service_url()),
            "migration_database_url": PostgresDsn(cluster.url()),
        }
    )


def _cli_actor() -> Actor:
    """Return who the audit log names for a command: the OS user running it."""
    import getpass

    return command_line(getpass.getuser())


# -- commands --------------------------------------------------------------------------------


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


@contextmanager
def _session_scope(settings: Settings) -> Iterator[Session]:
    """Yield a session in one committed transaction on the migrated database."""
    from app.db import migrate
    from app.db.session import make_engine, make_sessionmaker

    settings = with_database(settings)
    migrate.upgrade(settings.migration_url())
    engine = make_engine(settings)
    try:
        with make_sessionmaker(engine).begin() as session:
            yield session
    finally:
        engine.dispose()


def cmd_wards(settings: Settings, args: argparse.Namespace) -> None:
    """Import wards (and the crosswalk of old commune codes)."""
    from app.errors import RegistryError
    from app.services import wards

    try:
        crosswalk_data = Path(args.crosswalk).read_bytes() if args.crosswalk else None
    except OSError as exc:
        raise CliError(f"cannot read the crosswalk {args.crosswalk}: {exc}") from None
    try:
        with _session_scope(settings) as session:
            imported = wards.import_file(
                session=session, actor=_cli_actor(), path=Path(args.file), crs=args.crs
            )
            crosswalk = (
                wards.import_crosswalk(session=session, actor=_cli_actor(), data=crosswalk_data)
                if crosswalk_data is not None
                else 0
            )
    except RegistryError as exc:
        raise CliError(exc.detail) from None
    print(f"CRS: {imported.crs.name} ({imported.crs.how})")
    for warning in imported.crs.warnings:
        print(f"warning: {warning}")
    print(
        f"imported {imported.count} wards"
        + (f" and {crosswalk} old communes" if args.crosswalk else "")
    )


def cmd_apikey(settings: Settings, args: argparse.Namespace) -> None:
    """Create, list or revoke API keys."""
    from app.errors import RegistryError
    from app.services import apikeys

    try:
        with _session_scope(settings) as session:
            if args.action == "create":
                record, key = apikeys.create(
                    session=session,
                    actor=_cli_actor(),
                    name=args.name,
                    role=Role(args.role),
                    ward_code=args.ward,
                )
                print(f"created key {record.id} for {record.name} ({record.role})")
                print(key)  # last line: the key itself, shown this once
            elif args.action == "list":
                for k in apikeys.listing(session=session):
                    state = f"revoked {k.revoked_at:%Y-%m-%d}" if k.revoked_at else "active"
                    print(f"{k.id}\t{k.role}\t{k.ward_code or '-'}\t{state}\t{k.name}")
            else:
                record = apikeys.revoke(session=session, actor=_cli_actor(), key_id=args.id)
                print(f"revoked key {record.id} ({record.name})")
    except RegistryError as exc:
        raise CliError(exc.detail) from None


def cmd_import(settings: Settings, args: argparse.Namespace) -> None:
    """Import a surveyor's file now, with a progress bar; exit 1 when the import fails."""
    from app.db import migrate
    from app.db.session import make_engine
    from app.domain.imports import ImportOptions, parse_field_map
    from app.errors import RegistryError
    from app.services import imports

    source = Path(args.file)
    if not source.is_file():
        raise CliError(f"no file {source}")
    try:
        field_map = parse_field_map(args.field_map)
    except RegistryError as exc:
        raise CliError(exc.detail.replace("field_map", "--field-map", 1)) from None
    options = ImportOptions(
        crs=args.crs,
        field_map=field_map,
        commune_code=args.commune_code,
        mode=args.mode,
        dry_run=args.dry_run,
    )
    settings = with_database(settings)
    migrate.upgrade(settings.migration_url())
    engine = make_engine(settings)
    try:
        finished = imports.import_now(
            engine,
            source,
            spool_dir=settings.upload_dir,
            uploader=Actor(name=f"{args.actor} (command line)", role=Role.SURVEYOR),
            options=options,
            max_bytes=settings.max_upload_mb * 1024 * 1024,
            on_progress=_progress_bar,
        )
    except RegistryError as exc:
        raise CliError(exc.detail) from None
    finally:
        engine.dispose()
    import_id, status = finished.import_id, finished.status
    report, error = finished.report, finished.error
    print(file=sys.stderr)
    print(f"import {import_id}: {status}")
    for key in ("read", "inserted", "updated", "unchanged", "rejected", "repaired", "warnings"):
        if report and key in report:
            print(f"  {key}: {report[key]}")
    if report and "crs" in report:
        print(f"  crs: EPSG:{report['crs']['epsg']} ({report['crs']['how']})")
    if report and report.get("encoding"):
        print("  text: " + ", ".join(f"{k} {v}" for k, v in report["encoding"].items()))
    if error:
        print(f"  error: {error}")
    if status != "succeeded":
        raise SystemExit(1)


def _progress_bar(done: int, total: int) -> None:
    width = 30
    filled = width * done // total if total else 0
    print(
        f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} features",
        end="",
        file=sys.stderr,
        flush=True,
    )


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the command."""
    parser = argparse.ArgumentParser(prog="parcel-registry", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    _add_service_commands(sub)
    _add_register_commands(sub)
    _add_data_commands(sub)
    return parser


def _add_service_commands(sub: Any) -> None:
    """serve, db, migrate: running the service and its database."""
    serve = sub.add_parser("serve", help="migrate, load samples into an empty register, serve")
    serve.add_argument("--host", help="address to listen on (default HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default PORT or 8000)")
    serve.add_argument("--no-samples", action="store_true", help="do not load gis_samples/")
    serve.set_defaults(func=cmd_serve)

    db = sub.add_parser("db", help="the local PostGIS cluster")
    db.add_argument("action", choices=["up", "down", "status", "url"])
    db.add_argument(
        "--owner", action="store_true", help="url: the tables' owner's URL, not the service's"
    )
    db.set_defaults(func=cmd_db)

    mig = sub.add_parser("migrate", help="apply the Alembic revisions")
    mig.add_argument("revision", nargs="?", default="head")
    mig.add_argument("--downgrade", metavar="REV", help="downgrade to REV instead (base: all)")
    mig.set_defaults(func=cmd_migrate)


def _add_register_commands(sub: Any) -> None:
    """wards, apikey: what the register is set up with."""
    wrd = sub.add_parser("wards", help="ward boundaries and old commune codes")
    wrd_sub = wrd.add_subparsers(dest="action", required=True)
    wrd_import = wrd_sub.add_parser("import", help="GeoJSON, GeoPackage or zipped shapefile")
    wrd_import.add_argument("file")
    wrd_import.add_argument(
        "--crs", type=int, help="EPSG code when the .prj is missing or wrong (as for parcels)"
    )
    wrd_import.add_argument("--crosswalk", help="CSV: old_code,old_name,ward_code[,effective_on]")
    wrd.set_defaults(func=cmd_wards)

    key = sub.add_parser("apikey", help="API keys")
    key_sub = key.add_subparsers(dest="action", required=True)
    key_create = key_sub.add_parser("create", help="create a key; prints it as the last line")
    key_create.add_argument(
        "--role",
        required=True,
        choices=[role.value for role in Role],
    )
    key_create.add_argument("--ward", help="the ward code of a ward officer")
    key_create.add_argument("--name", required=True, help="who holds the key")
    key_sub.add_parser("list", help="list keys (never the keys themselves)")
    key_revoke = key_sub.add_parser("revoke", help="revoke a key by id")
    key_revoke.add_argument("id", type=int)
    key.set_defaults(func=cmd_apikey)


def _add_data_commands(sub: Any) -> None:
    """import, samples: parcels into the register."""
    imp = sub.add_parser("import", help="import a zipped shapefile, GeoPackage or GeoJSON")
    imp.add_argument("file")
    imp.add_argument("--crs", type=int, help="EPSG code when the .prj is missing or wrong")
    imp.add_argument("--field-map", help='JSON, e.g. {"sheet_no": "SOTO"}')
    imp.add_argument("--commune-code", help="commune code at survey time, when no column")
    imp.add_argument("--mode", choices=["all_or_nothing", "accept_valid"], default="all_or_nothing")
    imp.add_argument("--dry-run", action="store_true", help="check and report; write nothing")
    imp.add_argument("--actor", default="surveyor", help="who is importing (recorded)")
    imp.set_defaults(func=cmd_import)

    smp = sub.add_parser("samples", help="sample data")
    smp.add_argument("action", choices=["load"])
    smp.add_argument("--directory", default=str(PROJECT_ROOT / "gis_samples"))
    smp.add_argument(
        "--history-weeks",
        type=int,
        help="weeks of certification drive to play on them (default PARCELS_SAMPLE_HISTORY_WEEKS)",
    )
    smp.set_defaults(func=cmd_samples)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line; exit 2 with a message on a user-facing error."""
    args = build_parser().parse_args(argv)
    settings = get_settings()
    configure_logging(settings)
    # Alembic narrates every run at INFO; keep the commands' output to what they did
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        args.func(settings, args)
    except (CliError, localdb.LocalDbError, PackagesMissing) as exc:
        print(f"parcel-registry: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
