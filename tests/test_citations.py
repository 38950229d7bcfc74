"""Citations in answers become links to the paper's sections, tables and PDF pages."""

from __future__ import annotations

from bot.ask.citations import link_citations

LINKS = {
    "§4.2": "https://arxiv.org/html/2109.04454v2#S4.SS2",
    "Table 1": "https://arxiv.org/html/2109.04454v2#S4.T1",
    "p.3": "https://arxiv.org/pdf/2109.05237v1#page=3",
}


def test_known_keys_become_links_without_previews() -> None:
    text = link_citations("Removing it costs 1.7 points [§4.2].", LINKS)
    assert (
        text == "Removing it costs 1.7 points [§4.2](<https://arxiv.org/html/2109.04454v2#S4.SS2>)."
    )


def test_several_keys_in_one_bracket_link_each() -> None:
    text = link_citations("See [Table 1; p.3] and [table 1, §4.2].", LINKS)
    assert text.count("](<") == 4
    assert "[Table 1](<https://arxiv.org/html/2109.04454v2#S4.T1>)" in text
    assert "[p.3](<https://arxiv.org/pdf/2109.05237v1#page=3>)" in text


def test_unknown_keys_and_the_papers_own_references_stay_as_written() -> None:
    text = "As shown in [12], and in [§9.9], and in [§4.2; §7]."
    assert link_citations(text, LINKS) == text


def test_existing_markdown_links_are_not_touched() -> None:
    text = "[§4.2](https://example.org) is already a link."
    assert link_citations(text, LINKS) == text
