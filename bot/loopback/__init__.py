"""A loopback Discord API (REST + gateway websocket) that the real discord.py client runs against.

The tests drive the bot through it, and so does `yomikai playground`. It never imports tests/.

    from bot.loopback import LoopbackDiscord, running_bot

    async with LoopbackDiscord(deadline=3.0) as api:
        guild = api.add_guild("AI読み会", channels=["papers"])
        hanako = guild.add_member("hanako", locale="ja")
        bot = MyBot(intents=discord.Intents.default(), guild_ready_timeout=0.05)
        async with running_bot(bot, api):            # Route.BASE + gateway pointed at api
            result = await api.invoke(guild, hanako, "ask", {"question": "..."})
            await result.wait_final(timeout=10)      # visible answer exists
            assert result.ephemeral and "..." in result.text
            assert api.errors == [] and api.messages_allowing_pings() == []

Modules: ``driver`` (LoopbackDiscord: world building, invoke/autocomplete/click/submit_modal,
inspection), ``model`` (guilds, members, messages, InteractionResult), ``server`` (REST
routes), ``gateway`` (websocket), ``limits`` (Discord's payload limits and error bodies),
``fixtures`` (running_bot, pointed_at), ``serve`` (an aiohttp app on a free 127.0.0.1 port).
"""

from .driver import InteractionRejected, LoopbackDiscord
from .fixtures import pointed_at, running_bot
from .limits import DiscordHTTPError, allows_pings
from .model import (
    ADMINISTRATOR,
    ALL_PERMISSIONS,
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    MANAGE_GUILD,
    ApiError,
    Channel,
    Guild,
    InteractionResult,
    Member,
    Message,
    Role,
    StoredFile,
    User,
)

__all__ = [
    "ADMINISTRATOR",
    "ALL_PERMISSIONS",
    "DEFAULT_BOT_PERMISSIONS",
    "DEFAULT_EVERYONE_PERMISSIONS",
    "MANAGE_GUILD",
    "ApiError",
    "Channel",
    "DiscordHTTPError",
    "Guild",
    "InteractionRejected",
    "InteractionResult",
    "LoopbackDiscord",
    "Member",
    "Message",
    "Role",
    "StoredFile",
    "User",
    "allows_pings",
    "pointed_at",
    "running_bot",
]
