"""Every user-facing string, in Japanese and English."""

from __future__ import annotations

from typing import Any

_TEXT: dict[str, dict[str, str]] = {
    "ja": {
        "purpose": "目的",
        "results": "成果",
        "method": "方法",
        "names": "固有名",
        "affiliations": "著者所属",
        "abstract": "アブストラクト",
        "pending": "要約は準備中です(原文のアブストラクトを表示しています)",
        "upvotes": "{count} upvotes",
        "ranking_head": "{month} のランキング({kind}, 出典 {source})",
        "kind.monthly": "月間",
        "kind.trending": "トレンド",
        "kind.manual": "手動リスト",
        "more": "続きは arXiv で",
        "pending_short": "要約準備中",
        "overview_title": "📚 {month} の論文ランキング({kind})",
        "overview_footer": "出典: {source} · 取得日 {date}",
        "vote": "投票",
        "not_organizer": "このコマンドは主催者(サーバー管理権限または主催者ロールを持つ人)だけが使えます。",
        "bad_timezone": "「{timezone}」というタイムゾーンは見つかりません。Asia/Tokyo のように指定してください。",
        "setup_done": "設定しました。投稿先 {channel}、言語 {language}、タイムゾーン {timezone}(現地時刻 {now})、主催者ロール {role}",
        "bad_month": "「{month}」は月として読めません。2024-05 のように YYYY-MM で指定してください。",
        "no_ranking": "{month} のランキングはまだありません。主催者が /post-ranking で取得して投稿できます。",
        "ref_empty": "論文を指定してください(順位、arXiv ID、URL、タイトルの一部)。",
        "ref_no_rank": "{rank} 位の論文はありません(このランキングは {count} 本です)。",
        "ref_unknown": "「{ref}」に当たる論文が {month} のランキングにありません。",
        "ref_ambiguous": "複数の論文が当てはまります({ranks})。順位の番号で指定してください。",
        "no_channel": "投稿先のチャンネルが未設定です。先に /setup でチャンネルを指定してください。",
        "already_posted": "{month} のランキングは投稿済みです: {url}",
        "fetch_failed": "{month} のランキングを取得できませんでした: {reason}",
        "posted": "{month} のランキングを {channel} に投稿しました。",
        "pending_count": "(要約 {count} 件は準備中です。もう一度 /post-ranking を実行すると生成を再試行します)",
        "ask_too_long": "質問が長すぎます。{limit} 文字以内にしてください。",
        "ask_cooldown": "質問は {seconds} 秒に 1 回までです。あと {remaining} 秒お待ちください。",
        "ask_no_match": "{month} のランキングには、この質問に関係しそうな論文が見つかりませんでした。paper: で論文を指定してください。",
        "ask_failed": "申し訳ありません、いまは回答を作れませんでした。少し時間をおいてもう一度お試しください。",
        "ask_routed": "🔎 質問に最も関係する論文として **#{rank} {title}**(arXiv:{arxiv_id})の資料から回答します。",
        "ask_about": "📄 **#{rank} {title}**(arXiv:{arxiv_id})について",
        "error_generic": "エラーが発生しました。時間をおいてもう一度お試しください。",
    },
    "en": {
        "purpose": "Purpose",
        "results": "Results",
        "method": "Method",
        "names": "Proper names",
        "affiliations": "Affiliations",
        "abstract": "Abstract",
        "pending": "Summary pending (showing the original abstract)",
        "upvotes": "{count} upvotes",
        "ranking_head": "Ranking for {month} ({kind}, source {source})",
        "kind.monthly": "monthly",
        "kind.trending": "trending",
        "kind.manual": "manual list",
        "more": "more on arXiv",
        "pending_short": "summary pending",
        "overview_title": "📚 Papers of {month} ({kind})",
        "overview_footer": "Source: {source} · fetched {date}",
        "vote": "Vote",
        "not_organizer": "Only organizers (Manage Server permission or the organizer role) can use this command.",
        "bad_timezone": "There is no timezone called '{timezone}'. Use a name like Asia/Tokyo.",
        "setup_done": "Saved. Channel {channel}, language {language}, timezone {timezone} (local time {now}), organizer role {role}",
        "bad_month": "'{month}' is not a month. Use YYYY-MM, for example 2024-05.",
        "no_ranking": "There is no ranking for {month} yet. An organizer can fetch and post it with /post-ranking.",
        "ref_empty": "Name a paper: its rank, arXiv id, URL, or part of its title.",
        "ref_no_rank": "There is no paper ranked {rank} (this ranking has {count}).",
        "ref_unknown": "No paper in the {month} ranking matches '{ref}'.",
        "ref_ambiguous": "Several papers match ({ranks}). Use the rank number.",
        "no_channel": "No channel is set for posts yet. Run /setup with a channel first.",
        "already_posted": "The {month} ranking was already posted: {url}",
        "fetch_failed": "Could not fetch the {month} ranking: {reason}",
        "posted": "Posted the {month} ranking in {channel}.",
        "pending_count": " ({count} summaries are still pending; running /post-ranking again retries them.)",
        "ask_too_long": "That question is too long. Keep it within {limit} characters.",
        "ask_cooldown": "One question every {seconds} seconds, please. Try again in {remaining} s.",
        "ask_no_match": "No paper in the {month} ranking seems related to that question. Name one with paper:.",
        "ask_failed": "Sorry, I could not write an answer right now. Please try again in a little while.",
        "ask_routed": "🔎 Answering from the material of the most relevant paper, **#{rank} {title}** (arXiv:{arxiv_id}).",
        "ask_about": "📄 About **#{rank} {title}** (arXiv:{arxiv_id})",
        "error_generic": "Something went wrong. Please try again later.",
    },
}

SUMMARY_FIELDS = ("purpose", "results", "method", "names", "affiliations")
LANGUAGES = tuple(_TEXT)

# Slash-command descriptions: English is what the code names them by, Japanese is looked up here.
_COMMANDS_JA = {
    "Set the study group's channel and options": "読み会の投稿先チャンネルと設定を決める",
    "Channel for the ranking posts": "ランキングを投稿するチャンネル",
    "Language of posts and summaries": "投稿と要約の言語",
    "Timezone, e.g. Asia/Tokyo": "タイムゾーン(例: Asia/Tokyo)",
    "Role whose members may run organizer commands": "主催者コマンドを使えるロール",
    "Show the month's paper ranking": "その月の論文ランキングを表示する",
    "Month as YYYY-MM (default: last month)": "月(YYYY-MM、省略時は先月)",
    "Show one paper's summary card": "論文の要約カードを表示する",
    "Rank number, arXiv id or URL, or part of the title": "順位、arXiv ID・URL、またはタイトルの一部",
    "Post the month's ranking to the study group's channel": "その月のランキングを読み会のチャンネルに投稿する",
    "Ask a question about one of the month's papers": "その月の論文について質問する",
    "Your question": "質問",
    "Rank number, arXiv id or URL, or part of the title (default: the best match)": "順位、arXiv ID・URL、タイトルの一部(省略時は最も関係する論文)",
}


def command_text(language: str, english: str) -> str | None:
    """The command description in `language`, or None where English stands."""
    return _COMMANDS_JA.get(english) if language == "ja" else None


def t(language: str, key: str, /, **values: Any) -> str:
    table = _TEXT.get(language, _TEXT["en"])
    text = table.get(key) or _TEXT["en"][key]
    return text.format(**values) if values else text
