"""What the meetup says in Discord, within Discord's limits: the outline, the event's name and
description, the reminders, /meetup show and /history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.ask.citations import link_citations
from bot.discord import limits
from bot.discord.cards import link_text
from bot.discord.limits import shorten
from bot.i18n import t
from bot.meetups.book import Meetup, PastPickup, Place
from bot.meetups.outline import PARTS, Outline, Point, Sources
from bot.meetups.timing import local_text
from bot.models import RankedPaper

EVENT_NAME = 100
EVENT_DESCRIPTION = 1000
THREAD_NAME = 100
POINT_CHARS = 320
CAPTION_CHARS = 200


def paper_title(entry: RankedPaper) -> str:
    return entry.summary.title if entry.summary else entry.paper.title


def thread_name(entry: RankedPaper) -> str:
    return shorten(" ".join(paper_title(entry).split()), THREAD_NAME)


def channel_url(guild_id: int, channel_id: int) -> str:
    return f"https://discord.com/channels/{guild_id}/{channel_id}"


def event_url(guild_id: int, event_id: int) -> str:
    return f"https://discord.com/events/{guild_id}/{event_id}"


def _key(text: str) -> str:
    return "".join(text.casefold().split())


def outline_text(outline: Outline, entry: RankedPaper, sources: Sources, language: str) -> str:
    """The outline as message text (split it with bot.discord.limits.split_message): the five
    parts, each point linked to the passage it came from, then the figures worth showing."""
    title = link_text(paper_title(entry))
    lines = [t(language, "outline_title", title=title), f"<{entry.paper.url}>"]
    if outline.basis == "abstract":
        lines.append(t(language, "outline_from_abstract"))
    for number, (name, points) in enumerate(zip(PARTS, outline.parts, strict=True), 1):
        lines += ["", f"**{number}. {t(language, 'part.' + name)}**"]
        lines += [_point(point, sources) for point in points] or ["・—"]
    captions = {_key(label): (label, *found) for label, found in sources.captions.items()}
    figures = [
        (captions[_key(figure.source)], figure.why)
        for figure in outline.figures
        if _key(figure.source) in captions
    ]
    if figures:
        lines += ["", f"**{t(language, 'outline_figures')}**"]
        for (label, caption, url), why in figures:
            caption_text = link_text(shorten(caption, CAPTION_CHARS))
            lines.append(f"・[{label}](<{url}>) {caption_text} — {link_text(shorten(why, 200))}")
    return "\n".join(lines)


def _point(point: Point, sources: Sources) -> str:
    text = link_text(shorten(" ".join(point.text.split()), POINT_CHARS))
    bracket = f"[{point.source}]"
    linked = link_citations(bracket, sources.links)
    # A source the paper does not have is dropped rather than shown as a dead citation.
    return f"・{text} {linked}" if linked != bracket else f"・{text}"


def event_name(entry: RankedPaper, language: str) -> str:
    empty = t(language, "event_name", title="")
    return empty + shorten(" ".join(paper_title(entry).split()), EVENT_NAME - len(empty))


def presenter_text(meetup: Meetup, language: str) -> str:
    return meetup.presenter_name or t(language, "presenter_none")


def event_description(meetup: Meetup, entry: RankedPaper, language: str) -> str:
    lines = [
        f"📄 {shorten(paper_title(entry), 300)}",
        entry.paper.url,
        t(language, "event_presenter", presenter=presenter_text(meetup, language)),
    ]
    if meetup.thread_id:
        thread = channel_url(meetup.guild_id, meetup.thread_id)
        lines.append(t(language, "event_thread", url=thread))
    return shorten("\n".join(lines), EVENT_DESCRIPTION)


def place_text(place: Place, language: str) -> str:
    if place.channel_id is not None:
        return f"<#{place.channel_id}>"
    return place.location or t(language, "place_unset")


def when_text(moment: datetime, timezone: str) -> str:
    """The local time, and Discord's timestamp that shows it relative to each reader."""
    return f"{local_text(moment, timezone)} ({timezone}, <t:{int(moment.timestamp())}:R>)"


@dataclass(frozen=True)
class Reminder:
    text: str
    ping: int | None  # the presenter to mention, if anyone


def presenter_reminder(
    meetup: Meetup, entry: RankedPaper, timezone: str, language: str, *, present: bool
) -> Reminder:
    """The 7-day and 1-day reminder in the thread: it mentions the presenter, who may ping
    only if they are still in the guild."""
    assert meetup.starts_at is not None
    values = {"when": when_text(meetup.starts_at, timezone), "title": paper_title(entry)}
    if meetup.presenter_id is None:
        return Reminder(t(language, "reminder_no_presenter", **values), None)
    if not present:
        name = meetup.presenter_name or str(meetup.presenter_id)
        return Reminder(t(language, "reminder_presenter_left", name=name, **values), None)
    mention = f"<@{meetup.presenter_id}>"
    return Reminder(
        t(language, "reminder_presenter", presenter=mention, **values), meetup.presenter_id
    )


def hour_reminder(
    meetup: Meetup, entry: RankedPaper, timezone: str, link: str, language: str
) -> str:
    assert meetup.starts_at is not None
    return t(
        language,
        "reminder_hour",
        when=when_text(meetup.starts_at, timezone),
        title=paper_title(entry),
        presenter=presenter_text(meetup, language),
        link=link,
    )


def meetup_summary(meetup: Meetup, entry: RankedPaper, timezone: str, language: str) -> str:
    """/meetup show."""
    lines = [
        t(language, "meetup_show_title", month=meetup.month),
        t(language, "meetup_show_paper", title=link_text(paper_title(entry)), url=entry.paper.url),
        t(
            language,
            "meetup_show_when",
            when=when_text(meetup.starts_at, timezone) if meetup.starts_at else "—",
        ),
        t(language, "meetup_show_place", place=place_text(meetup.place, language)),
        t(language, "meetup_show_presenter", presenter=presenter_text(meetup, language)),
    ]
    if meetup.event_id:
        lines.append(
            t(language, "meetup_show_event", url=event_url(meetup.guild_id, meetup.event_id))
        )
    if meetup.thread_id:
        thread = channel_url(meetup.guild_id, meetup.thread_id)
        lines.append(t(language, "meetup_show_thread", url=thread))
    return "\n".join(lines)


def history_text(pickups: list[PastPickup], timezone: str, language: str) -> str:
    """/history: one entry per month, newest first, within one embed description."""
    if not pickups:
        return t(language, "history_none")
    budget = limits.EMBED_DESCRIPTION // len(pickups) - 2
    entries = []
    for pickup in pickups:
        url = f"https://arxiv.org/abs/{pickup.arxiv_id}"
        tail = t(
            language,
            "history_details",
            presenter=pickup.presenter_name or "—",
            when=local_text(pickup.starts_at, timezone) if pickup.starts_at else "—",
            votes=pickup.votes,
        )
        room = max(budget - len(tail) - len(url) - len(pickup.month) - 12, 20)
        title = link_text(shorten(pickup.title, room))
        entries.append(f"**{pickup.month}** [{title}]({url})\n{tail}")
    return "\n".join(entries)
