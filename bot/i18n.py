"""Every user-facing string, in Japanese and English."""

from __future__ import annotations

from typing import Any

_TEXT: dict[str, dict[str, str]] = {
    "ja": {
        "purpose": "目的",
        "results": "成果",
        "method": "方法",
        "names": "固有名",
        "affiliations": "著者所属",
        "abstract": "アブストラクト",
        "pending": "要約は準備中です(原文のアブストラクトを表示しています)",
        "upvotes": "{count} upvotes",
        "ranking_head": "{month} のランキング({kind}, 出典 {source})",
        "kind.monthly": "月間",
        "kind.trending": "トレンド",
        "kind.manual": "手動リスト",
        "more": "続きは arXiv で",
        "pending_short": "要約準備中",
        "overview_title": "📚 {month} の論文ランキング({kind})",
        "overview_footer": "出典: {source} · 取得日 {date}",
        "vote": "投票",
    },
    "en": {
        "purpose": "Purpose",
        "results": "Results",
        "method": "Method",
        "names": "Proper names",
        "affiliations": "Affiliations",
        "abstract": "Abstract",
        "pending": "Summary pending (showing the original abstract)",
        "upvotes": "{count} upvotes",
        "ranking_head": "Ranking for {month} ({kind}, source {source})",
        "kind.monthly": "monthly",
        "kind.trending": "trending",
        "kind.manual": "manual list",
        "more": "more on arXiv",
        "pending_short": "summary pending",
        "overview_title": "📚 Papers of {month} ({kind})",
        "overview_footer": "Source: {source} · fetched {date}",
        "vote": "Vote",
    },
}

SUMMARY_FIELDS = ("purpose", "results", "method", "names", "affiliations")


def t(language: str, key: str, **values: Any) -> str:
    table = _TEXT.get(language, _TEXT["en"])
    text = table.get(key) or _TEXT["en"][key]
    return text.format(**values) if values else text
