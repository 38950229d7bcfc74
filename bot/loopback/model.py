"""The loopback Discord's world: users, guilds, channels, messages and interaction records.

Entities render themselves as Discord JSON (``payload()``); ids are real snowflakes (ints here,
strings on the wire).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import limits

if TYPE_CHECKING:
    from .limits import DiscordHTTPError

DISCORD_EPOCH_MS = 1420070400000

# ----------------------------------------------------------------------- permission bits
CREATE_INSTANT_INVITE = 1 << 0
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_EXTERNAL_EMOJIS = 1 << 18
CONNECT = 1 << 20
SPEAK = 1 << 21
CHANGE_NICKNAME = 1 << 26
MUTE_MEMBERS = 1 << 22
MOVE_MEMBERS = 1 << 24
USE_APPLICATION_COMMANDS = 1 << 31
MANAGE_EVENTS = 1 << 33
MANAGE_THREADS = 1 << 34
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38
CREATE_EVENTS = 1 << 44
ALL_PERMISSIONS = (1 << 51) - 1

DEFAULT_EVERYONE_PERMISSIONS = (
    CREATE_INSTANT_INVITE
    | ADD_REACTIONS
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_EXTERNAL_EMOJIS
    | CONNECT
    | SPEAK
    | CHANGE_NICKNAME
    | USE_APPLICATION_COMMANDS
    | SEND_MESSAGES_IN_THREADS
)
# What yomikai's invite grants (README), plus what the loopback's tests came to rely on.
DEFAULT_BOT_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | ADD_REACTIONS
    | CREATE_PUBLIC_THREADS
    | SEND_MESSAGES_IN_THREADS
    | CREATE_EVENTS
)

TEXT_CHANNEL = 0
VOICE_CHANNEL = 2
CATEGORY_CHANNEL = 4
NEWS_CHANNEL = 5
NEWS_THREAD = 10
PUBLIC_THREAD = 11
STAGE_CHANNEL = 13
THREAD_TYPES = frozenset({NEWS_THREAD, PUBLIC_THREAD})


def perm_value(value: Any) -> int:
    """Accept an int or anything with ``.value`` (e.g. ``discord.Permissions``)."""
    if value is None:
        return 0
    return int(getattr(value, "value", value))


class Snowflakes:
    """Monotonic snowflake generator: timestamp bits from the wall clock, then a counter."""

    def __init__(self) -> None:
        self._last = 0

    def __call__(self) -> int:
        now = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last = max(now, self._last + 1)
        return self._last


def snowflake_time(snowflake: int) -> str:
    ms = (snowflake >> 22) + DISCORD_EPOCH_MS
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).isoformat()


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


class Watch:
    """Wake every waiter when something changed; waiters re-check their own predicate."""

    def __init__(self) -> None:
        self._waiters: list[asyncio.Future[None]] = []

    def notify(self) -> None:
        waiters, self._waiters = self._waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    async def wait_until(
        self, predicate: Callable[[], bool], timeout: float, describe: Callable[[], str]
    ) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {timeout}s: {describe()}")
            fut = loop.create_future()
            self._waiters.append(fut)
            try:
                await asyncio.wait_for(fut, remaining)
            except TimeoutError:
                continue


# ============================================================================ entities
@dataclass(eq=False)
class User:
    id: int
    name: str
    bot: bool = False
    global_name: str | None = None
    locale: str = "ja"

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "username": self.name,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass(eq=False)
class Role:
    id: int
    guild: Guild
    name: str
    permissions: int = 0
    position: int = 0
    managed: bool = False
    bot_id: int | None = None

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": False,
            "flags": 0,
        }
        if self.bot_id is not None:
            data["tags"] = {"bot_id": str(self.bot_id)}
        return data


@dataclass(eq=False)
class Channel:
    id: int
    name: str
    type: int = TEXT_CHANNEL
    guild: Guild | None = None
    position: int = 0
    topic: str | None = None
    parent_id: int | None = None
    overwrites: dict[int, tuple[int, int, int]] = field(
        default_factory=dict
    )  # id -> type,allow,deny
    recipients: list[User] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list, repr=False)
    last_message_id: int | None = None
    # Threads only: who started it, and its archive state (a locked thread stays archived).
    owner_id: int | None = None
    archived: bool = False
    locked: bool = False
    auto_archive_duration: int = 1440
    created_at: str = field(default_factory=now_iso)

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    @property
    def is_thread(self) -> bool:
        return self.type in THREAD_TYPES

    def set_overwrite(self, target: Role | Member, *, allow: Any = 0, deny: Any = 0) -> None:
        kind = 0 if isinstance(target, Role) else 1
        self.overwrites[target.id] = (kind, perm_value(allow), perm_value(deny))

    def payload(self, *, in_guild_create: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {"id": str(self.id), "type": self.type, "flags": 0}
        if self.type == 1:  # DM
            data["recipients"] = [u.payload() for u in self.recipients]
            data["last_message_id"] = _opt_id(self.last_message_id)
            return data
        data.update(
            name=self.name,
            position=self.position,
            parent_id=_opt_id(self.parent_id),
            permission_overwrites=[
                {"id": str(i), "type": t, "allow": str(a), "deny": str(d)}
                for i, (t, a, d) in self.overwrites.items()
            ],
            nsfw=False,
        )
        if not in_guild_create and self.guild is not None:
            data["guild_id"] = str(self.guild.id)
        if self.is_thread:
            del data["position"], data["permission_overwrites"]
            data.update(
                owner_id=_opt_id(self.owner_id),
                last_message_id=_opt_id(self.last_message_id),
                rate_limit_per_user=0,
                message_count=len(self.messages),
                member_count=1,
                total_message_sent=len(self.messages),
                thread_metadata={
                    "archived": self.archived,
                    "auto_archive_duration": self.auto_archive_duration,
                    "archive_timestamp": self.created_at,
                    "locked": self.locked,
                    "create_timestamp": self.created_at,
                },
            )
        elif self.type in (TEXT_CHANNEL, NEWS_CHANNEL):
            data.update(
                topic=self.topic,
                rate_limit_per_user=0,
                last_message_id=_opt_id(self.last_message_id),
            )
        elif self.type in (VOICE_CHANNEL, STAGE_CHANNEL):
            data.update(bitrate=64000, user_limit=0, rtc_region=None, rate_limit_per_user=0)
        return data


def _opt_id(value: int | None) -> str | None:
    return None if value is None else str(value)


@dataclass(eq=False)
class Member:
    user: User
    guild: Guild
    roles: list[Role] = field(default_factory=list)
    nick: str | None = None
    locale: str = "ja"
    joined_at: str = field(default_factory=now_iso)

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def name(self) -> str:
        return self.user.name

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def permissions(self, channel: Channel | None = None) -> int:
        return self.guild.permissions_for(self, channel)

    def payload(self, *, with_user: bool = True, channel: Channel | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "roles": [str(r.id) for r in self.roles],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
            "unusual_dm_activity_until": None,
        }
        if with_user:
            data["user"] = self.user.payload()
        if channel is not None:
            data["permissions"] = str(self.permissions(channel))
        return data


@dataclass(eq=False)
class Guild:
    id: int
    name: str
    world: World = field(repr=False)
    locale: str = "ja"
    owner_id: int = 0
    features: list[str] = field(default_factory=list)
    roles: dict[int, Role] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    threads: dict[int, Channel] = field(default_factory=dict)
    scheduled_events: dict[int, ScheduledEvent] = field(default_factory=dict)

    # ------------------------------------------------------------------ building the guild
    @property
    def everyone(self) -> Role:
        return self.roles[self.id]

    @property
    def owner(self) -> Member:
        return self.members[self.owner_id]

    @property
    def me(self) -> Member:
        """The bot's member in this guild."""
        return self.members[self.world.bot.id]

    @property
    def text_channel(self) -> Channel:
        """The first text channel."""
        for channel in self.channels.values():
            if channel.type == TEXT_CHANNEL:
                return channel
        raise LookupError(f"guild {self.name!r} has no text channel")

    def channel(self, name: str) -> Channel:
        for channel in self.channels.values():
            if channel.name == name:
                return channel
        raise LookupError(f"guild {self.name!r} has no channel named {name!r}")

    def role(self, name: str) -> Role:
        for role in self.roles.values():
            if role.name == name:
                return role
        raise LookupError(f"guild {self.name!r} has no role named {name!r}")

    def add_role(self, name: str, *, permissions: Any = 0) -> Role:
        role = Role(
            id=self.world.snowflake(),
            guild=self,
            name=name,
            permissions=perm_value(permissions),
            position=len(self.roles),
        )
        self.roles[role.id] = role
        self.world.on_guild_change(self, "GUILD_ROLE_CREATE", role)
        return role

    def add_channel(
        self,
        name: str,
        *,
        type: int = TEXT_CHANNEL,
        topic: str | None = None,
        parent: Channel | None = None,
    ) -> Channel:
        channel = Channel(
            id=self.world.snowflake(),
            name=name,
            type=type,
            guild=self,
            position=len(self.channels),
            topic=topic,
            parent_id=parent.id if parent else None,
        )
        self.channels[channel.id] = channel
        self.world.channels[channel.id] = channel
        self.world.on_guild_change(self, "CHANNEL_CREATE", channel)
        return channel

    def add_member(
        self,
        name: str | None = None,
        *,
        user: User | None = None,
        permissions: Any = None,
        roles: list[Role | str] | tuple[Role | str, ...] = (),
        locale: str = "ja",
        bot: bool = False,
        nick: str | None = None,
    ) -> Member:
        """Add a member. ``permissions`` creates a personal role with those permissions
        (Discord only grants permissions through roles); ``roles`` takes roles or role names
        (unknown names are created with no permissions)."""
        if user is None:
            if name is None:
                raise ValueError("add_member needs a name or a user")
            user = self.world.add_user(name, bot=bot, locale=locale)
        member_roles: list[Role] = []
        for r in roles:
            if isinstance(r, Role):
                member_roles.append(r)
            else:
                try:
                    member_roles.append(self.role(r))
                except LookupError:
                    member_roles.append(self.add_role(r))
        if permissions is not None:
            member_roles.append(self.add_role(f"{user.name}-permissions", permissions=permissions))
        member = Member(user=user, guild=self, roles=member_roles, nick=nick, locale=locale)
        self.members[user.id] = member
        return member

    def remove_member(self, member: Member) -> None:
        """The member leaves the guild (the bot, without the members intent, is not told)."""
        del self.members[member.id]

    # --------------------------------------------------------------------- permissions
    def base_permissions(self, member: Member) -> int:
        if member.id == self.owner_id:
            return ALL_PERMISSIONS
        perms = self.everyone.permissions
        for role in member.roles:
            perms |= role.permissions
        if perms & ADMINISTRATOR:
            return ALL_PERMISSIONS
        return perms

    def permissions_for(self, member: Member, channel: Channel | None = None) -> int:
        """Discord's permission algorithm: base permissions, then channel overwrites (a
        thread's are its parent's)."""
        if channel is not None and channel.is_thread and channel.parent_id in self.channels:
            channel = self.channels[channel.parent_id]
        perms = self.base_permissions(member)
        if channel is None or perms == ALL_PERMISSIONS:
            return perms
        ow = channel.overwrites
        if self.id in ow:
            _, allow, deny = ow[self.id]
            perms = (perms & ~deny) | allow
        allow = deny = 0
        for role in member.roles:
            if role.id in ow:
                allow |= ow[role.id][1]
                deny |= ow[role.id][2]
        perms = (perms & ~deny) | allow
        if member.id in ow:
            _, allow, deny = ow[member.id]
            perms = (perms & ~deny) | allow
        if not perms & VIEW_CHANNEL:
            return 0
        return perms

    # ----------------------------------------------------------------------- payloads
    def partial_payload(self) -> dict[str, Any]:
        return {"id": str(self.id), "locale": self.locale, "features": list(self.features)}

    def payload(self) -> dict[str, Any]:
        """REST guild object (no channels/members)."""
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "icon_hash": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "widget_enabled": False,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "roles": [r.payload() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": list(self.features),
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "max_members": 500000,
            "max_presences": None,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": self.locale,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
        }

    def create_payload(self, *, all_members: bool) -> dict[str, Any]:
        """GUILD_CREATE payload. Without the GUILD_MEMBERS intent Discord only sends the bot's
        own member."""
        members = list(self.members.values()) if all_members else [self.members[self.world.bot.id]]
        data = self.payload()
        data.update(
            joined_at=self.me.joined_at,
            large=len(self.members) > 250,
            unavailable=False,
            member_count=len(self.members),
            voice_states=[],
            members=[m.payload() for m in members],
            channels=[c.payload(in_guild_create=True) for c in self.channels.values()],
            threads=[t.payload() for t in self.threads.values() if not t.archived],
            presences=[],
            stage_instances=[],
            guild_scheduled_events=[e.payload() for e in self.scheduled_events.values()],
            soundboard_sounds=[],
            incidents_data=None,
        )
        return data


