"""The bounded part of a paper's body that the summary prompt gets.

Not the whole paper: the introduction says what the paper is for, the conclusion what it
found, and the captions of its tables and figures carry its numbers. A PDF has no sections, so
its first page (title block, abstract, introduction) and its opening and closing text stand in.
"""

from __future__ import annotations

import re
from typing import Any

from bot.llm.tokens import estimate_tokens
from bot.papers.fulltext.document import Document

EXCERPT_TOKENS = 5000
_INTRODUCTION = re.compile(r"introduction|overview|はじめに|序論", re.I)
_CONCLUSION = re.compile(r"conclu|discussion|summary|limitations|おわりに|結論|まとめ", re.I)
_REFERENCES = re.compile(r"^\s*(references|bibliography)\s*$", re.I | re.M)


def excerpt(document: Document, budget: int = EXCERPT_TOKENS) -> list[dict[str, Any]]:
    """[{section, text}] within about `budget` tokens, in document order."""
    if document.source == "pdf":
        return _pdf_excerpt(document, budget)
    body = [s for s in document.sections if not s.appendix and s.paragraphs]
    if not body:
        return []
    intro = next((s for s in body if _INTRODUCTION.search(s.title)), body[0])
    closing = next((s for s in reversed(body) if _CONCLUSION.search(s.title)), body[-1])
    parts = [(intro, _clip(" ".join(intro.paragraphs), budget * 2 // 5))]
    if closing is not intro:
        parts.append((closing, _clip(" ".join(closing.paragraphs), budget * 3 // 10)))
    captions = [f"{c.label}: {c.text}" for s in document.sections for c in s.captions]
    found = [{"section": section.label, "text": text} for section, text in parts]
    if captions:
        found.append({"section": "Captions", "text": _clip("\n".join(captions), budget * 3 // 10)})
    return found


def _pdf_excerpt(document: Document, budget: int) -> list[dict[str, Any]]:
    pages = [(s, "\n".join(s.paragraphs)) for s in document.sections]
    if not pages:
        return []
    first, *rest = pages
    text = "\n".join(page for _, page in rest)
    text = _REFERENCES.split(text, maxsplit=1)[0]
    found = [{"section": first[0].label, "text": _clip(first[1], budget * 2 // 5)}]
    if text:
        opening = _clip(text, budget * 3 // 10)
        closing = _clip_end(text[len(opening) :], budget * 3 // 10)
        found.append({"section": "Opening text", "text": opening})
        if closing:
            found.append({"section": "Closing text", "text": closing})
    return found


def _chars_for(text: str, tokens: int) -> int:
    """How many characters of `text` cost about `tokens` (its mix of ASCII and other script)."""
    cost = max(estimate_tokens(text), 1)
    return max(1, len(text) * tokens // cost)


def _clip(text: str, tokens: int) -> str:
    if estimate_tokens(text) <= tokens:
        return text
    return text[: _chars_for(text, tokens)].rstrip() + " …"


def _clip_end(text: str, tokens: int) -> str:
    if estimate_tokens(text) <= tokens:
        return text.strip()
    return "… " + text[-_chars_for(text, tokens) :].lstrip()
