"""Plain-text rendering of a stored ranking, for the terminal."""

from __future__ import annotations

from bot.i18n import t
from bot.models import NOTE_FIELDS, RankedPaper, Ranking


def ranking_text(ranking: Ranking, language: str) -> str:
    kind = t(language, f"kind.{ranking.kind}")
    head = t(language, "ranking_head", month=ranking.month, kind=kind, source=ranking.source)
    blocks = [head] + [_entry_text(entry, language) for entry in ranking.entries]
    return "\n\n".join(blocks)


def _entry_text(entry: RankedPaper, language: str) -> str:
    votes = (
        f"  ({t(language, 'upvotes', count=entry.upvotes)})" if entry.upvotes is not None else ""
    )
    lines = [f"{entry.rank:>2}. {entry.paper.title}{votes}", f"    {entry.paper.url}"]
    summary = entry.summary
    if summary is None:
        lines += [f"    {t(language, 'pending')}", f"    {entry.paper.abstract}"]
        return "\n".join(lines)
    lines.append(f"    {summary.title}")
    lines.append(f"    {summary.hook}")
    lines += [f"    {t(language, name)}: {getattr(summary, name) or '-'}" for name in NOTE_FIELDS]
    lines.append(f"    {t(language, 'abstract')}: {summary.abstract}")
    return "\n".join(lines)
