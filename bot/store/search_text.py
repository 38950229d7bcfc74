"""Tokens for full-text search that work for Japanese (no spaces) and English alike.

SQLite's unicode61 tokenizer splits on spaces, which Japanese does not have; so text is indexed
and queried as words for Latin script and overlapping character pairs for CJK script.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[0-9a-z][0-9a-z\-]*|[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")
_HIRAGANA_ONLY = re.compile(r"[\u3040-\u309f]+")
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "do",
        "does",
        "for",
        "from",
        "how",
        "in",
        "is",
        "it",
        "of",
        "on",
        "or",
        "the",
        "this",
        "to",
        "what",
        "which",
        "who",
        "why",
        "with",
    ]
)
MAX_QUERY_TOKENS = 64


def tokens(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", text).casefold()
    found: list[str] = []
    for run in _WORD.findall(folded):
        if _CJK.match(run):
            pairs = [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]
            # Pairs of hiragana are mostly particles and endings: noise for ranking.
            found += [pair for pair in pairs if not _HIRAGANA_ONLY.fullmatch(pair)]
        elif len(run) > 1 and run not in _STOPWORDS:
            found.append(run)
    return found


def index_text(text: str) -> str:
    return " ".join(tokens(text))


def match_query(text: str) -> str | None:
    """An FTS5 MATCH expression OR-ing the text's tokens, or None when nothing is searchable."""
    unique = list(dict.fromkeys(tokens(text)))[:MAX_QUERY_TOKENS]
    return " OR ".join(f'"{token}"' for token in unique) or None
