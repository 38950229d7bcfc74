"""Full texts of the sample papers, as the fake arXiv serves them (LaTeXML HTML or a PDF).

The bodies are written for these tests from a few facts per paper (a benchmark, a score, an
ablation); they are not the papers' real text. Affiliations live here, in the papers' headers,
as on arXiv, whose API almost never carries them.

    paper_body("2109.04454")       # BodySpec: affiliations, sections, facts
    arxiv_files()                  # {"2109.04454v2": ("html", bytes), ...} for FakeArxiv
"""

from __future__ import annotations

import functools
import textwrap
from dataclasses import dataclass

from tests.fakes.latexml import latexml_page
from tests.fakes.pdf import pdf_document
from tests.fixtures_papers import SAMPLE_PAPERS, SamplePaper

# Papers arXiv has no HTML rendering for: their text comes from the PDF.
PDF_ONLY: frozenset[str] = frozenset({"2109.05237"})


@dataclass(frozen=True)
class Facts:
    """What a paper's body says that its abstract does not."""

    benchmark: str
    metric: str
    score: str
    baseline: str
    gain: str
    component: str
    ablation_drop: str
    hardware: str


FACTS: dict[str, Facts] = {
    "2109.00301": Facts("PG-19", "perplexity", "18.4", "Transformer-XL", "2.1 points",
                        "the sticky memory", "1.3 perplexity", "8 V100 GPUs"),
    "2109.01652": Facts("held-out NLI tasks", "accuracy", "72.8%", "the untuned model",
                        "9.6 points", "instruction templates", "4.1 points", "a TPUv3 pod"),
    "2109.04454": Facts("ImageNet-1k", "top-1 accuracy", "80.2%", "ResMLP-S12",
                        "3.1 points", "the convolutional tokenizer", "1.7 points", "4 A100 GPUs"),
    "2109.03814": Facts("COCO panoptic", "PQ", "50.0", "DETR", "6.6 PQ",
                        "the query decoupling", "1.8 PQ", "8 V100 GPUs"),
    "2109.08141": Facts("ScanNetV2", "mAP@0.25", "65.0", "VoteNet", "6.3 points",
                        "the non-parametric queries", "2.4 points", "8 V100 GPUs"),
    "2109.02846": Facts("the Hub", "datasets", "650", "hand-written loaders", "a single API",
                        "memory mapping", "a 10x slowdown", "a laptop"),
    "2109.08668": Facts("C4", "training cost", "4x lower", "the original Transformer",
                        "a quarter of the compute", "squared ReLU", "half the gain", "TPUv4"),
    "2109.03810": Facts("ImageNet-1k", "top-1 accuracy", "81.4%", "ViT-S", "0.9 points",
                        "the scaled ReLU", "0.6 points", "8 A100 GPUs"),
    "2109.01116": Facts("12 graph datasets", "mean rank", "2.3", "GraphCL", "1.1 ranks",
                        "feature masking", "1.5 ranks", "a single GPU"),
    "2109.05237": Facts("Navier-Stokes flows", "error", "12% lower", "supervised training",
                        "a factor of 3", "the differentiable solver", "most of the gain",
                        "a desktop GPU"),
    "2109.00162": Facts("StyleGAN2 faces", "AUC", "0.94", "a CNN detector", "better calibration",
                        "the ellipse fitting", "0.11 AUC", "a CPU"),
    "2108.10470": Facts("Ant and Humanoid tasks", "training speed", "2-3 orders of magnitude",
                        "CPU simulation", "hours instead of days", "GPU-side rewards",
                        "a 5x slowdown", "one A100 GPU"),
    "2106.15590": Facts("100 cited papers", "values annotated", "59", "prior surveys",
                        "finer categories", "inter-annotator review", "less agreement",
                        "a team of annotators"),
    "2106.10860": Facts("CIFAR-10 layers", "speed-up", "100x", "exact matrix products",
                        "at 1% error", "learned hash functions", "a 4x slowdown", "a laptop CPU"),
    "2109.08591": Facts("single-video benchmarks", "SIFID", "0.08", "SinGAN-based models",
                        "minutes instead of days", "the patch-nearest-neighbour search",
                        "blurrier output", "a single GPU"),
    "2109.04173": Facts("synthetic causal graphs", "interventional error", "0.05",
                        "standard message passing", "a 3x lower error", "the causal layer",
                        "most of the gain", "a laptop"),
}  # fmt: skip


@dataclass(frozen=True)
class BodySpec:
    arxiv_id: str
    authors: list[tuple[str, list[str]]]
    sections: list[dict[str, object]]
    facts: Facts


