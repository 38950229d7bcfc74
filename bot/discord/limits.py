"""Discord's documented message limits, and cutting text to fit them."""

from __future__ import annotations

import re

CONTENT = 2000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_TOTAL = 6000
SELECT_OPTIONS = 25
SELECT_LABEL = 100
CHOICES = 25
CHOICE_NAME = 100

ELLIPSIS = "…"
# Sentence ends in Japanese and English text; a cut lands just after one of these.
_SENTENCE_END = re.compile(r"[。．！？!?]|\.(?=\s)|\n")


def shorten(text: str, limit: int, more: str = "") -> str:
    """Fit `text` into `limit` characters, cut at a sentence end, with "…" and `more` appended."""
    if len(text) <= limit:
        return text
    tail = ELLIPSIS + (f" {more}" if more else "")
    room = limit - len(tail)
    if room <= 0:
        return text[: max(limit - 1, 0)] + ELLIPSIS if limit > 0 else ""
    window = text[:room]
    ends = [m.end() for m in _SENTENCE_END.finditer(window)]
    cut = ends[-1] if ends and ends[-1] >= room // 2 else _word_cut(window)
    return window[:cut].rstrip() + tail


def _word_cut(window: str) -> int:
    space = window.rfind(" ")
    return space if space >= len(window) // 2 else len(window)


def embed_length(embed: dict) -> int:
    """Characters that count toward Discord's 6000 limit for one embed."""
    total = len(embed.get("title", "")) + len(embed.get("description", ""))
    total += len(embed.get("footer", {}).get("text", "")) + len(
        embed.get("author", {}).get("name", "")
    )
    for field in embed.get("fields", []):
        total += len(field["name"]) + len(field["value"])
    return total


def split_message(text: str, limit: int = CONTENT) -> list[str]:
    """Split text into messages of at most `limit` characters, at line or sentence ends."""
    chunks = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = window.rfind("\n")
        if cut < limit // 2:
            ends = [m.end() for m in _SENTENCE_END.finditer(window)]
            cut = ends[-1] if ends and ends[-1] >= limit // 2 else _word_cut(window)
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return [*chunks, rest] if rest else chunks