# ============================================================================ scheduled events
EVENT_STAGE, EVENT_VOICE, EVENT_EXTERNAL = 1, 2, 3
EVENT_SCHEDULED, EVENT_ACTIVE, EVENT_COMPLETED, EVENT_CANCELED = 1, 2, 3, 4


@dataclass(eq=False)
class ScheduledEvent:
    """A guild scheduled event; times are ISO 8601 strings as the bot sent them."""

    id: int
    guild: Guild
    creator_id: int
    name: str
    entity_type: int
    scheduled_start_time: str
    scheduled_end_time: str | None = None
    description: str | None = None
    channel_id: int | None = None
    location: str | None = None
    privacy_level: int = 2
    status: int = EVENT_SCHEDULED
    edits: int = 0

    def payload(self) -> dict[str, Any]:
        metadata = {"location": self.location} if self.entity_type == EVENT_EXTERNAL else None
        return {
            "id": str(self.id),
            "guild_id": str(self.guild.id),
            "channel_id": _opt_id(self.channel_id),
            "creator_id": str(self.creator_id),
            "name": self.name,
            "description": self.description,
            "scheduled_start_time": self.scheduled_start_time,
            "scheduled_end_time": self.scheduled_end_time,
            "privacy_level": self.privacy_level,
            "status": self.status,
            "entity_type": self.entity_type,
            "entity_id": None,
            "entity_metadata": metadata,
            "user_count": 0,
            "image": None,
            "recurrence_rule": None,
        }


