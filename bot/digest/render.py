"""The digest in the newsletter's shape: highlights on top, then per paper its headline, original
title, link and paragraph. As plain text for the terminal, and as Discord embeds (plain dicts in
Discord's JSON shape) grouped into messages that stay within Discord's limits."""

from __future__ import annotations

from typing import Any

from bot.digest.records import Digest, DigestEntry
from bot.digest.weeks import week_days
from bot.discord.cards import COLOR, link_text
from bot.discord.limits import shorten
from bot.i18n import t

Embed = dict[str, Any]
# Each paper's embed stays under 950 characters and the header under 1000, so the first message
# (header and five papers) and each further one (six papers) stay under Discord's 6000 total.
FIRST_PAPERS = 5
PAPERS_PER_MESSAGE = 6
TITLE_CHARS = 150
DESCRIPTION_CHARS = 700
ORIGINAL_TITLE_CHARS = 200
PENDING_GLIMPSE = 300
# Until the highlights are chosen they are the first headlines, which may be long titles.
HIGHLIGHT_CHARS = 120


def _title(digest: Digest, language: str) -> str:
    start, end = week_days(digest.week)
    return t(language, "digest_title", week=digest.week, start=start, end=end)


def _italic(text: str) -> str:
    return "*" + text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_") + "*"


def _glimpse(entry: DigestEntry) -> str:
    """What a pending item shows: the monthly summary's hook, or the start of the abstract."""
    return entry.summary.hook if entry.summary else entry.paper.abstract


def digest_text(digest: Digest) -> str:
    language = digest.language
    lines = [_title(digest, language), "", t(language, "digest_highlights")]
    lines += [
        f"  ・{shorten(h.line, HIGHLIGHT_CHARS)} (#{digest.entry(h.arxiv_id).rank})"
        for h in digest.highlights
    ]
    for entry in digest.entries:
        lines += ["", f"{entry.rank}. {entry.headline}", f"   {entry.paper.title}"]
        lines.append(f"   {entry.paper.url}")
        if entry.written is not None:
            lines.append(f"   {entry.written.paragraph}")
        else:
            lines.append(f"   ⏳ {t(language, 'digest_pending')}")
    return "\n".join(lines)


def header_embed(digest: Digest) -> Embed:
    language = digest.language
    picks = [
        f"{n}. [{link_text(shorten(h.line, HIGHLIGHT_CHARS))}]({digest.entry(h.arxiv_id).paper.url})"
        for n, h in enumerate(digest.highlights, 1)
    ]
    return {
        "title": _title(digest, language),
        "description": f"**{t(language, 'digest_highlights')}**\n" + "\n".join(picks),
        "color": COLOR,
        "footer": {"text": t(language, "digest_footer", count=len(digest.entries))},
    }


def paper_embed(entry: DigestEntry, week: str, language: str) -> Embed:
    original = _italic(shorten(entry.paper.title, ORIGINAL_TITLE_CHARS))
    if entry.written is not None:
        body = entry.written.paragraph
    else:
        body = f"⏳ {t(language, 'digest_pending')}\n{shorten(_glimpse(entry), PENDING_GLIMPSE)}"
    footer = [f"#{entry.rank}", week, f"arXiv:{entry.paper.arxiv_id}"]
    if entry.upvotes is not None:
        footer.append(t(language, "upvotes", count=entry.upvotes))
    return {
        "title": shorten(entry.headline, TITLE_CHARS),
        "url": entry.paper.url,
        "description": shorten(f"{original}\n{body}", DESCRIPTION_CHARS),
        "color": COLOR,
        "footer": {"text": " · ".join(footer)},
    }


def digest_messages(digest: Digest) -> list[list[Embed]]:
    """The embeds of each message: the header and the first papers, then the others. The
    grouping depends on the number of papers alone, so a post can be edited in place."""
    papers = [paper_embed(e, digest.week, digest.language) for e in digest.entries]
    rest = papers[FIRST_PAPERS:]
    return [
        [header_embed(digest), *papers[:FIRST_PAPERS]],
        *(rest[i : i + PAPERS_PER_MESSAGE] for i in range(0, len(rest), PAPERS_PER_MESSAGE)),
    ]
