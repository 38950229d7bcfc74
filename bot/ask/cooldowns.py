"""Per-member rate limits, kept in memory (a restart forgives everyone)."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable


class Cooldown:
    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self._last: dict[Hashable, float] = {}

    def try_acquire(self, key: Hashable) -> float:
        """0 and the slot is taken, or the seconds left before `key` may go again."""
        now = self.clock()
        last = self._last.get(key)
        if last is not None and now - last < self.seconds:
            return self.seconds - (now - last)
        self._last[key] = now
        if len(self._last) > 10_000:
            self._last = {k: v for k, v in self._last.items() if now - v < self.seconds}
        return 0.0

    def release(self, key: Hashable) -> None:
        """Give back a slot taken for a request that came to nothing."""
        self._last.pop(key, None)