def _sections(paper: SamplePaper, facts: Facts) -> list[dict[str, object]]:
    name = paper.title.split(":")[0]
    return [
        {
            "title": "Introduction",
            "paragraphs": [
                f"{paper.abstract} This paper, {name}, studies the problem in depth.",
                f"Our main result is a {facts.metric} of {facts.score} on {facts.benchmark}, "
                f"which improves on {facts.baseline} by {facts.gain}.",
            ],
        },
        {
            "title": "Method",
            "paragraphs": [f"We describe {name} in two parts: the model and its training."],
            "subsections": [
                {
                    "title": "Architecture",
                    "paragraphs": [
                        f"The central component is {facts.component}, which the rest of the "
                        "model is built around."
                    ],
                },
                {
                    "title": "Training",
                    "paragraphs": [f"All models were trained on {facts.hardware}."],
                },
            ],
        },
        {
            "title": "Experiments",
            "paragraphs": [f"We evaluate on {facts.benchmark} against {facts.baseline}."],
            "subsections": [
                {
                    "title": "Main results",
                    "paragraphs": [
                        f"{name} reaches a {facts.metric} of {facts.score} on {facts.benchmark}."
                    ],
                    "figures": [
                        {
                            "kind": "table",
                            "caption": f"{facts.metric.capitalize()} on {facts.benchmark}: "
                            f"{name} {facts.score}, against {facts.baseline}.",
                            "rows": [["Model", facts.metric], [name, facts.score]],
                        }
                    ],
                },
                {
                    "title": "Ablations",
                    "paragraphs": [
                        f"Removing {facts.component} costs {facts.ablation_drop}, so this "
                        "ablation shows it is the part that matters most."
                    ],
                    "figures": [
                        {
                            "kind": "figure",
                            "caption": f"Training curves of {name} and {facts.baseline}.",
                        }
                    ],
                },
            ],
        },
        {
            "title": "Conclusion",
            "paragraphs": [
                f"{name} improves on {facts.baseline} by {facts.gain}. A limitation is that "
                f"we only tested on {facts.benchmark}."
            ],
        },
    ]


def paper_body(arxiv_id: str) -> BodySpec:
    paper = next(p for p in SAMPLE_PAPERS if p.arxiv_id == arxiv_id)
    facts = FACTS[arxiv_id]
    authors = [(author, list(affiliations)) for author, affiliations in paper.authors]
    return BodySpec(arxiv_id, authors, _sections(paper, facts), facts)


def html_page(paper: SamplePaper) -> bytes:
    body = paper_body(paper.arxiv_id)
    page = latexml_page(
        arxiv_id=paper.arxiv_id,
        version=int(paper.version.removeprefix("v")),
        title=paper.title,
        authors=body.authors,
        abstract=paper.abstract,
        sections=body.sections,
    )
    return page.encode("utf-8")


def pdf_file(paper: SamplePaper) -> bytes:
    """The paper as a PDF: a title page with authors and affiliations, then one page a section."""
    body = paper_body(paper.arxiv_id)
    header = [paper.title, ""]
    header += [author for author, _ in body.authors]
    header += list(dict.fromkeys(a for _, affiliations in body.authors for a in affiliations))
    header += ["", "Abstract", paper.abstract]
    pages = [header]
    for number, section in enumerate(body.sections, 1):
        lines = [f"{number} {section['title']}", *section["paragraphs"]]  # type: ignore[misc]
        for sub_number, sub in enumerate(section.get("subsections", []), 1):  # type: ignore[attr-defined]
            lines += [f"{number}.{sub_number} {sub['title']}", *sub["paragraphs"]]
            for number_in_paper, figure in enumerate(sub.get("figures", []), 1):
                label = "Table" if figure["kind"] == "table" else "Figure"
                lines.append(f"{label} {number_in_paper}: {figure['caption']}")
        pages.append(lines)
    return pdf_document([_wrapped(page) for page in pages])


def _wrapped(lines: list[str]) -> list[str]:
    """Lines as a PDF sets them: at most ~90 characters, paragraphs apart by a blank line."""
    out: list[str] = []
    for line in lines:
        out += textwrap.wrap(line, 90) or [""]
        out.append("")
    return out


@functools.cache
def arxiv_files() -> dict[str, dict[str, bytes]]:
    """What FakeArxiv serves under /html and /pdf: {versioned id: {"html": ..., "pdf": ...}}."""
    files: dict[str, dict[str, bytes]] = {}
    for paper in SAMPLE_PAPERS:
        served = {"pdf": pdf_file(paper)}
        if paper.arxiv_id not in PDF_ONLY:
            served["html"] = html_page(paper)
        files[f"{paper.arxiv_id}{paper.version}"] = served
    return files
