"""An /ask answer shown in Discord as it is written: the deferred reply edited as text arrives.

Discord rate-limits edits (about five per message in five seconds), so intermediate edits are
spaced EDIT_INTERVAL apart, which always leaves room for the final one to go out at once. Past
Discord's 2000 characters the answer continues in a new message.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time

import discord

from bot.ask.citations import link_citations
from bot.discord.limits import split_message
from cogs._common import Interaction

log = logging.getLogger(__name__)

EDIT_INTERVAL = 1.25
EDITS_PER_WINDOW = 5
EDIT_WINDOW = 5.0


class StreamedReply:
    def __init__(self, interaction: Interaction, head: str) -> None:
        """Messages show `head`, then the answer so far with its citations linked."""
        self._interaction = interaction
        self.head = head
        self.links: dict[str, str] = {}
        self._raw = ""
        self._shown: list[str] = []
        self._followups: list[discord.WebhookMessage] = []
        self._edits: collections.deque[float] = collections.deque(maxlen=EDITS_PER_WINDOW)
        self._flushing: asyncio.Task[None] | None = None
        self._sleeping = False
        self._lock = asyncio.Lock()

    @property
    def messages(self) -> int:
        return len(self._shown)

    def feed(self, delta: str) -> None:
        """More text: shown at once if the last edit is old enough, else at the next turn."""
        self._raw += delta
        if self._flushing is None or self._flushing.done():
            wait = max(0.0, self._last_edit() + EDIT_INTERVAL - time.monotonic())
            self._flushing = asyncio.create_task(self._flush_after(wait))

    async def finish(self, raw: str) -> None:
        """The whole answer, shown now (or as soon as Discord's edit rate allows)."""
        await self._cancel_pending()
        self._raw = raw
        await self._window_turn()
        await self._flush()

    async def fail(self, text: str) -> None:
        """Replace whatever was shown with `text` (the deferred message is public)."""
        await self._cancel_pending()
        await self._window_turn()
        async with self._lock:
            await self._interaction.edit_original_response(content=text)
            for message in self._followups:
                with contextlib.suppress(discord.HTTPException):
                    await message.delete()

    async def _flush_after(self, wait: float) -> None:
        self._sleeping = True
        try:
            await asyncio.sleep(wait)
        finally:
            self._sleeping = False
        try:
            await self._flush()
        except discord.HTTPException as exc:  # the next edit, or the final one, shows the text
            log.warning("an /ask answer was not updated: %s", exc)

    async def _flush(self) -> None:
        async with self._lock:
            text = f"{self.head}\n\n{link_citations(self._raw, self.links)}"
            parts = split_message(text)
            for index, part in enumerate(parts):
                if index < len(self._shown) and self._shown[index] == part:
                    continue
                await self._show(index, part)
            self._edits.append(time.monotonic())

    async def _show(self, index: int, part: str) -> None:
        if index == 0:
            await self._interaction.edit_original_response(content=part)
        elif index <= len(self._followups):
            await self._followups[index - 1].edit(content=part)
        else:
            self._followups.append(await self._interaction.followup.send(part, wait=True))
        if index < len(self._shown):
            self._shown[index] = part
        else:
            self._shown.append(part)

    def _last_edit(self) -> float:
        return self._edits[-1] if self._edits else float("-inf")

    async def _window_turn(self) -> None:
        """Wait until one more edit fits in Discord's window."""
        if len(self._edits) == EDITS_PER_WINDOW:
            wait = self._edits[0] + EDIT_WINDOW - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)

    async def _cancel_pending(self) -> None:
        """Drop a flush still waiting for its turn; let one already editing finish."""
        task = self._flushing
        if task is None or task.done():
            return
        if self._sleeping:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
