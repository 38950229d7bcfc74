"""Sample papers for the month 2021-09, shaped for the Hugging Face and arXiv fakes.

Titles, arXiv ids and versions are real; abstracts, authors and affiliations are invented.
The affiliations are in the papers' full texts (tests/fixtures_fulltext.py), not in arXiv's API.
Upvotes make the first ten of SAMPLE_PAPERS the month's top ten (EXPECTED_TOP10, ∞-former
first); six extras rank below them. Trending scores give a different order (EXPECTED_TRENDING).

    FakeHuggingFace({SAMPLE_MONTH: hf_items()})   # the month's daily-papers items
    FakeArxiv(arxiv_records())                    # arXiv metadata for every sample paper
    arxiv_paper("2109.04454")                     # the Paper ArxivClient should build
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from bot.models import Author, Paper

SAMPLE_MONTH = "2021-09"
THUMBNAILS = "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers"


@dataclass(frozen=True)
class SamplePaper:
    """One sample paper. `hf_day` is the day of the month Hugging Face listed it,
    `trending_score` orders sort=trending answers (higher first), and authors are
    (name, affiliations) pairs."""

    arxiv_id: str
    version: str
    title: str
    abstract: str
    authors: tuple[tuple[str, tuple[str, ...]], ...]
    categories: tuple[str, ...]
    published: str
    updated: str
    upvotes: int
    trending_score: int
    hf_day: int


HOSHIZORA = "星空AI研究所 (Hoshizora AI Laboratory)"
NORTHGATE = "Northgate University"
LAKESIDE = "Lakeside Institute of Technology"
ORCHARD = "Orchard Research"

SAMPLE_PAPERS: tuple[SamplePaper, ...] = (
    SamplePaper(
        "2109.00301", "v2", "∞-former: Infinite Memory Transformer",
        "Transformers struggle to attend over very long contexts because attention cost grows "
        "with the length of the input. We keep an unbounded memory by representing past states "
        "as a continuous signal, so the cost of attention no longer depends on the context "
        "length. Experiments on language modelling and dialogue show the memory helps.",
        (("Inês Moreau", (LAKESIDE,)), ("Tomasz Erikson", (LAKESIDE, ORCHARD))),
        ("cs.CL", "cs.LG"), "2021-09-01T09:21:30Z", "2022-03-25T11:02:14Z", 95, 10, 2,
    ),
    SamplePaper(
        "2109.01652", "v1", "Finetuned Language Models Are Zero-Shot Learners",
        "We ask whether tuning a large language model on many tasks phrased as instructions "
        "improves its ability to follow instructions for tasks it has never seen. The tuned "
        "model beats its untuned counterpart on most held-out tasks. The number of tasks and "
        "the model size both matter.",
        (("Priya Halvorsen", (ORCHARD,)), ("Daniel Okafor", (ORCHARD,))),
        ("cs.CL",), "2021-09-03T17:55:52Z", "2021-09-03T17:55:52Z", 88, 11, 4,
    ),
    SamplePaper(
        "2109.04454", "v2", "ConvMLP: Hierarchical Convolutional MLPs for Vision",
        "MLP-based vision models are heavy and tied to a fixed input size. We interleave "
        "convolutions with MLP stages in a hierarchical design that is lighter and accepts "
        "any resolution. The resulting backbone transfers well to detection and segmentation.",
        (
            ("Kenji Arakawa", (HOSHIZORA, NORTHGATE)),
            ("Lena Vogt", (NORTHGATE,)),
            ("Sora Minami", (HOSHIZORA,)),
        ),
        ("cs.CV", "cs.LG"), "2021-09-09T17:52:01Z", "2021-09-14T02:41:08Z", 81, 13, 10,
    ),
    SamplePaper(
        "2109.03814", "v2", "Panoptic SegFormer",
        "We present a transformer framework for panoptic segmentation that treats things and "
        "stuff with one set of queries. A light mask decoder and a careful query design speed "
        "up training. It reaches strong results on a standard benchmark.",
        (("Wei Lindqvist", (NORTHGATE,)), ("Amara Boateng", ())),
        ("cs.CV",), "2021-09-08T17:59:12Z", "2021-11-22T08:15:40Z", 74, 6, 9,
    ),
    SamplePaper(
        "2109.08141", "v1", "An End-to-End Transformer Model for 3D Object Detection",
        "We detect objects in point clouds with a plain transformer encoder and decoder, "
        "without hand-made 3D operators. Non-parametric query embeddings make the detector "
        "simple to train. It matches or beats specialised designs on indoor benchmarks.",
        (("Rafael Quintero", (ORCHARD,)), ("Hannah Seo", (ORCHARD, LAKESIDE))),
        ("cs.CV", "cs.AI", "cs.LG"), "2021-09-16T17:57:37Z", "2021-09-16T17:57:37Z", 66, 8, 17,
    ),
    SamplePaper(
        "2109.02846", "v1", "🤗Datasets: A Community Library for Natural Language Processing",
        "Public datasets for language research come in many formats and sizes. We describe a "
        "community-maintained library that gives them one interface, streams large corpora and "
        "caches results. Hundreds of contributors have added datasets to it.",
        (("Maya Castellanos", ()), ("Yuki Hoshino", (HOSHIZORA,))),
        ("cs.CL",), "2021-09-07T04:52:21Z", "2021-09-07T04:52:21Z", 59, 15, 8,
    ),
    SamplePaper(
        "2109.08668", "v1", "Primer: Searching for Efficient Transformers for Language Modeling",
        "We search over the primitives of a transformer to find variants that train language "
        "models more cheaply. The best one changes only a few operations, such as squaring the "
        "activation. It needs less compute for the same quality at several scales.",
        (("Olumide Hart", (ORCHARD,)), ("Greta Nilsson", (ORCHARD,))),
        ("cs.LG", "cs.AI", "cs.CL", "cs.NE"), "2021-09-17T17:08:08Z", "2021-09-17T17:08:08Z",
        52, 16, 18,
    ),
    SamplePaper(
        "2109.03810", "v1", "Scaled ReLU Matters for Training Vision Transformers",
        "Vision transformers are sensitive to training recipes. We find that a scaled ReLU in "
        "the convolutional stem steadies early training and improves accuracy. The change is "
        "small and costs almost nothing.",
        (("Chen Abernathy", (NORTHGATE,)),),
        ("cs.CV",), "2021-09-08T17:57:58Z", "2021-09-08T17:57:58Z", 47, 5, 9,
    ),
    SamplePaper(
        "2109.01116", "v1", "An Empirical Study of Graph Contrastive Learning",
        "Graph contrastive learning methods differ in many design choices at once. We compare "
        "augmentations, contrasting modes and objectives under one protocol. The results give "
        "practical guidance and an open library.",
        (("Farid Nasser", (LAKESIDE,)), ("Ellen Park", (LAKESIDE,))),
        ("cs.LG",), "2021-09-02T17:59:55Z", "2021-09-02T17:59:55Z", 41, 3, 3,
    ),
    SamplePaper(
        "2109.05237", "v1", "Physics-based Deep Learning",
        "This document introduces deep learning methods that respect physical models. It "
        "covers losses built from equations, differentiable simulators and coupled solvers, "
        "with runnable examples for each.",
        (("Marta Kowalczyk", (NORTHGATE,)), ("Jonas Feld", (NORTHGATE,))),
        ("cs.LG", "physics.comp-ph"), "2021-09-11T08:25:13Z", "2021-09-11T08:25:13Z", 36, 2, 13,
    ),
    SamplePaper(
        "2109.00162", "v1", "Eyes Tell All: Irregular Pupil Shapes Reveal GAN-generated Faces",
        "Generated face images often get the shape of the pupils wrong. We measure how far each "
        "pupil is from an ellipse and use it to flag synthetic faces. The cue is simple and "
        "easy to explain.",
        (("Victor Lam", (LAKESIDE,)),),
        ("cs.CV",), "2021-09-01T02:15:40Z", "2021-09-01T02:15:40Z", 30, 9, 1,
    ),
    SamplePaper(
        "2108.10470", "v2",
        "Isaac Gym: High Performance GPU-Based Physics Simulation For Robot Learning",
        "Robot learning spends much of its time moving data between simulator and learner. We "
        "run both physics and policy training on the GPU so the data never leaves it. Training "
        "on many tasks becomes far faster on one machine.",
        (("Nadia Brandt", (ORCHARD,)), ("Luis Ferreira", (ORCHARD,))),
        ("cs.RO", "cs.LG"), "2021-08-24T01:20:33Z", "2021-08-25T17:46:09Z", 27, 14, 6,
    ),
    SamplePaper(
        "2106.15590", "v1", "The Values Encoded in Machine Learning Research",
        "We read a sample of highly cited machine learning papers and note which values they "
        "state or imply. Performance and novelty dominate, while societal needs are rarely "
        "discussed. We reflect on what this means for the field.",
        (("Sasha Idowu", (NORTHGATE,)),),
        ("cs.LG", "cs.CY"), "2021-06-29T17:59:59Z", "2021-06-29T17:59:59Z", 21, 7, 5,
    ),
    SamplePaper(
        "2106.10860", "v1", "Multiplying Matrices Without Multiplying",
        "Many matrix products in machine learning tolerate approximation. We replace the "
        "multiply-adds with learned hashing and table lookups. The method is much faster than "
        "exact products at modest error.",
        (("Ravi Mendes", (LAKESIDE,)), ("Ilse Brunner", (LAKESIDE,))),
        ("cs.LG", "cs.PF"), "2021-06-21T05:08:08Z", "2021-06-21T05:08:08Z", 18, 12, 7,
    ),
    SamplePaper(
        "2109.08591", "v1", "Diverse Generation from a Single Video Made Possible",
        "Generating new videos from a single example usually needs long training. We revisit "
        "nearest-neighbour patch methods and make them fast and diverse. Quality matches "
        "learned models at a fraction of the cost.",
        (("Tal Weisz", (NORTHGATE,)),),
        ("cs.CV",), "2021-09-17T15:12:19Z", "2021-09-17T15:12:19Z", 12, 4, 20,
    ),
    SamplePaper(
        "2109.04173", "v2", "Relating Graph Neural Networks to Structural Causal Models",
        "We connect message passing in graph neural networks with structural causal models. "
        "This view lets a network answer interventional queries on a known graph. Small "
        "experiments illustrate the idea.",
        (("Jana Roth", (LAKESIDE,)), ("Mehmet Aydin", (LAKESIDE,))),
        ("cs.LG", "cs.AI"), "2021-09-09T11:16:38Z", "2021-10-03T09:58:05Z", 9, 1, 11,
    ),
)  # fmt: skip

ALL_IDS: list[str] = [paper.arxiv_id for paper in SAMPLE_PAPERS]
EXPECTED_TOP10: list[str] = ALL_IDS[:10]
# Every sample paper, highest trending score first.
EXPECTED_TRENDING: list[str] = [
    "2109.08668", "2109.02846", "2108.10470", "2109.04454", "2106.10860", "2109.01652",
    "2109.00301", "2109.00162", "2109.08141", "2106.15590", "2109.03814", "2109.03810",
    "2109.08591", "2109.01116", "2109.05237", "2109.04173",
]  # fmt: skip


def _hex_id(*parts: str) -> str:
    return hashlib.sha1("/".join(parts).encode()).hexdigest()[:24]


def _hf_time(published: str) -> str:
    return published.replace("Z", ".000Z")


def hf_item(paper: SamplePaper, month: str = SAMPLE_MONTH) -> dict[str, Any]:
    """One daily-papers item as the Hugging Face API returns it, plus a private
    `trending_score` that FakeHuggingFace uses for sort=trending and never serves."""
    body = {
        "id": paper.arxiv_id,
        "authors": [
            {"_id": _hex_id(paper.arxiv_id, name), "name": name, "hidden": False}
            for name, _ in paper.authors
        ],
        "publishedAt": _hf_time(paper.published),
        "title": paper.title,
        "summary": paper.abstract,
        "upvotes": paper.upvotes,
        "discussionId": _hex_id("discussion", paper.arxiv_id),
    }
    return {
        "paper": body,
        "publishedAt": f"{month}-{paper.hf_day:02d}T06:00:00.000Z",
        "title": paper.title,
        "summary": paper.abstract,
        "thumbnail": f"{THUMBNAILS}/{paper.arxiv_id}.png",
        "numComments": paper.upvotes % 7,
        "submittedBy": {"_id": _hex_id("user"), "fullname": "Study Bot", "name": "studybot"},
        "trending_score": paper.trending_score,
    }


def hf_items(month: str = SAMPLE_MONTH) -> list[dict[str, Any]]:
    """Every sample paper as a daily-papers item listed in `month` (same papers for any month)."""
    return [hf_item(paper, month) for paper in SAMPLE_PAPERS]


def arxiv_record(paper: SamplePaper) -> dict[str, Any]:
    """One record in the shape FakeArxiv serves; `categories` lists the primary one first."""
    return {
        "title": paper.title,
        "abstract": paper.abstract,
        # As on arXiv, whose API almost never has affiliations: they are in the paper itself.
        "authors": [{"name": name} for name, _ in paper.authors],
        "categories": list(paper.categories),
        "published": paper.published,
        "updated": paper.updated,
        "version": paper.version,
    }


def arxiv_records() -> dict[str, dict[str, Any]]:
    """Records for FakeArxiv, keyed by arXiv id without version."""
    return {paper.arxiv_id: arxiv_record(paper) for paper in SAMPLE_PAPERS}


def arxiv_paper(arxiv_id: str) -> Paper:
    """The Paper that ArxivClient.fetch should build for a sample id."""
    paper = next(p for p in SAMPLE_PAPERS if p.arxiv_id == arxiv_id)
    return Paper(
        arxiv_id=paper.arxiv_id,
        title=paper.title,
        abstract=paper.abstract,
        authors=tuple(Author(name) for name, _ in paper.authors),
        categories=paper.categories,
        published=paper.published,
        updated=paper.updated,
        version=paper.version,
    )
