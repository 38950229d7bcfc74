"""A usage report as the terminal shows it (a table, in English) and as a Discord embed (a plain
dict in Discord's JSON shape, in the reader's language, within Discord's limits)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.discord.cards import COLOR
from bot.discord.limits import shorten
from bot.i18n import t
from bot.usage.report import PURPOSES, UsageLine, UsageReport, UsageSection

Embed = dict[str, Any]
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
DESCRIPTION = 4096


def usd(amount: float) -> str:
    if amount == 0:
        return "$0"
    if amount < 0.0001:
        return "<$0.0001"
    return f"${amount:.4f}" if amount < 1 else f"${amount:,.2f}"


def cost_text(line: UsageLine) -> str:
    """The estimated cost; "?" for calls of a model without a price."""
    if line.calls and line.unpriced_calls == line.calls:
        return "?"
    return usd(line.cost) + (" + ?" if line.unpriced_calls else "")


def purpose_label(language: str, purpose: str) -> str:
    return t(language, f"usage_purpose.{purpose}") if purpose in PURPOSES else purpose


def _days(report: UsageReport) -> tuple[str, str]:
    """The month's first and last local dates."""
    zone = ZoneInfo(report.timezone)
    first = report.start.astimezone(zone).date()
    last = (report.end.astimezone(zone) - timedelta(seconds=1)).date()
    return first.isoformat(), last.isoformat()


# ------------------------------------------------------------------ Discord
def _line(language: str, line: UsageLine) -> str:
    return t(
        language,
        "usage_line",
        label=purpose_label(language, line.purpose),
        calls=f"{line.calls:,}",
        prompt=f"{line.prompt_tokens:,}",
        completion=f"{line.completion_tokens:,}",
        cost=cost_text(line),
    )


def _field(language: str, key: str, section: UsageSection) -> dict[str, Any]:
    total = section.total
    name = t(language, key, calls=f"{total.calls:,}", cost=cost_text(total))
    lines = [_line(language, line) for line in section.lines]
    value = "\n".join(lines) or t(language, "usage_none")
    return {
        "name": shorten(name, FIELD_NAME),
        "value": shorten(value, FIELD_VALUE),
        "inline": False,
    }


def usage_embed(report: UsageReport, language: str) -> Embed:
    """One embed: the month's total, this guild's own calls, the shared calls, the prices."""
    total = report.total
    title = t(language, "usage_title", month=report.month)
    if report.partial:
        title += t(language, "usage_so_far")
    description = [
        t(
            language,
            "usage_total",
            calls=f"{total.calls:,}",
            prompt=f"{total.prompt_tokens:,}",
            completion=f"{total.completion_tokens:,}",
            cost=cost_text(total),
        ),
        t(language, "usage_scope"),
    ]
    if report.unpriced_models:
        description.append(t(language, "usage_unpriced", models=", ".join(report.unpriced_models)))
    first, last = _days(report)
    footer = t(
        language,
        "usage_footer",
        first=first,
        last=last,
        timezone=report.timezone,
        prices=str(report.prices) or "—",
    )
    return {
        "title": title,
        "description": shorten("\n".join(description), DESCRIPTION),
        "color": COLOR,
        "fields": [
            _field(language, "usage_own", report.own),
            _field(language, "usage_shared", report.shared),
        ],
        "footer": {"text": shorten(footer, FOOTER)},
    }


# ------------------------------------------------------------------ terminal
_HEAD = ("purpose", "calls", "input tokens", "output tokens", "est. USD")


def _row(label: str, line: UsageLine) -> tuple[str, ...]:
    return (
        label,
        f"{line.calls:,}",
        f"{line.prompt_tokens:,}",
        f"{line.completion_tokens:,}",
        cost_text(line),
    )


def usage_text(report: UsageReport) -> str:
    """The instance's (or a guild's) usage as a table."""
    first, last = _days(report)
    so_far = ", so far" if report.partial else ""
    scope = "the whole instance" if report.guild_id is None else f"guild {report.guild_id}"
    own = "guilds' own calls" if report.guild_id is None else "the guild's own calls"
    rows: list[tuple[str, ...] | None] = [_HEAD, None]
    for heading, section in (
        (own, report.own),
        ("shared by all guilds", report.shared),
    ):
        rows.append((heading, "", "", "", ""))
        rows.extend(_row(f"  {line.purpose}", line) for line in section.lines)
        rows.append(_row("  subtotal", section.total))
    rows += [None, _row("total", report.total)]
    widths = [max(len(row[i]) for row in rows if row) for i in range(len(_HEAD))]
    lines = [
        f"LLM usage for {report.month} ({first} to {last}, {report.timezone}{so_far}), {scope}",
        "",
    ]
    for row in rows:
        if row is None:
            lines.append("  ".join("-" * width for width in widths))
            continue
        cells = [row[0].ljust(widths[0])] + [
            cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
    lines += [
        "",
        f"prices (YOMIKAI_LLM_PRICES, USD per million input/output tokens): {report.prices}",
    ]
    if report.unpriced_models:
        lines.append(
            f"no price for: {', '.join(report.unpriced_models)} (their calls are counted, without a cost)"
        )
    return "\n".join(lines)
