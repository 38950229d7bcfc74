"""`yomikai` as a person runs it: a subprocess against the fakes served from a thread."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ENV_NAMES
from tests.conftest import Services
from tests.fixtures_papers import EXPECTED_TOP10, SAMPLE_MONTH


def yomikai(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ENV_NAMES and k != "YOMIKAI_CONFIG"}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def env(threaded_services: Services, tmp_path: Path) -> dict[str, str]:
    return threaded_services.env(tmp_path / "yomikai.db")


def test_fetch_then_show_json_gives_the_top_ten_with_summaries(env: dict[str, str]) -> None:
    fetched = yomikai(env, "fetch", "--month", SAMPLE_MONTH)
    assert fetched.returncode == 0, fetched.stderr
    assert "10 papers stored, 10 summarized now, 0 pending" in fetched.stdout
    shown = yomikai(env, "show", "--month", SAMPLE_MONTH, "--json")
    assert shown.returncode == 0, shown.stderr
    papers = json.loads(shown.stdout)
    assert [p["arxiv_id"] for p in papers] == EXPECTED_TOP10
    assert [p["rank"] for p in papers] == list(range(1, 11))
    first = papers[0]
    assert first["url"] == f"https://arxiv.org/abs/{EXPECTED_TOP10[0]}"
    assert set(first["summary"]) == {
        "title", "abstract", "purpose", "results", "method", "names", "affiliations", "hook"
    }  # fmt: skip
    assert first["summary"]["title"] == f"「{first['title']}」の日本語訳"
    convmlp = papers[2]
    assert convmlp["authors"][1] == {"name": "Lena Vogt", "affiliations": ["Northgate University"]}
    assert convmlp["fulltext"]["source"] == "html"
    assert convmlp["fulltext"]["url"] == "https://arxiv.org/html/2109.04454v2"
    assert convmlp["fulltext"]["sections"][:2] == ["§1 Introduction", "§2 Method"]
    physics = next(p for p in papers if p["arxiv_id"] == "2109.05237")
    assert physics["fulltext"]["source"] == "pdf"
    assert physics["fulltext"]["sections"][0] == "Page 1"


def test_show_prints_the_five_fields_in_japanese(env: dict[str, str]) -> None:
    yomikai(env, "fetch", "--month", SAMPLE_MONTH, "--top", "3")
    shown = yomikai(env, "show", "--month", SAMPLE_MONTH)
    assert shown.returncode == 0
    for label in ("目的:", "成果:", "方法:", "固有名:", "著者所属:"):
        assert shown.stdout.count(label) == 3


def test_without_a_key_summaries_are_null_and_the_abstract_is_shown(
    threaded_services: Services, tmp_path: Path
) -> None:
    env = threaded_services.env(tmp_path / "y.db", llm=False)
    fetched = yomikai(env, "fetch", "--month", SAMPLE_MONTH, "--top", "2")
    assert fetched.returncode == 0
    assert "warning: 2 summaries pending: no OPENAI_API_KEY set" in fetched.stderr
    papers = json.loads(yomikai(env, "show", "--month", SAMPLE_MONTH, "--json").stdout)
    assert [p["summary"] for p in papers] == [None, None]
    text = yomikai(env, "show", "--month", SAMPLE_MONTH).stdout
    assert "要約は準備中です" in text


def test_an_organizers_list_becomes_the_months_manual_ranking(env: dict[str, str]) -> None:
    ids = ["https://arxiv.org/abs/2109.08668v1", "2109.04454"]
    assert yomikai(env, "fetch", "--month", SAMPLE_MONTH, "--ids", *ids).returncode == 0
    papers = json.loads(yomikai(env, "show", "--month", SAMPLE_MONTH, "--json").stdout)
    assert [p["arxiv_id"] for p in papers] == ["2109.08668", "2109.04454"]
    assert [p["upvotes"] for p in papers] == [None, None]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["fetch", "--month", "2021-13"], "'2021-13' is not a month"),
        (["fetch", "--month", "2021-09", "--ids", "2101.99999"], "arXiv does not know: 2101.99999"),
        (["show", "--month", "2021-08"], "no ranking stored for 2021-08"),
        (["fetch", "--month", "2021-09", "--top", "0"], "'0' is not a number from 1 to 50"),
    ],
)
def test_bad_input_gives_one_clear_line(
    env: dict[str, str], args: list[str], expected: str
) -> None:
    assert expected in one_line_error(yomikai(env, *args))


def test_a_bad_setting_is_named(env: dict[str, str]) -> None:
    line = one_line_error(yomikai(env | {"YOMIKAI_LANGUAGE": "de"}, "show", "--month", "2021-09"))
    assert line.startswith("yomikai: YOMIKAI_LANGUAGE:")


def test_an_unreachable_source_is_one_line(env: dict[str, str]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    line = one_line_error(yomikai(env | {"YOMIKAI_HF_API": closed}, "fetch", "--month", "2021-09"))
    assert line == "yomikai: Hugging Face unreachable after 4 tries (ConnectError)"


def test_db_migrate_applies_once(env: dict[str, str]) -> None:
    first = yomikai(env, "db", "migrate")
    assert first.stdout.startswith("applied: 0001_initial.sql")
    assert yomikai(env, "db", "migrate").stdout.strip() == "database is up to date"
