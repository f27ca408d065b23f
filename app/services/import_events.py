"""Following imports as they run: one listener per process hears every announced change and
wakes the requests waiting on that import (the pages' event streams)."""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict

from sqlalchemy import Engine

from app.db.import_notices import ProgressListener
from app.services.background import Loop

__all__ = ["ImportEvents"]


class ImportEvents:
    """Wakes whoever waits on an import when the worker (in any process) announces it."""

    def __init__(self, engine: Engine) -> None:
        self._listener = ProgressListener(engine)
        self._waiting: dict[int, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = (
            defaultdict(set)
        )
        self._lock = threading.Lock()
        self._loop = Loop("import-events", self._round, pause_s=1.0)

    def start(self) -> None:
        """Start listening, in a thread of its own."""
        self._loop.start()

    def stop(self) -> None:
        """Stop listening and close the connection."""
        self._loop.stop()
        self._listener.close()

    def _round(self, _: int) -> bool:
        for import_id in self._listener.wait(1.0):
            with self._lock:
                waiting = list(self._waiting.get(import_id, ()))
            for loop, event in waiting:
                loop.call_soon_threadsafe(event.set)
        return True  # the wait above paces the rounds

    async def changed(self, import_id: int, timeout_s: float) -> bool:
        """Wait until the import is announced; return False when `timeout_s` passed first."""
        event = asyncio.Event()
        entry = (asyncio.get_running_loop(), event)
        with self._lock:
            self._waiting[import_id].add(entry)
        try:
            await asyncio.wait_for(event.wait(), timeout_s)
            return True
        except TimeoutError:
            return False
        finally:
            with self._lock:
                self._waiting[import_id].discard(entry)
                if not self._waiting[import_id]:
                    del self._waiting[import_id]
