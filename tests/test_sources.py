import asyncio
import itertools
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bot.http import SourceError, new_client
from bot.models import Author
from bot.papers.sources.arxiv import ArxivClient, parse_feed
from bot.papers.sources.huggingface import HuggingFacePapers
from tests.fakes.arxiv import ARXIV_PATH, FakeArxiv
from tests.fakes.huggingface import FakeHuggingFace
from tests.fakes.server import serve
from tests.fixtures_papers import (
    EXPECTED_TOP10,
    EXPECTED_TRENDING,
    HOSHIZORA,
    NORTHGATE,
    SAMPLE_MONTH,
    SAMPLE_PAPERS,
    arxiv_paper,
    arxiv_records,
    hf_items,
)

FAST = {"retry_base_delay": 0.01}


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with new_client(5) as client:
        yield client


@pytest.fixture
async def hf_fake() -> AsyncIterator[tuple[FakeHuggingFace, str]]:
    fake = FakeHuggingFace({SAMPLE_MONTH: hf_items()})
    async with serve(fake.make_app()) as url:
        yield fake, url


@pytest.fixture
async def arxiv_fake() -> AsyncIterator[tuple[FakeArxiv, str]]:
    fake = FakeArxiv(arxiv_records())
    async with serve(fake.make_app()) as url:
        yield fake, url + ARXIV_PATH


def _ids(candidates: list[Any]) -> list[str]:
    return [candidate.paper.arxiv_id for candidate in candidates]


# Hugging Face


async def test_monthly_reads_every_page_and_ranks_by_upvotes(hf_fake, http) -> None:
    fake, url = hf_fake
    top = await HuggingFacePapers(http, url, page_size=4, **FAST).monthly(SAMPLE_MONTH, 10)

    assert _ids(top) == EXPECTED_TOP10
    assert [c.upvotes for c in top] == [95, 88, 81, 74, 66, 59, 52, 47, 41, 36]
    assert [r.query for r in fake.requests] == [
        {"month": SAMPLE_MONTH, "limit": "4", "p": str(page)} for page in range(5)
    ]


async def test_monthly_needs_one_request_when_the_first_page_is_short(hf_fake, http) -> None:
    fake, url = hf_fake
    top = await HuggingFacePapers(http, url, **FAST).monthly(SAMPLE_MONTH, 3)

    assert _ids(top) == EXPECTED_TOP10[:3]
    assert [r.query["limit"] for r in fake.requests] == ["100"]


async def test_monthly_stops_at_max_pages_and_warns(hf_fake, http, caplog) -> None:
    fake, url = hf_fake
    papers = HuggingFacePapers(http, url, page_size=4, max_pages=2, **FAST)
    with caplog.at_level(logging.WARNING):
        top = await papers.monthly(SAMPLE_MONTH, 10)

    first_eight = sorted(hf_items(), key=lambda item: item["publishedAt"])[:8]
    by_upvotes = sorted(first_eight, key=lambda item: -item["paper"]["upvotes"])
    assert _ids(top) == [item["paper"]["id"] for item in by_upvotes]
    assert len(fake.requests) == 2
    assert "stopped at 2 pages" in caplog.text


async def test_monthly_builds_papers_from_the_items(hf_fake, http) -> None:
    _, url = hf_fake
    top = await HuggingFacePapers(http, url, **FAST).monthly(SAMPLE_MONTH, 3)

    paper = top[2].paper
    assert paper.arxiv_id == "2109.04454"
    assert paper.title == "ConvMLP: Hierarchical Convolutional MLPs for Vision"
    assert paper.abstract == arxiv_paper("2109.04454").abstract
    assert paper.authors == (Author("Kenji Arakawa"), Author("Lena Vogt"), Author("Sora Minami"))
    assert paper.published == "2021-09-09T17:52:01.000Z"
    assert (paper.categories, paper.version) == ((), None)


async def test_trending_keeps_the_api_order(hf_fake, http) -> None:
    fake, url = hf_fake
    top = await HuggingFacePapers(http, url, **FAST).trending(SAMPLE_MONTH, 5)

    assert _ids(top) == EXPECTED_TRENDING[:5]
    assert [c.upvotes for c in top] == [52, 59, 27, 81, 18]
    assert [r.query for r in fake.requests] == [
        {"month": SAMPLE_MONTH, "sort": "trending", "limit": "5", "p": "0"}
    ]


def _item(paper_id: str, upvotes: int, day: int, title: str | None = "T") -> dict[str, Any]:
    published = f"2021-09-{day:02d}T00:00:00.000Z"
    paper = {"id": paper_id, "upvotes": upvotes, "publishedAt": published, "authors": []}
    if title:
        paper["title"] = title
    return {"paper": paper, "publishedAt": published, "title": "Item title"}


