"""Citations in an answer ("[§4.2]", "[Table 1; p.3]") turned into links to the paper."""

from __future__ import annotations

import re

from bot.discord.cards import link_text

_BRACKETS = re.compile(r"\[([^\[\]\n]{1,80})\](?!\()")
_SEPARATORS = re.compile(r"\s*[,;、，]\s*")


def _key(text: str) -> str:
    return "".join(text.casefold().split())


def link_citations(answer: str, links: dict[str, str]) -> str:
    """Each bracketed citation whose every key names a passage becomes links to them; any other
    bracket (the paper's own "[12]", a key the model made up) is left as written."""
    known = {_key(cite): (cite, url) for cite, url in links.items()}

    def linked(match: re.Match[str]) -> str:
        parts = _SEPARATORS.split(match.group(1).strip())
        found = [known.get(_key(part)) for part in parts]
        if not parts or any(item is None for item in found):
            return match.group(0)
        # <url> keeps Discord from unfurling a preview for every citation.
        return ", ".join(f"[{link_text(cite)}](<{url}>)" for cite, url in found)  # type: ignore[misc]

    return _BRACKETS.sub(linked, answer)
