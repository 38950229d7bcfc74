import pytest

from bot.discord.limits import ELLIPSIS, embed_length, shorten

JA = "トランスフォーマーは長い文脈を扱えない。本研究は無限の記憶を持つモデルを提案する。実験で有効性を示した。"


def test_short_text_is_untouched() -> None:
    assert shorten(JA, 1000) == JA


def test_japanese_is_cut_after_a_full_sentence() -> None:
    cut = shorten(JA, 45)
    assert len(cut) <= 45
    assert (
        cut
        == "トランスフォーマーは長い文脈を扱えない。本研究は無限の記憶を持つモデルを提案する。"
        + ELLIPSIS
    )


def test_english_is_cut_at_a_sentence_and_keeps_the_link() -> None:
    text = "First sentence here. Second sentence is longer than the rest of it. Third."
    link = "[more](https://arxiv.org/abs/2109.04454)"
    cut = shorten(text, 25 + len(link) + 2, link)
    assert cut == f"First sentence here.{ELLIPSIS} {link}"


@pytest.mark.parametrize("limit", [1, 5, 50, 1024, 4096])
def test_never_longer_than_the_limit(limit: int) -> None:
    text = "長い文章" * 3000
    assert len(shorten(text, limit, "[続き](https://arxiv.org/abs/2109.00301)")) <= limit


def test_embed_length_counts_what_discord_counts() -> None:
    embed = {
        "title": "abc",
        "description": "de",
        "url": "https://not.counted",
        "fields": [{"name": "f", "value": "ghij"}],
        "footer": {"text": "kl"},
    }
    assert embed_length(embed) == 3 + 2 + 1 + 4 + 2
