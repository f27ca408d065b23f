"""Find, and on Debian/Ubuntu install, the PostgreSQL server and PostGIS packages."""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

DEBIAN_PG_ROOT = Path("/usr/lib/postgresql")
DEBIAN_SHARE_ROOT = Path("/usr/share/postgresql")


class PackagesMissing(Exception):
    """PostgreSQL or PostGIS is missing and cannot be installed from here."""


@dataclass(frozen=True)
class PgInstall:
    """An installed PostgreSQL server with PostGIS."""

    version: int
    bindir: Path
    sharedir: Path

    @property
    def has_postgis(self) -> bool:
        """Return whether the PostGIS extension is installed for this server."""
        return (self.sharedir / "extension" / "postgis.control").exists()


def _debian_installs() -> list[PgInstall]:
    """Return the Debian-style server installs (/usr/lib/postgresql/N), newest first."""
    found = []
    if DEBIAN_PG_ROOT.is_dir():
        for child in DEBIAN_PG_ROOT.iterdir():
            if re.fullmatch(r"\d+", child.name) and (child / "bin" / "initdb").exists():
                found.append(
                    PgInstall(int(child.name), child / "bin", DEBIAN_SHARE_ROOT / child.name)
                )
    return sorted(found, key=lambda pg: pg.version, reverse=True)


def _pg_config_install() -> PgInstall | None:
    """Return the install that pg_config on PATH describes (non-Debian layouts)."""
    pg_config = os.environ.get("PARCELS_PG_CONFIG") or shutil.which("pg_config")
    if not pg_config:
        return None
    try:
        out = subprocess.run(
            [pg_config, "--bindir", "--sharedir", "--version"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return None
    match = re.search(r"(\d+)", out[2])
    bindir = Path(out[0])
    if not match or not (bindir / "initdb").exists():
        return None
    return PgInstall(int(match.group(1)), bindir, Path(out[1]))


def find_postgis() -> PgInstall | None:
    """Return the newest PostgreSQL server that has PostGIS installed, if any."""
    candidates = _debian_installs()
    extra = _pg_config_install()
    if extra is not None:
        candidates.append(extra)
    return next((pg for pg in candidates if pg.has_postgis), None)


def _apt_install(packages: list[str]) -> None:
    """Install Debian packages, as root or through password-less sudo."""
    if shutil.which("apt-get") is None:
        raise PackagesMissing(
            "PostgreSQL with PostGIS is not installed and this is not a Debian/Ubuntu system; "
            "install PostgreSQL 13+ and PostGIS 3 with your package manager, or set "
            "DATABASE_URL to an existing PostGIS database"
        )
    if os.geteuid() == 0:
        prefix: list[str] = []
    elif (
        shutil.which("sudo")
        and subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0
    ):
        prefix = ["sudo", "-n"]
    else:
        raise PackagesMissing(
            f"PostgreSQL with PostGIS is not installed; install it with "
            f"'sudo apt-get install {' '.join(packages)}' and run this again, or set "
            f"DATABASE_URL to an existing PostGIS database"
        )
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    logger.info("installing %s from the OS packages", " ".join(packages))
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *packages]):
        result = subprocess.run(prefix + cmd, capture_output=True, text=True, env=env)
        if result.returncode != 0:
            raise PackagesMissing(
                f"'{' '.join(cmd)}' failed: {(result.stderr or result.stdout).strip()[-800:]}"
            )


def ensure_postgis(*, install: bool = True) -> PgInstall:
    """Return a PostgreSQL server with PostGIS, installing the OS packages when missing."""
    pg = find_postgis()
    if pg is not None:
        return pg
    if not install:
        raise PackagesMissing("no PostgreSQL server with PostGIS is installed")
    servers = _debian_installs()
    if servers:
        # a server is there: add PostGIS for that major version
        _apt_install([f"postgresql-{servers[0].version}-postgis-3"])
    else:
        _apt_install(["postgresql", "postgresql-postgis"])
    pg = find_postgis()
    if pg is None:
        raise PackagesMissing("PostGIS was installed but no server with it was found")
    return pg
