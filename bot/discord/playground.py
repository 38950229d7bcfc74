"""`yomikai playground`: the real bot in a terminal, against a loopback Discord in this process.

Nothing to set up: a loopback Discord API (bot/loopback, the one the tests use) serves a guild
"yomikai playground" with a #papers channel; the bot logs into it exactly as `yomikai run` logs
into Discord; a temporary database holds the bundled sample month (bot/sample.py). The person
types slash commands, the loopback delivers them as interactions, and what Discord would show
is printed: message text, embeds as panels, menus as numbered choices.

Three parts: a parser (a typed line -> a command and its options), a renderer (a message ->
lines of at most WIDTH columns) and a loop (`play`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sys
import tempfile
import threading
import unicodedata
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

from bot.config import Settings
from bot.core import Core, Pacing
from bot.discord.client import YomikaiBot, connect
from bot.loopback import MANAGE_GUILD, Guild, InteractionResult, LoopbackDiscord, Member, Message
from bot.papers.sample import load_sample
from bot.papers.summaries import summary_prompt_version

WIDTH = 78
GUILD_NAME = "yomikai playground"
CHANNEL = "papers"
# Nothing listens on the discard port: were the sample ever missing, a fetch would fail at once
# instead of reaching Hugging Face or arXiv.
OFFLINE_URL = "http://127.0.0.1:9"
OFFLINE_PACING = Pacing(arxiv_interval=0.0, arxiv_retry=0.01, huggingface_retry=0.01)
ANSWER_TIMEOUT = 90.0  # an LLM, when one is configured, may take a while
START_TIMEOUT = 30.0
ONLY_YOU = "only you can see this"
QUIT = ("/quit", "/exit", "quit", "exit")
HELP = ("/help", "help", "?")

# Discord option types the parser converts (the loopback converts numbers itself).
SUBCOMMAND, SUBCOMMAND_GROUP, BOOLEAN, USER, CHANNEL_OPTION, ROLE, MENTIONABLE = 1, 2, 5, 6, 7, 8, 9
ACTION_ROW, BUTTON, STRING_SELECT = 1, 2, 3


# ===================================================================================== parser
class ParseError(ValueError):
    """A line that is not a command the bot knows; the message says what to type instead."""


@dataclass(frozen=True)
class Call:
    command: str  # "paper", or "schedule show" for a subcommand
    options: dict[str, str]
    spec: tuple[Mapping[str, Any], ...] = ()  # the command's registered options


def parse_call(line: str, schemas: Mapping[str, Sequence[Mapping[str, Any]]]) -> Call:
    """`/name [bare words] [option:value ...]` -> Call; `schemas` maps command names to their
    registered options (Discord's JSON). A value runs to the next ` option:`; bare words fill
    the first required option (else the first option): `/paper 3`, `/ask Why so fast?`."""
    text = line.strip()
    if not text.startswith("/") or len(text) == 1:
        raise ParseError("commands start with /, for example /ranking")
    name, _, rest = text[1:].partition(" ")
    name = name.lower()
    if name not in schemas:
        raise ParseError(f"there is no command /{name}")
    spec, path = list(schemas[name]), name
    subs = {o["name"]: o for o in spec if o.get("type") in (SUBCOMMAND, SUBCOMMAND_GROUP)}
    if subs:
        sub, _, rest = rest.strip().partition(" ")
        if sub not in subs:
            raise ParseError(
                f"/{name} needs one of: {', '.join(subs)} (e.g. /{name} {next(iter(subs))})"
            )
        spec, path = list(subs[sub].get("options") or []), f"{name} {sub}"
    names = [o["name"] for o in spec]
    bare, options = _split_options(rest, names)
    if bare:
        if not spec:
            raise ParseError(f"/{path} takes no options")
        first = next((o["name"] for o in spec if o.get("required")), names[0])
        if first in options:
            raise ParseError(f"'{bare}' is extra: {first}: is already given")
        options = {first: bare, **options}
    missing = [o["name"] for o in spec if o.get("required") and o["name"] not in options]
    if missing:
        raise ParseError(f"/{path} needs {', '.join(f'{m}:' for m in missing)}")
    return Call(path, options, tuple(spec))


def _split_options(text: str, names: Sequence[str]) -> tuple[str, dict[str, str]]:
    """(the bare text before the first `name:`, {name: value})."""
    if not names:
        return text.strip(), {}
    marker = re.compile(r"(?:^|(?<=\s))(" + "|".join(map(re.escape, names)) + r"):")
    found = list(marker.finditer(text))
    if not found:
        return text.strip(), {}
    bare = text[: found[0].start()]
    options = {}
    ends = [match.start() for match in found[1:]] + [len(text)]
    for match, end in zip(found, ends, strict=True):
        options[match.group(1)] = text[match.end() : end].strip()
    return bare.strip(), options


# =================================================================================== renderer
NO_LINE_START = frozenset("。、，．,.!?！？)）」』】〕〉》ー々…")


def char_width(char: str) -> int:
    if unicodedata.combining(char) or char in "\u200b\u200d\ufe0f":
        return 0
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def display_width(text: str) -> int:
    return sum(char_width(char) for char in text)


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most `width` columns. A line breaks at a space, or anywhere next to a wide
    (CJK) character, but never before closing punctuation such as 。 or 、."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = paragraph.rstrip()
        while display_width(line) > width:
            cut, columns, space = 0, 0, -1
            for index, char in enumerate(line):
                columns += char_width(char)
                if columns > width:
                    break
                if char == " ":
                    space = index
                cut = index + 1
            cut = max(cut, 1)
            after = line[cut : cut + 1]
            cjk = char_width(after or " ") == 2 or char_width(line[cut - 1]) == 2
            if after not in ("", " ") and not cjk and space > 0:  # not inside a word
                cut = space
            while cut > 1 and line[cut : cut + 1] in NO_LINE_START:
                cut -= 1
            lines.append(line[:cut].rstrip())
            line = line[cut:].lstrip(" ")
        lines.append(line)
    return lines


_LINK = re.compile(r"\[((?:\\.|[^\]\\])*)\]\(<?([^)\s>]+)>?\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)
_ITALIC = re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])")
_ESCAPE = re.compile(r"\\([\[\]*_~`>\\|()])")
_MENTION = re.compile(r"<(?:#|@&|@!?)\d+>")


def plain(text: str, mentions: Mapping[str, str] | None = None) -> str:
    """Discord markdown as a terminal shows it: links as their text, no ** or *, mentions named."""
    text = _LINK.sub(lambda m: m.group(1), text)
    text = _ITALIC.sub(r"\1", _BOLD.sub(r"\1", text))
    text = _ESCAPE.sub(r"\1", text)
    return _MENTION.sub(lambda m: (mentions or {}).get(m.group(0), m.group(0)), text)


def render_embed(
    embed: Mapping[str, Any],
    *,
    width: int = WIDTH,
    brief: bool = False,
    mentions: Mapping[str, str] | None = None,
) -> list[str]:
    """An embed as a panel: title, url, description, fields (name, then value), footer.
    `brief` leaves out the description (for a message shown again after an edit)."""
    inner = width - 2

    def body(text: str, indent: str = "") -> list[str]:
        room = inner - len(indent)
        return [f"│ {indent}{line}".rstrip() for line in wrap(plain(text, mentions), room)]

    rule = "─" * (width - 1)
    lines = [f"┌{rule}"]
    if embed.get("title"):
        lines += body(embed["title"])
    if embed.get("url"):
        lines += body(embed["url"])
    if embed.get("description") and not brief:
        if len(lines) > 1:
            lines.append("│")
        lines += body(embed["description"])
    for item in embed.get("fields") or []:
        lines.append("│")
        lines += body(f"▸ {item.get('name') or ''}")
        lines += body(item.get("value") or "", "  ")
    footer = (embed.get("footer") or {}).get("text")
    if footer:
        lines.append(f"├{rule}")
        lines += body(footer)
    lines.append(f"└{rule}")
    return lines


@dataclass(frozen=True)
class Option:
    """One thing the person can pick: a select option or a button."""

    custom_id: str
    value: str | None  # None for a button
    label: str


def component_options(components: Sequence[Mapping[str, Any]]) -> list[tuple[str, list[Option]]]:
    """(heading, options) for each enabled select or button row, in display order."""
    groups: list[tuple[str, list[Option]]] = []
    for row in components:
        children = (row.get("components") or []) if row.get("type") == ACTION_ROW else [row]
        buttons = []
        for item in children:
            if item.get("disabled") or not item.get("custom_id"):
                continue
            if item.get("type") == STRING_SELECT:
                options = [
                    Option(item["custom_id"], o["value"], o.get("label") or o["value"])
                    for o in item.get("options") or []
                ]
                groups.append((item.get("placeholder") or "choose one", options))
            elif item.get("type") == BUTTON:
                buttons.append(Option(item["custom_id"], None, item.get("label") or "button"))
        if buttons:
            groups.append(("buttons", buttons))
    return groups


def render_message(
    message: Mapping[str, Any],
    *,
    width: int = WIDTH,
    first_choice: int = 1,
    brief: bool = False,
    mentions: Mapping[str, str] | None = None,
) -> tuple[list[str], list[Option]]:
    """A message as the person would see it, and the options its menus offer, numbered from
    `first_choice`. `message` has content, embeds, attachments (file names), components,
    channel, and the flags ephemeral and edited."""
    notes = [f"#{message.get('channel', CHANNEL)}"]
    if message.get("ephemeral"):
        notes.append(ONLY_YOU)
    if message.get("edited"):
        notes.append("edited")
    head = f"── yomikai · {' · '.join(notes)} "
    lines = [head + "─" * max(width - display_width(head), 0)]
    if message.get("loading"):
        lines.append("yomikai is thinking…")
    if message.get("content"):
        lines += wrap(plain(message["content"], mentions), width)
    for embed in message.get("embeds") or []:
        lines += render_embed(embed, width=width, brief=brief, mentions=mentions)
    for name in message.get("attachments") or []:
        lines.append(f"📎 {name}")
    picked: list[Option] = []
    for heading, options in component_options(message.get("components") or []):
        lines.append(f"{heading} (type a number):")
        for option in options:
            number = first_choice + len(picked)
            lines += wrap(f"  [{number}] {plain(option.label)}", width)
            picked.append(option)
    return lines, picked


# ======================================================================================= loop
def message_view(message: Message, *, edited: bool = False) -> dict[str, Any]:
    return {
        "content": message.content,
        "embeds": message.embeds,
        "attachments": [f"{file.filename} ({file.size} bytes)" for file in message.attachments],
        "components": message.components,
        "channel": message.channel.name,
        "ephemeral": message.ephemeral,
        "loading": message.loading,
        "edited": edited,
    }


def mention_names(guild: Guild) -> dict[str, str]:
    names = {f"<#{c.id}>": f"#{c.name}" for c in guild.channels.values()}
    names |= {f"<@&{r.id}>": f"@{r.name}" for r in guild.roles.values()}
    for member in guild.members.values():
        names[f"<@{member.id}>"] = names[f"<@!{member.id}>"] = f"@{member.name}"
    return names


@dataclass
class Form:
    """A modal the bot opened, filled in one typed line per text input."""

    source: InteractionResult
    inputs: list[dict[str, Any]]
    values: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, source: InteractionResult) -> Form:
        assert source.modal is not None
        rows = source.modal.get("components", [])
        return cls(source, [c for row in rows for c in row.get("components", [])])

    @property
    def current(self) -> dict[str, Any]:
        return self.inputs[len(self.values)]

    def lines(self) -> list[str]:
        """The form as Discord shows it: its title, then each box with what it holds."""
        assert self.source.modal is not None
        head = f"── form: {self.source.modal.get('title', '')} "
        lines = [head + "─" * max(WIDTH - display_width(head), 0)]
        for box in self.inputs:
            lines.append(f"[{box.get('label', '')}]")
            lines += ["  " + line for line in wrap(box.get("value") or "—", WIDTH - 2)]
        return lines

    def prompt(self) -> list[str]:
        text = (
            f"Type the new text for [{self.current.get('label', '')}] on one line"
            " (an empty line keeps it; /cancel closes the form):"
        )
        return wrap(text, WIDTH)


@dataclass
class Session:
    api: LoopbackDiscord
    guild: Guild
    person: Member
    month: str
    out: TextIO
    choices: list[tuple[int, Option]] = field(default_factory=list)  # (message id, option)
    seen: dict[int, str | None] = field(default_factory=dict)  # message id -> its edited_at
    form: Form | None = None  # a modal being filled in

    def say(self, *lines: str) -> None:
        for line in lines:
            print(line, file=self.out)
        self.out.flush()

    def schemas(self) -> dict[str, list[dict[str, Any]]]:
        commands = self.api.commands(self.guild) + self.api.commands()
        return {c["name"]: c.get("options") or [] for c in commands if c.get("type", 1) == 1}

    async def start(self) -> None:
        """The organizer's first steps, as in the README: /setup, then /post-ranking."""
        owner = self.guild.owner
        channel = self.guild.channel(CHANNEL)
        for command, options in (
            ("setup", {"channel": channel}),
            ("post-ranking", {"month": self.month}),
        ):
            result = await self.api.invoke(self.guild, owner, command, options)
            await result.wait_settled(START_TIMEOUT)
        await self._quiet()
        self.say(
            *wrap(
                f"The organizer ran /setup channel:{CHANNEL} and /post-ranking"
                f" month:{self.month}. #{CHANNEL} now shows:",
                WIDTH,
            )
        )
        await self._show_changes([])

    async def handle(self, line: str) -> bool:
        """Run one typed line; False when the person wants to leave."""
        text = line.strip()
        if text.lower() in QUIT:
            return False
        if self.form is not None:
            await self.fill(text)
            return True
        if not text:
            return True
        if text.lower() in HELP:
            self.say(*help_lines(self.month, self.schemas()))
        elif text.isdigit():
            await self.pick(int(text))
        else:
            await self.command(text)
        return True

    async def command(self, text: str) -> None:
        try:
            call = parse_call(text, self.schemas())
            options = self._typed(call)
        except ParseError as exc:
            self.say(f"{exc}. /help lists the commands.")
            return
        try:
            result = await self.api.invoke(self.guild, self.person, call.command, options)
        except (LookupError, ValueError, TypeError) as exc:  # what the Discord client refuses
            self.say(f"Discord would not send that: {exc}")
            return
        await self._show(result)

    async def fill(self, text: str) -> None:
        """The typed line goes into the form's next box; the last one submits it."""
        form = self.form
        assert form is not None
        if text.lower() == "/cancel":
            self.form = None
            self.say("(form closed; nothing was sent)")
            return
        box = form.current
        form.values[box["custom_id"]] = text or box.get("value") or ""
        if len(form.values) < len(form.inputs):
            self.say(*form.prompt())
            return
        self.form = None
        try:
            result = await self.api.submit_modal(form.source, form.values)
        except (LookupError, ValueError, TypeError) as exc:  # what the Discord client refuses
            self.say(f"Discord would not send that: {exc}")
            return
        await self._show(result)

    async def pick(self, number: int) -> None:
        if not 1 <= number <= len(self.choices):
            if self.choices:
                self.say(f"There is no choice [{number}]; pick 1 to {len(self.choices)}.")
            else:
                self.say("No menu is open: a number picks from the last menu shown.")
            return
        message_id, option = self.choices[number - 1]
        values = None if option.value is None else [option.value]
        try:
            message = self.api.message(message_id)
            result = await self.api.click(
                self.guild, self.person, message, option.custom_id, values=values
            )
        except (LookupError, ValueError):
            self.say("That menu is no longer there (was the vote closed?).")
            self.choices = []
            return
        await self._show(result)

    def _typed(self, call: Call) -> dict[str, Any]:
        """Option values as the loopback wants them: channels, roles, members, booleans."""
        types = {o["name"]: o.get("type") for o in call.spec}
        typed: dict[str, Any] = {}
        for name, value in call.options.items():
            kind = types.get(name)
            try:
                if kind == BOOLEAN:
                    typed[name] = _boolean(value)
                elif kind == CHANNEL_OPTION:
                    typed[name] = self.guild.channel(value.lstrip("#"))
                elif kind == ROLE:
                    typed[name] = self.guild.role(value.lstrip("@"))
                elif kind in (USER, MENTIONABLE):
                    typed[name] = self._member(value.lstrip("@"))
                else:
                    typed[name] = value
            except LookupError as exc:
                raise ParseError(str(exc)) from None
        if "month" in types and "month" not in typed:
            typed["month"] = self.month
        return typed

    def _member(self, name: str) -> Member:
        for member in self.guild.members.values():
            if member.name == name:
                return member
        raise LookupError(f"no member called {name!r}")

    async def _show(self, result: InteractionResult) -> None:
        try:
            await result.wait_settled(ANSWER_TIMEOUT)
        except TimeoutError:
            self.say(f"(no answer from the bot within {ANSWER_TIMEOUT:.0f} s)")
        await self._quiet()
        for error in result.error_responses:
            self.say(f"(the loopback Discord refused the bot's answer: {error})")
        await self._show_changes(result.messages)
        if result.modal is not None:
            self.form = Form.of(result)
            self.say(*self.form.lines(), *self.form.prompt())

    async def _show_changes(self, answers: list[Message]) -> None:
        """The answers, then the channel's new and edited public messages; remember the menus."""
        channel = self.guild.channel(CHANNEL)
        answer_ids = {m.id for m in answers}
        public = self.api.channel_messages(channel, include_ephemeral=False)
        changed = [
            m
            for m in public
            if m.id not in answer_ids and (m.id not in self.seen or self.seen[m.id] != m.edited_at)
        ]
        shown: list[tuple[int, Option]] = []
        mentions = mention_names(self.guild)
        for message in [*answers, *changed]:
            edited = message.id in self.seen and message.id not in answer_ids
            lines, options = render_message(
                message_view(message, edited=edited),
                first_choice=len(shown) + 1,
                brief=edited,
                mentions=mentions,
            )
            self.say(*lines)
            shown += [(message.id, option) for option in options]
        for message in [*public, *answers]:
            self.seen[message.id] = message.edited_at
        # A message shown again without its menu (a closed vote) takes its choices away.
        rendered = {message.id for message in [*answers, *changed]}
        self.choices = shown or [c for c in self.choices if c[0] not in rendered]

    async def _quiet(self, settle: float = 0.1, limit: float = 3.0) -> None:
        """Until the bot has sent nothing for `settle` seconds (an announcement after a reply,
        the rest of a long answer), at most `limit` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        count = -1
        while count != self.api.world.request_count and loop.time() < deadline:
            count = self.api.world.request_count
            await asyncio.sleep(settle)


def _boolean(value: str) -> bool:
    folded = value.strip().lower()
    if folded in ("true", "yes", "on", "1"):
        return True
    if folded in ("false", "no", "off", "0"):
        return False
    raise ParseError(f"'{value}' is not true or false")


def help_lines(month: str, schemas: Mapping[str, Any]) -> list[str]:
    return [
        "Type a slash command as in Discord. Options are name:value; the first one may be",
        "given without its name. month: defaults to the sample month " + month + ".",
        "  /ranking                          the month's ranking",
        "  /paper 3   /paper ConvMLP         one paper's card (rank, arXiv id or title)",
        "  /ask What is new? paper:3         a question about a paper (without paper:,",
        "                                    the most relevant one is found)",
        "  /vote 2                           vote for the pickup paper",
        "  /tally   /close-vote              count and close the vote (you are an organizer)",
        "  /reopen-vote   /export-votes      open it again; the ballots as a CSV file",
        "  3                                 a number picks choice [3] of the last menu shown",
        "  /help   /quit                     this text; leave (Ctrl-D too)",
        "Registered: " + " ".join(f"/{name}" for name in sorted(schemas)),
    ]


def banner(month: str, settings: Settings) -> list[str]:
    if settings.llm_enabled:
        asking = f"/ask is answered by your LLM ({settings.llm_model}); only /ask leaves"
        asking += " this machine."
    else:
        asking = "/ask answers offline, without an LLM (no OPENAI_API_KEY): it quotes the"
        asking += " stored sentences that best match the question."
    notes = " with the study group's notes"
    if settings.language != "ja":
        notes = " (their notes are in Japanese only: cards show the original abstracts)"
    return [
        *wrap(
            "yomikai playground: the real bot, logged into a loopback Discord API inside this"
            f' process. Server "{GUILD_NAME}", channel #{CHANNEL}; you are "you", a member'
            f" with Manage Server. Sample month {month}: ten papers{notes}. {asking}"
            " Everything is forgotten when you leave.",
            WIDTH,
        ),
        "Try /ranking, /paper 3, /ask What is new? paper:3, /vote 2, /tally, /close-vote;",
        "/help lists more, /quit leaves.",
        "",
    ]


@contextlib.asynccontextmanager
async def running(core: Core) -> AsyncIterator[YomikaiBot]:
    """The bot started as `yomikai run` starts it (bot.discord.client.connect), until ready."""
    bot = YomikaiBot(core, guild_ready_timeout=0.05)
    task = asyncio.create_task(connect(bot), name="yomikai")
    try:
        ready = asyncio.ensure_future(bot.wait_until_ready())
        done, _ = await asyncio.wait(
            {task, ready}, timeout=START_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
        )
        if ready not in done:
            ready.cancel()
            if task.done():
                task.result()
            raise RuntimeError("the bot did not get ready")
        yield bot
    finally:
        await bot.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 10)


def stdin_lines() -> AsyncIterator[str]:
    """Lines typed (or piped) on standard input, read by a daemon thread so Ctrl-C works."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def put(line: str | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed: the session is over
            loop.call_soon_threadsafe(queue.put_nowait, line)

    def read() -> None:
        for line in sys.stdin:
            put(line)
        put(None)

    threading.Thread(target=read, name="playground-stdin", daemon=True).start()

    async def lines() -> AsyncIterator[str]:
        while (line := await queue.get()) is not None:
            yield line.rstrip("\n")

    return lines()


async def play(
    settings: Settings,
    *,
    lines: Callable[[], AsyncIterator[str]] = stdin_lines,
    out: TextIO | None = None,
    interactive: bool | None = None,
) -> int:
    """Run the playground until /quit or the end of input; 0."""
    if out is None:
        out = sys.stdout
        with contextlib.suppress(AttributeError, ValueError):
            sys.stdout.reconfigure(errors="replace")  # type: ignore[union-attr]
    interactive = sys.stdin.isatty() if interactive is None else interactive
    logging.getLogger("discord").setLevel(logging.ERROR)  # voice libraries, gateway chatter
    root = logging.getLogger()
    if root.level > logging.WARNING or root.level == logging.NOTSET:
        root.setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="yomikai-playground-") as tmp:
        async with LoopbackDiscord() as api:
            locale = "ja" if settings.language == "ja" else "en-US"
            guild = api.add_guild(
                GUILD_NAME, channels=[CHANNEL], locale=locale, owner_name="organizer"
            )
            person = guild.add_member("you", permissions=MANAGE_GUILD, locale=locale)
            local = replace(
                settings,
                db=Path(tmp) / "playground.db",
                discord_token=api.token,
                discord_api=api.api_url,
                hf_api=OFFLINE_URL,
                arxiv_api=f"{OFFLINE_URL}/api/query",
                command_guilds=(guild.id,),
                ask_cooldown=0.0,
            )
            core = await Core.open(local, OFFLINE_PACING, offline=True)
            try:
                month = await load_sample(
                    core.store, core.pipeline.fulltexts, local.language, summary_prompt_version()
                )
                async with running(core):
                    await api.wait_commands(guild, names=("ask", "vote"), timeout=START_TIMEOUT)
                    session = Session(api, guild, person, month, out)
                    session.say(*banner(month, local))
                    await session.start()
                    await _loop(session, lines(), interactive)
            finally:
                await core.aclose()
    return 0


async def _loop(session: Session, lines: AsyncIterator[str], interactive: bool) -> None:
    while True:
        if interactive:
            session.out.write("\nyou> ")
            session.out.flush()
        line = await anext(lines, None)
        if line is None:
            break
        if not interactive:
            session.say("", f"you> {line}")
        try:
            if not await session.handle(line):
                break
        except Exception as exc:  # the playground must survive anything a person types
            logging.getLogger(__name__).debug("playground line failed", exc_info=True)
            session.say(f"(that did not work: {type(exc).__name__}: {exc})")
    session.say("", "Bye. Run `yomikai` with DISCORD_TOKEN set to start the bot for real.")
