"""Upkeep of the coverage counters: compaction, and the snapshots of periods just closed.

The figures are exact without it (reads add what is pending); compaction keeps the reads
fast, and a snapshot taken soon after a period closes freezes it before late edits arrive.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.db import coverage_sql
from app.services import snapshots, tile_upkeep
from app.services.background import Loop


def run_once(engine: Engine, *, take_snapshots: bool) -> int:
    """Compact the counters (and take missing snapshots); return the rows folded."""
    with Session(engine) as session, session.begin():
        folded = coverage_sql.compact(session)
    if take_snapshots:
        with Session(engine) as session, session.begin():
            for period in ("week", "month"):
                snapshots.ensure(session, period)
    return folded


def upkeep(engine: Engine, every_s: float = 2.0, snapshot_every: int = 300) -> Loop:
    """Return the loop that compacts every `every_s` seconds and looks for closed periods
    every `snapshot_every` rounds, for as long as the app lives."""

    def work(round_number: int) -> bool:
        run_once(engine, take_snapshots=round_number % snapshot_every == 0)
        tile_upkeep.run_once(engine)  # the map's counts and cache, in the same rounds
        return False  # then wait every_s

    return Loop("stats-upkeep", work, every_s)
