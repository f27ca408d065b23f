"""Upkeep of the coverage counters: compaction, and the snapshots of periods just closed.

The figures are exact without it (reads add what is pending); compaction keeps the reads
fast, and a snapshot taken soon after a period closes freezes it before late edits arrive.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.db import coverage_sql
from app.services import snapshots

logger = logging.getLogger(__name__)


def run_once(engine: Engine, *, take_snapshots: bool) -> int:
    """Compact the counters (and take missing snapshots); return the rows folded."""
    with Session(engine) as session, session.begin():
        folded = coverage_sql.compact(session)
    if take_snapshots:
        with Session(engine) as session, session.begin():
            for period in ("week", "month"):
                snapshots.ensure(session, period)
    return folded


class Upkeep:
    """A thread that compacts every `every_s` seconds and looks for closed periods every
    `snapshot_every` rounds, for as long as the app lives."""

    def __init__(self, engine: Engine, every_s: float = 2.0, snapshot_every: int = 300) -> None:
        self.engine = engine
        self.every_s = every_s
        self.snapshot_every = snapshot_every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="stats-upkeep", daemon=True)

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop after the current round."""
        self._stop.set()
        self._thread.join(timeout=30)

    def _loop(self) -> None:
        rounds = 0
        while not self._stop.is_set():
            try:
                run_once(self.engine, take_snapshots=rounds % self.snapshot_every == 0)
            except Exception:  # the database may be down; /health says so
                logger.warning("coverage counters: upkeep failed", exc_info=True)
            rounds += 1
            self._stop.wait(self.every_s)
