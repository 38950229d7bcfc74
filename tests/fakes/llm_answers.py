"""A fake LLM that reads: summaries, answers and embeddings derived from what the prompt holds.

Deterministic stand-ins for a model, so tests can tell what yomikai put in its prompts:
- summaries take 著者所属 from the authors' affiliations, or from the institution lines of a
  PDF's first page, and 成果 from the numbers in the body excerpts;
- answers quote the passage that best matches the question, citing its key ("[§4.2]"), or say
  the paper does not say;
- presenter outlines put the first sentence of each section's passages in the part it belongs
  to, citing the passage, so the points carry the paper's numbers and link to its sections;
- digest items say where they were written from ("本文より" / "from the full text" when the
  prompt held body excerpts) and carry the body's numbers; highlights take the first papers
  given, with a line of their own;
- embeddings are bilingual: a small lexicon maps English and Japanese words for the same idea to
  the same dimension, so a Japanese question lands near English passages, as with a real
  multilingual embedding model.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from typing import Any

from bot.digest.writer import ENTRY_SCHEMA_NAME, HIGHLIGHTS_SCHEMA_NAME
from tests.fakes.openai import FakeOpenAI, fake_summary, paper_in

DIMENSIONS = 96
_CONCEPTS: tuple[tuple[str, ...], ...] = (
    ("ablation", "ablations", "アブレーション", "除去"),
    ("experiment", "experiments", "evaluate", "evaluation", "実験", "評価"),
    ("dataset", "datasets", "benchmark", "データセット", "ベンチマーク"),
    ("accuracy", "score", "perplexity", "result", "results", "精度", "性能", "結果", "スコア"),
    ("train", "trained", "training", "学習", "訓練"),
    ("hardware", "gpus", "gpu", "tpu", "計算資源", "ハードウェア"),
    ("limitation", "limitations", "限界", "制約"),
    ("method", "architecture", "component", "手法", "構造", "仕組み"),
    ("baseline", "baselines", "improves", "比較", "ベースライン", "改善"),
    ("memory", "メモリ"),
    ("removing", "remove", "取り除", "外す"),
)
_LEXICON = {word: i for i, words in enumerate(_CONCEPTS) for word in words}
_STOPWORDS = frozenset(
    [
        "the",
        "and",
        "are",
        "was",
        "were",
        "which",
        "what",
        "who",
        "how",
        "does",
        "did",
        "this",
        "that",
        "with",
        "from",
        "for",
        "its",
        "into",
    ]
)
_WORD = re.compile(r"[a-z0-9]+|[\u3040-\u30ff\u3400-\u9fff]+")
_MATERIAL = re.compile(r"<material>\s*(.*?)\s*</material>", re.S)
_QUESTION = re.compile(r"<question>\s*(.*?)\s*</question>", re.S)
_NUMBER = re.compile(r"\d+(?:\.\d+)?%?")
_INSTITUTION = re.compile(r"Universit|Institut|Laborator|Research|研究所|大学")
_TARGET_LANGUAGE = re.compile(r"Target language: \w+ \((ja|en)\)")
_PAPERS = re.compile(r"<papers>\s*(.*?)\s*</papers>", re.S)
NOT_SAID = "The passages given do not say."


def features(text: str) -> dict[int, float]:
    """Concept dimensions for lexicon words (matched as substrings in Japanese), hashed
    dimensions for other English words."""
    found: dict[int, float] = {}
    folded = text.casefold()
    for word, concept in _LEXICON.items():
        if not word.isascii() and word in folded:
            found[concept] = found.get(concept, 0.0) + 2.0
    for word in _WORD.findall(folded):
        if not word.isascii() or len(word) < 3 or word in _STOPWORDS:
            continue
        if word in _LEXICON:
            index = _LEXICON[word]
        else:
            digest = hashlib.blake2b(word.encode(), digest_size=4).digest()
            index = len(_CONCEPTS) + int.from_bytes(digest) % (DIMENSIONS - len(_CONCEPTS))
        found[index] = found.get(index, 0.0) + 1.0
    return found


def embed(texts: list[str]) -> list[list[float]]:
    vectors = []
    for text in texts:
        vector = [0.0] * DIMENSIONS
        for index, weight in features(text).items():
            vector[index] += weight
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        vectors.append([v / norm for v in vector])
    return vectors


def _similarity(a: dict[int, float], b: dict[int, float]) -> float:
    dot = sum(weight * b.get(index, 0.0) for index, weight in a.items())
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


def reading_answer(body: dict[str, Any]) -> str:
    """The sentence of the best-matching passage, cited; or that the paper does not say."""
    user = "\n".join(m["content"] for m in body.get("messages", []) if m.get("role") == "user")
    material, question = _MATERIAL.search(user), _QUESTION.search(user)
    if not material or not question:
        return NOT_SAID
    passages = json.loads(material.group(1)).get("passages") or []
    asked = features(json.loads(question.group(1)))
    scored = [(_similarity(asked, features(p["text"])), i) for i, p in enumerate(passages)]
    best = max(scored, default=(0.0, -1))
    if best[0] < 0.2:
        return NOT_SAID
    passage = passages[best[1]]
    sentence = re.split(r"(?<=[.!?])\s", passage["text"])[0]
    return f"According to the paper, {sentence} [{passage['cite']}]"


def reading_summary(body: dict[str, Any]) -> dict[str, str]:
    summary = fake_summary(body)
    paper = paper_in(body)
    excerpts = paper.get("body") or []
    if not summary["affiliations"] and excerpts:
        lines = excerpts[0]["text"].splitlines()
        found = [line.strip() for line in lines if _INSTITUTION.search(line)]
        summary["affiliations"] = "、".join(dict.fromkeys(found))
    numbers = [n for e in excerpts for n in _NUMBER.findall(e["text"])]
    if numbers:
        summary["results"] += " (" + ", ".join(list(dict.fromkeys(numbers))[:8]) + ")"
    return summary


def _user(body: dict[str, Any]) -> str:
    return "\n".join(m["content"] for m in body.get("messages", []) if m.get("role") == "user")


def _target(body: dict[str, Any]) -> str:
    found = _TARGET_LANGUAGE.search(_user(body))
    return found.group(1) if found else "en"


def reading_digest_item(body: dict[str, Any]) -> dict[str, str]:
    """A headline and a paragraph from the prompt's paper: its first sentence, where it was read
    from, and the numbers of its body excerpts."""
    paper = paper_in(body)
    title = paper.get("title", "")
    first = re.split(r"(?<=[.!?])\s", paper.get("abstract", ""))[0]
    excerpts = paper.get("body") or []
    numbers = ", ".join(dict.fromkeys(n for e in excerpts for n in _NUMBER.findall(e["text"])))
    if _target(body) == "ja":
        source = "本文より" if excerpts else "アブストラクトより"
        paragraph = f"【{source}】{first}" + (f" 主な数値: {numbers}。" if numbers else "")
        return {"headline": f"{title[:40]} の新しさ", "paragraph": paragraph}
    source = "from the full text" if excerpts else "from the abstract"
    paragraph = f"({source}) {first}" + (f" Key numbers: {numbers}." if numbers else "")
    return {"headline": f"What is new in {title[:40]}", "paragraph": paragraph}


def reading_highlights(body: dict[str, Any]) -> dict[str, Any]:
    """The first three papers of the prompt's list, each with a line of its own."""
    found = _PAPERS.search(_user(body))
    items = json.loads(found.group(1)) if found else []
    prefix = "今週の一本: " if _target(body) == "ja" else "Pick of the week: "
    return {
        "highlights": [
            {"arxiv_id": item["arxiv_id"], "line": prefix + item["title"][:50]}
            for item in items[:3]
        ]
    }


