"""The one background loop: a daemon thread that does rounds of work until the app stops."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

logger = logging.getLogger(__name__)


class Loop:
    """Call `work(round_number)` over and over in a thread; after a round that found nothing
    to do (it returns False) or failed, wait `pause_s`. A failure is logged, never fatal.
    `first`, when given, runs in start() itself, before the thread."""

    def __init__(
        self,
        name: str,
        work: Callable[[int], bool],
        pause_s: float,
        first: Callable[[], None] | None = None,
    ) -> None:
        self.name = name
        self.work = work
        self.pause_s = pause_s
        self.first = first
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        """Run `first`, then start the thread."""
        if self.first is not None:
            self.first()
        self._thread.start()

    def stop(self) -> None:
        """Stop after the current round."""
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        rounds = 0
        while not self._stop.is_set():
            try:
                busy = self.work(rounds)
            except Exception:  # the database may be down; /health says so
                logger.warning("%s: a round failed", self.name, exc_info=True)
                busy = False
            rounds += 1
            if not busy:
                self._stop.wait(self.pause_s)
