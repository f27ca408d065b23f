"""The service's database role: owns nothing, cannot rewrite the audit log, has its limits."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import psycopg2
import pytest
from psycopg2 import errors
from psycopg2.extensions import cursor as Cursor

from app.localdb import cluster as localdb


@pytest.fixture
def service(local_cluster: localdb.Cluster | None, database_url: str) -> Iterator[Cursor]:
    """Yield a cursor logged in as the service on the test database (autocommit)."""
    if local_cluster is None:
        pytest.skip("the service role's password is the local cluster's")
    database = urlsplit(database_url).path.lstrip("/")
    conn = psycopg2.connect(local_cluster.service_url(database))
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            yield cur
    finally:
        conn.close()


def test_the_service_logs_in_as_its_own_role_and_owns_no_table(service: Cursor) -> None:
    cur = service
    cur.execute(
        "SELECT current_user, pg_has_role(current_user, 'parcel_registry_service', 'MEMBER')"
    )
    assert cur.fetchone() == (localdb.SERVICE_USER, True)
    cur.execute(
        "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user"
    )
    assert cur.fetchone()[0] == 0
    cur.execute(
        "SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user"
    )
    assert cur.fetchone() == (False, False, False)


@pytest.mark.parametrize(
    ("setting", "value"),
    [("statement_timeout", "30s"), ("lock_timeout", "5s"), ("temp_file_limit", "4GB")],
)
def test_the_service_role_carries_its_limits(service: Cursor, setting: str, value: str) -> None:
    service.execute(f"SHOW {setting}")
    assert service.fetchone()[0] == value


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET actor = 'someone else'",
        "DELETE FROM audit_event",
        "TRUNCATE audit_event",
        "INSERT INTO land_use_type (code, name, group_code) VALUES ('XXX', 'x', 'PNN')",
        "DROP TABLE parcel",
        "ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only",
    ],
)
def test_the_service_cannot_rewrite_history_or_the_schema(service: Cursor, statement: str) -> None:
    with pytest.raises((errors.InsufficientPrivilege, errors.UndefinedColumn)) as raised:
        service.execute(statement)
    assert isinstance(raised.value, errors.InsufficientPrivilege), raised.value


def test_the_service_reads_and_writes_the_register_and_appends_to_the_log(
    service: Cursor,
) -> None:
    cur = service
    cur.execute("BEGIN")
    try:
        cur.execute("SELECT count(*) FROM parcel")
        assert cur.fetchone()[0] > 0
        cur.execute("UPDATE parcel SET address = address WHERE id = (SELECT min(id) FROM parcel)")
        cur.execute(
            "INSERT INTO audit_event (actor, action, target_type) VALUES ('t', 'test', 'none')"
        )
        cur.execute("CREATE UNLOGGED TABLE import_work.stage_0 (x int)")
    finally:
        cur.execute("ROLLBACK")
