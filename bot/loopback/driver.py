"""Test-facing API of the loopback Discord.

    async with LoopbackDiscord(deadline=3.0) as api:
        guild = api.add_guild("AI読み会", channels=["papers"])
        hanako = guild.add_member("hanako", locale="ja")
        async with running_bot(client, api):          # bot/loopback/fixtures.py
            result = await api.invoke(guild, hanako, "ask", {"question": "..."})
            await result.wait_final(timeout=10)
            assert result.ephemeral and "..." in result.text

Everything runs in the test's event loop. Interactions are validated against the commands the
bot registered (``PUT .../commands``), like the Discord client does: unknown commands/options,
missing required options, values outside ``choices``/min/max raise in the test, not in the bot.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from . import limits
from .gateway import Gateway
from .model import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    ApiError,
    Channel,
    Guild,
    InteractionResult,
    Member,
    Message,
    Role,
    StoredFile,
    User,
    World,
    perm_value,
)
from .serve import serve
from .server import RestApi

__all__ = ["InteractionRejected", "LoopbackDiscord"]


class InteractionRejected(AssertionError):
    """The bot's answer to an interaction was refused by the loopback (see ``result``)."""

    def __init__(self, result: InteractionResult) -> None:
        super().__init__(result.describe())
        self.result = result


