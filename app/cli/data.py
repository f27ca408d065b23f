"""import: a surveyor's file into the register, with a progress bar."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli.common import CliError, with_database
from app.config import Settings
from app.domain.permissions import Actor, Role


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


def _progress_bar(done: int, total: int, phase: str) -> None:
    width = 30
    filled = width * done // total if total else 0
    print(
        f"\r{phase:>9} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} features",
        end="",
        file=sys.stderr,
        flush=True,
    )
