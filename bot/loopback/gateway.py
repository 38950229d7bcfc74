"""The gateway websocket: HELLO, IDENTIFY/READY/GUILD_CREATE, heartbeats, RESUME, dispatches.

Frames are plain JSON TEXT frames. discord.py asks for ``compress=zlib-stream`` (or
``zstd-stream``) in the URL, but its ``received_message`` only decompresses ``bytes`` frames;
text frames are parsed as JSON directly, which is what we send.

Every outgoing frame goes through one FIFO queue per connection drained by a writer task, so
``dispatch()`` is synchronous, cheap (one JSON encode per event), and keeps event order (e.g.
GUILD_CREATE before an INTERACTION_CREATE that refers to the guild).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import secrets
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web

from .model import Guild, World

# opcodes
DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE_UPDATE, VOICE_STATE_UPDATE = 0, 1, 2, 3, 4
RESUME, RECONNECT, REQUEST_GUILD_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 6, 7, 8, 9, 10, 11

# intents
GUILD_MEMBERS = 1 << 1
GUILD_PRESENCES = 1 << 8
MESSAGE_CONTENT = 1 << 15
PRIVILEGED = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT

_Frame = str | Callable[[], None]


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


class Session:
    """A gateway session: survives reconnects through RESUME."""

    def __init__(self, intents: int, shard: list[int]) -> None:
        self.id = secrets.token_hex(16)
        self.intents = intents
        self.shard = shard
        self.seq = 0
        self.buffer: collections.deque[tuple[int, str]] = collections.deque(maxlen=5000)
        self.guild_ids: set[int] = set()
        self.connection: Connection | None = None
        self.ready = False

    @property
    def all_members(self) -> bool:
        return bool(self.intents & GUILD_MEMBERS)

    def send(self, event: str, data_json: str) -> int:
        self.seq += 1
        frame = f'{{"op":0,"t":"{event}","s":{self.seq},"d":{data_json}}}'
        self.buffer.append((self.seq, frame))
        if self.connection is not None:
            self.connection.send(frame)
        return self.seq


class Connection:
    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.session: Session | None = None
        self.queue: asyncio.Queue[_Frame] = asyncio.Queue()
        self.writer: asyncio.Task[None] | None = None
        self.closed_by_server = False
        self.server_close_code: int | None = None

    def send(self, frame: _Frame) -> None:
        self.queue.put_nowait(frame)

    async def close(self, code: int, reason: bytes) -> None:
        if not self.closed_by_server:
            self.closed_by_server = True
            self.server_close_code = code
        await self.ws.close(code=code, message=reason)

    async def write_loop(self) -> None:
        while True:
            frame = await self.queue.get()
            if callable(frame):
                frame()
                continue
            if self.ws.closed:
                return
            try:
                await self.ws.send_str(frame)
            except (ConnectionError, RuntimeError):
                return


class Gateway:
    """Gateway sessions of the bot. Like Discord without sharding, every session receives
    every event, so two running bot instances both get each INTERACTION_CREATE."""

    def __init__(
        self,
        world: World,
        *,
        heartbeat_interval_ms: int,
        privileged_intents: int,
    ) -> None:
        self.world = world
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.privileged_intents = privileged_intents
        self.url = ""  # set once the server is listening
        self.sessions: dict[str, Session] = {}
        self.identifies: list[dict[str, Any]] = []
        self.resumes = 0
        self.heartbeats = 0
        self.close_codes: list[int] = []  # per closed socket: ours if we closed it, else the bot's
        self._connections: set[Connection] = set()
        world.on_guild_change = self._on_guild_change

    @property
    def ready_sessions(self) -> int:
        return sum(1 for s in self.sessions.values() if s.ready)

    @property
    def ready(self) -> bool:
        return self.ready_sessions > 0

    # ------------------------------------------------------------------------ dispatching
    def dispatch(self, event: str, data: Any) -> None:
        """Queue a DISPATCH for every session of the bot.

        While a session is between connections its events are buffered and replayed on RESUME.
        """
        if not self.sessions:
            raise RuntimeError("no gateway session: the bot has not identified (is it running?)")
        data_json = _dumps(data)
        for session in self.sessions.values():
            session.send(event, data_json)

    def announce_guild(self, guild: Guild) -> None:
        """GUILD_CREATE for a guild added after READY (the bot 'joins' it)."""
        for session in self.sessions.values():
            if guild.id not in session.guild_ids:
                session.guild_ids.add(guild.id)
                payload = guild.create_payload(all_members=session.all_members)
                session.send("GUILD_CREATE", _dumps(payload))

    def _on_guild_change(self, guild: Guild, event: str, obj: Any) -> None:
        if event in ("CHANNEL_CREATE", "THREAD_UPDATE") or event.startswith(
            "GUILD_SCHEDULED_EVENT_"
        ):
            data = obj.payload()
        elif event == "THREAD_CREATE":
            data = {**obj.payload(), "newly_created": True}
        elif event == "GUILD_ROLE_CREATE":
            data = {"guild_id": str(guild.id), "role": obj.payload()}
        else:
            return
        for session in self.sessions.values():
            if guild.id in session.guild_ids:
                session.send(event, _dumps(data))

    def _set_ready(self, session: Session, value: bool) -> None:
        session.ready = value
        self.world.watch.notify()

    # ------------------------------------------------------------------------ control
    def request_reconnect(self) -> None:
        """Send op 7 RECONNECT on every connection; discord.py reconnects and RESUMEs."""
        for session in self.sessions.values():
            if session.connection is not None:
                self._set_ready(session, False)
                session.connection.send(_dumps({"op": RECONNECT, "d": None, "s": None, "t": None}))

    async def drop(self, code: int = 4000) -> None:
        """Close every bot websocket from the server side with ``code``."""
        for session in list(self.sessions.values()):
            if session.connection is not None:
                self._set_ready(session, False)
                await session.connection.close(code, b"loopback drop")

    async def close_all(self) -> None:
        for conn in list(self._connections):
            await conn.close(1001, b"loopback shutting down")

    # ------------------------------------------------------------------------ websocket
    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        conn = Connection(ws)
        self._connections.add(conn)
        conn.writer = asyncio.create_task(conn.write_loop(), name="loopback-gateway-writer")
        conn.send(
            _dumps(
                {
                    "op": HELLO,
                    "d": {
                        "heartbeat_interval": self.heartbeat_interval_ms,
                        "_trace": ['["loopback-gateway",{"micros":0}]'],
                    },
                    "s": None,
                    "t": None,
                }
            )
        )
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    try:
                        payload = json.loads(msg.data)
                    except ValueError:
                        await conn.close(4002, b"Error while decoding payload.")
                        break
                    await self._on_frame(conn, payload)
                elif msg.type == WSMsgType.BINARY:
                    await conn.close(4002, b"Error while decoding payload.")
                    break
        finally:
            code = conn.server_close_code if conn.closed_by_server else ws.close_code
            if code is not None:
                self.close_codes.append(code)
            self._connections.discard(conn)
            session = conn.session
            if session is not None and session.connection is conn:
                session.connection = None
                self._set_ready(session, False)
                if not conn.closed_by_server and ws.close_code in (1000, 1001):
                    # a clean client close ends the session (it cannot be resumed)
                    self.sessions.pop(session.id, None)
            if conn.writer is not None:
                conn.writer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await conn.writer
        return ws

    async def _on_frame(self, conn: Connection, payload: dict[str, Any]) -> None:
        op = payload.get("op")
        data = payload.get("d")
        if op == HEARTBEAT:
            self.heartbeats += 1
            conn.send(_dumps({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None}))
        elif op == IDENTIFY:
            await self._identify(conn, data or {})
        elif op == RESUME:
            await self._resume(conn, data or {})
        elif op == REQUEST_GUILD_MEMBERS:
            self._request_members(conn, data or {})
        elif op in (PRESENCE_UPDATE, VOICE_STATE_UPDATE):
            return
        else:
            await conn.close(4001, b"Unknown opcode.")

    async def _identify(self, conn: Connection, data: dict[str, Any]) -> None:
        self.identifies.append(data)
        if conn.session is not None:
            await conn.close(4005, b"Already authenticated.")
            return
        if data.get("token") != self.world.token:
            await conn.close(4004, b"Authentication failed.")
            return
        intents = data.get("intents")
        if not isinstance(intents, int) or intents < 0 or intents >= 1 << 26:
            await conn.close(4013, b"Invalid intent(s).")
            return
        if intents & PRIVILEGED & ~self.privileged_intents:
            await conn.close(4014, b"Disallowed intent(s).")
            return
        shard = data.get("shard") or [0, 1]
        session = Session(intents, shard)
        self.sessions[session.id] = session
        session.connection = conn
        conn.session = session
        world = self.world
        guilds = list(world.guilds.values())
        session.guild_ids = {g.id for g in guilds}
        ready = {
            "v": 10,
            "user": {**world.bot.payload(), "verified": True, "mfa_enabled": False},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.url,
            "shard": shard,
            "application": {"id": str(world.application_id), "flags": self.application_flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["japan"],
            "user_settings": {},
            "auth": {},
            "_trace": ['["loopback-gateway",{"micros":0}]'],
        }
        session.send("READY", _dumps(ready))
        for guild in guilds:
            session.send(
                "GUILD_CREATE", _dumps(guild.create_payload(all_members=session.all_members))
            )
        conn.send(lambda: self._set_ready(session, True))

    async def _resume(self, conn: Connection, data: dict[str, Any]) -> None:
        session = self.sessions.get(data.get("session_id") or "")
        seq = data.get("seq") or 0
        if (
            session is None
            or data.get("token") != self.world.token
            or (session.buffer and session.buffer[0][0] > seq + 1)
        ):
            conn.send(_dumps({"op": INVALID_SESSION, "d": False, "s": None, "t": None}))
            return
        self.resumes += 1
        if session.connection is not None and session.connection is not conn:
            await session.connection.close(4000, b"session resumed elsewhere")
        session.connection = conn
        conn.session = session
        for s, frame in session.buffer:
            if s > seq:
                conn.send(frame)
        session.send("RESUMED", _dumps({"_trace": ['["loopback-gateway",{"micros":0}]']}))
        conn.send(lambda: self._set_ready(session, True))

    def _request_members(self, conn: Connection, data: dict[str, Any]) -> None:
        session = conn.session
        if session is None:
            return
        guild_ids = data.get("guild_id")
        if not isinstance(guild_ids, list):
            guild_ids = [guild_ids]
        query = data.get("query")
        user_ids = data.get("user_ids")
        if user_ids is not None and not isinstance(user_ids, list):
            user_ids = [user_ids]
        limit = data.get("limit") or 0
        for gid in guild_ids:
            guild = self.world.guilds.get(int(gid))
            if guild is None:
                continue
            members = list(guild.members.values())
            if user_ids is not None:
                wanted = {int(u) for u in user_ids}
                members = [m for m in members if m.id in wanted]
            elif query:
                members = [m for m in members if m.name.lower().startswith(query.lower())]
            if limit:
                members = members[:limit]
            chunk: dict[str, Any] = {
                "guild_id": str(guild.id),
                "members": [m.payload() for m in members],
                "chunk_index": 0,
                "chunk_count": 1,
            }
            if data.get("nonce") is not None:
                chunk["nonce"] = data["nonce"]
            session.send("GUILD_MEMBERS_CHUNK", _dumps(chunk))

    @property
    def application_flags(self) -> int:
        flags = 0
        if self.privileged_intents & GUILD_PRESENCES:
            flags |= 1 << 13
        if self.privileged_intents & GUILD_MEMBERS:
            flags |= 1 << 15
        if self.privileged_intents & MESSAGE_CONTENT:
            flags |= 1 << 19
        return flags
