"""Serve an aiohttp application on a free loopback port, in this loop or in a thread.

`serve` lives in the package (bot/loopback/serve.py: the playground needs it too).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from aiohttp import web

from bot.loopback.serve import serve

__all__ = ["ThreadedServer", "serve"]

T = TypeVar("T")


class ThreadedServer:
    """Serve `app` from its own event loop in a daemon thread (for sync and subprocess tests)."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._stack = contextlib.AsyncExitStack()

    def __enter__(self) -> ThreadedServer:
        self._thread.start()
        self.url = self.call(self._stack.enter_async_context(serve(self.app)))
        return self

    def __exit__(self, *exc: object) -> None:
        self.call(self._stack.aclose())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 10) -> T:
        """Run a coroutine on the server's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)
