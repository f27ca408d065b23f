"""The OS user the local PostgreSQL runs as, and where its files may live.

PostgreSQL refuses to run as root, so under root the server runs as the unprivileged
``postgres`` OS user: commands are run as that user, and a state directory it cannot reach
moves under FALLBACK_ROOT.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pwd
import subprocess
from pathlib import Path

logger = logging.getLogger(__name__)

RUNTIME_OS_USER = "postgres"
FALLBACK_ROOT = Path("/var/tmp/parcel-registry")


class LocalDbError(Exception):
    """The local cluster cannot be set up or started; the message says what to do."""


def runtime_user() -> pwd.struct_passwd | None:
    """Return the OS user the server must run as, or None to run as the current user."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(RUNTIME_OS_USER)
    except KeyError:
        raise LocalDbError(
            f"running as root, but there is no '{RUNTIME_OS_USER}' OS user to run PostgreSQL "
            "(PostgreSQL refuses to run as root); install Debian's postgresql package, which "
            "creates it, or run as a normal user"
        ) from None


def run(
    cmd: list[str], *, user: pwd.struct_passwd | None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run a command as the runtime user, capturing its output."""
    kwargs: dict[str, object] = {}
    env = dict(os.environ)
    if user is not None:
        kwargs = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
        env.update(HOME=user.pw_dir, USER=user.pw_name, LOGNAME=user.pw_name)
    result = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        env=env,
        cwd="/",
        **kwargs,  # type: ignore[call-overload]
    )
    if check and result.returncode != 0:
        output = (result.stderr or result.stdout).strip()
        raise LocalDbError(f"{Path(cmd[0]).name} failed (exit {result.returncode}): {output}")
    return result  # type: ignore[no-any-return]


def _reachable_by(path: Path, user: pwd.struct_passwd) -> bool:
    """Return whether `user` can enter every directory down to `path`."""
    probe = path
    while not probe.exists():
        probe = probe.parent
    return run(["test", "-x", str(probe)], user=user, check=False).returncode == 0


def resolve_home(home: Path) -> Path:
    """Return the state directory to use, moving it out of reach-less places when root."""
    home = home.absolute()
    user = runtime_user()
    if user is None or home.is_symlink() or _reachable_by(home.parent, user):
        return home.resolve() if home.is_symlink() else home
    digest = hashlib.sha256(str(home).encode()).hexdigest()[:12]
    fallback = FALLBACK_ROOT / digest
    fallback.mkdir(parents=True, exist_ok=True)
    FALLBACK_ROOT.chmod(0o755)
    if home.exists():
        raise LocalDbError(
            f"{home} exists but the '{user.pw_name}' user cannot reach it "
            f"(a parent directory is closed to it); remove it or move the clone"
        )
    home.symlink_to(fallback, target_is_directory=True)
    logger.info("%s is closed to %s; the cluster lives in %s", home.parent, user.pw_name, fallback)
    return fallback
