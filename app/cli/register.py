"""wards, apikey, account: what the register is set up with."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli.common import CliError, cli_actor, session_scope
from app.config import Settings
from app.domain.permissions import Role


def cmd_wards(settings: Settings, args: argparse.Namespace) -> None:
    """Import wards (and the crosswalk of old commune codes)."""
    from app.errors import RegistryError
    from app.services import wards

    try:
        crosswalk_data = Path(args.crosswalk).read_bytes() if args.crosswalk else None
    except OSError as exc:
        raise CliError(f"cannot read the crosswalk {args.crosswalk}: {exc}") from None
    try:
        with session_scope(settings) as session:
            imported = wards.import_file(
                session=session, actor=cli_actor(), path=Path(args.file), crs=args.crs
            )
            crosswalk = (
                wards.import_crosswalk(session=session, actor=cli_actor(), data=crosswalk_data)
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
        with session_scope(settings) as session:
            if args.action == "create":
                record, key = apikeys.create(
                    session=session,
                    actor=cli_actor(),
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
                record = apikeys.revoke(session=session, actor=cli_actor(), key_id=args.id)
                print(f"revoked key {record.id} ({record.name})")
    except RegistryError as exc:
        raise CliError(exc.detail) from None


def _new_password(args: argparse.Namespace) -> str:
    """Return the password the command is given: a line of stdin, or asked twice."""
    import getpass

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Again: ") != first:
        raise CliError("the two passwords differ")
    return first


def cmd_account(settings: Settings, args: argparse.Namespace) -> None:
    """Create, list, disable, enable staff accounts, or give one a new password."""
    from app.errors import RegistryError
    from app.services import accounts

    password = _new_password(args) if args.action in ("create", "password") else None
    try:
        with session_scope(settings) as session:
            if args.action == "create" and password is not None:
                account = accounts.create(
                    session=session,
                    actor=cli_actor(),
                    user_name=args.user,
                    display_name=args.name,
                    role=Role(args.role),
                    ward_code=args.ward,
                    password=password,
                )
                print(f"created account {account.user_name} ({account.role})")
            elif args.action == "list":
                for a in accounts.list_all(session=session, actor=cli_actor()):
                    state = f"disabled {a.disabled_at:%Y-%m-%d}" if a.disabled_at else "active"
                    print(
                        f"{a.user_name}\t{a.role}\t{a.ward_code or '-'}\t{state}\t{a.display_name}"
                    )
            elif args.action == "password" and password is not None:
                accounts.reset_password(
                    session=session, actor=cli_actor(), user_name=args.user, password=password
                )
                print(f"new password set for {args.user}; its sessions ended")
            else:
                disabled = args.action == "disable"
                accounts.set_disabled(
                    session=session, actor=cli_actor(), user_name=args.user, disabled=disabled
                )
                print(f"{args.action}d account {args.user}")
    except RegistryError as exc:
        raise CliError(exc.detail) from None