async def test_ties_duplicates_and_odd_items(http, caplog) -> None:
    items = [
        _item("2109.00010", 5, 5),
        _item("2109.00030", 5, 3),
        _item("2109.00020", 5, 3, title=None),
        _item("2109.00020", 1, 1),
        _item("2109.00040v2", 9, 9),
        _item("not-an-arxiv-id", 50, 1),
        {"title": "no paper here", "publishedAt": "2021-09-02T00:00:00.000Z"},
    ]
    fake = FakeHuggingFace({"2021-09": items})
    async with serve(fake.make_app()) as url:
        with caplog.at_level(logging.INFO):
            top = await HuggingFacePapers(http, url, **FAST).monthly("2021-09", 10)

    assert _ids(top) == ["2109.00040", "2109.00020", "2109.00030", "2109.00010"]
    assert top[1].paper.title == "Item title"
    assert "not-an-arxiv-id" in caplog.text
    assert "without a paper id" in caplog.text


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("<html>oops</html>", "text/html"),
        ("not json at all", "text/plain"),
        ('{"papers": []}', "application/json"),
        ("[1, 2, 3]", "application/json"),
        ('[{"paper": {"title": "no id"}}]', "application/json"),
    ],
)
async def test_unreadable_hugging_face_answers(hf_fake, http, body, content_type) -> None:
    fake, url = hf_fake
    fake.fail_next(status=200, body=body, content_type=content_type)
    with pytest.raises(SourceError, match=r"^Hugging Face returned an unreadable answer$"):
        await HuggingFacePapers(http, url, **FAST).monthly(SAMPLE_MONTH, 10)


async def test_retry_after_is_honoured(hf_fake, http) -> None:
    fake, url = hf_fake
    fake.fail_next(status=429, headers={"Retry-After": "1"})
    started = time.monotonic()
    top = await HuggingFacePapers(http, url, **FAST).trending(SAMPLE_MONTH, 3)

    assert fake.requests[1].at - fake.requests[0].at >= 0.95
    assert time.monotonic() - started >= 0.95
    assert _ids(top) == EXPECTED_TRENDING[:3]


async def test_server_error_then_success(hf_fake, http) -> None:
    fake, url = hf_fake
    fake.fail_next(status=500)
    top = await HuggingFacePapers(http, url, **FAST).monthly(SAMPLE_MONTH, 10)

    assert _ids(top) == EXPECTED_TOP10
    assert len(fake.requests) == 2


async def test_server_error_forever_gives_up(hf_fake, http) -> None:
    fake, url = hf_fake
    fake.fail_next(status=500, times=10)
    with pytest.raises(SourceError, match="Hugging Face unreachable after 4 tries"):
        await HuggingFacePapers(http, url, **FAST).monthly(SAMPLE_MONTH, 10)
    assert len(fake.requests) == 4


# arXiv


def _arxiv(http: httpx.AsyncClient, url: str, **options: float) -> ArxivClient:
    return ArxivClient(http, url, **({"min_interval": 0, **FAST} | options))


async def test_fetch_asks_for_ten_ids_in_one_request(arxiv_fake, http) -> None:
    fake, url = arxiv_fake
    papers = await _arxiv(http, url).fetch(EXPECTED_TOP10)

    assert papers == {arxiv_id: arxiv_paper(arxiv_id) for arxiv_id in EXPECTED_TOP10}
    [request] = fake.requests
    assert request.query["id_list"].split(",") == EXPECTED_TOP10
    assert request.query["max_results"] == "10"


async def test_fetch_sends_no_request_for_no_ids(arxiv_fake, http) -> None:
    fake, url = arxiv_fake
    assert await _arxiv(http, url).fetch([]) == {}
    assert fake.requests == []


async def test_fetch_chunks_more_than_100_ids(http) -> None:
    record = arxiv_records()["2109.04454"]
    ids = [f"2109.{n:05d}" for n in range(1, 206)]
    fake = FakeArxiv({arxiv_id: record for arxiv_id in ids})
    async with serve(fake.make_app()) as url:
        papers = await _arxiv(http, url + ARXIV_PATH).fetch(ids)

    assert sorted(papers) == ids
    sent = [r.query["id_list"].split(",") for r in fake.requests]
    assert sent == [ids[:100], ids[100:200], ids[200:]]
    assert [r.query["max_results"] for r in fake.requests] == ["100", "100", "5"]


async def test_fetch_reads_authors_affiliations_categories_and_versions(arxiv_fake, http) -> None:
    fake, url = arxiv_fake
    # Rare on arXiv, but some entries do carry affiliations.
    fake.papers["2109.04454"]["authors"][0]["affiliations"] = [HOSHIZORA, NORTHGATE]
    papers = await _arxiv(http, url).fetch(["2109.04454", "2109.03814", "2109.08141v1"])

    convmlp = papers["2109.04454"]
    assert convmlp.version == "v2"
    assert convmlp.authors[0] == Author(
        "Kenji Arakawa", ("星空AI研究所 (Hoshizora AI Laboratory)", "Northgate University")
    )
    assert convmlp.categories == ("cs.CV", "cs.LG")
    assert (convmlp.published, convmlp.updated) == ("2021-09-09T17:52:01Z", "2021-09-14T02:41:08Z")
    assert "\n" not in convmlp.abstract
    assert papers["2109.03814"].authors[1] == Author("Amara Boateng", ())
    assert papers["2109.08141"].categories == ("cs.CV", "cs.AI", "cs.LG")