# Where, in the fixture papers' sections, each part of the presenter outline finds its points.
_OUTLINE_SECTIONS = {
    "background": ("Introduction",),
    "overview": ("Abstract",),
    "validation": ("Experiments",),
    "method": ("Method", "Architecture", "Training"),
    "experiments": ("Main results", "Ablations"),
}


def reading_outline(body: dict[str, Any]) -> dict[str, Any]:
    """The five-part outline: each part's points are the first sentences of the passages of
    the sections it belongs to (by their label, or for a PDF page by the heading it starts
    with), citing them; every figure is worth showing."""
    paper = paper_in(body)
    passages = paper.get("passages") or []
    outline: dict[str, Any] = {}
    for part, sections in _OUTLINE_SECTIONS.items():
        found = [
            p
            for p in passages
            if any(name in f"{p['section']} {p['text'][:40]}" for name in sections)
        ]
        outline[part] = [
            {"text": re.split(r"(?<=[.!?])\s", p["text"])[0], "source": p["cite"]}
            for p in (found or passages[:1])[:2]
        ]
    outline["figures"] = [
        {"source": figure["cite"], "why": "It shows the result the talk is about."}
        for figure in paper.get("figures") or []
    ]
    return outline


def reading_llm(**options: Any) -> FakeOpenAI:
    """FakeOpenAI answering with the readers above."""
    fake = FakeOpenAI(text_responder=reading_answer, **options)
    fake.json_responders["paper_summary"] = reading_summary
    fake.json_responders["pickup_outline"] = reading_outline
    fake.json_responders[ENTRY_SCHEMA_NAME] = reading_digest_item
    fake.json_responders[HIGHLIGHTS_SCHEMA_NAME] = reading_highlights
    fake.embedder = embed
    return fake
