"""Discord embeds as plain dicts (Discord's JSON shape), always within Discord's limits."""

from __future__ import annotations

from typing import Any

from bot.ask.archive import Found, Hit
from bot.discord import limits
from bot.discord.limits import shorten
from bot.i18n import t
from bot.models import NOTE_FIELDS, RankedPaper, Ranking
from bot.votes.book import Tally

Embed = dict[str, Any]
COLOR = 0x3B82F6
# Five full fields (5 x 1024) would leave the abstract almost no room in Discord's 6000 total.
CARD_FIELD = 800


def link_text(text: str) -> str:
    """Escape what would end a markdown link's text early."""
    return text.replace("[", "\\[").replace("]", "\\]")


def _more(language: str, url: str) -> str:
    return f"[{t(language, 'more')}]({url})"


def paper_card(entry: RankedPaper, month: str, language: str) -> Embed:
    """The study group's card for one paper: translated title, the five fields, the abstract."""
    paper, summary = entry.paper, entry.summary
    more = _more(language, paper.url)
    footer = [f"#{entry.rank}", month, f"arXiv:{paper.arxiv_id}"]
    if entry.upvotes is not None:
        footer.append(t(language, "upvotes", count=entry.upvotes))
    if entry.edit is not None:
        name = shorten(entry.edit.editor_name, 100)
        footer.append(t(language, "edited_by", name=name, date=entry.edit.edited_at[:10]))
    embed: Embed = {
        "title": shorten(summary.title if summary else paper.title, limits.EMBED_TITLE),
        "url": paper.url,
        "color": COLOR,
        "footer": {"text": " · ".join(footer)},
        "fields": [],
    }
    source = fulltext_line(entry, language)
    if summary:
        original, hook = shorten(paper.title, 300), shorten(summary.hook, 200)
        intro = f"*{original}*\n{hook}\n{source}\n\n**{t(language, 'abstract')}**\n"
        body = summary.abstract
        embed["fields"] = [
            {
                "name": t(language, name),
                "value": shorten(getattr(summary, name) or "—", CARD_FIELD, more),
                "inline": False,
            }
            for name in NOTE_FIELDS
        ]
    else:
        intro, body = f"⚠️ {t(language, 'pending')}\n{source}\n\n", paper.abstract
    room = min(limits.EMBED_DESCRIPTION, limits.EMBED_TOTAL - limits.embed_length(embed)) - len(
        intro
    )
    embed["description"] = intro + shorten(body, room, more)
    return embed


def fulltext_line(entry: RankedPaper, language: str) -> str:
    """Where the card's notes come from: the paper's HTML or PDF (linked), or the abstract."""
    info = entry.fulltext
    if info is None:
        return t(language, "fulltext_pending")
    if info.available and info.url:
        return t(language, f"fulltext_{info.source}", url=info.url)
    return t(language, "fulltext_abstract", detail=shorten(info.detail or "—", 200))


def ranking_overview(ranking: Ranking, language: str, status: str = "") -> Embed:
    """One embed listing the month's papers with rank, linked title and one-line hook."""
    kind = t(language, f"kind.{ranking.kind}")
    budget = limits.EMBED_DESCRIPTION // max(len(ranking.entries), 1) - 2
    lines = [_overview_line(entry, budget, language) for entry in ranking.entries]
    footer = t(language, "overview_footer", source=ranking.source, date=ranking.fetched_at[:10])
    embed: Embed = {
        "title": t(language, "overview_title", month=ranking.month, kind=kind),
        "description": "\n".join(lines),
        "color": COLOR,
        "footer": {"text": footer},
    }
    if status:
        embed["fields"] = [{"name": t(language, "vote"), "value": status, "inline": False}]
    return embed


def _overview_line(entry: RankedPaper, budget: int, language: str) -> str:
    title = entry.summary.title if entry.summary else entry.paper.title
    head = (
        f"**{entry.rank}.** [{link_text(shorten(title, max(budget - 60, 20)))}]({entry.paper.url})"
    )
    hook = entry.summary.hook if entry.summary else t(language, "pending_short")
    room = budget - len(head) - 1
    return f"{head}\n{shorten(hook, room)}" if room > 10 else head


def search_results(query: str, found: Found, language: str) -> Embed:
    """One embed with a field per paper found: month, rank, translated title, the passage."""
    embed: Embed = {
        "title": shorten(t(language, "search_title", query=query), limits.EMBED_TITLE),
        "color": COLOR,
        "footer": {"text": t(language, "search_footer", months=found.months, papers=found.papers)},
    }
    room = (limits.EMBED_TOTAL - limits.embed_length(embed)) // max(len(found.hits), 1)
    embed["fields"] = [_search_field(hit, min(room, 1024 + 200), language) for hit in found.hits]
    return embed


def _search_field(hit: Hit, budget: int, language: str) -> dict[str, Any]:
    entry = hit.entry
    title = entry.summary.title if entry.summary else entry.paper.title
    name = shorten(f"{hit.month} #{entry.rank} · {title}", min(200, budget // 4))
    source = hit.source if hit.from_fulltext else t(language, hit.source)
    where = f"[{link_text(t(language, 'search_from', source=shorten(source, 80)))}]({hit.link})"
    head = f"*{link_text(shorten(entry.paper.title, 150))}* · arXiv:{entry.paper.arxiv_id}"
    room = min(1024, budget - len(name)) - len(head) - len(where) - 4
    return {"name": name, "value": f"{head}\n> {shorten(hit.excerpt, room)}\n{where}"}


WITHDRAW = "withdraw"


def paper_label(entry: RankedPaper) -> str:
    title = entry.summary.title if entry.summary else entry.paper.title
    return shorten(f"#{entry.rank} {title}", limits.SELECT_LABEL)


def vote_options(ranking: Ranking, language: str) -> list[tuple[str, str]]:
    """(label, value) for the vote menu: the papers, then a choice to withdraw the vote."""
    papers = ranking.entries[: limits.SELECT_OPTIONS - 1]
    return [(paper_label(e), e.paper.arxiv_id) for e in papers] + [
        (t(language, "vote_withdraw"), WITHDRAW)
    ]


def vote_status(language: str, pickup: RankedPaper | None, *, closed: bool) -> str:
    if not closed:
        return t(language, "vote_open_status")
    if pickup is None:
        return t(language, "vote_closed_deciding")
    return t(language, "vote_closed_status", label=paper_label(pickup), url=pickup.paper.url)


def tally_embed(tally: Tally, month: str, language: str, *, closed: bool) -> Embed:
    lines = [
        f"**{n}** — [{link_text(paper_label(entry))}]({entry.paper.url})"
        for entry, n in tally.counts
    ]
    leaders = tally.leaders if tally.voters else ()
    summary = t(language, "tally_voters", count=tally.voters)
    if len(leaders) == 1:
        summary += "\n" + t(language, "tally_leader", label=paper_label(leaders[0]))
    elif leaders:
        summary += "\n" + t(language, "tally_tie", labels=", ".join(f"#{e.rank}" for e in leaders))
    state = t(language, "tally_closed" if closed else "tally_open")
    return {
        "title": t(language, "tally_title", month=month, state=state),
        "description": shorten(summary + "\n\n" + "\n".join(lines), limits.EMBED_DESCRIPTION),
        "color": COLOR,
    }
