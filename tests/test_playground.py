"""`yomikai playground`: the real bot in a terminal, driven through its standard input."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import bot
from bot.config import ENV_NAMES
from bot.discord.playground import (
    WIDTH,
    ParseError,
    display_width,
    parse_call,
    plain,
    render_embed,
    render_message,
    wrap,
)
from bot.i18n import t
from bot.loopback import LoopbackDiscord
from tests.fixtures_papers import SAMPLE_MONTH

SCRIPT = (
    "/ranking\n/paper 3\n/ask question:What is new? paper:3\n/vote 2\n/tally\n/close-vote\n/quit\n"
)


def playground(*args: str, script: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` with `script` on stdin and no token, key or config in the env."""
    clean = {k: v for k, v in os.environ.items() if k not in ENV_NAMES and k != "YOMIKAI_CONFIG"}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=clean | {"PYTHONIOENCODING": "utf-8"},
        input=script,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


def after(output: str, line: str) -> str:
    """What the playground printed for one typed line (up to the next one)."""
    return output.split(f"you> {line}\n", 1)[1].split("\nyou> ", 1)[0]


def unwrapped(text: str) -> str:
    """Message text as one line again (the playground wraps it at 78 columns)."""
    return text.replace("\n", "")


def test_a_session_shows_ranking_card_answer_vote_tally_and_pickup() -> None:
    run = playground("playground", script=SCRIPT)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    out = run.stdout
    ranking = after(out, "/ranking")
    assert f"📚 {SAMPLE_MONTH} の論文ランキング(月間)" in ranking
    titles = [line for line in ranking.splitlines() if line.startswith("│ ") and ". " in line]
    assert [line.split(".")[0] for line in titles] == [f"│ {rank}" for rank in range(1, 11)]
    card = after(out, "/paper 3")
    assert "ConvMLP: 視覚のための階層的な畳み込み MLP" in card
    assert "https://arxiv.org/abs/2109.04454" in card
    assert [name for name in ("目的", "成果", "方法", "固有名", "著者所属") if f"▸ {name}" in card] == [
        "目的", "成果", "方法", "固有名", "著者所属"
    ]  # fmt: skip
    answer = after(out, "/ask question:What is new? paper:3")
    assert t("en", "ask_offline_label") in answer
    assert "> " in answer  # quoted sentences from the material
    vote = unwrapped(after(out, "/vote 2"))
    assert "only you can see this" in vote
    assert "#2 ファインチューニングした言語モデルはゼロショット学習器である" in vote
    assert "に投票しました" in vote
    tally = after(out, "/tally")
    assert "投票者 1 人" in tally
    closed = unwrapped(after(out, "/close-vote"))
    assert "📣 2021-09 のピックアップ論文は" in closed
    assert "投票者 1 人" in closed
    assert "edited" in closed  # the ranking post now names the pickup
    assert (
        max(display_width(line) for line in out.splitlines() if line.startswith(("│", "┌")))
        <= WIDTH
    )


FIXED = "畳み込みと MLP を交互に重ねる(主催者が確認)"
EDIT_SCRIPT = (
    f"/edit-summary paper:3\n\n\n{FIXED}\n\n\n/paper 3\n"
    "/edit-summary paper:3\n/cancel\n/search 畳み込み\n/quit\n"
)


def test_a_form_is_filled_one_line_per_box_and_search_finds_the_paper() -> None:
    run = playground("playground", script=EDIT_SCRIPT)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    form = after(out, "/edit-summary paper:3")
    assert "── form: 3位の要約を修正 (arXiv:2109.04454)" in form
    assert [name for name in ("目的", "成果", "方法", "固有名", "著者所属") if f"[{name}]" in form] == [
        "目的", "成果", "方法", "固有名", "著者所属"
    ]  # fmt: skip
    saved = out.split(f"you> {FIXED}\n", 1)[1].split("you> /paper 3", 1)[0]
    assert t("ja", "edit_saved") in unwrapped(saved)
    card = after(out, "/paper 3")
    assert FIXED in unwrapped(card)
    assert "you が修正" in card
    assert "nothing was sent" in after(out, "/cancel")
    found = unwrapped(after(out, "/search 畳み込み"))
    assert "2021-09 #3 · ConvMLP: 視覚のための階層的な畳み込み MLP" in found
    shown = [line for line in out.splitlines() if line.startswith(("│", "┌", "──", "Type"))]
    assert max(display_width(line) for line in shown) <= WIDTH


def test_yomikai_alone_without_a_token_is_the_playground() -> None:
    run = playground(script="/help\n/nonsense\n3\n/quit\n")
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "yomikai playground" in out
    assert "ピックアップ論文に投票する (type a number):" in out  # the ranking post's menu
    assert "/paper 3" in after(out, "/help")
    assert "there is no command /nonsense" in after(out, "/nonsense")
    assert "に投票しました" in unwrapped(after(out, "3"))  # a number picks from the menu shown
    assert "Bye." in out


