"""A stand-in for the Hugging Face daily-papers API.

fake = FakeHuggingFace({"2021-09": hf_items()})
async with serve(fake.make_app()) as url:      # url plays https://huggingface.co/api
    # GET {url}/daily_papers?week=2021-W36 lists the items of that ISO week's daily lists
    fake.fail_next(status=429, headers={"Retry-After": "1"})
    ...
    fake.requests[0].query["p"]                # what the client asked for, in order
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from aiohttp import web

from tests.fakes.scripted import ScriptedFake

PRIVATE_KEYS = frozenset({"trending_score"})
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def _int_param(request: web.Request, name: str, default: int) -> int:
    try:
        return int(request.query.get(name, default))
    except ValueError:
        raise web.HTTPBadRequest(text=f"{name} must be a number") from None


def _week_param(text: str) -> str:
    """The week as the real API takes it (ISO, `2025-W09`); 400 otherwise."""
    match = _WEEK.match(text)
    try:
        if match is None:
            raise ValueError(text)
        date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        raise web.HTTPBadRequest(
            text='{"error": "Invalid week"}', content_type="application/json"
        ) from None
    return text


def _listed_week(item: dict[str, Any]) -> str:
    """The ISO week of the daily list the item is on (its own `publishedAt`)."""
    year, week, _ = date.fromisoformat(str(item.get("publishedAt", ""))[:10]).isocalendar()
    return f"{year:04d}-W{week:02d}"


class FakeHuggingFace(ScriptedFake):
    """Serves GET /daily_papers?month=YYYY-MM&limit=N&p=K[&sort=trending], or week=YYYY-Www
    instead of month: the items of every month whose daily list falls in that ISO week.

    Items come back ordered by their own publishedAt (not by upvotes), or by their private
    `trending_score` (highest first) for sort=trending, `limit` per page; private keys are removed.
    """

    def __init__(self, papers_by_month: dict[str, list[dict[str, Any]]]) -> None:
        super().__init__()
        self.papers_by_month = papers_by_month

    def make_app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/daily_papers", self._daily_papers)
        return app

    async def _daily_papers(self, request: web.Request) -> web.Response:
        canned = self._take(request)
        if canned is not None:
            return canned
        limit = _int_param(request, "limit", 50)
        page = _int_param(request, "p", 0)
        if "week" in request.query:
            week = _week_param(request.query["week"])
            items = [i for i in self._all_items() if _listed_week(i) == week]
        else:
            items = list(self.papers_by_month.get(request.query.get("month", ""), []))
        if request.query.get("sort") == "trending":
            items.sort(key=lambda item: -item.get("trending_score", 0))
        else:
            items.sort(key=lambda item: str(item.get("publishedAt", "")))
        chosen = items[page * limit : (page + 1) * limit]
        return web.json_response([_public(item) for item in chosen])

    def _all_items(self) -> list[dict[str, Any]]:
        return [item for items in self.papers_by_month.values() for item in items]


def _public(item: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in item.items() if key not in PRIVATE_KEYS}
