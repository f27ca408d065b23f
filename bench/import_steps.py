"""Where an import's time goes: every SQL statement timed, and the Python between them.

    .venv/bin/python bench/import_steps.py [--parcels 100000]

Runs the import in this process (the code `parcel-registry import` runs) on a throwaway
PostGIS with the sample wards and an empty register, times each statement through
SQLAlchemy's cursor events (COPY goes around them and counts as Python), and prints the
statements by time, then the total.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import to_sqlalchemy_url  # noqa: E402
from app.db.session import make_sessionmaker  # noqa: E402
from app.domain.imports import ImportOptions  # noqa: E402
from app.domain.permissions import Actor, Role  # noqa: E402
from app.ingest.spool import spool  # noqa: E402
from app.services import imports  # noqa: E402
from bench.import_bench import generated  # noqa: E402
from bench.tools import throwaway_cluster  # noqa: E402
from tests.services.conftest import prepare_register  # noqa: E402
from tests.support import fresh_database  # noqa: E402


def _label(statement: str) -> str:
    """A short name of a statement: its first words, the import's number taken out."""
    words = re.sub(r"_\d+\b", "", " ".join(statement.split()))
    return words[:90]


def main() -> None:
    """Run one import and print the time of each kind of statement."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=100_000)
    args = parser.parse_args()
    source = generated(args.parcels)
    with throwaway_cluster("steps") as (_, server, _):
        with fresh_database(server, "steps") as url, tempfile.TemporaryDirectory() as work:
            prepare_register(url)
            engine = create_engine(to_sqlalchemy_url(url))
            spent: dict[str, float] = defaultdict(float)
            calls: dict[str, int] = defaultdict(int)

            @event.listens_for(engine, "before_cursor_execute")
            def _before(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
                conn.info["started"] = time.perf_counter()

            @event.listens_for(engine, "after_cursor_execute")
            def _after(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
                label = _label(statement)
                spent[label] += time.perf_counter() - conn.info.pop("started")
                calls[label] += 1

            with source.open("rb") as stream:
                path, sha256, size = spool(stream, Path(work), 2**40)
            with make_sessionmaker(engine).begin() as session:
                job = imports.submit(
                    session=session,
                    upload=imports.Spooled(path, sha256, size, source.name),
                    uploader=Actor(name="bench", role=Role.SURVEYOR),
                    options=ImportOptions(),
                )
                import_id = job.id
            spent.clear()
            calls.clear()
            started = time.perf_counter()
            assert imports.claim(engine, import_id) == import_id
            status = imports.run_claimed(engine, import_id)
            total = time.perf_counter() - started
            in_sql = sum(spent.values())
            print(f"import of {args.parcels:,} parcels: {status} in {total:.1f} s")
            print(f"{'s':>7} {'calls':>6}  statement")
            for label, seconds in sorted(spent.items(), key=lambda kv: -kv[1])[:25]:
                print(f"{seconds:>7.2f} {calls[label]:>6}  {label}")
            print(f"{in_sql:>7.2f}         in SQL statements")
            print(f"{total - in_sql:>7.2f}         elsewhere (reading, checks, COPY)")
            engine.dispose()


if __name__ == "__main__":
    main()
