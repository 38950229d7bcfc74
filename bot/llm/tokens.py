"""A cheap, conservative count of the tokens a text costs, for sizing prompts before sending.

No tokenizer library: tiktoken downloads its vocabularies at run time, and local servers use
other vocabularies anyway. English costs about a token per four characters; Japanese and other
non-ASCII text about one per character, so counting each such character as a token over-counts
a little, which is the safe side for a context window.
"""

from __future__ import annotations

import math


def estimate_tokens(text: str) -> int:
    ascii_chars = len(text.encode("ascii", "ignore"))
    return math.ceil(ascii_chars / 4) + (len(text) - ascii_chars)
