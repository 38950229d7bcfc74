"""An answer without an LLM: the stored sentences that best match the question.

Used by /ask when no LLM is configured. It writes nothing of its own: it picks two or three
sentences from the paper's abstract, its translation and the study group's notes, keeps them in
the order the material gives them, and says plainly that no LLM wrote the answer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from bot.i18n import t
from bot.models import NOTE_FIELDS, RankedPaper
from bot.papers.fulltext.chunks import Chunk
from bot.store.search_text import tokens

MAX_SENTENCES = 3
# Sentences end at 。！？ (Japanese) or at . ! ? followed by a space (English), or at a newline.
_SENTENCE_END = re.compile(r"(?<=[。．！？])|(?<=[.!?])\s+|\n+")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
_WORD = re.compile(r"[0-9a-z]+")

# Questions that ask for a kind of information rather than naming it ("what is new?") lean
# towards the note that holds it. English cues are whole words, Japanese ones substrings.
_CUES: dict[str, tuple[str, ...]] = {
    "purpose": ("purpose", "goal", "aim", "why", "motivation", "problem", "new", "novel",
                "contribution", "目的", "狙い", "なぜ", "課題", "新し", "新規", "貢献"),
    "results": ("result", "results", "performance", "accuracy", "better", "outperform",
                "benchmark", "findings", "成果", "結果", "性能", "精度", "効果"),
    "method": ("method", "how", "approach", "architecture", "technique", "new", "novel",
               "idea", "方法", "手法", "仕組み", "どうやって", "アイデア"),
    "names": ("name", "names", "called", "model", "dataset", "固有名", "名前"),
    "affiliations": ("who", "author", "authors", "affiliation", "affiliations",
                     "institution", "where", "所属", "著者", "誰", "どこ"),
}  # fmt: skip


@dataclass(frozen=True)
class Sentence:
    # "abstract" (original), "translation" (translated abstract), a note's name, or a passage's
    # citation in brackets ("[§4.2]")
    source: str
    text: str


def sentences(entry: RankedPaper, passages: Sequence[Chunk] = ()) -> list[Sentence]:
    """The paper's stored material, sentence by sentence, in the order it is stored: abstract,
    notes, then the full text's passages (their source is the passage's citation key)."""
    parts = [("abstract", entry.paper.abstract)]
    summary = entry.summary
    if summary is not None:
        parts.append(("translation", summary.abstract))
        parts += [(name, getattr(summary, name)) for name in NOTE_FIELDS]
    parts += [(f"[{chunk.cite}]", chunk.body) for chunk in passages if chunk.cite != "Abstract"]
    return [
        Sentence(source, piece.strip())
        for source, text in parts
        for piece in _SENTENCE_END.split(text or "")
        if piece.strip() not in ("", "—", "-")
    ]


def _cited(sentence: Sentence) -> str:
    return f" {sentence.source}" if sentence.source.startswith("[") else ""


def _cued_fields(question: str) -> set[str]:
    folded = unicodedata.normalize("NFKC", question).casefold()
    words = set(_WORD.findall(folded))
    return {
        field
        for field, cues in _CUES.items()
        if any((cue in folded) if _JAPANESE.search(cue) else (cue in words) for cue in cues)
    }


def pick(
    entry: RankedPaper,
    question: str,
    limit: int = MAX_SENTENCES,
    passages: Sequence[Chunk] = (),
) -> list[Sentence]:
    """The sentences most related to the question, in material order; [] when none relate."""
    wanted = set(tokens(question))
    cued = _cued_fields(question)
    japanese = bool(_JAPANESE.search(question))
    scored: list[tuple[float, int, Sentence]] = []
    for index, sentence in enumerate(sentences(entry, passages)):
        score = 2.0 * len(wanted & set(tokens(sentence.text)))
        score += 1.0 if sentence.source in cued else 0.0
        if score and bool(_JAPANESE.search(sentence.text)) == japanese:
            score += 0.5  # prefer the question's language among related sentences
        if score:
            scored.append((score, index, sentence))
    best = sorted(scored, key=lambda item: (-item[0], item[1]))[:limit]
    return [sentence for _, _, sentence in sorted(best, key=lambda item: item[1])]


def answer(entry: RankedPaper, question: str, language: str, passages: Sequence[Chunk] = ()) -> str:
    """A labelled answer in `language` made of stored sentences only; a sentence from the full
    text ends with its citation ("[§4.2]"), which the bot links."""
    chosen = pick(entry, question, passages=passages)
    if not chosen:
        return t(language, "ask_offline_label") + "\n" + t(language, "ask_offline_none")
    quoted = "\n".join(f"> {sentence.text}{_cited(sentence)}" for sentence in chosen)
    return t(language, "ask_offline_label") + "\n" + quoted
