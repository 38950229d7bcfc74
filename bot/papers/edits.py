"""Organizers' corrections of a paper's notes, kept per guild beside the generated summary."""

from __future__ import annotations

import json
from collections.abc import Mapping

from bot.i18n import Refusal
from bot.models import NOTE_FIELDS
from bot.store.store import Store, utcnow

# Discord's embed field holds 1024 characters; the card keeps room for its "more" link.
MAX_NOTE = 1000


class EditError(Refusal):
    """A correction that cannot be stored."""


def checked_notes(notes: Mapping[str, str]) -> dict[str, str]:
    """The five notes, stripped; EditError when one is missing, empty or too long."""
    checked = {}
    for name in NOTE_FIELDS:
        text = (notes.get(name) or "").strip()
        if not text:
            raise EditError("edit_empty", field=name)
        if len(text) > MAX_NOTE:
            raise EditError("edit_too_long", field=name, limit=MAX_NOTE)
        checked[name] = text
    return checked


class SummaryEdits:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def save(
        self,
        guild_id: int,
        arxiv_id: str,
        language: str,
        notes: Mapping[str, str],
        editor: tuple[int, str],
    ) -> None:
        """Store the guild's correction (replacing an earlier one), with who made it and when."""
        body = json.dumps(checked_notes(notes), ensure_ascii=False)
        async with self.store.transaction() as conn:
            await conn.execute(
                "INSERT OR REPLACE INTO summary_edits (guild_id, arxiv_id, language, body,"
                " editor_id, editor_name, edited_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (guild_id, arxiv_id, language, body, editor[0], editor[1], utcnow()),
            )
        self.store.content_generation += 1

    async def revert(self, guild_id: int, arxiv_id: str, language: str) -> bool:
        """Drop the guild's correction; False when there was none."""
        async with self.store.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM summary_edits WHERE guild_id = ? AND arxiv_id = ? AND language = ?",
                (guild_id, arxiv_id, language),
            )
            removed = cursor.rowcount > 0
        self.store.content_generation += 1
        return removed
