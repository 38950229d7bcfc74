"""HTTP GET with a timeout, bounded retries and backoff that honours Retry-After."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from bot import __version__

log = logging.getLogger(__name__)

USER_AGENT = f"yomikai/{__version__} (study-group bot)"
RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


class SourceError(Exception):
    """A paper source could not give a usable answer; the message is fit for a user."""


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
) -> httpx.Response:
    """GET `url`; retry transport errors, 429 and 5xx; raise SourceError after the last try."""
    problem = ""
    for attempt in range(1, attempts + 1):
        delay = base_delay * 2 ** (attempt - 1)
        try:
            response = await client.get(url, params=params)
        except httpx.TransportError as exc:
            problem = f"{type(exc).__name__}"
        else:
            if response.status_code < 400:
                return response
            if response.status_code not in RETRYABLE_STATUS:
                raise SourceError(f"{source} answered HTTP {response.status_code}")
            problem = f"HTTP {response.status_code}"
            delay = retry_after_seconds(response) or delay
        if attempt < attempts:
            wait = min(delay, max_delay)
            log.warning(
                "%s: %s, try %d of %d, retrying in %.1fs", source, problem, attempt, attempts, wait
            )
            await asyncio.sleep(wait)
    raise SourceError(f"{source} unreachable after {attempts} tries ({problem})")
