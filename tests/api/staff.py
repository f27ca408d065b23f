"""A live app on a register that commits, with staff accounts made as the command line
makes them: what the sign-in and workbench tests share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from app.config import Settings, to_sqlalchemy_url
from app.domain import clock
from app.domain.permissions import Role
from app.localdb import cluster as localdb
from app.main import create_app
from app.services import accounts
from tests.support import SETUP, committed_register, live_server

PASSWORD = "mật khẩu đủ dài 2025"


class StaffRegister:
    """The live app, its database (as owner), and the admin's key."""

    def __init__(self, base: str, owner: str, headers: dict[str, dict[str, str]]) -> None:
        self.base = base
        self.owner = owner
        self.engine = create_engine(to_sqlalchemy_url(owner))
        self.admin = headers[Role.ADMIN.value]
        self.made = 0

    def account(self, role: Role = Role.SURVEYOR, ward: str | None = None) -> str:
        """Create an account (as the command line does) and return its user name."""
        self.made += 1
        name = f"{role.value.replace('_', '')}{self.made}"
        with Session(self.engine) as session, session.begin():
            accounts.create(
                session=session,
                actor=SETUP,
                user_name=name,
                display_name=f"Cán bộ số {self.made}",
                role=role,
                ward_code=ward,
                password=PASSWORD,
            )
        return name

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, timeout=30)

    def audit(self, action: str, target: str) -> list[dict[str, Any]]:
        """The audit events of an action on an account, read straight from the table."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT e.actor, e.role, e.account_id, e.after FROM audit_event e"
                    " JOIN staff_account a ON e.target_id = a.id::text"
                    " WHERE e.action = :action AND e.target_type = 'staff_account'"
                    " AND a.user_name = :name ORDER BY e.id"
                ),
                {"action": action, "name": target},
            ).mappings()
            return [dict(row) for row in rows]


@contextmanager
def serve(
    server_url: str,
    local_cluster: localdb.Cluster | None,
    uploads: Path | None = None,
    **overrides: Any,
) -> Iterator[StaffRegister]:
    """Serve the app on a fresh register that commits, with an admin's and a surveyor's key;
    with `uploads`, its import worker runs and keeps uploads there; `overrides` are settings."""
    service = local_cluster.service_url if local_cluster else None
    with committed_register(server_url, service, (Role.ADMIN, Role.SURVEYOR)) as (
        owner,
        url,
        headers,
    ):
        settings = Settings(  # type: ignore[call-arg]
            DATABASE_URL=url,
            import_worker=uploads is not None,
            **({"upload_dir": uploads} if uploads is not None else {}),
            **overrides,
        )
        app = create_app(settings)
        with live_server(app) as base:
            registry = StaffRegister(base, owner, headers)
            yield registry
            registry.engine.dispose()


def sign_in(http: httpx.Client, user: str, password: str = PASSWORD) -> httpx.Response:
    """Sign in with a user name and password; return the answer."""
    return http.post("/session", json={"user_name": user, "password": password})


def advance(by: timedelta) -> None:
    """Move the pinned clock forward (inside the `moving_clock` fixture)."""
    clock.pin(clock.now() + by)
