"""A fake LLM that reads: summaries, answers and embeddings derived from what the prompt holds.

Deterministic stand-ins for a model, so tests can tell what yomikai put in its prompts:
- summaries take 著者所属 from the authors' affiliations, or from the institution lines of a
  PDF's first page, and 成果 from the numbers in the body excerpts;
- answers quote the passage that best matches the question, citing its key ("[§4.2]"), or say
  the paper does not say;
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


def reading_llm(**options: Any) -> FakeOpenAI:
    """FakeOpenAI answering with the readers above."""
    fake = FakeOpenAI(text_responder=reading_answer, **options)
    fake.json_responders["paper_summary"] = reading_summary
    fake.embedder = embed
    return fake
