"""The `yomikai` command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sqlite3
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

from bot import __version__
from bot.config import ConfigError, Settings, load_settings
from bot.core import Core
from bot.digest.digests import DEFAULT_TOP
from bot.digest.render import digest_text
from bot.digest.weeks import WeekError, check_over, parse_week
from bot.doctor import doctor
from bot.logs import configure_logging
from bot.models import RANKING_KINDS
from bot.months import MonthError, current_month, parse_month
from bot.papers.pipeline import FetchError
from bot.papers.rendering import ranking_text
from bot.store.backup import BackupError, backup
from bot.store.database import connect, migrate
from bot.usage.render import usage_text
from bot.usage.report import usage_report

log = logging.getLogger("yomikai")


class UserError(Exception):
    """Bad input or an unreachable dependency: one line for the user, no traceback."""


def _month(text: str) -> str:
    try:
        return parse_month(text)
    except MonthError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _week(text: str) -> str:
    try:
        return parse_week(text)
    except WeekError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _top(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 50:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number from 1 to 50")
    return int(text)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One line, no usage dump: the message says what to fix."""
        self.exit(2, f"{self.prog}: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="yomikai", description=__doc__)
    parser.add_argument("--version", action="version", version=f"yomikai {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    # Optional: `yomikai` alone runs the bot with DISCORD_TOKEN set, the playground without.
    commands = parser.add_subparsers(dest="command", required=False)

    fetch = commands.add_parser("fetch", help="fetch, summarize and store a month's ranking")
    fetch.add_argument("--month", type=_month, required=True, help="YYYY-MM")
    fetch.add_argument("--top", type=_top, default=10, help="how many papers (default 10)")
    fetch.add_argument("--kind", choices=("monthly", "trending"), default="monthly")
    fetch.add_argument("--ids", nargs="+", metavar="ID_OR_URL", help="an organizer's own list")

    show = commands.add_parser("show", help="print a stored ranking")
    show.add_argument("--month", type=_month, required=True, help="YYYY-MM")
    show.add_argument("--kind", choices=RANKING_KINDS, help="default: the kind fetched last")
    show.add_argument("--json", action="store_true", help="machine-readable output")

    digest = commands.add_parser("digest", help="make, store and print a week's paper digest")
    digest.add_argument("--week", type=_week, required=True, help="ISO week, YYYY-Www")
    digest.add_argument(
        "--top",
        type=_top,
        help=f"how many papers (default: as many as before, or {DEFAULT_TOP})",
    )
    digest.add_argument("--json", action="store_true", help="machine-readable output")

    usage = commands.add_parser("usage", help="print the LLM calls, tokens and cost of a month")
    usage.add_argument("--month", type=_month, help="YYYY-MM, in UTC (default: this month)")
    usage.add_argument("--json", action="store_true", help="machine-readable output")

    commands.add_parser("run", help="run the Discord bot (needs DISCORD_TOKEN)")
    commands.add_parser(
        "playground", help="try the bot in this terminal: no Discord, no API key needed"
    )

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("migrate", help="apply pending schema migrations")
    db_backup = db_commands.add_parser("backup", help="copy the database, safe while it runs")
    db_backup.add_argument("path", type=Path, metavar="PATH", help="the new backup file")

    commands.add_parser("doctor", help="check configuration, database and every service")
    return parser


class _ProgressBar:
    """A one-line bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()

    def __call__(self, step: str, done: int, total: int) -> None:
        if not self.enabled or total == 0:
            return
        filled = round(20 * done / total)
        sys.stderr.write(f"\r{step:<10} [{'#' * filled}{'.' * (20 - filled)}] {done}/{total}")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()


async def _fetch(core: Core, args: argparse.Namespace) -> int:
    language = core.settings.language
    report = await core.pipeline.fetch(
        args.month, language, kind=args.kind, top=args.top, refs=args.ids or (),
        progress=_ProgressBar(),
    )  # fmt: skip
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    ranking = report.ranking
    print(
        f"{ranking.month} {ranking.kind}: {len(ranking.entries)} papers stored, "
        f"{report.summarized} summarized now, {ranking.pending} pending"
    )
    return 0


async def _show(core: Core, args: argparse.Namespace) -> int:
    kind = args.kind or await core.store.latest_kind(args.month)
    language = core.settings.language
    ranking = kind and await core.store.ranking(
        args.month, kind, language, core.pipeline.prompt_version
    )
    if not ranking:
        what = f"{kind} ranking" if args.kind else "ranking"
        raise UserError(
            f"no {what} stored for {args.month}; run: yomikai fetch --month {args.month}"
        )
    if args.json:
        print(json.dumps([e.to_dict() for e in ranking.entries], ensure_ascii=False, indent=2))
    else:
        print(ranking_text(ranking, language))
    return 0


async def _digest(core: Core, args: argparse.Namespace) -> int:
    try:
        week = check_over(args.week, datetime.now(UTC), "UTC")
    except WeekError as exc:
        raise UserError(str(exc)) from None
    report = await core.digests.make(
        week, core.settings.language, top=args.top, progress=_ProgressBar()
    )
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        print(json.dumps(report.digest.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(digest_text(report.digest))
    return 0


async def _usage(core: Core, args: argparse.Namespace) -> int:
    now = datetime.now(UTC)
    month = args.month or current_month(now)
    report = await usage_report(core.store, month, core.settings.llm_prices, now=now)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(usage_text(report))
    return 0


async def _migrate(settings: Settings) -> int:
    conn = await connect(settings.db)
    try:
        applied = await migrate(conn)
    finally:
        await conn.close()
    print(f"applied: {', '.join(applied)}" if applied else "database is up to date")
    return 0


async def _backup(settings: Settings, args: argparse.Namespace) -> int:
    try:
        pages = await backup(settings.db, args.path)
    except BackupError as exc:
        raise UserError(str(exc)) from None
    print(f"backup written to {args.path} ({pages} pages)")
    return 0


async def _run_bot(core: Core, args: argparse.Namespace) -> int:
    from bot.discord.client import LoginRejected, run_bot

    try:
        await run_bot(core)
    except LoginRejected as exc:
        raise UserError(str(exc)) from exc
    return 0


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "playground":
        from bot.discord.playground import play

        return await play(settings)  # its own temporary database, not settings.db
    if args.command == "db" and args.db_command == "backup":
        return await _backup(settings, args)
    if args.command == "db":
        return await _migrate(settings)
    if args.command == "doctor":
        return await doctor(settings)  # read-only: no Core, no migrations
    if args.command == "run" and not settings.discord_token:
        raise UserError(
            "DISCORD_TOKEN is not set; see the README to create the Discord application"
        )
    core = await Core.open(settings)
    try:
        handler = {
            "fetch": _fetch, "show": _show, "digest": _digest, "usage": _usage, "run": _run_bot,
        }[args.command]  # fmt: skip
        return await handler(core, args)
    except FetchError as exc:
        raise UserError(str(exc)) from exc
    finally:
        await core.aclose()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"yomikai: {exc}", file=sys.stderr)
        return 1
    if args.command is None:
        args.command = "run" if settings.discord_token else "playground"
    configure_logging(
        settings.log_format,
        logging.INFO if args.verbose or args.command == "run" else logging.ERROR,
        secrets=(settings.discord_token, settings.openai_api_key),
    )
    try:
        return asyncio.run(_run(args, settings))
    except UserError as exc:
        print(f"yomikai: {exc}", file=sys.stderr)
        return 1
    except (sqlite3.Error, OSError) as exc:
        print(f"yomikai: database {settings.db}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
