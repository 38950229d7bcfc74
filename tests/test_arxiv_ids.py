import pytest

from bot.papers.sources.arxiv_ids import parse_arxiv_ref, split_version


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("2109.04454", "2109.04454"),
        ("2109.04454v2", "2109.04454"),
        ("1412.6980", "1412.6980"),
        ("2401.12345", "2401.12345"),
        ("0704.0001", "0704.0001"),
        ("  2109.04454 \n", "2109.04454"),
        ("arXiv:2109.04454", "2109.04454"),
        ("arxiv: 2109.04454v3", "2109.04454"),
        ("hep-th/9901001v1", "hep-th/9901001"),
        ("quant-ph/0112019", "quant-ph/0112019"),
        ("math.GT/0309136", "math/0309136"),
        ("cond-mat.str-el/0101001", "cond-mat/0101001"),
        ("https://arxiv.org/abs/2109.04454v2", "2109.04454"),
        ("http://arxiv.org/pdf/2109.04454v1.pdf", "2109.04454"),
        ("https://arxiv.org/pdf/2109.04454", "2109.04454"),
        ("https://www.arxiv.org/abs/2109.04454/", "2109.04454"),
        ("https://arxiv.org/abs/2109.04454?context=cs.CV", "2109.04454"),
        ("export.arxiv.org/abs/2109.04454", "2109.04454"),
        ("arxiv.org/abs/hep-th/9901001v1", "hep-th/9901001"),
        ("https://huggingface.co/papers/2109.04454", "2109.04454"),
        ("https://huggingface.co/papers/2109.04454#community", "2109.04454"),
    ],
)
def test_parse_arxiv_ref_accepts(ref: str, expected: str) -> None:
    assert parse_arxiv_ref(ref) == expected


@pytest.mark.parametrize(
    "ref",
    [
        "foo",
        "",
        "   ",
        "2109.0445",
        "1412.69801",
        "2109.044541",
        "2113.04454",
        "2109.04454v",
        "2109.04454 extra",
        "HEP-TH/9901001",
        "hep-th/990100",
        "https://example.com/abs/2109.04454",
        "https://arxiv.org/list/cs.LG/2109.04454",
        "https://huggingface.co/2109.04454",
        "https://huggingface.co/papers/not-an-id",
        "arXiv:",
    ],
)
def test_parse_arxiv_ref_rejects(ref: str) -> None:
    with pytest.raises(ValueError, match="is not an arXiv id or URL"):
        parse_arxiv_ref(ref)


def test_error_message_quotes_the_trimmed_input() -> None:
    with pytest.raises(ValueError, match=r"^'foo' is not an arXiv id or URL$"):
        parse_arxiv_ref(" foo ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2109.04454v2", ("2109.04454", "v2")),
        ("2109.04454", ("2109.04454", None)),
        ("hep-th/9901001v10", ("hep-th/9901001", "v10")),
    ],
)
def test_split_version(text: str, expected: tuple[str, str | None]) -> None:
    assert split_version(text) == expected
