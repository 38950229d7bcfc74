"""What every benchmark needs: the local fakes served on 127.0.0.1, percentiles, memory."""

from __future__ import annotations

import contextlib
import math
import resource
import statistics
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from tests.fakes.arxiv import ARXIV_PATH, HTML_PATH, PDF_PATH, FakeArxiv
from tests.fakes.huggingface import FakeHuggingFace
from tests.fakes.openai import FakeOpenAI
from tests.fakes.server import serve
from tests.fixtures_fulltext import arxiv_files
from tests.fixtures_papers import SAMPLE_MONTH, arxiv_records, hf_items


@dataclass(frozen=True)
class Fakes:
    arxiv: FakeArxiv
    openai: FakeOpenAI
    env_base: dict[str, str]
    folder: Path

    def env(self, db_name: str = "bench.db") -> dict[str, str]:
        """Settings pointing yomikai at the fakes, with its own database file."""
        return self.env_base | {"YOMIKAI_DB": str(self.folder / db_name)}


@contextlib.asynccontextmanager
async def served_fakes(openai: FakeOpenAI) -> AsyncIterator[Fakes]:
    """The sample month's Hugging Face and arXiv fakes (API, HTML pages and PDFs) and `openai`,
    in a temporary folder. Papers' files are served without the 3 s interval unless a
    benchmark sets YOMIKAI_ARXIV_FILES_INTERVAL itself."""
    huggingface = FakeHuggingFace({SAMPLE_MONTH: hf_items()})
    arxiv = FakeArxiv(arxiv_records(), files={k: dict(v) for k, v in arxiv_files().items()})
    with tempfile.TemporaryDirectory() as folder:
        async with (
            serve(huggingface.make_app()) as hf_url,
            serve(arxiv.make_app()) as arxiv_url,
            serve(openai.app) as openai_url,
        ):
            env = {
                "YOMIKAI_HF_API": hf_url,
                "YOMIKAI_ARXIV_API": arxiv_url + ARXIV_PATH,
                "YOMIKAI_ARXIV_HTML": arxiv_url + HTML_PATH,
                "YOMIKAI_ARXIV_PDF": arxiv_url + PDF_PATH,
                "YOMIKAI_ARXIV_FILES_INTERVAL": "0",
            }
            yield Fakes(arxiv, openai, env | openai.settings_env(openai_url), Path(folder))


def percentiles(values: list[float]) -> tuple[float, float, float]:
    """p50, p95 and max; NaN when there are too few values to tell."""
    if len(values) < 2:
        return (math.nan,) * 3
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[94], max(values)


def print_results(results: dict[str, tuple[object, bool]], width: int = 34) -> bool:
    """One line per measure, `ok` or `MISSED` against its target; True when every one is met."""
    for name, (value, ok) in results.items():
        print(f"{name:<{width}} {value!s:>7}  {'ok' if ok else 'MISSED'}")
    return all(ok for _, ok in results.values())


def print_memory() -> None:
    current, peak = memory_mib()
    print(f"memory: VmRSS {current:.1f} MiB, peak {peak:.1f} MiB")


def memory_mib() -> tuple[float, float]:
    """(current VmRSS, peak RSS) of this process in MiB."""
    status = Path("/proc/self/status").read_text().splitlines()
    current_kib = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    # The kernel updates ru_maxrss lazily, so right after a run it can trail VmRSS a little.
    peak_kib = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, current_kib)
    return current_kib / 1024, peak_kib / 1024
