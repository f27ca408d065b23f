"""A rate limit on anonymous writes (complaints), per client address, in this process."""

from __future__ import annotations

import math
import threading
import time
from collections import deque

from app.errors import RegistryError


class TooManyRequests(RegistryError):
    """The caller sent more anonymous writes than the limit allows."""

    status = 429
    slug = "too-many-requests"
    title = "Too many requests"


class SlidingWindow:
    """At most `limit` events per `window_s` seconds for each client."""

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit = limit
        self.window_s = window_s
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, client: str) -> None:
        """Count one event of `client`; raise TooManyRequests when it is over the limit."""
        now = time.monotonic()
        with self._lock:
            if len(self._seen) > 100_000:  # forget idle clients rather than grow without end
                self._seen = {c: q for c, q in self._seen.items() if q and q[-1] > now - 3600}
            seen = self._seen.setdefault(client, deque())
            while seen and seen[0] <= now - self.window_s:
                seen.popleft()
            if len(seen) >= self.limit:
                wait = math.ceil(seen[0] + self.window_s - now)
                raise TooManyRequests(
                    f"At most {self.limit} submissions per {self.window_s / 60:g} minutes from "
                    f"one address without an API key; try again in {wait} s, or call the hotline.",
                    retry_after_s=wait,
                )
            seen.append(now)
