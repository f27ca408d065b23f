"""Server-side prepared statements, one per pooled connection, for hot read queries.

PostgreSQL plans a long statement (the coverage figures: four grouping sets over forty
aggregates) in longer than it runs it. PREPARE keeps the plan for the connection's life;
it survives rollbacks, and a connection the pool replaces is prepared again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

_PARAM = re.compile(r"(?<![:\w]):([a-z_]+)\b")


def execute(
    session: Session, name: str, sql: str, params: dict[str, Any], types: dict[str, str]
) -> Sequence[Any]:
    """Run `sql` (with :named parameters of the given SQL types) as prepared statement
    `name` on the session's connection, preparing it there first if needed; return rows."""
    order = list(dict.fromkeys(_PARAM.findall(sql)))
    connection = session.connection()
    prepared: set[str] = connection.info.setdefault("prepared_statements", set())
    if name not in prepared:
        positional = _PARAM.sub(lambda m: f"${order.index(m.group(1)) + 1}", sql)
        signature = ", ".join(types[p] for p in order)
        connection.exec_driver_sql(f"PREPARE {name} ({signature}) AS {positional}")
        prepared.add(name)
    arguments = ", ".join(f":{p}" for p in order)
    return session.execute(text(f"EXECUTE {name} ({arguments})"), params).all()
