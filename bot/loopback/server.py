"""The aiohttp application: Discord's REST routes (``/api/v{9,10}/...``) and the gateway.

Error answers use Discord's JSON shape ``{"code": N, "message": ..., "errors": {...}}`` and are
recorded on the world (``World.errors``) and, when they concern an interaction, on its
:class:`~bot.loopback.model.InteractionResult`.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from . import limits
from .gateway import Gateway
from .limits import DiscordHTTPError, not_found
from .model import (
    APPLICATION_COMMAND,
    ATTACH_FILES,
    AUTOCOMPLETE,
    AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE,
    CONNECT,
    CREATE_EVENTS,
    CREATE_PUBLIC_THREADS,
    DEFERRED_CHANNEL_MESSAGE,
    DEFERRED_UPDATE_MESSAGE,
    EVENT_CANCELED,
    EVENT_COMPLETED,
    EVENT_EXTERNAL,
    EVENT_STAGE,
    EVENT_VOICE,
    MANAGE_CHANNELS,
    MANAGE_EVENTS,
    MANAGE_MESSAGES,
    MANAGE_THREADS,
    MESSAGE_COMPONENT,
    MODAL,
    MODAL_SUBMIT,
    MOVE_MEMBERS,
    MUTE_MEMBERS,
    NEWS_CHANNEL,
    NEWS_THREAD,
    PING,
    PONG,
    PUBLIC_THREAD,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    STAGE_CHANNEL,
    TEXT_CHANNEL,
    UPDATE_MESSAGE,
    VIEW_CHANNEL,
    VOICE_CHANNEL,
    Channel,
    Guild,
    InteractionResult,
    Message,
    MessageWrite,
    ScheduledEvent,
    StoredFile,
    World,
    now_iso,
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_log = logging.getLogger(__name__)

# flags a bot may set when creating a message
_CREATE_FLAGS = (
    limits.FLAG_SUPPRESS_EMBEDS
    | limits.FLAG_EPHEMERAL
    | limits.FLAG_SUPPRESS_NOTIFICATIONS
    | limits.FLAG_COMPONENTS_V2
)
_FILES_FIELD = re.compile(r"^files\[(\d+)\]$")
_TRUTHY = frozenset({"1", "true", "True"})
_BODY = web.RequestKey("body", object)  # parsed request body, for error records


@dataclass
class Upload:
    index: int
    filename: str
    content_type: str | None
    data: bytes


def _json(data: Any, status: int = 200) -> web.Response:
    # exactly "application/json": discord.py's json_or_text compares the header verbatim
    body = json.dumps(data, ensure_ascii=False).encode()
    return web.Response(body=body, status=status, headers={"Content-Type": "application/json"})


def _no_content() -> web.Response:
    return web.Response(status=204)


def _snowflake(value: str, field: str) -> int:
    if value.isdigit():
        return int(value)
    raise DiscordHTTPError(
        400,
        limits.INVALID_FORM_BODY,
        "Invalid Form Body",
        {
            field: {
                "_errors": [
                    {"code": "NUMBER_TYPE_COERCE", "message": f'Value "{value}" is not snowflake.'}
                ]
            }
        },
    )


class RestApi:
    """Route handlers over a :class:`World`; :meth:`build_app` wires them into aiohttp."""

    def __init__(self, world: World, gateway: Gateway) -> None:
        self.world = world
        self.gateway = gateway

    # ================================================================== app & middleware
    def build_app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware], client_max_size=100 * 1024**2)
        r = app.router
        r.add_get("/gateway", self.gateway.handle)
        r.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self.download)
        for v in ("9", "10"):
            p = f"/api/v{v}"
            r.add_get(f"{p}/gateway", self.get_gateway)
            r.add_get(f"{p}/gateway/bot", self.get_gateway_bot)
            r.add_get(f"{p}/users/@me", self.get_me)
            r.add_post(f"{p}/users/@me/channels", self.create_dm)
            r.add_get(f"{p}/users/{{user_id}}", self.get_user)
            r.add_get(f"{p}/oauth2/applications/@me", self.get_application)
            r.add_get(f"{p}/applications/@me", self.get_application)
            for scope in ("", "/guilds/{guild_id}"):
                base = f"{p}/applications/{{application_id}}{scope}/commands"
                r.add_get(base, self.get_commands)
                r.add_put(base, self.put_commands)
                r.add_post(base, self.post_command)
                r.add_get(f"{base}/{{command_id}}", self.get_command)
                r.add_delete(f"{base}/{{command_id}}", self.delete_command)
            r.add_post(f"{p}/interactions/{{interaction_id}}/{{token}}/callback", self.callback)
            wh = f"{p}/webhooks/{{application_id}}/{{token}}"
            r.add_post(wh, self.followup)
            r.add_get(f"{wh}/messages/{{message_id}}", self.get_webhook_message)
            r.add_patch(f"{wh}/messages/{{message_id}}", self.edit_webhook_message)
            r.add_delete(f"{wh}/messages/{{message_id}}", self.delete_webhook_message)
            ch = f"{p}/channels/{{channel_id}}"
            r.add_get(ch, self.get_channel)
            r.add_get(f"{ch}/messages", self.get_channel_messages)
            r.add_post(f"{ch}/messages", self.create_channel_message)
            r.add_get(f"{ch}/messages/{{message_id}}", self.get_channel_message)
            r.add_patch(f"{ch}/messages/{{message_id}}", self.edit_channel_message)
            r.add_delete(f"{ch}/messages/{{message_id}}", self.delete_channel_message)
            r.add_post(f"{ch}/messages/{{message_id}}/threads", self.start_thread)
            r.add_post(f"{ch}/typing", self.typing)
            g = f"{p}/guilds/{{guild_id}}"
            r.add_get(g, self.get_guild)
            r.add_get(f"{g}/channels", self.get_guild_channels)
            r.add_get(f"{g}/roles", self.get_guild_roles)
            r.add_get(f"{g}/members/{{user_id}}", self.get_guild_member)
            ev = f"{g}/scheduled-events"
            r.add_get(ev, self.get_scheduled_events)
            r.add_post(ev, self.create_scheduled_event)
            r.add_get(f"{ev}/{{event_id}}", self.get_scheduled_event)
            r.add_patch(f"{ev}/{{event_id}}", self.modify_scheduled_event)
            r.add_delete(f"{ev}/{{event_id}}", self.delete_scheduled_event)
        return app

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        world = self.world
        world.request_count += 1
        request[_BODY] = None
        try:
            matched = getattr(request.match_info, "http_exception", None) is None
            if matched and request.path.startswith("/api/") and not self._public(request.path):
                expected = f"Bot {world.token}"
                if request.headers.get("Authorization") != expected:
                    raise DiscordHTTPError(401, 0, "401: Unauthorized")
            return await handler(request)
        except web.HTTPNotFound:
            world.unknown_routes.append((request.method, request.path_qs))
            err = DiscordHTTPError(404, 0, "404: Not Found")
        except web.HTTPMethodNotAllowed:
            world.unknown_routes.append((request.method, request.path_qs))
            err = DiscordHTTPError(405, 0, "405: Method Not Allowed")
        except DiscordHTTPError as e:
            err = e
        except Exception as e:  # a bug in the loopback: fail fast (discord.py retries 5xx slowly)
            world.internal_errors.append(traceback.format_exc())
            _log.exception("loopback Discord failed on %s %s", request.method, request.path)
            err = DiscordHTTPError(400, 0, f"loopback internal error: {e!r}")
        world.record_error(err, request.method, request.path_qs, request[_BODY])
        response = _json(err.body(), status=err.status)
        if isinstance(err, limits.RateLimited):
            response.headers.update(err.headers())
        return response

    @staticmethod
    def _public(path: str) -> bool:
        # webhook-token routes are authenticated by the token in the path
        parts = path.split("/", 4)
        return len(parts) > 3 and parts[3] in ("webhooks", "interactions")

    async def _read_body(self, request: web.Request) -> tuple[Any, list[Upload]]:
        uploads: list[Upload] = []
        if request.content_type.startswith("multipart/"):
            payload: Any = {}
            reader = await request.multipart()
            async for part in reader:
                name = part.name or ""
                if name == "payload_json":
                    text = await part.text()
                    payload = self._loads(text)
                    continue
                m = _FILES_FIELD.match(name)
                if m or name == "file":
                    data = bytes(await part.read(decode=False))
                    if len(data) > self.world.attachment_size_limit:
                        raise DiscordHTTPError(
                            413, limits.REQUEST_ENTITY_TOO_LARGE, "Request entity too large"
                        )
                    uploads.append(
                        Upload(
                            index=int(m.group(1)) if m else 0,
                            filename=part.filename or "file",
                            content_type=part.headers.get("Content-Type"),
                            data=data,
                        )
                    )
            request[_BODY] = payload
            return payload, uploads
        raw = await request.read()
        if not raw:
            return None, uploads
        payload = self._loads(raw.decode("utf-8", "replace"))
        request[_BODY] = payload
        return payload, uploads

    @staticmethod
    def _loads(text: str) -> Any:
        try:
            return json.loads(text)
        except ValueError:
            raise DiscordHTTPError(
                400, limits.INVALID_JSON, "The request body contains invalid JSON."
            ) from None

    async def _message_body(self, request: web.Request) -> tuple[dict[str, Any], list[Upload]]:
        payload, uploads = await self._read_body(request)
        if payload is None:
            payload = {}
        if not isinstance(payload, dict):
            raise DiscordHTTPError(
                400,
                limits.INVALID_FORM_BODY,
                "Invalid Form Body",
                {
                    "_errors": [
                        {
                            "code": "DICT_TYPE_CONVERT",
                            "message": "Only dictionaries may be used in a DictType",
                        }
                    ]
                },
            )
        return payload, uploads

    # ================================================================== messages (shared)
    def _attachments(
        self,
        existing: list[StoredFile],
        payload: dict[str, Any],
        uploads: list[Upload],
        *,
        edit: bool,
    ) -> list[StoredFile]:
        world = self.world

        def store(
            up: Upload, filename: str | None = None, description: str | None = None
        ) -> StoredFile:
            f = StoredFile(
                id=world.snowflake(),
                filename=filename or up.filename,
                data=up.data,
                content_type=up.content_type,
                description=description,
            )
            world.uploads[f.id] = f
            return f

        spec = payload.get("attachments")
        if spec is None:
            return (list(existing) if edit else []) + [store(u) for u in uploads]
        by_index = {u.index: u for u in uploads}
        by_id = {a.id: a for a in existing} if edit else {}
        result: list[StoredFile] = []
        used: set[int] = set()
        errs = limits.FormErrors()
        for i, att in enumerate(spec):
            raw_id = att.get("id")
            try:
                att_id = int(raw_id)
            except (TypeError, ValueError):
                errs.add(["attachments", i, "id"], "BASE_TYPE_REQUIRED", "This field is required")
                continue
            if att_id in by_id:
                result.append(by_id[att_id])
            elif att_id in by_index:
                used.add(att_id)
                result.append(store(by_index[att_id], att.get("filename"), att.get("description")))
            else:
                errs.add(
                    ["attachments", i, "id"],
                    "ATTACHMENT_NOT_FOUND",
                    f"Attachment data not found for id {raw_id}",
                )
        errs.raise_if_any()
        result += [store(u) for u in uploads if u.index not in used]
        return result

    def _create_message(
        self,
        channel: Channel,
        payload: dict[str, Any],
        uploads: list[Upload],
        *,
        via: str,
        interaction: InteractionResult | None = None,
        type: int = 0,
    ) -> Message:
        limits.validate_message(payload, n_files=len(uploads))
        attachments = self._attachments([], payload, uploads, edit=False)
        content = payload.get("content") or ""
        embeds = payload.get("embeds") or []
        components = payload.get("components") or []
        if not limits.has_visible_body(
            content,
            embeds,
            components,
            len(attachments),
            poll=payload.get("poll"),
            stickers=payload.get("sticker_ids"),
        ):
            raise limits.empty_message()
        msg = self.world.new_message(channel, interaction=interaction, type=type)
        msg.content = content
        msg.embeds = copy.deepcopy(embeds)
        msg.components = copy.deepcopy(components)
        msg.attachments = attachments
        msg.tts = bool(payload.get("tts"))
        msg.flags = (payload.get("flags") or 0) & _CREATE_FLAGS
        if interaction is None:
            msg.flags &= ~limits.FLAG_EPHEMERAL
        msg.writes.append(MessageWrite("create", via, payload))
        return msg

    def _edit_message(
        self, msg: Message, payload: dict[str, Any], uploads: list[Upload], *, via: str
    ) -> Message:
        flags = msg.flags | ((payload.get("flags") or 0) & limits.FLAG_COMPONENTS_V2)
        limits.validate_message(payload, n_files=len(uploads), flags=flags)
        self._check_edit_rate(msg)
        content = (payload.get("content") or "") if "content" in payload else msg.content
        embeds = (payload.get("embeds") or []) if "embeds" in payload else msg.embeds
        components = (
            (payload.get("components") or []) if "components" in payload else msg.components
        )
        attachments = self._attachments(msg.attachments, payload, uploads, edit=True)
        if not limits.has_visible_body(content, embeds, components, len(attachments)):
            raise limits.empty_message()
        was_loading = msg.loading
        msg.content = content
        msg.embeds = copy.deepcopy(embeds)
        msg.components = copy.deepcopy(components)
        msg.attachments = attachments
        if "flags" in payload and payload["flags"] is not None:
            suppress = payload["flags"] & limits.FLAG_SUPPRESS_EMBEDS
            msg.flags = (msg.flags & ~limits.FLAG_SUPPRESS_EMBEDS) | suppress
            msg.flags |= payload["flags"] & limits.FLAG_COMPONENTS_V2
        msg.flags &= ~limits.FLAG_LOADING
        if not was_loading:
            msg.edited_at = now_iso()
        msg.writes.append(MessageWrite("edit", via, payload, at=self.world.now()))
        self.world.watch.notify()
        return msg

    def _check_edit_rate(self, msg: Message) -> None:
        now = self.world.now()
        recent = sorted(
            w.at for w in msg.writes if w.kind == "edit" and w.at > now - limits.EDIT_WINDOW
        )
        if len(recent) >= limits.EDITS_PER_WINDOW:
            raise limits.RateLimited(recent[0] + limits.EDIT_WINDOW - now)

    # ================================================================== gateway & identity
    async def get_gateway(self, request: web.Request) -> web.Response:
        return _json({"url": self.gateway.url})

    async def get_gateway_bot(self, request: web.Request) -> web.Response:
        return _json(
            {
                "url": self.gateway.url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 14400000,
                    "max_concurrency": 1,
                },
            }
        )

    async def get_me(self, request: web.Request) -> web.Response:
        bot = self.world.bot
        return _json(
            {
                **bot.payload(),
                "verified": True,
                "mfa_enabled": False,
                "locale": "en-US",
                "email": None,
                "bio": "",
            }
        )

    async def get_user(self, request: web.Request) -> web.Response:
        uid = _snowflake(request.match_info["user_id"], "user_id")
        user = self.world.users.get(uid)
        if user is None:
            raise not_found(limits.UNKNOWN_USER, "Unknown User")
        return _json(user.payload())

    async def create_dm(self, request: web.Request) -> web.Response:
        payload, _ = await self._message_body(request)
        uid = _snowflake(str(payload.get("recipient_id", "")), "recipient_id")
        world = self.world
        user = world.users.get(uid)
        if user is None:
            raise not_found(limits.UNKNOWN_USER, "Unknown User")
        channel = world.dm_channels.get(uid)
        if channel is None:
            channel = Channel(id=world.snowflake(), name="", type=1, recipients=[user])
            world.dm_channels[uid] = channel
            world.channels[channel.id] = channel
        return _json(channel.payload())

    async def get_application(self, request: web.Request) -> web.Response:
        world = self.world
        return _json(
            {
                "id": str(world.application_id),
                "name": world.bot.name,
                "icon": None,
                "description": "",
                "summary": "",
                "type": None,
                "hook": True,
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "owner": world.app_owner.payload(),
                "team": None,
                "flags": self.gateway.application_flags,
                "bot": world.bot.payload(),
                "redirect_uris": [],
                "interactions_endpoint_url": None,
                "approximate_guild_count": len(world.guilds),
                "integration_types_config": {"0": {}},
            }
        )

    async def download(self, request: web.Request) -> web.Response:
        aid = _snowflake(request.match_info["attachment_id"], "attachment_id")
        stored = self.world.uploads.get(aid)
        if stored is None:
            raise not_found(0, "404: Not Found")
        return web.Response(
            body=stored.data, content_type=stored.content_type or "application/octet-stream"
        )

    # ================================================================== application commands
    def _command_scope(self, request: web.Request) -> int | None:
        app_id = _snowflake(request.match_info["application_id"], "application_id")
        if app_id != self.world.application_id:
            raise DiscordHTTPError(403, limits.MISSING_ACCESS, "Missing Access")
        gid = request.match_info.get("guild_id")
        if gid is None:
            return None
        guild_id = _snowflake(gid, "guild_id")
        if guild_id not in self.world.guilds:
            raise DiscordHTTPError(403, limits.MISSING_ACCESS, "Missing Access")
        return guild_id

    def _normalize_command(
        self, cmd: dict[str, Any], scope: int | None, previous: dict[str, Any] | None
    ) -> dict[str, Any]:
        world = self.world
        ctype = cmd.get("type", 1) or 1
        body: dict[str, Any] = {
            "type": ctype,
            "name": cmd["name"],
            "name_localizations": cmd.get("name_localizations"),
            "description": cmd.get("description") or "",
            "description_localizations": cmd.get("description_localizations"),
            "default_member_permissions": cmd.get("default_member_permissions"),
            "nsfw": bool(cmd.get("nsfw", False)),
            "contexts": cmd.get("contexts"),
            "integration_types": cmd.get("integration_types") or [0],
        }
        if cmd.get("options"):
            body["options"] = copy.deepcopy(cmd["options"])
        if scope is None:
            body["dm_permission"] = cmd.get("dm_permission", True)
        same = (
            previous is not None
            and {
                k: v
                for k, v in previous.items()
                if k not in ("id", "application_id", "version", "guild_id")
            }
            == body
        )
        obj = {
            "id": previous["id"] if previous else str(world.snowflake()),
            "application_id": str(world.application_id),
            "version": previous["version"] if (previous and same) else str(world.snowflake()),
            **body,
        }
        if scope is not None:
            obj["guild_id"] = str(scope)
        return obj

    async def get_commands(self, request: web.Request) -> web.Response:
        scope = self._command_scope(request)
        return _json(list(self.world.commands.get(scope, {}).values()))

    async def put_commands(self, request: web.Request) -> web.Response:
        world = self.world
        scope = self._command_scope(request)
        world.command_puts[scope] = world.command_puts.get(scope, 0) + 1
        payload, _ = await self._read_body(request)
        try:
            limits.validate_commands(payload)
        except DiscordHTTPError as e:
            world.command_put_log.append((scope, payload, e.status))
            raise
        old = world.commands.get(scope, {})
        new: dict[tuple[int, str], dict[str, Any]] = {}
        for cmd in payload:
            key = (cmd.get("type", 1) or 1, cmd["name"])
            new[key] = self._normalize_command(cmd, scope, old.get(key))
        world.commands[scope] = new
        world.command_put_log.append((scope, payload, 200))
        world.watch.notify()
        return _json(list(new.values()))

    async def post_command(self, request: web.Request) -> web.Response:
        world = self.world
        scope = self._command_scope(request)
        payload, _ = await self._message_body(request)
        errs = limits.FormErrors()
        limits.validate_command(payload, errs, [])
        errs.raise_if_any()
        commands = world.commands.setdefault(scope, {})
        key = (payload.get("type", 1) or 1, payload["name"])
        existed = key in commands
        commands[key] = self._normalize_command(payload, scope, commands.get(key))
        world.watch.notify()
        return _json(commands[key], status=200 if existed else 201)

    def _find_command(self, request: web.Request) -> tuple[int | None, tuple[int, str]]:
        scope = self._command_scope(request)
        cid = request.match_info["command_id"]
        for key, cmd in self.world.commands.get(scope, {}).items():
            if cmd["id"] == cid:
                return scope, key
        raise not_found(limits.UNKNOWN_APPLICATION_COMMAND, "Unknown application command")

    async def get_command(self, request: web.Request) -> web.Response:
        scope, key = self._find_command(request)
        return _json(self.world.commands[scope][key])

    async def delete_command(self, request: web.Request) -> web.Response:
        scope, key = self._find_command(request)
        del self.world.commands[scope][key]
        return _no_content()

    # ================================================================== interaction callback
    async def callback(self, request: web.Request) -> web.Response:
        world = self.world
        arrived = world.now()
        iid = _snowflake(request.match_info["interaction_id"], "interaction_id")
        ix = world.interactions.get(iid)
        if ix is None or ix.token != request.match_info["token"]:
            raise not_found(limits.UNKNOWN_INTERACTION, "Unknown interaction")
        try:
            body, uploads = await self._message_body(request)
            if ix.acked:
                raise DiscordHTTPError(
                    400,
                    limits.INTERACTION_ALREADY_ACKNOWLEDGED,
                    "Interaction has already been acknowledged.",
                )
            if arrived - ix.dispatched_at > ix.deadline:
                raise not_found(limits.UNKNOWN_INTERACTION, "Unknown interaction")
            msg = self._apply_callback(ix, body, uploads)
        except DiscordHTTPError as e:
            if (
                e.code == limits.INVALID_FORM_BODY
                and e.errors
                and "data" not in e.errors
                and "type" not in e.errors
            ):
                e.errors = {"data": e.errors}  # message fields of a callback live under "data"
            e.interaction = ix
            raise
        ctype = body["type"]
        ix.response_type = ctype
        ix.acked_at = arrived
        ix.callback = body
        ix.changed()
        world.watch.notify()
        if request.query.get("with_response") not in _TRUTHY:
            return _no_content()
        interaction: dict[str, Any] = {"id": str(ix.id), "type": ix.type}
        response: dict[str, Any] = {"interaction": interaction}
        if msg is not None and ctype in (CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, UPDATE_MESSAGE):
            interaction.update(
                response_message_id=str(msg.id),
                response_message_loading=msg.loading,
                response_message_ephemeral=msg.ephemeral,
            )
            response["resource"] = {"type": ctype, "message": msg.payload()}
        return _json(response)

    def _apply_callback(
        self, ix: InteractionResult, body: dict[str, Any], uploads: list[Upload]
    ) -> Message | None:
        ctype = body.get("type")
        data = body.get("data")
        allowed = {
            PING: {PONG},
            APPLICATION_COMMAND: {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, MODAL},
            MESSAGE_COMPONENT: {
                CHANNEL_MESSAGE,
                DEFERRED_CHANNEL_MESSAGE,
                DEFERRED_UPDATE_MESSAGE,
                UPDATE_MESSAGE,
                MODAL,
            },
            AUTOCOMPLETE: {AUTOCOMPLETE_RESULT},
            MODAL_SUBMIT: {
                CHANNEL_MESSAGE,
                DEFERRED_CHANNEL_MESSAGE,
                DEFERRED_UPDATE_MESSAGE,
                UPDATE_MESSAGE,
            },
        }[ix.type]
        if ctype not in allowed or (
            ctype in (DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE) and ix.source_message is None
        ):
            errs = limits.FormErrors()
            errs.add(
                ["type"],
                "INTERACTION_CALLBACK_TYPE_INVALID",
                f"Callback type {ctype} is not valid for interaction type {ix.type}",
            )
            errs.raise_if_any()
        if data is not None and not isinstance(data, dict):
            raise DiscordHTTPError(
                400,
                limits.INVALID_FORM_BODY,
                "Invalid Form Body",
                {
                    "data": {
                        "_errors": [
                            {
                                "code": "DICT_TYPE_CONVERT",
                                "message": "Only dictionaries may be used in a DictType",
                            }
                        ]
                    }
                },
            )
        data = data or {}
        world = self.world
        if ctype == CHANNEL_MESSAGE:
            msg = self._create_message(
                ix.channel,
                data,
                uploads,
                via="callback",
                interaction=ix,
                type=20 if ix.type == APPLICATION_COMMAND else 0,
            )
            ix.original = msg
            return msg
        if ctype == DEFERRED_CHANNEL_MESSAGE:
            msg = world.new_message(
                ix.channel, interaction=ix, type=20 if ix.type == APPLICATION_COMMAND else 0
            )
            msg.flags = limits.FLAG_LOADING | ((data.get("flags") or 0) & limits.FLAG_EPHEMERAL)
            ix.original = msg
            return msg
        if ctype == DEFERRED_UPDATE_MESSAGE:
            ix.original = ix.source_message
            return None
        if ctype == UPDATE_MESSAGE:
            assert ix.source_message is not None
            msg = self._edit_message(ix.source_message, data, uploads, via="callback")
            ix.original = msg
            ix.original_edited = True
            return msg
        if ctype == AUTOCOMPLETE_RESULT:
            limits.validate_autocomplete(data)
            ix.choices = copy.deepcopy(data["choices"])
            return None
        if ctype == MODAL:
            limits.validate_modal(data)
            ix.modal = copy.deepcopy(data)
            return None
        return None  # PONG

    # ================================================================== interaction webhooks
    def _webhook_interaction(self, request: web.Request) -> InteractionResult:
        world = self.world
        app_id = request.match_info["application_id"]
        ix = world.interactions_by_token.get(request.match_info["token"])
        if (
            ix is None
            or app_id != str(world.application_id)
            or world.now() - ix.dispatched_at > ix.token_ttl
            or ix.response_type in (None, PONG, AUTOCOMPLETE_RESULT)
        ):
            err = not_found(limits.UNKNOWN_WEBHOOK, "Unknown Webhook")
            err.interaction = ix
            raise err
        return ix

    def _webhook_message(self, ix: InteractionResult, message_id: str) -> Message:
        if message_id == "@original":
            msg = ix.original
        else:
            mid = _snowflake(message_id, "message_id")
            msg = self.world.messages.get(mid)
            if msg is not None and msg is not ix.original and msg not in ix.followups:
                msg = None
        if msg is None or msg.deleted:
            err = not_found(limits.UNKNOWN_MESSAGE, "Unknown Message")
            err.interaction = ix
            raise err
        return msg

    async def followup(self, request: web.Request) -> web.Response:
        ix = self._webhook_interaction(request)
        try:
            payload, uploads = await self._message_body(request)
            original = ix.original
            if (
                ix.response_type == DEFERRED_CHANNEL_MESSAGE
                and original is not None
                and original.loading
                and not original.deleted
            ):
                # Discord: a followup to an unresolved deferral resolves the loading message;
                # its ephemeral state was fixed by the defer and cannot change here.
                msg = self._edit_message(original, payload, uploads, via="followup")
            else:
                msg = self._create_message(
                    ix.channel, payload, uploads, via="followup", interaction=ix
                )
                ix.followups.append(msg)
        except DiscordHTTPError as e:
            e.interaction = ix
            raise
        ix.changed()
        self.world.watch.notify()
        # Discord: for interaction followups "wait is always true"
        return _json(msg.payload())

    async def get_webhook_message(self, request: web.Request) -> web.Response:
        ix = self._webhook_interaction(request)
        return _json(self._webhook_message(ix, request.match_info["message_id"]).payload())

    async def edit_webhook_message(self, request: web.Request) -> web.Response:
        ix = self._webhook_interaction(request)
        message_id = request.match_info["message_id"]
        try:
            msg = self._webhook_message(ix, message_id)
            payload, uploads = await self._message_body(request)
            self._edit_message(msg, payload, uploads, via="webhook_edit")
        except DiscordHTTPError as e:
            e.interaction = ix
            raise
        if msg is ix.original:
            ix.original_edited = True
        ix.changed()
        return _json(msg.payload())

    async def delete_webhook_message(self, request: web.Request) -> web.Response:
        ix = self._webhook_interaction(request)
        msg = self._webhook_message(ix, request.match_info["message_id"])
        msg.deleted = True
        ix.changed()
        self.world.watch.notify()
        return _no_content()

    # ================================================================== channels & messages
    def _channel(self, request: web.Request) -> Channel:
        cid = _snowflake(request.match_info["channel_id"], "channel_id")
        channel = self.world.channels.get(cid)
        if channel is None:
            raise not_found(limits.UNKNOWN_CHANNEL, "Unknown Channel")
        if channel.guild is not None:
            perms = channel.guild.permissions_for(channel.guild.me, channel)
            if not perms & VIEW_CHANNEL:
                raise DiscordHTTPError(403, limits.MISSING_ACCESS, "Missing Access")
        return channel

    def _channel_message(self, request: web.Request, channel: Channel) -> Message:
        mid = _snowflake(request.match_info["message_id"], "message_id")
        msg = self.world.messages.get(mid)
        if msg is None or msg.channel is not channel or msg.deleted or msg.ephemeral:
            raise not_found(limits.UNKNOWN_MESSAGE, "Unknown Message")
        return msg

    def _bot_perms(self, channel: Channel) -> int:
        if channel.guild is None:
            return SEND_MESSAGES | ATTACH_FILES | VIEW_CHANNEL
        return channel.guild.permissions_for(channel.guild.me, channel)

    async def get_channel(self, request: web.Request) -> web.Response:
        return _json(self._channel(request).payload())

    async def get_channel_messages(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        try:
            limit = max(1, min(100, int(request.query.get("limit", "50"))))
        except ValueError:
            limit = 50
        before = request.query.get("before")
        after = request.query.get("after")
        msgs = [m for m in channel.messages if not m.deleted and not m.ephemeral]
        if before and before.isdigit():
            msgs = [m for m in msgs if m.id < int(before)]
        if after and after.isdigit():
            msgs = [m for m in msgs if m.id > int(after)][:limit]
        else:
            msgs = msgs[-limit:]
        return _json([m.payload() for m in reversed(msgs)])

    async def create_channel_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        payload, uploads = await self._message_body(request)
        perms = self._bot_perms(channel)
        send = SEND_MESSAGES_IN_THREADS if channel.is_thread else SEND_MESSAGES
        if not perms & send or (uploads and not perms & ATTACH_FILES):
            raise DiscordHTTPError(403, limits.MISSING_PERMISSIONS, "Missing Permissions")
        if channel.is_thread and channel.archived:
            # Discord unarchives a thread that gets a message, unless a moderator locked it.
            if channel.locked and not perms & MANAGE_THREADS:
                raise limits.thread_archived()
            channel.archived = False
            assert channel.guild is not None
            self.world.on_guild_change(channel.guild, "THREAD_UPDATE", channel)
        msg = self._create_message(channel, payload, uploads, via="channel")
        self.world.watch.notify()
        return _json(msg.payload())

    async def get_channel_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        return _json(self._channel_message(request, channel).payload())

    async def edit_channel_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        msg = self._channel_message(request, channel)
        payload, uploads = await self._message_body(request)
        if msg.author is not self.world.bot or msg.webhook_id is not None:
            raise DiscordHTTPError(
                403,
                limits.CANNOT_EDIT_OTHER_USERS_MESSAGE,
                "Cannot edit a message authored by another user",
            )
        self._edit_message(msg, payload, uploads, via="channel")
        return _json(msg.payload())

    async def delete_channel_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        msg = self._channel_message(request, channel)
        if msg.author is not self.world.bot and not self._bot_perms(channel) & MANAGE_MESSAGES:
            raise DiscordHTTPError(403, limits.MISSING_PERMISSIONS, "Missing Permissions")
        msg.deleted = True
        self.world.watch.notify()
        return _no_content()

    async def typing(self, request: web.Request) -> web.Response:
        self._channel(request)
        return _no_content()

    async def start_thread(self, request: web.Request) -> web.Response:
        """Start Thread from Message: a public thread whose id is the message's, one per
        message, in a text or announcement channel, with Create Public Threads."""
        channel = self._channel(request)
        message = self._channel_message(request, channel)
        payload, _ = await self._message_body(request)
        if channel.type not in (TEXT_CHANNEL, NEWS_CHANNEL):
            raise DiscordHTTPError(
                400,
                limits.CANNOT_EXECUTE_ON_CHANNEL_TYPE,
                "Cannot execute action on this channel type",
            )
        if not self._bot_perms(channel) & CREATE_PUBLIC_THREADS:
            raise DiscordHTTPError(403, limits.MISSING_PERMISSIONS, "Missing Permissions")
        limits.validate_thread(payload)
        if message.thread_id is not None:
            raise DiscordHTTPError(
                400,
                limits.THREAD_ALREADY_CREATED,
                "A thread has already been created for this message",
            )
        guild = channel.guild
        assert guild is not None
        thread = Channel(
            id=message.id,
            name=payload["name"],
            type=NEWS_THREAD if channel.type == NEWS_CHANNEL else PUBLIC_THREAD,
            guild=guild,
            parent_id=channel.id,
            owner_id=self.world.bot.id,
            auto_archive_duration=payload.get("auto_archive_duration") or 1440,
        )
        message.thread_id = thread.id
        guild.threads[thread.id] = thread
        self.world.channels[thread.id] = thread
        self.world.on_guild_change(guild, "THREAD_CREATE", thread)
        self.world.watch.notify()
        return _json(thread.payload(), status=201)

    # ================================================================== guilds
    def _guild(self, request: web.Request) -> Any:
        gid = _snowflake(request.match_info["guild_id"], "guild_id")
        guild = self.world.guilds.get(gid)
        if guild is None:
            raise not_found(limits.UNKNOWN_GUILD, "Unknown Guild")
        return guild

    async def get_guild(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        data = guild.payload()
        if request.query.get("with_counts") in _TRUTHY:
            data["approximate_member_count"] = len(guild.members)
            data["approximate_presence_count"] = 0
        return _json(data)

    async def get_guild_channels(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        return _json([c.payload() for c in guild.channels.values()])

    async def get_guild_roles(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        return _json([r.payload() for r in guild.roles.values()])

    async def get_guild_member(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        uid = _snowflake(request.match_info["user_id"], "user_id")
        member = guild.members.get(uid)
        if member is None:
            raise not_found(limits.UNKNOWN_MEMBER, "Unknown Member")
        return _json(member.payload())

    # ================================================================== scheduled events
    def _event(self, request: web.Request, guild: Guild) -> ScheduledEvent:
        eid = _snowflake(request.match_info["event_id"], "event_id")
        event = guild.scheduled_events.get(eid)
        if event is None:
            raise not_found(limits.UNKNOWN_GUILD_SCHEDULED_EVENT, "Unknown Guild Scheduled Event")
        return event

    def _check_event_permissions(
        self, guild: Guild, state: dict[str, Any], *, creator_id: int | None
    ) -> None:
        """Create Events to create; to modify or delete, Create Events on the bot's own events
        or Manage Events on any; a voice or stage event checks them in its channel, with
        View Channel and Connect (stage: Manage Channels, Mute and Move Members)."""
        me = guild.me
        kind = state.get("entity_type")
        channel = None
        if kind in (EVENT_VOICE, EVENT_STAGE):
            cid = state.get("channel_id")
            channel = guild.channels.get(int(cid)) if str(cid or "").isdigit() else None
            wanted = {EVENT_VOICE: VOICE_CHANNEL, EVENT_STAGE: STAGE_CHANNEL}[kind]
            if channel is None or channel.type != wanted:
                errs = limits.FormErrors()
                errs.add(
                    ["channel_id"],
                    "GUILD_SCHEDULED_EVENT_INVALID_CHANNEL",
                    "The channel does not match the entity type.",
                )
                errs.raise_if_any()
        perms = guild.permissions_for(me, channel)
        own = creator_id is None or creator_id == me.id
        may = perms & CREATE_EVENTS if own else 0
        needed = 0
        if channel is not None:
            needed = VIEW_CHANNEL | CONNECT
            if kind == EVENT_STAGE:
                needed |= MANAGE_CHANNELS | MUTE_MEMBERS | MOVE_MEMBERS
        if not (may or perms & MANAGE_EVENTS) or perms & needed != needed:
            raise DiscordHTTPError(403, limits.MISSING_PERMISSIONS, "Missing Permissions")

    async def get_scheduled_events(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        return _json([e.payload() for e in guild.scheduled_events.values()])

    async def get_scheduled_event(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        return _json(self._event(request, guild).payload())

    async def _event_body(self, request: web.Request) -> dict[str, Any]:
        """The JSON params Discord documents for the event routes; others are ignored."""
        payload, _ = await self._message_body(request)
        return {key: value for key, value in payload.items() if key in limits.EVENT_FIELDS}

    async def create_scheduled_event(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        payload = await self._event_body(request)
        self._check_event_permissions(guild, payload, creator_id=None)
        limits.validate_event(payload, self._utcnow(), creating=True)
        event = ScheduledEvent(
            id=self.world.snowflake(),
            guild=guild,
            creator_id=self.world.bot.id,
            name=payload["name"],
            entity_type=payload["entity_type"],
            scheduled_start_time=payload["scheduled_start_time"],
        )
        self._apply_event(event, payload)
        guild.scheduled_events[event.id] = event
        self.world.on_guild_change(guild, "GUILD_SCHEDULED_EVENT_CREATE", event)
        self.world.watch.notify()
        return _json(event.payload())

    async def modify_scheduled_event(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        event = self._event(request, guild)
        payload = await self._event_body(request)
        state = {**event.payload(), **payload}
        if state.get("entity_type") != EVENT_EXTERNAL:
            state["entity_metadata"] = None  # Discord discards it for voice and stage events
        self._check_event_permissions(guild, state, creator_id=event.creator_id)
        if event.status in (EVENT_COMPLETED, EVENT_CANCELED):
            errs = limits.FormErrors()
            errs.add(
                ["status"],
                "GUILD_SCHEDULED_EVENT_INVALID_STATUS",
                "The event has ended or was canceled.",
            )
            errs.raise_if_any()
        moved = state.get("scheduled_start_time") != event.scheduled_start_time
        limits.validate_event(state, self._utcnow(), creating=moved)
        self._apply_event(event, state)
        event.edits += 1
        self.world.on_guild_change(guild, "GUILD_SCHEDULED_EVENT_UPDATE", event)
        self.world.watch.notify()
        return _json(event.payload())

    async def delete_scheduled_event(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        event = self._event(request, guild)
        self._check_event_permissions(guild, event.payload(), creator_id=event.creator_id)
        del guild.scheduled_events[event.id]
        self.world.on_guild_change(guild, "GUILD_SCHEDULED_EVENT_DELETE", event)
        self.world.watch.notify()
        return _no_content()

    @staticmethod
    def _apply_event(event: ScheduledEvent, state: dict[str, Any]) -> None:
        event.name = state["name"]
        event.entity_type = state["entity_type"]
        event.scheduled_start_time = state["scheduled_start_time"]
        event.scheduled_end_time = state.get("scheduled_end_time")
        event.description = state.get("description")
        event.privacy_level = state.get("privacy_level", event.privacy_level)
        event.status = state.get("status") or event.status
        cid = state.get("channel_id")
        event.channel_id = int(cid) if cid is not None else None
        metadata = state.get("entity_metadata") or {}
        event.location = metadata.get("location") if event.entity_type == EVENT_EXTERNAL else None

    def _utcnow(self) -> datetime:
        """Discord's clock: the wall clock moved by ``advance_time``."""
        return datetime.now(UTC) + timedelta(seconds=self.world.time_offset)
