"""HTTP GET with a timeout, bounded retries and backoff that honours Retry-After."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from bot import __version__

log = logging.getLogger(__name__)

USER_AGENT = f"yomikai/{__version__} (study-group bot)"
RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


class SourceError(Exception):
    """A paper source could not give a usable answer; the message is fit for a user.

    `permanent` when asking again will not help (404, an answer over the size cap)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Pacer:
    """One request at a time to a source, each starting at least `interval` s after the last ended."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._lock = asyncio.Lock()
        self._last: float | None = None

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        async with self._lock:
            if self._last is not None:
                remaining = self._last + self.interval - time.monotonic()
                if remaining > 0:
                    await asyncio.sleep(remaining)
            try:
                yield
            finally:
                self._last = time.monotonic()


def new_client(timeout: float) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout),
        headers={"User-Agent": USER_AGENT},
        follow_redirects=True,
    )


def retry_after_seconds(response: httpx.Response, now: datetime | None = None) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


async def get_with_retries(
    client: httpx.AsyncClient,
    url: str,
    *,
    source: str,
    params: dict[str, Any] | None = None,
    attempts: int = 4,
    base_delay: float = 0.5,
    max_delay: float = 30.0,
    max_bytes: int | None = None,
) -> httpx.Response:
    """GET `url`; retry transport errors, 429 and 5xx; raise SourceError after the last try.

    With `max_bytes`, a body larger than that is refused (SourceError, permanent) before it
    is all read."""
    problem = ""
    for attempt in range(1, attempts + 1):
        delay = base_delay * 2 ** (attempt - 1)
        try:
            response = await _get(client, url, params, max_bytes, source)
        except httpx.TransportError as exc:
            problem = f"{type(exc).__name__}"
        else:
            if response.status_code < 400:
                return response
            if response.status_code not in RETRYABLE_STATUS:
                raise SourceError(f"{source} answered HTTP {response.status_code}", permanent=True)
            problem = f"HTTP {response.status_code}"
            delay = retry_after_seconds(response) or delay
        if attempt < attempts:
            wait = min(delay, max_delay)
            log.warning(
                "%s: %s, try %d of %d, retrying in %.1fs", source, problem, attempt, attempts, wait
            )
            await asyncio.sleep(wait)
    raise SourceError(f"{source} unreachable after {attempts} tries ({problem})")


async def _get(
    client: httpx.AsyncClient,
    url: str,
    params: dict[str, Any] | None,
    max_bytes: int | None,
    source: str,
) -> httpx.Response:
    if max_bytes is None:
        return await client.get(url, params=params)
    async with client.stream("GET", url, params=params) as response:
        declared = response.headers.get("Content-Length", "")
        if response.status_code < 400 and declared.isdigit() and int(declared) > max_bytes:
            raise _too_large(source, max_bytes)
        body = bytearray()
        async for piece in response.aiter_bytes():
            body += piece
            if len(body) > max_bytes:
                raise _too_large(source, max_bytes)
    # The body is decoded already: its encoding and length headers no longer describe it.
    headers = [
        (k, v)
        for k, v in response.headers.items()
        if k not in ("content-encoding", "content-length")
    ]
    return httpx.Response(
        response.status_code, headers=headers, content=bytes(body), request=response.request
    )


def _too_large(source: str, max_bytes: int) -> SourceError:
    return SourceError(f"{source} sent more than {max_bytes // 1_000_000} MB", permanent=True)
