"""Parse a 500 KB arXiv LaTeXML page and a 30-page PDF, the size of a long paper.

Targets: the HTML page in 50 ms or less (median and p95 of 20 runs), the PDF in 1 s or less
(median and slowest of 5 runs), every section and page read.

    .venv/bin/python -m bench.parse
"""

from __future__ import annotations

import random
import sys
import textwrap
import time
from collections.abc import Callable

from bench._common import memory_mib, percentiles, print_results
from bot.papers.fulltext.latexml import parse_latexml
from bot.papers.fulltext.pdf import parse_pdf
from tests.fakes.latexml import big_latexml_page
from tests.fakes.pdf import pdf_document

HTML_BYTES, HTML_RUNS, HTML_TARGET_MS = 500_000, 20, 50.0
PDF_PAGES, PDF_RUNS, PDF_TARGET_S = 30, 5, 1.0
LINES_PER_PAGE, LINE_WIDTH = 48, 88

# fmt: off
_WORDS = [
    "the", "router", "sends", "every", "token", "to", "two", "experts", "and", "a", "small",
    "auxiliary", "loss", "keeps", "their", "load", "even", "while", "batch", "grows", "across",
    "devices", "so", "throughput", "rises", "without", "any", "drop", "in", "quality", "measured",
    "on", "held-out", "text", "from", "several", "public", "corpora", "of", "scientific", "writing",
]
# fmt: on


def _timed(parse: Callable[[], object], runs: int) -> list[float]:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        parse()
        seconds.append(time.perf_counter() - started)
    return seconds


def _pdf_pages(rng: random.Random) -> list[list[str]]:
    """Pages of wrapped prose: paragraphs of 6 to 12 lines with a blank line between them."""
    pages = []
    for _ in range(PDF_PAGES):
        lines: list[str] = []
        while len(lines) < LINES_PER_PAGE:
            words = [rng.choice(_WORDS) for _ in range(rng.randint(60, 130))]
            lines += [*textwrap.wrap(" ".join(words).capitalize() + ".", LINE_WIDTH), ""]
        pages.append(lines[:LINES_PER_PAGE])
    return pages


def main() -> int:
    page = big_latexml_page(HTML_BYTES).encode()
    data = pdf_document(_pdf_pages(random.Random(3)))
    html_sections = len(parse_latexml(page, "https://arxiv.org/html/2405.01234v1").sections)
    pdf_pages = len(parse_pdf(data, "https://arxiv.org/pdf/2405.01234v1").sections)
    html_ms = [s * 1000 for s in _timed(lambda: parse_latexml(page, "html"), HTML_RUNS)]
    pdf_s = _timed(lambda: parse_pdf(data, "pdf"), PDF_RUNS)
    html_p50, html_p95, _ = percentiles(html_ms)
    pdf_p50, _, pdf_max = percentiles(pdf_s)
    _, peak = memory_mib()
    results = {
        "HTML page size, KB": (len(page) // 1000, len(page) >= HTML_BYTES),
        "HTML sections read": (html_sections, html_sections > 0),
        "HTML p50, ms (<= 50)": (round(html_p50, 1), html_p50 <= HTML_TARGET_MS),
        "HTML p95, ms (<= 50)": (round(html_p95, 1), html_p95 <= HTML_TARGET_MS),
        "PDF size, KB": (len(data) // 1000, True),
        "PDF pages read (= 30)": (pdf_pages, pdf_pages == PDF_PAGES),
        "PDF p50, s (<= 1)": (round(pdf_p50, 3), pdf_p50 <= PDF_TARGET_S),
        "PDF slowest, s (<= 1)": (round(pdf_max, 3), pdf_max <= PDF_TARGET_S),
        "peak RSS, MiB": (round(peak), True),
    }
    return 0 if print_results(results, 28) else 1


if __name__ == "__main__":
    sys.exit(main())
