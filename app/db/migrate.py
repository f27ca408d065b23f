"""Run the Alembic revisions programmatically: the only way the schema is made."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from app.config import PROJECT_ROOT, to_sqlalchemy_url


def alembic_config(url: str) -> Config:
    """Return the project's Alembic config, pointed at `url`."""
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    # passed as an attribute: a URL-encoded password holds '%', which configparser would expand
    cfg.attributes["url"] = to_sqlalchemy_url(url)
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Upgrade the database at `url` to `revision`."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Downgrade the database at `url` to `revision` ("base" removes everything)."""
    command.downgrade(alembic_config(url), revision)


def head_revision() -> str:
    """Return the newest revision of the migrations."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config("postgresql://")).get_current_head()
    assert head is not None
    return head
