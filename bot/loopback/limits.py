"""Discord's payload limits and error bodies, as the real API enforces them.

Every check raises :class:`DiscordHTTPError`, whose :meth:`~DiscordHTTPError.body` is the JSON
Discord would answer with. Form errors (code 50035) carry Discord's nested ``errors`` object,
e.g. ``{"embeds": {"0": {"fields": {"0": {"value": {"_errors": [...]}}}}}}``.

Lengths are counted as Python ``len(str)``; Discord counts roughly UTF-16 code units, which only
differs for characters outside the BMP.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

# ---------------------------------------------------------------- error codes (JSON "code")
GENERAL = 0
UNKNOWN_CHANNEL = 10003
UNKNOWN_GUILD = 10004
UNKNOWN_MEMBER = 10007
UNKNOWN_MESSAGE = 10008
UNKNOWN_ROLE = 10011
UNKNOWN_USER = 10013
UNKNOWN_WEBHOOK = 10015
UNKNOWN_APPLICATION_COMMAND = 10063
UNKNOWN_INTERACTION = 10062
UNKNOWN_GUILD_SCHEDULED_EVENT = 10070
REQUEST_ENTITY_TOO_LARGE = 40005
INTERACTION_ALREADY_ACKNOWLEDGED = 40060
MISSING_ACCESS = 50001
CANNOT_EDIT_OTHER_USERS_MESSAGE = 50005
EMPTY_MESSAGE = 50006
MISSING_PERMISSIONS = 50013
CANNOT_EXECUTE_ON_CHANNEL_TYPE = 50024
INVALID_FORM_BODY = 50035
THREAD_ARCHIVED = 50083
THREAD_ALREADY_CREATED = 160004
INVALID_JSON = 50109

LOCALES = frozenset(
    [
        "id",
        "da",
        "de",
        "en-GB",
        "en-US",
        "es-ES",
        "es-419",
        "fr",
        "hr",
        "it",
        "lt",
        "hu",
        "nl",
        "no",
        "pl",
        "pt-BR",
        "ro",
        "fi",
        "sv-SE",
        "vi",
        "tr",
        "cs",
        "el",
        "bg",
        "ru",
        "uk",
        "hi",
        "th",
        "zh-CN",
        "ja",
        "zh-TW",
        "ko",
    ]
)

# Message flags
FLAG_SUPPRESS_EMBEDS = 1 << 2
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7
FLAG_SUPPRESS_NOTIFICATIONS = 1 << 12
FLAG_COMPONENTS_V2 = 1 << 15

# Component types
ACTION_ROW = 1
BUTTON = 2
STRING_SELECT = 3
TEXT_INPUT = 4
SELECT_TYPES = frozenset({3, 5, 6, 7, 8})
LABEL = 18

_COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")


class DiscordHTTPError(Exception):
    """An error response exactly as Discord would send it."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        errors: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.interaction: Any = None  # set by handlers so the error is filed on the interaction
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return body


# Discord answers a burst of edits to one message with 429; bots that stream text into a
# message are expected to edit it about once a second.
EDITS_PER_WINDOW = 5
EDIT_WINDOW = 5.0


class RateLimited(DiscordHTTPError):
    """429 with Discord's body: discord.py waits `retry_after` seconds and sends again."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(429, 0, "You are being rate limited.")
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        return {"message": self.message, "retry_after": round(self.retry_after, 3), "global": False}

    def headers(self) -> dict[str, str]:
        # Discord's own 429s come through Google's front end; without `Via`, discord.py takes
        # a 429 for a Cloudflare ban and gives up instead of waiting.
        wait = f"{self.retry_after:.3f}"
        return {
            "Via": "1.1 google",
            "Retry-After": str(max(1, round(self.retry_after))),
            "X-RateLimit-Limit": str(EDITS_PER_WINDOW),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset-After": wait,
            "X-RateLimit-Scope": "user",
        }


def flatten_errors(errors: Mapping[str, Any] | None, prefix: str = "") -> list[str]:
    """Discord's nested form errors as ``"In data.content: Must be 2000 or fewer..."`` lines."""
    lines: list[str] = []
    for key, value in (errors or {}).items():
        if key == "_errors":
            where = prefix or "body"
            lines += [f"In {where}: {e.get('message')}" for e in value]
        elif isinstance(value, Mapping):
            lines += flatten_errors(value, f"{prefix}.{key}" if prefix else key)
    return lines