# ============================================================================ messages
@dataclass(eq=False)
class StoredFile:
    id: int
    filename: str
    data: bytes
    content_type: str | None = None
    description: str | None = None

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def text(self) -> str:
        return self.data.decode("utf-8-sig")

    def payload(self, base_url: str, channel_id: int) -> dict[str, Any]:
        url = f"{base_url}/attachments/{channel_id}/{self.id}/{self.filename}"
        data: dict[str, Any] = {
            "id": str(self.id),
            "filename": self.filename,
            "size": self.size,
            "url": url,
            "proxy_url": url,
            "content_type": self.content_type,
        }
        if self.description is not None:
            data["description"] = self.description
        return data


@dataclass(eq=False)
class MessageWrite:
    """One request that created or changed a message, as the bot sent it."""

    kind: str  # "create" | "edit"
    via: str  # "channel" | "callback" | "followup" | "webhook_edit"
    payload: dict[str, Any]
    at: float = 0.0  # the loop time it arrived (World.now())

    @property
    def allowed_mentions(self) -> dict[str, Any] | None:
        return self.payload.get("allowed_mentions")

    @property
    def has_content(self) -> bool:
        return bool(self.payload.get("content"))


@dataclass(eq=False)
class Message:
    id: int
    channel: Channel
    author: User
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[StoredFile] = field(default_factory=list)
    flags: int = 0
    tts: bool = False
    type: int = 0
    webhook_id: int | None = None
    interaction: InteractionResult | None = field(default=None, repr=False)
    edited_at: str | None = None
    deleted: bool = False
    thread_id: int | None = None  # the thread started from this message
    writes: list[MessageWrite] = field(default_factory=list, repr=False)
    base_url: str = field(default="", repr=False)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & limits.FLAG_EPHEMERAL)

    @property
    def loading(self) -> bool:
        """A deferred "is thinking..." placeholder not yet resolved by an edit/followup."""
        return bool(self.flags & limits.FLAG_LOADING)

    @property
    def allowed_mentions(self) -> dict[str, Any] | None:
        """``allowed_mentions`` of the request that created the message."""
        return self.writes[0].allowed_mentions if self.writes else None

    @property
    def embed_texts(self) -> str:
        """Every embed text joined (titles, descriptions, fields, footers) for assertions."""
        parts: list[str] = []
        for e in self.embeds:
            parts += [e.get("title") or "", e.get("description") or ""]
            for f in e.get("fields") or []:
                parts += [f.get("name") or "", f.get("value") or ""]
            parts.append((e.get("footer") or {}).get("text") or "")
            parts.append((e.get("author") or {}).get("name") or "")
        return "\n".join(p for p in parts if p)

    @property
    def text(self) -> str:
        """Content, embed texts and components-v2 text displays, for substring assertions."""
        displays = [c.get("content") or "" for c in self.iter_components() if c.get("type") == 10]
        return "\n".join(p for p in [self.content, self.embed_texts, *displays] if p)

    def iter_components(self) -> Iterator[dict[str, Any]]:
        """Every component, depth first (rows, their children, v2 containers, accessories)."""
        stack = list(reversed(self.components))
        while stack:
            comp = stack.pop()
            yield comp
            children = list(comp.get("components") or [])
            for key in ("accessory", "component"):
                if comp.get(key):
                    children.append(comp[key])
            stack.extend(reversed(children))

    def component(self, custom_id: str) -> dict[str, Any]:
        for comp in self.iter_components():
            if comp.get("custom_id") == custom_id:
                return comp
        ids = [c["custom_id"] for c in self.iter_components() if c.get("custom_id")]
        raise LookupError(f"message {self.id} has no component {custom_id!r}; it has {ids}")

    def allows_pings(self, *, strict: bool = False, expected: frozenset[int] = frozenset()) -> bool:
        """Whether any write could have pinged (content sent without suppressed mentions).

        ``strict`` also flags writes without content that lacked a suppressing
        ``allowed_mentions``; ``expected`` users may be pinged (by a write that names
        nothing but them)."""
        for write in self.writes:
            am = write.allowed_mentions
            pinging = (strict or write.has_content) and limits.allows_pings(am)
            if pinging and not (expected and limits.allows_only(am, expected)):
                return True
        return False

    def payload(self) -> dict[str, Any]:
        channel = self.channel
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "channel_id": str(channel.id),
            "author": self.author.payload(),
            "content": self.content,
            "timestamp": snowflake_time(self.id),
            "edited_timestamp": self.edited_at,
            "tts": self.tts,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [a.payload(self.base_url, channel.id) for a in self.attachments],
            "embeds": self.embeds,
            "pinned": False,
            "flags": self.flags,
            "components": self.components,
        }
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
            data["application_id"] = str(self.webhook_id)
        if self.interaction is not None:
            ix = self.interaction
            data["interaction_metadata"] = {
                "id": str(ix.id),
                "type": ix.type,
                "user": ix.member.user.payload(),
                "authorizing_integration_owners": {"0": str(ix.guild.id)},
            }
        return data


