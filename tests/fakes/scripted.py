"""Failure scripting and request recording shared by the HTTP fakes."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

from aiohttp import web


@dataclass(frozen=True)
class Recorded:
    """One request as the fake saw it; `at` is time.monotonic() on arrival."""

    path: str
    query: dict[str, str]
    at: float
    user_agent: str = ""


@dataclass(frozen=True)
class Canned:
    status: int = 500
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/html"
    path_prefix: str = ""

    def response(self) -> web.Response:
        return web.Response(
            status=self.status, text=self.body, headers=self.headers, content_type=self.content_type
        )


class ScriptedFake:
    """Records every request in `requests` and serves canned answers before normal ones."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._canned: deque[Canned] = deque()

    def fail_next(
        self,
        status: int = 500,
        *,
        body: str = "",
        headers: dict[str, str] | None = None,
        content_type: str = "text/html",
        times: int = 1,
        path_prefix: str = "",
    ) -> None:
        """Answer the next `times` requests (whose path starts with `path_prefix`) with this
        response instead of the normal one."""
        canned = Canned(status, body, headers or {}, content_type, path_prefix)
        self._canned.extend([canned] * times)

    def _take(self, request: web.Request) -> web.Response | None:
        self.requests.append(
            Recorded(
                request.path,
                dict(request.query),
                time.monotonic(),
                request.headers.get("User-Agent", ""),
            )
        )
        for canned in self._canned:
            if request.path.startswith(canned.path_prefix):
                self._canned.remove(canned)
                return canned.response()
        return None