def not_found(code: int, message: str) -> DiscordHTTPError:
    return DiscordHTTPError(404, code, message)


class FormErrors:
    """Collects field errors into Discord's nested ``errors`` shape."""

    def __init__(self) -> None:
        self.tree: dict[str, Any] = {}

    def add(self, path: Sequence[str | int], code: str, message: str) -> None:
        node = self.tree
        for part in path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def __bool__(self) -> bool:
        return bool(self.tree)

    def raise_if_any(self) -> None:
        if self.tree:
            raise DiscordHTTPError(400, INVALID_FORM_BODY, "Invalid Form Body", self.tree)

    # -- common checks -------------------------------------------------------------------
    def length(
        self,
        path: Sequence[str | int],
        value: Any,
        *,
        low: int = 0,
        high: int,
        required: bool = False,
    ) -> None:
        """Check a string (or list) length; ``None``/missing is an error only if required."""
        if value is None:
            if required:
                self.add(path, "BASE_TYPE_REQUIRED", "This field is required")
            return
        n = len(value) if isinstance(value, str | list | tuple) else len(str(value))
        if low <= n <= high:
            return
        if low == 0:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {high} or fewer in length.")
        else:
            self.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")

    def number(self, path: Sequence[str | int], value: Any, *, low: int, high: int) -> None:
        if value is None:
            return
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(path, "NUMBER_TYPE_COERCE", f'Value "{value}" is not int.')
        elif not low <= value <= high:
            self.add(path, "NUMBER_TYPE_MAX", f"int value should be between {low} and {high}.")


def empty_message() -> DiscordHTTPError:
    return DiscordHTTPError(400, EMPTY_MESSAGE, "Cannot send an empty message")


# ======================================================================== messages
EMBED_TOTAL = 6000


