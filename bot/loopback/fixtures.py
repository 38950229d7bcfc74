"""Run a real discord.py client against a :class:`LoopbackDiscord`.

    api = LoopbackDiscord()
    async with api, running_bot(client, api) as bot:
        ...  # READY + GUILD_CREATE processed; interact through ``api``

``running_bot`` points discord.py at the loopback for the duration:

* ``discord.http.Route.BASE`` -> ``api.api_url`` (REST and interaction webhooks), and
* ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` -> ``api.gateway_url``.

The second is needed because a plain ``discord.Client`` in discord.py 2.7.1 never calls
``GET /gateway/bot``: it connects to the hard-coded ``DEFAULT_GATEWAY`` (only
``AutoShardedClient`` asks the API), and after READY it uses ``resume_gateway_url``.

``discord.Client`` fires ``on_ready`` only after ``guild_ready_timeout`` (default 2 s) passes
without another GUILD_CREATE; build test clients with ``guild_ready_timeout=0.05`` (a public
constructor argument) to keep startup fast, or pass ``wait_until_ready=False``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TypeVar

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from .driver import LoopbackDiscord

ClientT = TypeVar("ClientT", bound=discord.Client)


@contextlib.contextmanager
def pointed_at(api: LoopbackDiscord):
    """Point discord.py's REST base and default gateway at ``api``; restore on exit."""
    old_base, old_gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = api.api_url
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(api.gateway_url)
    try:
        yield
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = old_base, old_gateway


@contextlib.asynccontextmanager
async def running_bot(
    client: ClientT,
    api: LoopbackDiscord,
    token: str | None = None,
    *,
    timeout: float = 10.0,
    wait_until_ready: bool = True,
) -> AsyncIterator[ClientT]:
    """Start ``client.start(token)`` as a task, wait until the loopback wrote READY and every
    GUILD_CREATE (and, with ``wait_until_ready``, until ``client.wait_until_ready()``), yield
    the client; on exit close it and await the task. If the client dies while starting
    (bad token, disallowed intents, exception in ``setup_hook``), its exception is raised.
    """
    with pointed_at(api):
        task = asyncio.create_task(client.start(token or api.token), name="loopback-bot")
        try:
            await _first(task, api.wait_ready(timeout), timeout)
            if wait_until_ready:
                await _first(task, client.wait_until_ready(), timeout)
            yield client
        finally:
            await client.close()
            if not task.done():
                try:
                    await asyncio.wait_for(task, timeout)
                except (TimeoutError, asyncio.CancelledError):
                    task.cancel()
            elif not task.cancelled():
                task.exception()  # retrieved; a startup failure was already raised by _first


async def _first(task: asyncio.Task[None], waiter, timeout: float) -> None:
    """Await ``waiter`` unless the client task ends first (then raise why it ended)."""
    wait_task = asyncio.ensure_future(asyncio.wait_for(waiter, timeout))
    try:
        done, _ = await asyncio.wait({task, wait_task}, return_when=asyncio.FIRST_COMPLETED)
        if wait_task in done:
            wait_task.result()
            return
        exc = task.exception()
        if exc is not None:
            raise exc
        raise RuntimeError("the bot stopped before it was ready")
    finally:
        if not wait_task.done():
            wait_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await wait_task
