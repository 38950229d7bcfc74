"""Cutting a paper into passages: order, sources and size."""

from __future__ import annotations

from bot.llm.tokens import estimate_tokens
from bot.models import Author, merge_authors
from bot.papers.fulltext.chunks import CHUNK_TOKENS, chunk_document
from bot.papers.fulltext.document import Caption, Document, Section


def _document() -> Document:
    long_paragraph = " ".join(f"Sentence {i} says something about the model." for i in range(200))
    return Document(
        source="html",
        url="https://arxiv.org/html/2109.04454v2",
        title="T",
        authors=(),
        abstract="We study things.",
        sections=(
            Section("S1", "1", "Introduction", 1, ("First.", "Second.")),
            Section(
                "S4.SS2",
                "4.2",
                "Ablations",
                2,
                (long_paragraph,),
                (Caption("S4.T1", "Table 1", "Accuracy 80.2%."),),
            ),
            Section("page=3", "", "Page 3", 1, ("Text of page three.",)),
        ),
    )


def test_passages_keep_reading_order_and_where_they_come_from() -> None:
    chunks = chunk_document(_document())
    assert [c.ord for c in chunks] == list(range(len(chunks)))
    assert (chunks[0].cite, chunks[0].anchor, chunks[0].body) == (
        "Abstract",
        "",
        "We study things.",
    )
    assert (chunks[1].cite, chunks[1].label, chunks[1].body) == (
        "§1",
        "§1 Introduction",
        "First.\nSecond.",
    )
    ablations = [c for c in chunks if c.anchor == "S4.SS2"]
    assert len(ablations) > 1
    assert all(c.cite == "§4.2" for c in ablations)
    table = next(c for c in chunks if c.anchor == "S4.T1")
    assert (table.cite, table.body) == ("Table 1", "Accuracy 80.2%.")
    assert chunks[-1].cite == "p.3"


def test_no_passage_is_larger_than_a_chunk_and_no_text_is_lost() -> None:
    chunks = chunk_document(_document())
    assert max(c.tokens for c in chunks) <= CHUNK_TOKENS
    assert all(c.tokens == estimate_tokens(c.body) for c in chunks)
    joined = " ".join(c.body for c in chunks if c.anchor == "S4.SS2")
    assert joined.split() == _document().sections[1].paragraphs[0].split()


def test_affiliations_read_from_the_paper_join_arxivs_author_list() -> None:
    listed = (Author("Kenji Arakawa"), Author("Lena Vogt"))
    read = (
        Author("kenji  arakawa", ("星空AI研究所",)),
        Author("Lena Vogt", ("Northgate University",)),
    )
    merged = merge_authors(listed, read)
    assert merged == (
        Author("Kenji Arakawa", ("星空AI研究所",)),
        Author("Lena Vogt", ("Northgate University",)),
    )
    assert merge_authors(listed, ()) == listed
    other = (Author("K. A.", ("Lab",)),)
    assert merge_authors(listed, other) == other