# ============================================================================ interactions
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
PONG = 1
CHANNEL_MESSAGE = 4
DEFERRED_CHANNEL_MESSAGE = 5
DEFERRED_UPDATE_MESSAGE = 6
UPDATE_MESSAGE = 7
AUTOCOMPLETE_RESULT = 8
MODAL = 9


@dataclass(eq=False)
class ApiError:
    """A 4xx the loopback answered, with the request that caused it."""

    status: int
    code: int
    message: str
    errors: dict[str, Any] | None
    method: str
    path: str
    body: Any = field(default=None, repr=False)
    interaction: InteractionResult | None = field(default=None, repr=False)

    @property
    def details(self) -> list[str]:
        """Flattened form errors, e.g. ``["In data.content: Must be 2000 or fewer in length."]``."""
        return limits.flatten_errors(self.errors)

    def __str__(self) -> str:
        path = self.path if len(self.path) <= 80 else self.path[:77] + "..."
        details = "; ".join(self.details)
        return f"{self.method} {path} -> {self.status} {self.code} {self.message}" + (
            f" ({details})" if details else ""
        )


@dataclass(eq=False)
class InteractionResult:
    """What happened to one dispatched interaction. Updated live by the REST handlers."""

    id: int
    token: str
    type: int
    guild: Guild
    member: Member
    channel: Channel
    payload: dict[str, Any] = field(repr=False)
    dispatched_at: float
    deadline: float
    token_ttl: float
    source_message: Message | None = field(default=None, repr=False)

    response_type: int | None = None
    acked_at: float | None = None
    callback: dict[str, Any] | None = field(default=None, repr=False)
    original: Message | None = field(default=None, repr=False)
    followups: list[Message] = field(default_factory=list, repr=False)
    choices: list[dict[str, Any]] | None = None
    modal: dict[str, Any] | None = field(default=None, repr=False)
    error_responses: list[ApiError] = field(default_factory=list, repr=False)
    original_edited: bool = False
    _watch: Watch = field(default_factory=Watch, repr=False)

    # ----------------------------------------------------------------- derived state
    @property
    def name(self) -> str:
        """Command path (``"paper add"``) or the component/modal custom_id."""
        data = self.payload.get("data") or {}
        if "custom_id" in data:
            return data["custom_id"]
        parts = [data.get("name") or ""]
        options = data.get("options") or []
        while options and options[0].get("type") in (1, 2):
            parts.append(options[0]["name"])
            options = options[0].get("options") or []
        return " ".join(parts)

    @property
    def acked(self) -> bool:
        return self.response_type is not None

    @property
    def ack_seconds(self) -> float | None:
        """Seconds from INTERACTION_CREATE dispatch to the accepted callback."""
        return None if self.acked_at is None else self.acked_at - self.dispatched_at

    @property
    def deferred(self) -> bool:
        return self.response_type in (DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE)

    @property
    def messages(self) -> list[Message]:
        """The answer messages, minus deleted ones: the response message (for a component
        interaction answered with 7, or 6 plus an edit of @original, the updated message the
        component is on), then followups."""
        out: list[Message] = []
        original = self.original
        if (
            original is not None
            and not original.deleted
            and (original.interaction is self or self.original_edited)
        ):
            out.append(original)
        out.extend(m for m in self.followups if not m.deleted)
        return out

    @property
    def message(self) -> Message | None:
        """The first visible answer message, if any."""
        msgs = self.messages
        return msgs[0] if msgs else None

    @property
    def ephemeral(self) -> bool:
        """Whether the visible answer is ephemeral (only the invoking user sees it)."""
        msg = self.message
        if msg is not None:
            return msg.ephemeral
        data = (self.callback or {}).get("data") or {}
        return bool((data.get("flags") or 0) & limits.FLAG_EPHEMERAL)

    @property
    def final(self) -> bool:
        """The user sees an answer: an immediate response (4, 7, 8, 9, 1), or a deferral that
        was resolved by an edit of @original or a followup."""
        rt = self.response_type
        if rt is None:
            return False
        if rt == DEFERRED_CHANNEL_MESSAGE:
            return self.original is not None and not self.original.loading
        if rt == DEFERRED_UPDATE_MESSAGE:
            return self.original_edited or bool(self.followups)
        return True

    @property
    def text(self) -> str:
        """``Message.text`` of all answer messages, for substring assertions."""
        return "\n".join(t for t in (m.text for m in self.messages) if t)

    def describe(self) -> str:
        errs = "; ".join(str(e) for e in self.error_responses) or "none"
        return (
            f"interaction {self.name!r} (id {self.id}, type {self.type}): "
            f"response_type={self.response_type}, final={self.final}, "
            f"messages={len(self.messages)}, errors: {errs}"
        )

    # ------------------------------------------------------------------------ waiting
    def changed(self) -> None:
        self._watch.notify()

    async def wait_for(
        self, predicate: Callable[[InteractionResult], bool], timeout: float
    ) -> InteractionResult:
        await self._watch.wait_until(lambda: predicate(self), timeout, self.describe)
        return self

    async def wait_ack(self, timeout: float = 10.0) -> InteractionResult:
        """Until the first callback was accepted."""
        return await self.wait_for(lambda r: r.acked, timeout)

    async def wait_final(self, timeout: float = 10.0) -> InteractionResult:
        """Until the answer is visible (see :attr:`final`)."""
        return await self.wait_for(lambda r: r.final, timeout)

    async def wait_settled(self, timeout: float = 10.0) -> InteractionResult:
        """Until the answer is final or the loopback rejected a request for it."""
        return await self.wait_for(lambda r: r.final or bool(r.error_responses), timeout)

    async def wait_messages(self, count: int, timeout: float = 10.0) -> InteractionResult:
        """Until at least ``count`` answer messages exist and none is still loading."""
        return await self.wait_for(
            lambda r: len(r.messages) >= count and not any(m.loading for m in r.messages),
            timeout,
        )


