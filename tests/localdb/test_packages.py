from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.localdb import packages


def test_the_installed_server_with_postgis_is_found() -> None:
    pg = packages.ensure_postgis(install=False)
    assert pg.has_postgis
    assert (pg.bindir / "initdb").exists() and (pg.bindir / "pg_ctl").exists()


def test_without_apt_the_message_says_what_to_do(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no apt-get, no sudo
    with pytest.raises(packages.PackagesMissing, match="DATABASE_URL"):
        packages._apt_install(["postgresql", "postgresql-postgis"])


@pytest.mark.skipif(os.geteuid() == 0, reason="root installs packages itself")
def test_a_normal_user_without_sudo_is_told_the_apt_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "apt-get").symlink_to("/bin/true")
    monkeypatch.setenv("PATH", str(tmp_path))  # apt-get present, sudo absent
    with pytest.raises(packages.PackagesMissing, match="sudo apt-get install postgresql"):
        packages._apt_install(["postgresql"])
