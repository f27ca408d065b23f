"""PostgreSQL's LISTEN/NOTIFY for import progress: the worker announces every change of an
import (`import_progress`, payload: its id); a listener is told at once, without polling."""

from __future__ import annotations

import select
from typing import Any

from sqlalchemy import Connection, Engine, text

__all__ = ["CHANNEL", "ProgressListener", "announce"]

CHANNEL = "import_progress"


def announce(conn: Connection, import_id: int) -> None:
    """Tell every listener that the import changed (delivered when the transaction commits)."""
    conn.execute(
        text("SELECT pg_notify(:channel, CAST(:id AS text))"),
        {"channel": CHANNEL, "id": import_id},
    )


class ProgressListener:
    """One connection of its own, listening to the channel (taken out of the pool)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: Any = None

    def _connection(self) -> Any:
        if self._conn is None or self._conn.closed:
            proxied = self.engine.raw_connection()
            conn = proxied.driver_connection
            proxied.detach()  # kept for good: never handed back to the pool
            assert conn is not None
            conn.autocommit = True
            with conn.cursor() as cursor:
                cursor.execute(f"LISTEN {CHANNEL}")
            self._conn = conn
        return self._conn

    def wait(self, timeout_s: float) -> list[int]:
        """Return the ids of the imports announced within `timeout_s` (none: an empty list)."""
        conn = self._connection()
        try:
            ready, _, _ = select.select([conn], [], [], timeout_s)
            if not ready:
                return []
            conn.poll()
        except Exception:
            self.close()
            raise
        ids = [int(n.payload) for n in conn.notifies if n.payload.isdigit()]
        conn.notifies.clear()
        return ids

    def close(self) -> None:
        """Close the connection (the next wait opens another)."""
        if self._conn is not None and not self._conn.closed:
            self._conn.close()
        self._conn = None