# ============================================================================ world
class World:
    """All state of the loopback Discord. The driver and the REST/gateway handlers share it."""

    def __init__(
        self,
        *,
        bot_name: str,
        token: str,
        deadline: float,
        token_ttl: float,
        attachment_size_limit: int,
    ) -> None:
        self.snowflake = Snowflakes()
        self.token = token
        self.deadline = deadline
        self.token_ttl = token_ttl
        self.attachment_size_limit = attachment_size_limit
        self.base_url = ""
        self.time_offset = 0.0
        self.users: dict[int, User] = {}
        self.bot = self.add_user(bot_name, bot=True)
        self.application_id = self.bot.id
        self.app_owner = self.add_user("app-owner")
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, Message] = {}
        self.interactions: dict[int, InteractionResult] = {}
        self.interactions_by_token: dict[str, InteractionResult] = {}
        self.dm_channels: dict[int, Channel] = {}
        # commands[guild_id or None][(type, name)] = command object
        self.commands: dict[int | None, dict[tuple[int, str], dict[str, Any]]] = {}
        self.command_puts: dict[int | None, int] = {}
        self.command_put_log: list[tuple[int | None, Any, int]] = []
        self.errors: list[ApiError] = []
        # (channel id, user id, start of content): pings declared with allow_pings.
        self.ping_allowances: set[tuple[int, int, str]] = set()
        self.internal_errors: list[str] = []  # tracebacks of loopback bugs (answered 400)
        self.unknown_routes: list[tuple[str, str]] = []
        self.request_count = 0
        self.uploads: dict[int, StoredFile] = {}
        self.watch = Watch()
        self.on_guild_change: Callable[[Guild, str, Any], None] = lambda *_: None

    def now(self) -> float:
        return asyncio.get_running_loop().time() + self.time_offset

    def add_user(self, name: str, *, bot: bool = False, locale: str = "ja") -> User:
        user = User(id=self.snowflake(), name=name, bot=bot, locale=locale)
        self.users[user.id] = user
        return user

    def new_message(
        self,
        channel: Channel,
        *,
        author: User | None = None,
        interaction: InteractionResult | None = None,
        type: int = 0,
    ) -> Message:
        msg = Message(
            id=self.snowflake(),
            channel=channel,
            author=author or self.bot,
            type=type,
            webhook_id=self.application_id if interaction is not None else None,
            interaction=interaction,
            base_url=self.base_url,
        )
        self.messages[msg.id] = msg
        channel.messages.append(msg)
        channel.last_message_id = msg.id
        return msg

    def record_error(self, err: DiscordHTTPError, method: str, path: str, body: Any) -> ApiError:
        interaction = getattr(err, "interaction", None)
        api_error = ApiError(
            status=err.status,
            code=err.code,
            message=err.message,
            errors=err.errors,
            method=method,
            path=path,
            body=body,
            interaction=interaction,
        )
        self.errors.append(api_error)
        if interaction is not None:
            interaction.error_responses.append(api_error)
            interaction.changed()
        self.watch.notify()
        return api_error
