"""A month's LLM usage from the `llm_usage` table: calls, tokens and estimated cost by purpose.

Each row of `llm_usage` is one answered request to the LLM server. Rows with a guild are that
guild's own work (answers, outlines); rows without one are shared work, done once for every
guild (paper summaries, passage embeddings, digests). A guild's report holds its own rows and
the shared ones, never another guild's; the instance's report holds every row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.months import month_bounds, parse_month
from bot.store.store import Store, stamp
from bot.usage.prices import Prices

# The order purposes are listed in; others follow by name.
PURPOSES = ("summary", "embeddings", "digest", "ask", "ask-embedding", "outline")


@dataclass(frozen=True)
class UsageLine:
    """The calls of one purpose (or a total): tokens, and the cost of those with a price."""

    purpose: str
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0  # USD, of the calls whose model has a price
    unpriced_calls: int = 0  # calls of a model without a price: counted, not costed

    def plus(self, other: UsageLine, purpose: str | None = None) -> UsageLine:
        return UsageLine(
            purpose or self.purpose,
            self.calls + other.calls,
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.cost + other.cost,
            self.unpriced_calls + other.unpriced_calls,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "purpose": self.purpose,
            "calls": self.calls,
            "input_tokens": self.prompt_tokens,
            "output_tokens": self.completion_tokens,
            "usd": round(self.cost, 6),
            "unpriced_calls": self.unpriced_calls,
        }


@dataclass(frozen=True)
class UsageSection:
    lines: tuple[UsageLine, ...] = ()

    @property
    def total(self) -> UsageLine:
        total = UsageLine("total")
        for line in self.lines:
            total = total.plus(line, "total")
        return total

    def to_dict(self) -> dict[str, Any]:
        return {
            "purposes": [line.to_dict() for line in self.lines],
            "total": self.total.to_dict(),
        }


@dataclass(frozen=True)
class UsageReport:
    month: str
    timezone: str
    start: datetime  # UTC, the month's first instant in `timezone`
    end: datetime  # UTC, the next month's
    guild_id: int | None  # None: the whole instance
    own: UsageSection  # the guild's own calls; for the instance, every guild's
    shared: UsageSection  # calls made once for every guild
    prices: Prices
    unpriced_models: tuple[str, ...] = ()
    partial: bool = False  # the month is under way: a bill so far

    @property
    def total(self) -> UsageLine:
        return self.own.total.plus(self.shared.total, "total")

    def to_dict(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "timezone": self.timezone,
            "from": stamp(self.start),
            "to": stamp(self.end),
            "partial": self.partial,
            "guild_id": self.guild_id,
            "own": self.own.to_dict(),
            "shared": self.shared.to_dict(),
            "total": self.total.to_dict(),
            "prices": str(self.prices),
            "unpriced_models": list(self.unpriced_models),
        }


def _order(purpose: str) -> tuple[int, str]:
    return (PURPOSES.index(purpose) if purpose in PURPOSES else len(PURPOSES), purpose)


async def usage_report(
    store: Store,
    month: str,
    prices: Prices,
    *,
    guild_id: int | None = None,
    timezone: str = "UTC",
    now: datetime | None = None,
) -> UsageReport:
    """The month's usage for a guild (its own calls and the shared ones), or with no guild for
    the whole instance; the month's bounds are taken in `timezone`."""
    month = parse_month(month)
    start, end = month_bounds(month, timezone)
    sql = (
        "SELECT guild_id IS NULL AS shared, purpose, model, count(*) AS calls,"
        " sum(prompt_tokens) AS prompt, sum(completion_tokens) AS completion"
        " FROM llm_usage WHERE at >= ? AND at < ?"
    )
    params: tuple[object, ...] = (stamp(start), stamp(end))
    if guild_id is not None:
        sql += " AND (guild_id = ? OR guild_id IS NULL)"
        params += (guild_id,)
    sql += " GROUP BY 1, 2, 3"
    async with store.reader.execute(sql, params) as cursor:
        rows = await cursor.fetchall()
    sections: dict[bool, dict[str, UsageLine]] = {False: {}, True: {}}
    unpriced: set[str] = set()
    for row in rows:
        price = prices.price(row["model"])
        if price is None:
            unpriced.add(row["model"])
        line = UsageLine(
            row["purpose"],
            row["calls"],
            row["prompt"],
            row["completion"],
            price.cost(row["prompt"], row["completion"]) if price else 0.0,
            0 if price else row["calls"],
        )
        lines = sections[bool(row["shared"])]
        known = lines.get(line.purpose)
        lines[line.purpose] = known.plus(line) if known else line

    def section(lines: dict[str, UsageLine]) -> UsageSection:
        return UsageSection(tuple(lines[p] for p in sorted(lines, key=_order)))

    return UsageReport(
        month=month,
        timezone=timezone,
        start=start,
        end=end,
        guild_id=guild_id,
        own=section(sections[False]),
        shared=section(sections[True]),
        prices=prices,
        unpriced_models=tuple(sorted(unpriced)),
        partial=start <= (now or datetime.now(UTC)) < end,
    )
