"""The `parcel-registry` command: serve, db, migrate, wards, apikey, account, import, samples."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import Any

from app.cli.common import CliError
from app.cli.data import cmd_import
from app.cli.register import cmd_account, cmd_apikey, cmd_wards
from app.cli.service import cmd_db, cmd_migrate, cmd_samples, cmd_serve
from app.config import PROJECT_ROOT, get_settings
from app.domain.permissions import Role
from app.localdb import cluster as localdb
from app.localdb.packages import PackagesMissing
from app.logging import configure_logging

__all__ = ["build_parser", "main"]


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

    acc = sub.add_parser("account", help="staff accounts of the workbench")
    acc_sub = acc.add_subparsers(dest="action", required=True)
    acc_create = acc_sub.add_parser("create", help="create an account (asks for its password)")
    acc_create.add_argument("user", help="user name: lower-case letters, digits, . _ -")
    acc_create.add_argument("--name", required=True, help="the person's full name")
    acc_create.add_argument("--role", required=True, choices=[role.value for role in Role])
    acc_create.add_argument("--ward", help="the ward code of a ward officer")
    acc_sub.add_parser("list", help="list accounts (never their passwords)")
    for action, what in (("disable", "disable an account"), ("enable", "enable it again")):
        acc_sub.add_parser(action, help=what).add_argument("user")
    acc_sub.add_parser("password", help="give an account a new password").add_argument("user")
    for parser in (acc_create, acc_sub.choices["password"]):
        parser.add_argument(
            "--password-stdin", action="store_true", help="read the password from stdin"
        )
    acc.set_defaults(func=cmd_account)


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