async def test_yomikai_alone_with_a_token_runs_the_bot(tmp_path: Path) -> None:
    """With DISCORD_TOKEN set, `yomikai` logs in (here: to a loopback that refuses the token)."""
    clean = {k: v for k, v in os.environ.items() if k not in ENV_NAMES and k != "YOMIKAI_CONFIG"}
    async with LoopbackDiscord() as api:
        env = clean | {
            "DISCORD_TOKEN": "not-the-token",
            "YOMIKAI_DISCORD_API": api.api_url,
            "YOMIKAI_DB": str(tmp_path / "y.db"),
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 1
    assert b"playground" not in stdout
    assert (
        stderr.decode().strip().endswith("Discord rejected DISCORD_TOKEN; copy the bot token again")
    )


def test_the_package_never_imports_the_tests() -> None:
    """The loopback Discord moved into the package for the playground; it stands alone."""
    package = Path(bot.__file__).parent
    for path in package.rglob("*.py"):
        assert not re.search(r"^\s*(from|import) tests\b", path.read_text("utf-8"), re.M), path


# ----------------------------------------------------------------------------- the parser
SCHEMAS = {
    "paper": [
        {"name": "paper", "type": 3, "required": True},
        {"name": "month", "type": 3},
    ],
    "ask": [
        {"name": "question", "type": 3, "required": True},
        {"name": "paper", "type": 3},
        {"name": "month", "type": 3},
    ],
    "ranking": [{"name": "month", "type": 3}],
    "tally": [{"name": "month", "type": 3}, {"name": "public", "type": 5}],
    "schedule": [
        {"name": "show", "type": 1, "options": []},
        {"name": "set", "type": 1, "options": [{"name": "day", "type": 4}]},
    ],
}


@pytest.mark.parametrize(
    ("line", "command", "options"),
    [
        ("/ranking", "ranking", {}),
        ("/ranking 2021-08", "ranking", {"month": "2021-08"}),
        ("/paper 3", "paper", {"paper": "3"}),
        ("/paper ConvMLP month:2021-09", "paper", {"paper": "ConvMLP", "month": "2021-09"}),
        (
            "/ask question:What is new? paper:3",
            "ask",
            {"question": "What is new?", "paper": "3"},
        ),
        ("/ask Why is it fast?", "ask", {"question": "Why is it fast?"}),
        ("/ask 速いのはなぜ? paper:ConvMLP", "ask", {"question": "速いのはなぜ?", "paper": "ConvMLP"}),
        ("/ask question:a:b, see http://x paper:2", "ask", {"question": "a:b, see http://x", "paper": "2"}),
        ("/tally public:yes", "tally", {"public": "yes"}),
        ("/schedule show", "schedule show", {}),
        ("/schedule set day:5", "schedule set", {"day": "5"}),
    ],
)  # fmt: skip
def test_lines_become_commands_and_options(line: str, command: str, options: dict) -> None:
    call = parse_call(line, SCHEMAS)
    assert (call.command, call.options) == (command, options)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("ranking", "commands start with /"),
        ("/nope", "there is no command /nope"),
        ("/paper", "/paper needs paper:"),
        ("/paper 3 paper:4", "is extra"),
        ("/schedule", "/schedule needs one of: show, set"),
        ("/schedule show now", "/schedule show takes no options"),
    ],
)
def test_bad_lines_say_what_to_type(line: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_call(line, SCHEMAS)


# --------------------------------------------------------------------------- the renderer
def test_wrap_keeps_within_the_width_for_latin_and_cjk_text() -> None:
    text = "Transformers struggle to attend over very long contexts. " * 3 + "長い文脈。" * 30
    lines = wrap(text, 40)
    assert all(display_width(line) <= 40 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "").rstrip()
    assert not any(line.startswith("。") for line in lines)


def test_an_embed_is_a_panel_with_its_fields_within_78_columns() -> None:
    embed = {
        "title": "ConvMLP: 視覚のための階層的な畳み込み MLP",
        "url": "https://arxiv.org/abs/2109.04454",
        "description": "*ConvMLP*\n**アブストラクト**\n" + "畳み込みと MLP を交互に重ねる。" * 12,
        "fields": [
            {"name": "目的", "value": "軽くする。" * 30},
            {"name": "成果", "value": "[続きは arXiv で](https://arxiv.org/abs/2109.04454)"},
        ],
        "footer": {"text": "#3 · 2021-09 · arXiv:2109.04454"},
    }
    lines = render_embed(embed)
    assert all(display_width(line) <= WIDTH for line in lines)
    assert lines[0].startswith("┌")
    assert lines[-1].startswith("└")
    assert all(line.startswith(("│", "├")) for line in lines[1:-1])
    text = "\n".join(lines)
    assert "│ ▸ 目的\n│   軽くする。" in text
    assert "│ ▸ 成果\n│   続きは arXiv で\n" in text  # a link shows its text
    assert "**" not in text
    assert "*ConvMLP*" not in text
    assert "│ #3 · 2021-09 · arXiv:2109.04454" in text
    assert "畳み込みと" not in "\n".join(render_embed(embed, brief=True))


def test_a_message_shows_who_sees_it_and_numbers_its_menu_choices() -> None:
    select = {
        "type": 3,
        "custom_id": "yomikai:vote:1:2021-09",
        "placeholder": "ピックアップ論文に投票する",
        "options": [{"label": "#1 ∞-former", "value": "2109.00301"}, {"label": "投票を取り消す", "value": "withdraw"}],
    }  # fmt: skip
    message = {
        "content": "Posted in <#42>.",
        "components": [{"type": 1, "components": [select]}],
        "attachments": ["votes-2021-09.csv (12 bytes)"],
        "ephemeral": True,
    }
    lines, options = render_message(message, first_choice=3, mentions={"<#42>": "#papers"})
    assert "only you can see this" in lines[0]
    assert "Posted in #papers." in lines
    assert "📎 votes-2021-09.csv (12 bytes)" in lines
    assert lines[-3:] == [
        "ピックアップ論文に投票する (type a number):",
        "  [3] #1 ∞-former",
        "  [4] 投票を取り消す",
    ]
    assert [(o.custom_id, o.value) for o in options] == [
        ("yomikai:vote:1:2021-09", "2109.00301"),
        ("yomikai:vote:1:2021-09", "withdraw"),
    ]


def test_plain_text_drops_markdown_but_keeps_escaped_brackets() -> None:
    assert plain("**1.** [a \\[b\\] c](https://x) *it*") == "1. a [b] c it"
