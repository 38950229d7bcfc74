"""LLM prices from YOMIKAI_LLM_PRICES: USD per million input / output tokens, per model.

The setting is a comma-separated list of `MODEL=IN/OUT` entries, and at most one bare `IN/OUT`
that prices every model not named: `gpt-4o-mini=0.15/0.60,gpt-4o=2.50/10`, or `0/0` for a
local server. A model's dated snapshot, as OpenAI names the model in its answers
(`gpt-4o-mini-2024-07-18`), takes the price of the model it is a snapshot of. A model with no
price has its tokens counted and no cost.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

# The default: OpenAI's list prices of the default chat and embedding models.
DEFAULT_PRICES = "gpt-4o-mini=0.15/0.60,text-embedding-3-small=0.02/0"
PER_TOKENS = 1_000_000
# What follows a model's name in the name of one of its snapshots: -2024-07-18, -0613.
_SNAPSHOT = re.compile(r"^-(\d{4}-\d{2}-\d{2}|\d{4})$")
_FORMAT = (
    "must be IN/OUT in USD per million input/output tokens, or MODEL=IN/OUT entries separated"
    " by commas (e.g. gpt-4o-mini=0.15/0.60,gpt-4o=2.50/10)"
)


@dataclass(frozen=True)
class Price:
    """USD per million input (prompt) and output (completion) tokens."""

    input: float
    output: float

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.input + completion_tokens * self.output) / PER_TOKENS

    def __str__(self) -> str:
        return f"{self.input:g}/{self.output:g}"


@dataclass(frozen=True)
class Prices:
    models: tuple[tuple[str, Price], ...] = ()
    # The price of every model not named, when a bare IN/OUT entry gives one.
    others: Price | None = None

    def price(self, model: str) -> Price | None:
        """The model's price, its snapshot's model's, the price for the others, or None."""
        named = dict(self.models)
        if model in named:
            return named[model]
        for name, price in sorted(self.models, key=lambda item: -len(item[0])):
            if model.startswith(name) and _SNAPSHOT.match(model[len(name) :]):
                return price
        return self.others

    def __str__(self) -> str:
        """As the setting writes them."""
        entries = [f"{name}={price}" for name, price in self.models]
        if self.others is not None:
            entries.append(str(self.others))
        return ",".join(entries)


def _amount(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a number; {_FORMAT}") from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"'{text}' is not a price (zero or more); {_FORMAT}")
    return value


def _price(text: str) -> Price:
    parts = text.split("/")
    if len(parts) != 2:
        raise ValueError(f"'{text}' is not IN/OUT; {_FORMAT}")
    return Price(_amount(parts[0].strip()), _amount(parts[1].strip()))


def parse_prices(text: str) -> Prices:
    """Read YOMIKAI_LLM_PRICES; ValueError names the entry that is wrong."""
    models: dict[str, Price] = {}
    others: Price | None = None
    entries = [entry.strip() for entry in text.split(",")]
    if not any(entries):
        raise ValueError(f"is empty; {_FORMAT}")
    for entry in entries:
        if not entry:
            raise ValueError(f"has an empty entry; {_FORMAT}")
        # Model names may hold '/' (vLLM: org/model) and ':' (Ollama: llama3.1:8b), not '='.
        name, equals, price = entry.rpartition("=")
        name = name.strip()
        if not equals:
            if others is not None:
                raise ValueError(f"gives two prices for the models not named; {_FORMAT}")
            others = _price(entry)
        elif not name:
            raise ValueError(f"'{entry}' names no model; {_FORMAT}")
        elif name in models:
            raise ValueError(f"prices {name} twice")
        else:
            models[name] = _price(price.strip())
    return Prices(tuple(models.items()), others)