class LoopbackDiscord:
    """A loopback Discord (REST + gateway) plus the controls a test needs.

    Parameters
    ----------
    deadline:
        Seconds after INTERACTION_CREATE within which the first callback must arrive
        (Discord: 3.0); later callbacks get 404 ``10062 Unknown interaction``.
    token_ttl:
        Lifetime of interaction tokens for followups/edits (Discord: 15 min); then
        ``10015 Unknown Webhook``. ``advance_time()`` fast-forwards this clock.
    privileged_intents:
        Privileged intent bits enabled for the application (default none, so a bot
        identifying with members/presences/message_content is closed with 4014).
    """

    def __init__(
        self,
        *,
        deadline: float = 3.0,
        token_ttl: float = 15 * 60.0,
        bot_name: str = "yomikai",
        token: str | None = None,
        heartbeat_interval_ms: int = 41250,
        privileged_intents: int = 0,
        attachment_size_limit: int = 10 * 1024 * 1024,
    ) -> None:
        self.world = World(
            bot_name=bot_name,
            token=token or f"loopback.{secrets.token_urlsafe(24)}",
            deadline=deadline,
            token_ttl=token_ttl,
            attachment_size_limit=attachment_size_limit,
        )
        self.gateway = Gateway(
            self.world,
            heartbeat_interval_ms=heartbeat_interval_ms,
            privileged_intents=privileged_intents,
        )
        self._rest = RestApi(self.world, self.gateway)
        self._stack: contextlib.AsyncExitStack | None = None
        self.base_url = ""

    # ------------------------------------------------------------------ lifecycle
    async def __aenter__(self) -> LoopbackDiscord:
        stack = contextlib.AsyncExitStack()
        self.base_url = await stack.enter_async_context(serve(self._rest.build_app()))
        self._stack = stack
        self.world.base_url = self.base_url
        self.gateway.url = self.gateway_url
        return self

    async def __aexit__(self, exc_type: object, *exc: object) -> None:
        await self.gateway.close_all()
        if self._stack is not None:
            await self._stack.aclose()
            self._stack = None
        if self.world.internal_errors and exc_type is None:
            raise AssertionError(
                "the loopback Discord itself failed:\n" + "\n".join(self.world.internal_errors)
            )

    @property
    def api_url(self) -> str:
        """Value for ``discord.http.Route.BASE``."""
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        """Websocket URL (what ``GET /gateway/bot`` returns)."""
        return "ws" + self.base_url.removeprefix("http") + "/gateway"

    @property
    def token(self) -> str:
        """The bot token the loopback accepts (REST ``Authorization: Bot ...`` and IDENTIFY)."""
        return self.world.token

    @property
    def bot(self) -> User:
        return self.world.bot

    @property
    def application_id(self) -> int:
        return self.world.application_id

    # ------------------------------------------------------------------ building the world
    def add_user(self, name: str, *, bot: bool = False, locale: str = "ja") -> User:
        """A user not (yet) in any guild; pass it to ``guild.add_member(user=...)``."""
        return self.world.add_user(name, bot=bot, locale=locale)

    def add_guild(
        self,
        name: str,
        *,
        channels: Sequence[str] = ("general",),
        locale: str = "ja",
        owner_name: str = "owner",
        everyone_permissions: Any = DEFAULT_EVERYONE_PERMISSIONS,
        bot_permissions: Any = DEFAULT_BOT_PERMISSIONS,
        features: Iterable[str] = (),
    ) -> Guild:
        """A guild with @everyone, the bot's managed role and member, an owner member
        (``guild.owner``) and text channels named ``channels``. Added after READY, the bot
        receives GUILD_CREATE for it."""
        world = self.world
        guild = Guild(
            id=world.snowflake(),
            name=name,
            world=world,
            locale=locale,
            features=list(features),
        )
        everyone = Role(
            id=guild.id,
            guild=guild,
            name="@everyone",
            permissions=perm_value(everyone_permissions),
        )
        guild.roles[everyone.id] = everyone
        bot_role = guild.add_role(world.bot.name, permissions=bot_permissions)
        bot_role.managed = True
        bot_role.bot_id = world.bot.id
        guild.add_member(user=world.bot, roles=[bot_role], locale="en-US")
        owner = guild.add_member(owner_name, locale=locale)
        guild.owner_id = owner.id
        for channel_name in channels:
            guild.add_channel(channel_name)
        world.guilds[guild.id] = guild
        self.gateway.announce_guild(guild)
        return guild

    def advance_time(self, seconds: float) -> None:
        """Move the loopback's clock (deadlines, token expiry) forward."""
        self.world.time_offset += seconds

    # ------------------------------------------------------------------ connection
    async def wait_ready(self, timeout: float = 10.0, *, sessions: int = 1) -> None:
        """Until ``sessions`` gateway sessions identified (or resumed) and had READY and every
        GUILD_CREATE written to their socket."""
        await self.world.watch.wait_until(
            lambda: self.gateway.ready_sessions >= sessions,
            timeout,
            lambda: (
                f"{self.gateway.ready_sessions}/{sessions} sessions ready "
                f"(identifies={len(self.gateway.identifies)}, "
                f"close codes={self.gateway.close_codes}, errors={[str(e) for e in self.errors]})"
            ),
        )

    def request_reconnect(self) -> None:
        """Send op 7 RECONNECT to every session (the bot should RESUME); then ``wait_ready``."""
        self.gateway.request_reconnect()

    async def drop_connection(self, code: int = 4000) -> None:
        """Close the bot's websocket from the server with ``code``."""
        await self.gateway.drop(code)

    # ------------------------------------------------------------------ interactions
    async def invoke(
        self,
        guild: Guild,
        member: Member,
        command: str,
        options: Mapping[str, Any] | None = None,
        *,
        channel: Channel | None = None,
        locale: str | None = None,
    ) -> InteractionResult:
        """Dispatch a slash command (APPLICATION_COMMAND) and return its live record.

        ``command`` may name a subcommand path: ``"paper add"``. Option values are
        converted to the registered option type (``"3"`` for an INTEGER option becomes 3);
        members, users, roles and channels go to ``data.resolved``.
        """
        data = self._command_data(
            guild, member, command, options or {}, channel=channel, focused=None
        )
        return self._dispatch(
            APPLICATION_COMMAND, guild, member, data, channel=channel, locale=locale
        )

    async def start_autocomplete(
        self,
        guild: Guild,
        member: Member,
        command: str,
        options: Mapping[str, Any],
        *,
        focused: str,
        channel: Channel | None = None,
        locale: str | None = None,
    ) -> InteractionResult:
        """Dispatch an APPLICATION_COMMAND_AUTOCOMPLETE interaction (focused value is sent as
        the typed string, like Discord does)."""
        data = self._command_data(guild, member, command, options, channel=channel, focused=focused)
        return self._dispatch(AUTOCOMPLETE, guild, member, data, channel=channel, locale=locale)

    async def autocomplete(
        self,
        guild: Guild,
        member: Member,
        command: str,
        options: Mapping[str, Any],
        *,
        focused: str,
        channel: Channel | None = None,
        locale: str | None = None,
        timeout: float = 10.0,
    ) -> list[dict[str, Any]]:
        """Autocomplete and return the accepted choices (``[{"name":..., "value":...}]``).
        Raises :class:`InteractionRejected` if the bot's answer was refused."""
        result = await self.start_autocomplete(
            guild, member, command, options, focused=focused, channel=channel, locale=locale
        )
        await result.wait_settled(timeout)
        if result.choices is None:
            raise InteractionRejected(result)
        return result.choices

    async def click(
        self,
        guild: Guild,
        member: Member,
        message: Message | int,
        custom_id: str,
        *,
        values: Sequence[Any] | None = None,
        locale: str | None = None,
    ) -> InteractionResult:
        """Dispatch a MESSAGE_COMPONENT interaction for a button or select on ``message``.

        ``values`` are select values (strings for string selects; members/roles/channels for
        the other select types). Like the Discord client, refuses disabled components,
        unknown custom_ids and values outside the options/min/max."""
        msg = message if isinstance(message, Message) else self.world.messages[int(message)]
        if msg.deleted:
            raise LookupError(f"message {msg.id} was deleted")
        if msg.channel.guild is not guild:
            raise ValueError("message is not in this guild")
        comp = msg.component(custom_id)
        if comp.get("disabled"):
            raise ValueError(f"component {custom_id!r} is disabled")
        ctype = comp["type"]
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": ctype}
        if ctype == limits.BUTTON:
            if values:
                raise ValueError("buttons take no values")
        elif ctype in limits.SELECT_TYPES:
            vals = list(values or [])
            lo, hi = comp.get("min_values", 1), comp.get("max_values", 1)
            if not lo <= len(vals) <= hi:
                raise ValueError(f"select {custom_id!r} takes {lo}..{hi} values, got {len(vals)}")
            if ctype == limits.STRING_SELECT:
                valid = [o["value"] for o in comp.get("options") or []]
                bad = [v for v in vals if v not in valid]
                if bad:
                    raise ValueError(f"values {bad} are not options of {custom_id!r}: {valid}")
                data["values"] = vals
            else:
                option_type = {5: 6, 6: 8, 7: 9, 8: 7}[ctype]
                resolved: dict[str, dict[str, Any]] = {}
                data["values"] = [
                    self._resolve(option_type, v, member, msg.channel, resolved) for v in vals
                ]
                data["resolved"] = resolved
        else:
            raise ValueError(f"component type {ctype} is not clickable")
        return self._dispatch(
            MESSAGE_COMPONENT,
            guild,
            member,
            data,
            channel=msg.channel,
            locale=locale,
            message=msg,
        )

    async def submit_modal(
        self,
        source: InteractionResult,
        values: Mapping[str, str | Sequence[str]],
        *,
        locale: str | None = None,
    ) -> InteractionResult:
        """Submit the modal the bot answered ``source`` with (MODAL_SUBMIT). ``values`` maps
        text input custom_ids to text (select custom_ids to lists of values)."""
        modal = source.modal
        if modal is None:
            raise ValueError(f"{source.describe()} did not answer with a modal")
        remaining = dict(values)
        components: list[dict[str, Any]] = []

        def leaf(comp: dict[str, Any]) -> dict[str, Any]:
            cid = comp.get("custom_id")
            if comp.get("type") == limits.TEXT_INPUT:
                text = remaining.pop(cid, comp.get("value") or "")
                if not isinstance(text, str):
                    raise TypeError(f"text input {cid!r} takes a str")
                lo, hi = comp.get("min_length", 0), comp.get("max_length", 4000)
                if comp.get("required", True) and not text:
                    raise ValueError(f"text input {cid!r} is required")
                if text and not lo <= len(text) <= hi:
                    raise ValueError(f"text input {cid!r} takes {lo}..{hi} characters")
                return {"type": limits.TEXT_INPUT, "custom_id": cid, "value": text}
            if comp.get("type") == limits.STRING_SELECT:
                picked = list(remaining.pop(cid, []))
                return {"type": limits.STRING_SELECT, "custom_id": cid, "values": picked}
            return {"type": comp.get("type"), "id": comp.get("id", 0)}

        for top in modal.get("components") or []:
            if top.get("type") == limits.ACTION_ROW:
                components.append(
                    {
                        "type": limits.ACTION_ROW,
                        "components": [leaf(c) for c in top.get("components") or []],
                    }
                )
            elif top.get("type") == limits.LABEL:
                components.append(
                    {
                        "type": limits.LABEL,
                        "id": top.get("id", 0),
                        "component": leaf(top["component"]),
                    }
                )
            else:
                components.append({"type": top.get("type"), "id": top.get("id", 0)})
        if remaining:
            raise KeyError(f"modal {modal.get('custom_id')!r} has no inputs {sorted(remaining)}")
        data = {"custom_id": modal["custom_id"], "components": components}
        return self._dispatch(
            MODAL_SUBMIT,
            source.guild,
            source.member,
            data,
            channel=source.channel,
            locale=locale,
            message=source.source_message,
        )

    # ------------------------------------------------------------------ inspection
    @property
    def errors(self) -> list[ApiError]:
        """Every 4xx the loopback answered, oldest first."""
        return self.world.errors

    @property
    def internal_errors(self) -> list[str]:
        """Tracebacks of bugs in the loopback itself (also raised when the context exits)."""
        return self.world.internal_errors

    @property
    def unknown_routes(self) -> list[tuple[str, str]]:
        """``(method, path?query)`` of requests no route matched (answered 404/405)."""
        return self.world.unknown_routes

    @property
    def interactions(self) -> list[InteractionResult]:
        return list(self.world.interactions.values())

    def message(self, message_id: int | str) -> Message:
        return self.world.messages[int(message_id)]

    def channel_messages(
        self,
        channel: Channel | int,
        *,
        include_ephemeral: bool = True,
        include_deleted: bool = False,
    ) -> list[Message]:
        """Messages in a channel, oldest first (interaction answers included)."""
        ch = channel if isinstance(channel, Channel) else self.world.channels[int(channel)]
        return [
            m
            for m in ch.messages
            if (include_ephemeral or not m.ephemeral) and (include_deleted or not m.deleted)
        ]

    def bot_messages(self) -> list[Message]:
        """Every message the bot created (any channel, including deleted ones)."""
        bot = self.world.bot
        return [m for m in self.world.messages.values() if m.author is bot]

    def messages_allowing_pings(self, *, strict: bool = False) -> list[Message]:
        """Bot messages where some create/edit carried content without suppressed mentions
        (``allowed_mentions`` missing, or ``parse``/``users``/``roles``/``replied_user`` set),
        except pings declared with :meth:`allow_pings`. ``strict`` also flags content-less
        writes."""
        allowed = self.world.ping_allowances
        return [
            m
            for m in self.bot_messages()
            if m.allows_pings(
                strict=strict,
                expected=frozenset(
                    u
                    for c, u, start in allowed
                    if c == m.channel.id and m.content.startswith(start)
                ),
            )
        ]

    def allow_pings(self, user: Member | User, *, channel: Channel, starting: str = "") -> None:
        """Declare that bot messages in ``channel`` whose content starts with ``starting`` may
        ping ``user``: a write whose ``allowed_mentions`` names that user alone (no ``parse``,
        roles or reply ping) is not reported by :meth:`messages_allowing_pings`; any broader
        one, or one elsewhere, still is."""
        self.world.ping_allowances.add((channel.id, user.id, starting))

    def _scope(self, guild: Guild | int | None) -> int | None:
        return guild.id if isinstance(guild, Guild) else guild

    def commands(self, guild: Guild | int | None = None) -> list[dict[str, Any]]:
        """Registered command objects: global ones, or a guild's with ``guild``."""
        return list(self.world.commands.get(self._scope(guild), {}).values())

    def command_puts(self, guild: Guild | int | None = None) -> int:
        """How many bulk-overwrite PUTs the bot sent for this scope (including rejected)."""
        return self.world.command_puts.get(self._scope(guild), 0)

    async def wait_until(
        self, predicate: Callable[[], bool], *, timeout: float = 10.0, what: str = "condition"
    ) -> None:
        """Until ``predicate()`` holds, re-checked whenever a message is created or edited."""
        await self.world.watch.wait_until(predicate, timeout, lambda: f"{what} never held")

    async def wait_channel_messages(
        self, channel: Channel | int, count: int, *, timeout: float = 10.0
    ) -> list[Message]:
        """Until the channel holds at least ``count`` messages everyone can see."""

        def visible() -> list[Message]:
            return self.channel_messages(channel, include_ephemeral=False)

        await self.world.watch.wait_until(
            lambda: len(visible()) >= count,
            timeout,
            lambda: f"channel has {len(visible())} visible messages, waiting for {count}",
        )
        return visible()

    async def wait_commands(
        self,
        guild: Guild | int | None = None,
        names: Iterable[str] = (),
        *,
        timeout: float = 10.0,
    ) -> list[dict[str, Any]]:
        """Until the scope has registered commands (and every one of ``names``)."""
        scope = self._scope(guild)
        wanted = set(names)

        def done() -> bool:
            cmds = self.world.commands.get(scope)
            return bool(cmds) and wanted <= {name for _, name in cmds}

        await self.world.watch.wait_until(
            done,
            timeout,
            lambda: (
                f"commands for {scope}: {sorted(c['name'] for c in self.commands(scope))}"
                f", want {sorted(wanted)}"
            ),
        )
        return self.commands(scope)

    # ------------------------------------------------------------------ internals
    def _find_command(self, guild: Guild, name: str) -> dict[str, Any]:
        world = self.world
        cmd = world.commands.get(guild.id, {}).get((1, name)) or world.commands.get(None, {}).get(
            (1, name)
        )
        if cmd is None:
            known = sorted(
                {
                    n
                    for scope in (guild.id, None)
                    for (t, n) in world.commands.get(scope, {})
                    if t == 1
                }
            )
            raise LookupError(
                f"/{name} is not registered for guild {guild.name!r} or globally "
                f"(did the bot sync its tree?); registered: {known}"
            )
        return cmd

    def _command_data(
        self,
        guild: Guild,
        member: Member,
        command: str,
        options: Mapping[str, Any],
        *,
        channel: Channel | None,
        focused: str | None,
    ) -> dict[str, Any]:
        parts = command.split()
        if not parts:
            raise ValueError("empty command name")
        cmd = self._find_command(guild, parts[0])
        data: dict[str, Any] = {"id": cmd["id"], "name": cmd["name"], "type": 1}
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        container = data
        schema: list[dict[str, Any]] = cmd.get("options") or []
        for sub in parts[1:]:
            found = next((o for o in schema if o["name"] == sub and o.get("type") in (1, 2)), None)
            if found is None:
                subs = [o["name"] for o in schema if o.get("type") in (1, 2)]
                raise LookupError(f"/{command}: no subcommand {sub!r}; has {subs}")
            node: dict[str, Any] = {"type": found["type"], "name": sub, "options": []}
            container["options"] = [node]
            container = node
            schema = found.get("options") or []
        if any(o.get("type") in (1, 2) for o in schema):
            subs = [o["name"] for o in schema if o.get("type") in (1, 2)]
            raise ValueError(f"/{command} needs a subcommand: one of {subs}")
        resolved: dict[str, dict[str, Any]] = {}
        target_channel = channel or guild.text_channel
        built = self._build_options(
            schema, options, member, target_channel, resolved, focused=focused, path=command
        )
        if built or container is not data:
            container["options"] = built
        if resolved:
            data["resolved"] = resolved
        return data

    def _build_options(
        self,
        schema: list[dict[str, Any]],
        values: Mapping[str, Any],
        member: Member,
        channel: Channel,
        resolved: dict[str, dict[str, Any]],
        *,
        focused: str | None,
        path: str,
    ) -> list[dict[str, Any]]:
        by_name = {o["name"]: o for o in schema}
        out: list[dict[str, Any]] = []
        for name, value in values.items():
            opt = by_name.get(name)
            if opt is None:
                raise KeyError(f"/{path} has no option {name!r}; options: {list(by_name)}")
            otype = opt["type"]
            if name == focused:
                if not opt.get("autocomplete"):
                    raise ValueError(f"/{path} option {name!r} does not have autocomplete")
                out.append({"type": otype, "name": name, "value": str(value), "focused": True})
                continue
            out.append(
                {
                    "type": otype,
                    "name": name,
                    "value": self._option_value(opt, value, member, channel, resolved, path),
                }
            )
        if focused is None:
            missing = [o["name"] for o in schema if o.get("required") and o["name"] not in values]
            if missing:
                raise ValueError(f"/{path}: missing required options {missing}")
        elif focused not in values:
            raise ValueError(f"focused option {focused!r} must be among the options")
        return out

    def _option_value(
        self,
        opt: dict[str, Any],
        value: Any,
        member: Member,
        channel: Channel,
        resolved: dict[str, dict[str, Any]],
        path: str,
    ) -> Any:
        otype, name = opt["type"], opt["name"]
        where = f"/{path} option {name!r}"
        if otype == 3:
            value = str(value)
            lo, hi = opt.get("min_length", 0), opt.get("max_length", 6000)
            if not lo <= len(value) <= hi:
                raise ValueError(f"{where}: length must be {lo}..{hi}")
        elif otype in (4, 10):
            if isinstance(value, bool):
                raise TypeError(f"{where}: expects a number")
            num = float(value)
            if otype == 4:
                if num != int(num):
                    raise ValueError(f"{where}: expects an integer, got {value!r}")
                value = int(num)
            else:
                value = num
            lo, hi = opt.get("min_value"), opt.get("max_value")
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                raise ValueError(f"{where}: must be within {lo}..{hi}")
        elif otype == 5:
            if not isinstance(value, bool):
                raise TypeError(f"{where}: expects a bool")
        elif otype in (6, 7, 8, 9, 11):
            value = self._resolve(otype, value, member, channel, resolved, opt=opt, where=where)
        choices = opt.get("choices")
        if choices and value not in [c["value"] for c in choices]:
            raise ValueError(f"{where}: {value!r} is not one of {[c['value'] for c in choices]}")
        return value

    def _resolve(
        self,
        otype: int,
        value: Any,
        invoker: Member,
        channel: Channel,
        resolved: dict[str, dict[str, Any]],
        *,
        opt: dict[str, Any] | None = None,
        where: str = "value",
    ) -> str:
        """Put an entity into ``resolved`` and return its id string."""
        if otype in (6, 9) and isinstance(value, Member):
            resolved.setdefault("users", {})[str(value.id)] = value.user.payload()
            member = value.payload(with_user=False, channel=channel)
            resolved.setdefault("members", {})[str(value.id)] = member
            return str(value.id)
        if otype in (6, 9) and isinstance(value, User):
            resolved.setdefault("users", {})[str(value.id)] = value.payload()
            return str(value.id)
        if otype in (8, 9) and isinstance(value, Role):
            resolved.setdefault("roles", {})[str(value.id)] = value.payload()
            return str(value.id)
        if otype == 7 and isinstance(value, Channel):
            types = (opt or {}).get("channel_types")
            if types and value.type not in types:
                raise ValueError(f"{where}: channel type {value.type} not in {types}")
            data = value.payload()
            data["permissions"] = str(invoker.permissions(value))
            resolved.setdefault("channels", {})[str(value.id)] = data
            return str(value.id)
        if otype == 11:
            if isinstance(value, StoredFile):
                stored = value
            else:
                filename, blob = value
                stored = StoredFile(id=self.world.snowflake(), filename=filename, data=bytes(blob))
            self.world.uploads[stored.id] = stored
            resolved.setdefault("attachments", {})[str(stored.id)] = stored.payload(
                self.base_url, channel.id
            )
            return str(stored.id)
        raise TypeError(f"{where}: cannot use {value!r} for option type {otype}")

    def _dispatch(
        self,
        itype: int,
        guild: Guild,
        member: Member,
        data: dict[str, Any],
        *,
        channel: Channel | None,
        locale: str | None,
        message: Message | None = None,
    ) -> InteractionResult:
        world = self.world
        if member.guild is not guild:
            raise ValueError(f"{member.name} is not a member of {guild.name}")
        channel = channel or guild.text_channel
        iid = world.snowflake()
        token = f"aW50ZXJhY3Rpb246{iid}{secrets.token_urlsafe(48)}"
        channel_data = channel.payload()
        channel_data["permissions"] = str(member.permissions(channel))
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(world.application_id),
            "type": itype,
            "data": data,
            "guild": guild.partial_payload(),
            "guild_id": str(guild.id),
            "channel": channel_data,
            "channel_id": str(channel.id),
            "member": member.payload(channel=channel),
            "token": token,
            "version": 1,
            "app_permissions": str(guild.permissions_for(guild.me, channel)),
            "locale": locale or member.locale,
            "guild_locale": guild.locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
            "attachment_size_limit": world.attachment_size_limit,
        }
        if message is not None:
            payload["message"] = message.payload()
        result = InteractionResult(
            id=iid,
            token=token,
            type=itype,
            guild=guild,
            member=member,
            channel=channel,
            payload=payload,
            dispatched_at=world.now(),
            deadline=world.deadline,
            token_ttl=world.token_ttl,
            source_message=message,
        )
        world.interactions[iid] = result
        world.interactions_by_token[token] = result
        self.gateway.dispatch("INTERACTION_CREATE", payload)
        return result