def validate_message(
    payload: Mapping[str, Any], *, n_files: int = 0, flags: int | None = None
) -> None:
    """Validate a message create/edit body (channel message, callback data, webhook).

    ``flags`` overrides the body's flags (an edit keeps the message's components-v2 flag)."""
    errs = FormErrors()
    if flags is None:
        flags = payload.get("flags") or 0
    v2 = bool(flags & FLAG_COMPONENTS_V2)
    if payload.get("content") is not None:
        errs.length(["content"], payload["content"], high=2000)
        if v2 and payload["content"]:
            errs.add(
                ["content"],
                "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                "The 'content' field cannot be used when using MessageFlags.IS_COMPONENTS_V2",
            )
    embeds = payload.get("embeds")
    if embeds:
        if v2:
            errs.add(
                ["embeds"],
                "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                "The 'embeds' field cannot be used when using MessageFlags.IS_COMPONENTS_V2",
            )
        validate_embeds(embeds, errs)
    components = payload.get("components")
    if components:
        if v2:
            _validate_v2_components(components, errs)
        else:
            validate_components(components, errs)
    if n_files > 10:
        errs.add(["files"], "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    attachments = payload.get("attachments")
    if attachments is not None and len(attachments) > 10:
        errs.add(["attachments"], "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    for i, att in enumerate(attachments or []):
        errs.length(["attachments", i, "description"], att.get("description"), high=1024)
    _validate_allowed_mentions(payload.get("allowed_mentions"), errs)
    errs.raise_if_any()


def has_visible_body(
    content: str | None,
    embeds: Sequence[Any] | None,
    components: Sequence[Any] | None,
    n_attachments: int,
    *,
    poll: Any = None,
    stickers: Sequence[Any] | None = None,
) -> bool:
    return bool(content or embeds or components or n_attachments or poll or stickers)


def validate_embeds(embeds: Sequence[Mapping[str, Any]], errs: FormErrors) -> None:
    if len(embeds) > 10:
        errs.add(["embeds"], "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    total = 0
    for i, embed in enumerate(embeds):
        base = ["embeds", i]
        title = embed.get("title")
        description = embed.get("description")
        errs.length([*base, "title"], title, high=256)
        errs.length([*base, "description"], description, high=4096)
        total += len(title or "") + len(description or "")
        fields = embed.get("fields") or []
        if len(fields) > 25:
            errs.add([*base, "fields"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        for j, field in enumerate(fields):
            name, value = field.get("name"), field.get("value")
            errs.length([*base, "fields", j, "name"], name, low=1, high=256, required=True)
            errs.length([*base, "fields", j, "value"], value, low=1, high=1024, required=True)
            total += len(name or "") + len(value or "")
        footer = embed.get("footer")
        if footer is not None:
            text = footer.get("text")
            errs.length([*base, "footer", "text"], text, low=1, high=2048, required=True)
            total += len(text or "")
        author = embed.get("author")
        if author is not None:
            name = author.get("name")
            errs.length([*base, "author", "name"], name, low=1, high=256, required=True)
            total += len(name or "")
    if total > EMBED_TOTAL:
        errs.add(
            ["embeds"],
            "MAX_EMBED_SIZE_EXCEEDED",
            f"Embed size exceeds maximum size of {EMBED_TOTAL}",
        )


def validate_components(rows: Sequence[Mapping[str, Any]], errs: FormErrors) -> None:
    """Legacy (non components-v2) message components: up to 5 action rows."""
    if len(rows) > 5:
        errs.add(["components"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
    seen_ids: set[str] = set()
    for i, row in enumerate(rows):
        path = ["components", i]
        if row.get("type") != ACTION_ROW:
            errs.add(
                [*path, "type"],
                "COMPONENT_TYPE_INVALID",
                "Top-level components must be action rows",
            )
            continue
        _validate_action_row(row, path, errs, seen_ids)


def _validate_action_row(
    row: Mapping[str, Any], path: list[str | int], errs: FormErrors, seen_ids: set[str]
) -> None:
    children = row.get("components") or []
    if not 1 <= len(children) <= 5:
        errs.add(
            [*path, "components"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length."
        )
    has_select = any(c.get("type") in SELECT_TYPES for c in children)
    if has_select and len(children) > 1:
        errs.add(
            [*path, "components"],
            "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
            "The specified component exceeds the maximum width",
        )
    for j, child in enumerate(children):
        _validate_interactive(child, [*path, "components", j], errs, seen_ids)


def _validate_interactive(
    comp: Mapping[str, Any], path: list[str | int], errs: FormErrors, seen_ids: set[str]
) -> None:
    ctype = comp.get("type")
    if ctype == BUTTON:
        style = comp.get("style")
        errs.length([*path, "label"], comp.get("label"), high=80)
        if style == 5:
            if not comp.get("url"):
                errs.add([*path, "url"], "BASE_TYPE_REQUIRED", "This field is required")
            if comp.get("custom_id") is not None:
                errs.add(
                    [*path, "custom_id"],
                    "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED",
                    "A custom id cannot be specified for link buttons",
                )
        elif style == 6:
            if not comp.get("sku_id"):
                errs.add([*path, "sku_id"], "BASE_TYPE_REQUIRED", "This field is required")
        elif style in (1, 2, 3, 4):
            _custom_id(comp, path, errs, seen_ids)
        else:
            errs.add(
                [*path, "style"], "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4, 5, 6}."
            )
        if style != 6 and not comp.get("label") and not comp.get("emoji"):
            errs.add(
                [*path],
                "BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED",
                "A label or emoji must be specified",
            )
    elif ctype in SELECT_TYPES:
        _custom_id(comp, path, errs, seen_ids)
        errs.length([*path, "placeholder"], comp.get("placeholder"), high=150)
        min_v, max_v = comp.get("min_values"), comp.get("max_values")
        errs.number([*path, "min_values"], min_v, low=0, high=25)
        errs.number([*path, "max_values"], max_v, low=1, high=25)
        if ctype == STRING_SELECT:
            options = comp.get("options")
            if options is None:
                errs.add([*path, "options"], "BASE_TYPE_REQUIRED", "This field is required")
                options = []
            elif not 1 <= len(options) <= 25:
                errs.add(
                    [*path, "options"],
                    "BASE_TYPE_BAD_LENGTH",
                    "Must be between 1 and 25 in length.",
                )
            values: set[str] = set()
            for k, opt in enumerate(options):
                opath = [*path, "options", k]
                errs.length([*opath, "label"], opt.get("label"), low=1, high=100, required=True)
                errs.length([*opath, "value"], opt.get("value"), low=1, high=100, required=True)
                errs.length([*opath, "description"], opt.get("description"), high=100)
                if opt.get("value") in values:
                    errs.add(
                        [*opath, "value"],
                        "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED",
                        "Select component option values must be unique",
                    )
                values.add(opt.get("value"))
            if isinstance(max_v, int) and options and max_v > len(options):
                errs.add(
                    [*path, "max_values"],
                    "SELECT_COMPONENT_MAX_VALUES_TOO_HIGH",
                    "max_values must be less than or equal to the number of options",
                )
        if isinstance(min_v, int) and isinstance(max_v, int) and min_v > max_v:
            errs.add(
                [*path, "min_values"],
                "SELECT_COMPONENT_MIN_VALUES_TOO_HIGH",
                "min_values must be less than or equal to max_values",
            )
    else:
        errs.add(
            [*path, "type"],
            "COMPONENT_TYPE_INVALID",
            f"Component type {ctype} is not valid in an action row",
        )


def _custom_id(
    comp: Mapping[str, Any], path: list[str | int], errs: FormErrors, seen_ids: set[str]
) -> None:
    custom_id = comp.get("custom_id")
    errs.length([*path, "custom_id"], custom_id, low=1, high=100, required=True)
    if custom_id is not None:
        if custom_id in seen_ids:
            errs.add(
                [*path, "custom_id"],
                "COMPONENT_CUSTOM_ID_DUPLICATED",
                "Component custom id cannot be duplicated",
            )
        seen_ids.add(custom_id)


def _validate_v2_components(components: Sequence[Mapping[str, Any]], errs: FormErrors) -> None:
    """Components v2: only the total count and the interactive leaves are checked."""
    total = 0
    seen_ids: set[str] = set()

    def walk(comp: Mapping[str, Any], path: list[str | int]) -> None:
        nonlocal total
        total += 1
        ctype = comp.get("type")
        if ctype == ACTION_ROW:
            _validate_action_row(comp, path, errs, seen_ids)
            total += len(comp.get("components") or [])
            return
        if ctype == BUTTON or ctype in SELECT_TYPES:
            _validate_interactive(comp, path, errs, seen_ids)
        for j, child in enumerate(comp.get("components") or []):
            walk(child, [*path, "components", j])
        accessory = comp.get("accessory")
        if accessory:
            walk(accessory, [*path, "accessory"])

    for i, comp in enumerate(components):
        walk(comp, ["components", i])
    if total > 40:
        errs.add(["components"], "BASE_TYPE_MAX_LENGTH", "Must be 40 or fewer in length.")


def _validate_allowed_mentions(am: Any, errs: FormErrors) -> None:
    if am is None:
        return
    parse = am.get("parse")
    for i, kind in enumerate(parse or []):
        if kind not in ("roles", "users", "everyone"):
            errs.add(
                ["allowed_mentions", "parse", i],
                "BASE_TYPE_CHOICES",
                "Value must be one of ('roles', 'users', 'everyone').",
            )
    for kind in ("users", "roles"):
        ids = am.get(kind) or []
        if len(ids) > 100:
            errs.add(["allowed_mentions", kind], "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer.")
        if ids and parse and kind in parse:
            errs.add(
                ["allowed_mentions"],
                "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
            )


def allows_pings(allowed_mentions: Mapping[str, Any] | None) -> bool:
    """Whether a message sent with this ``allowed_mentions`` could ping anyone.

    Missing ``allowed_mentions`` means Discord parses every mention in the content.
    """
    if allowed_mentions is None:
        return True
    return bool(
        allowed_mentions.get("parse")
        or allowed_mentions.get("users")
        or allowed_mentions.get("roles")
        or allowed_mentions.get("replied_user")
    )


def allows_only(allowed_mentions: Mapping[str, Any] | None, user_ids: Iterable[int]) -> bool:
    """Whether this ``allowed_mentions`` lets at most the given users be pinged: no
    ``parse``, no roles, no reply ping, and ``users`` naming only them."""
    if allowed_mentions is None:
        return False
    users = {int(u) for u in allowed_mentions.get("users") or ()}
    return (
        not allowed_mentions.get("parse")
        and not allowed_mentions.get("roles")
        and not allowed_mentions.get("replied_user")
        and users <= {int(u) for u in user_ids}
    )


# ======================================================================== threads
ARCHIVE_DURATIONS = frozenset({60, 1440, 4320, 10080})


def validate_thread(payload: Mapping[str, Any]) -> None:
    """Start Thread from Message: name 1-100, auto_archive_duration one of four values."""
    errs = FormErrors()
    errs.length(["name"], payload.get("name"), low=1, high=100, required=True)
    duration = payload.get("auto_archive_duration")
    if duration is not None and duration not in ARCHIVE_DURATIONS:
        errs.add(
            ["auto_archive_duration"],
            "BASE_TYPE_CHOICES",
            "Value must be one of {60, 1440, 4320, 10080}.",
        )
    errs.number(["rate_limit_per_user"], payload.get("rate_limit_per_user"), low=0, high=21600)
    errs.raise_if_any()


def thread_archived() -> DiscordHTTPError:
    return DiscordHTTPError(
        400, THREAD_ARCHIVED, "Operation cannot be performed on an archived thread."
    )


# ======================================================================== scheduled events
EVENT_FIELDS = frozenset(
    {
        "channel_id",
        "entity_metadata",
        "name",
        "privacy_level",
        "scheduled_start_time",
        "scheduled_end_time",
        "description",
        "entity_type",
        "image",
        "status",
        "recurrence_rule",
    }
)


def parse_timestamp(value: Any) -> datetime | None:
    """An ISO 8601 timestamp with its offset, or None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def validate_event(event: Mapping[str, Any], now: datetime, *, creating: bool) -> None:
    """A scheduled event as it would be after the request (create, or the merged modify):
    name 1-100, description up to 1000, privacy_level 2, the fields its entity type needs
    (a location of 1-100 and an end for EXTERNAL, a channel for VOICE and STAGE), and a
    start in the future that its end follows."""
    errs = FormErrors()
    errs.length(["name"], event.get("name"), low=1, high=100, required=True)
    errs.length(["description"], event.get("description"), high=1000)
    if event.get("privacy_level") != 2:
        errs.add(["privacy_level"], "BASE_TYPE_CHOICES", "Value must be one of {2}.")
    kind = event.get("entity_type")
    if kind not in (1, 2, 3):
        errs.add(["entity_type"], "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3}.")
    start = parse_timestamp(event.get("scheduled_start_time"))
    end_value = event.get("scheduled_end_time")
    end = parse_timestamp(end_value)
    if start is None:
        errs.add(["scheduled_start_time"], "DATE_TIME_TYPE_CONVERT", "Could not parse the time.")
    elif creating and start <= now:
        errs.add(
            ["scheduled_start_time"],
            "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST",
            "Cannot schedule event in the past.",
        )
    if end_value is not None and end is None:
        errs.add(["scheduled_end_time"], "DATE_TIME_TYPE_CONVERT", "Could not parse the time.")
    elif start is not None and end is not None and end <= start:
        errs.add(
            ["scheduled_end_time"],
            "GUILD_SCHEDULED_EVENT_END_BEFORE_START",
            "Cannot schedule event to end before starting.",
        )
    if kind == 3:
        location = (event.get("entity_metadata") or {}).get("location")
        errs.length(["entity_metadata", "location"], location, low=1, high=100, required=True)
        if event.get("channel_id") is not None:
            errs.add(["channel_id"], "BASE_TYPE_NULL", "This field must be null.")
        if end_value is None:
            errs.add(["scheduled_end_time"], "BASE_TYPE_REQUIRED", "This field is required")
    elif kind in (1, 2) and event.get("channel_id") is None:
        errs.add(["channel_id"], "BASE_TYPE_REQUIRED", "This field is required")
    errs.raise_if_any()


# ======================================================================== interaction callbacks
def validate_autocomplete(data: Mapping[str, Any] | None) -> None:
    errs = FormErrors()
    choices = (data or {}).get("choices")
    if choices is None:
        errs.add(["data", "choices"], "BASE_TYPE_REQUIRED", "This field is required")
    else:
        _validate_choices(choices, ["data", "choices"], errs)
    errs.raise_if_any()


def _validate_choices(choices: Sequence[Mapping[str, Any]], path: list, errs: FormErrors) -> None:
    if len(choices) > 25:
        errs.add(path, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    for i, choice in enumerate(choices):
        errs.length([*path, i, "name"], choice.get("name"), low=1, high=100, required=True)
        value = choice.get("value")
        if value is None:
            errs.add([*path, i, "value"], "BASE_TYPE_REQUIRED", "This field is required")
        elif isinstance(value, str):
            errs.length([*path, i, "value"], value, high=100)
        for locale, text in (choice.get("name_localizations") or {}).items():
            if locale not in LOCALES:
                errs.add(
                    [*path, i, "name_localizations", locale],
                    "LOCALE_INVALID",
                    "Invalid locale",
                )
            errs.length(
                [*path, i, "name_localizations", locale], text, low=1, high=100, required=True
            )


def validate_modal(data: Mapping[str, Any] | None) -> None:
    errs = FormErrors()
    data = data or {}
    errs.length(["data", "title"], data.get("title"), low=1, high=45, required=True)
    errs.length(["data", "custom_id"], data.get("custom_id"), low=1, high=100, required=True)
    components = data.get("components") or []
    if not 1 <= len(components) <= 5:
        errs.add(
            ["data", "components"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length."
        )
    seen: set[str] = set()
    for i, top in enumerate(components):
        path: list[str | int] = ["data", "components", i]
        if top.get("type") == ACTION_ROW:
            children = [
                ([*path, "components", j], c) for j, c in enumerate(top.get("components") or [])
            ]
            if len(children) != 1:
                errs.add(
                    [*path, "components"],
                    "BASE_TYPE_BAD_LENGTH",
                    "Must be between 1 and 1 in length.",
                )
        elif top.get("type") == LABEL:
            errs.length([*path, "label"], top.get("label"), low=1, high=45, required=True)
            errs.length([*path, "description"], top.get("description"), high=100)
            children = [([*path, "component"], top.get("component") or {})]
        else:
            children = []  # text display etc.
        for cpath, comp in children:
            if comp.get("type") == TEXT_INPUT:
                if "label" in comp:
                    errs.length([*cpath, "label"], comp.get("label"), low=1, high=45)
                errs.length([*cpath, "placeholder"], comp.get("placeholder"), high=100)
                errs.length([*cpath, "value"], comp.get("value"), high=4000)
                errs.number([*cpath, "min_length"], comp.get("min_length"), low=0, high=4000)
                errs.number([*cpath, "max_length"], comp.get("max_length"), low=1, high=4000)
                _custom_id(comp, cpath, errs, seen)
            elif comp.get("type") in SELECT_TYPES:
                _validate_interactive(comp, cpath, errs, seen)
    errs.raise_if_any()


# ======================================================================== application commands
OPTION_SUB_COMMAND = 1
OPTION_SUB_COMMAND_GROUP = 2
CHOICE_TYPES = frozenset({3, 4, 10})
COMMAND_TOTAL = 4000


def _name_ok(name: Any, *, chat_input: bool) -> bool:
    if not isinstance(name, str):
        return False
    if not chat_input:
        return 1 <= len(name) <= 32
    return bool(_COMMAND_NAME.match(name)) and name == name.lower()


def _check_name(path: list, name: Any, errs: FormErrors, *, chat_input: bool = True) -> None:
    if name is None:
        errs.add([*path], "BASE_TYPE_REQUIRED", "This field is required")
    elif not isinstance(name, str) or not 1 <= len(name) <= 32:
        errs.add([*path], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")
    elif not _name_ok(name, chat_input=chat_input):
        errs.add(
            [*path],
            "APPLICATION_COMMAND_INVALID_NAME",
            f"Command name is invalid: {name!r} (must match ^[-_\\w]{{1,32}}$ and be lowercase)",
        )


def _check_localizations(
    path: list, names: Any, descriptions: Any, errs: FormErrors, *, chat_input: bool = True
) -> None:
    for key, mapping in (
        ("name_localizations", names),
        ("description_localizations", descriptions),
    ):
        for locale, text in (mapping or {}).items():
            if locale not in LOCALES:
                errs.add([*path, key, locale], "LOCALE_INVALID", f"Invalid locale {locale!r}")
                continue
            if key == "name_localizations":
                _check_name([*path, key, locale], text, errs, chat_input=chat_input)
            else:
                errs.length([*path, key, locale], text, low=1, high=100, required=True)


def _text_size(obj: Mapping[str, Any]) -> int:
    size = len(obj.get("name") or "") + len(obj.get("description") or "")
    for choice in obj.get("choices") or []:
        size += len(choice.get("name") or "") + len(str(choice.get("value", "")))
    for option in obj.get("options") or []:
        size += _text_size(option)
    return size


def validate_commands(commands: Any) -> None:
    """Validate a bulk-overwrite body (``PUT .../commands``)."""
    errs = FormErrors()
    if not isinstance(commands, list):
        raise DiscordHTTPError(
            400,
            INVALID_FORM_BODY,
            "Invalid Form Body",
            {"_errors": [{"code": "BASE_TYPE_ARRAY", "message": "Must be an array."}]},
        )
    counts = {1: 0, 2: 0, 3: 0}
    seen: set[tuple[int, str]] = set()
    for i, cmd in enumerate(commands):
        ctype = cmd.get("type", 1) or 1
        counts[ctype] = counts.get(ctype, 0) + 1
        key = (ctype, cmd.get("name"))
        if key in seen:
            errs.add(
                [i, "name"],
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                f"Application command names must be unique ({cmd.get('name')!r})",
            )
        seen.add(key)
        validate_command(cmd, errs, [i])
    if counts.get(1, 0) > 100:
        errs.add([], "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer chat input commands.")
    for t in (2, 3):
        if counts.get(t, 0) > 15:
            errs.add([], "BASE_TYPE_MAX_LENGTH", "Must be 15 or fewer context menu commands.")
    errs.raise_if_any()


def validate_command(cmd: Mapping[str, Any], errs: FormErrors, path: list) -> None:
    ctype = cmd.get("type", 1) or 1
    chat_input = ctype == 1
    if ctype not in (1, 2, 3, 4):
        errs.add([*path, "type"], "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4}.")
    _check_name([*path, "name"], cmd.get("name"), errs, chat_input=chat_input)
    if chat_input:
        errs.length([*path, "description"], cmd.get("description"), low=1, high=100, required=True)
    elif cmd.get("description"):
        errs.add(
            [*path, "description"],
            "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION",
            "Context menu commands cannot have a description",
        )
    _check_localizations(
        path,
        cmd.get("name_localizations"),
        cmd.get("description_localizations") if chat_input else None,
        errs,
        chat_input=chat_input,
    )
    options = cmd.get("options") or []
    if options and not chat_input:
        errs.add([*path, "options"], "BASE_TYPE_MAX_LENGTH", "Must be 0 or fewer in length.")
    _validate_options(options, [*path, "options"], errs, depth=0)
    if _text_size(cmd) > COMMAND_TOTAL:
        errs.add(
            path,
            "APPLICATION_COMMAND_TOO_LARGE",
            f"Command exceeds maximum size ({COMMAND_TOTAL})",
        )
    perms = cmd.get("default_member_permissions")
    if perms is not None and not (isinstance(perms, str) and perms.isdigit()):
        errs.add(
            [*path, "default_member_permissions"],
            "NUMBER_TYPE_COERCE",
            f'Value "{perms}" is not snowflake.',
        )


def _validate_options(
    options: Iterable[Mapping[str, Any]], path: list, errs: FormErrors, *, depth: int
) -> None:
    options = list(options)
    if len(options) > 25:
        errs.add(path, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    names: set[str] = set()
    seen_optional = False
    kinds = {o.get("type") in (OPTION_SUB_COMMAND, OPTION_SUB_COMMAND_GROUP) for o in options}
    if len(kinds) > 1:
        errs.add(
            path,
            "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
            "Sub-commands and sub-command groups cannot be mixed with other option types",
        )
    for i, opt in enumerate(options):
        opath = [*path, i]
        otype = opt.get("type")
        if otype not in range(1, 12):
            errs.add([*opath, "type"], "BASE_TYPE_CHOICES", "Value must be one of {1, ..., 11}.")
        _check_name([*opath, "name"], opt.get("name"), errs)
        errs.length([*opath, "description"], opt.get("description"), low=1, high=100, required=True)
        _check_localizations(
            opath, opt.get("name_localizations"), opt.get("description_localizations"), errs
        )
        name = opt.get("name")
        if name in names:
            errs.add(
                [*opath, "name"],
                "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                f"Option name {name!r} is already used in these options",
            )
        names.add(name)
        if otype == OPTION_SUB_COMMAND_GROUP:
            if depth > 0:
                errs.add(
                    [*opath, "type"],
                    "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                    "Sub-command groups can only be nested at the top level",
                )
            subs = opt.get("options") or []
            if any(s.get("type") != OPTION_SUB_COMMAND for s in subs):
                errs.add(
                    [*opath, "options"],
                    "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                    "Sub-command groups can only contain sub-commands",
                )
            _validate_options(subs, [*opath, "options"], errs, depth=depth + 1)
            continue
        if otype == OPTION_SUB_COMMAND:
            if depth > 1:
                errs.add([*opath, "type"], "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Too deep")
            subs = opt.get("options") or []
            if any(s.get("type") in (1, 2) for s in subs):
                errs.add(
                    [*opath, "options"],
                    "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                    "Sub-commands cannot contain sub-commands",
                )
            _validate_options(subs, [*opath, "options"], errs, depth=depth + 2)
            continue
        if opt.get("required"):
            if seen_optional:
                errs.add(
                    [*opath, "required"],
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            seen_optional = True
        choices = opt.get("choices")
        if choices:
            if otype not in CHOICE_TYPES:
                errs.add(
                    [*opath, "choices"],
                    "APPLICATION_COMMAND_OPTION_CHOICES_INVALID",
                    "Only string, integer and number options can have choices",
                )
            if opt.get("autocomplete"):
                errs.add(
                    [*opath, "autocomplete"],
                    "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID",
                    "Autocomplete cannot be enabled on options that have choices",
                )
            _validate_choices(choices, [*opath, "choices"], errs)
        if opt.get("autocomplete") and otype not in CHOICE_TYPES:
            errs.add(
                [*opath, "autocomplete"],
                "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID",
                "Only string, integer and number options can autocomplete",
            )
        errs.number([*opath, "min_length"], opt.get("min_length"), low=0, high=6000)
        errs.number([*opath, "max_length"], opt.get("max_length"), low=1, high=6000)