async def test_fetch_keeps_entities_japanese_and_emoji(http) -> None:
    record = {
        **arxiv_records()["2109.02846"],
        "title": "Attention & <Memory>: 注意機構は∞ 🤗",
        "abstract": "We show a < b && c > d for 長い文脈. \"Quoted\" & 'single'.",
        "authors": [{"name": "山田 花子", "affiliations": ["東都大学 & R&D <Lab>"]}],
    }
    fake = FakeArxiv({"2109.02846": record})
    async with serve(fake.make_app()) as url:
        paper = (await _arxiv(http, url + ARXIV_PATH).fetch(["2109.02846"]))["2109.02846"]

    assert paper.title == record["title"]
    assert paper.abstract == record["abstract"]
    assert paper.authors == (Author("山田 花子", ("東都大学 & R&D <Lab>",)),)


async def test_unknown_ids_are_absent(arxiv_fake, http) -> None:
    _, url = arxiv_fake
    papers = await _arxiv(http, url).fetch(["2109.04454", "2109.99999"])
    assert list(papers) == ["2109.04454"]


async def test_malformed_id_is_reported_with_arxivs_message(arxiv_fake, http) -> None:
    _, url = arxiv_fake
    with pytest.raises(SourceError, match=r"incorrect id format for 2109\.4454x"):
        await _arxiv(http, url).fetch(["2109.04454", "2109.4454x"])


ATOM_HEAD = '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">'


@pytest.mark.parametrize(
    "body",
    [
        "",
        "<html><body>Rate limited</body></html>",
        "<feed xmlns='http://www.w3.org/2005/Atom'><entry>",
        "<rss><channel><title>not atom</title></channel></rss>",
        f"{ATOM_HEAD}<entry><id>http://arxiv.org/abs/2109.04454v2</id></entry></feed>",
        f"{ATOM_HEAD}<entry><title>No id</title></entry></feed>",
        f"{ATOM_HEAD}<entry><id>http://arxiv.org/abs/garbage</id><title>T</title></entry></feed>",
    ],
)
async def test_unreadable_arxiv_answers(arxiv_fake, http, body) -> None:
    fake, url = arxiv_fake
    fake.fail_next(status=200, body=body)
    with pytest.raises(SourceError, match=r"^arXiv returned an unreadable answer$"):
        await _arxiv(http, url).fetch(["2109.04454"])


def test_parse_feed_puts_the_primary_category_first() -> None:
    # As arXiv writes it: namespaces declared on the elements that use them.
    feed = f"""{ATOM_HEAD}
      <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"
        >1</opensearch:totalResults>
      <entry>
        <id>http://arxiv.org/abs/hep-th/9901001v1</id>
        <published>1999-01-01T00:00:00Z</published>
        <title>Strings &amp;
          Things</title>
        <summary>  Line one
  line two.
</summary>
        <author><name>A. Author</name></author>
        <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="hep-th"/>
        <category term="gr-qc" scheme="http://arxiv.org/schemas/atom"/>
        <category term="hep-th" scheme="http://arxiv.org/schemas/atom"/>
      </entry>
    </feed>"""
    paper = parse_feed(feed)["hep-th/9901001"]

    assert paper.categories == ("hep-th", "gr-qc")
    assert (paper.title, paper.abstract) == ("Strings & Things", "Line one line two.")
    assert (paper.version, paper.updated) == ("v1", None)


async def test_arxiv_retries_a_server_error(arxiv_fake, http) -> None:
    fake, url = arxiv_fake
    fake.fail_next(status=503)
    papers = await _arxiv(http, url).fetch(["2109.04454"])

    assert list(papers) == ["2109.04454"]
    assert len(fake.requests) == 2


async def test_arxiv_gives_up_after_bounded_attempts(arxiv_fake, http) -> None:
    fake, url = arxiv_fake
    fake.fail_next(status=500, times=10)
    with pytest.raises(SourceError, match="arXiv unreachable after 4 tries"):
        await _arxiv(http, url).fetch(["2109.04454"])
    assert len(fake.requests) == 4


async def test_requests_on_one_client_are_spaced(arxiv_fake, http) -> None:
    fake, url = arxiv_fake
    client = _arxiv(http, url, min_interval=0.3)
    ids = [paper.arxiv_id for paper in SAMPLE_PAPERS]

    await asyncio.gather(*(client.fetch([arxiv_id]) for arxiv_id in ids[:3]))
    await client.fetch(ids[3:5])

    arrivals = [request.at for request in fake.requests]
    assert len(arrivals) == 4
    assert all(later - earlier >= 0.28 for earlier, later in itertools.pairwise(arrivals))
