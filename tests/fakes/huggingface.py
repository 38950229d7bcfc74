"""A stand-in for the Hugging Face daily-papers API.

fake = FakeHuggingFace({"2021-09": hf_items()})
async with serve(fake.make_app()) as url:      # url plays https://huggingface.co/api
    fake.fail_next(status=429, headers={"Retry-After": "1"})
    ...
    fake.requests[0].query["p"]                # what the client asked for, in order
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tests.fakes.scripted import ScriptedFake

PRIVATE_KEYS = frozenset({"trending_score"})


def _int_param(request: web.Request, name: str, default: int) -> int:
    try:
        return int(request.query.get(name, default))
    except ValueError:
        raise web.HTTPBadRequest(text=f"{name} must be a number") from None


class FakeHuggingFace(ScriptedFake):
    """Serves GET /daily_papers?month=YYYY-MM&limit=N&p=K[&sort=trending].

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
        items = list(self.papers_by_month.get(request.query.get("month", ""), []))
        if request.query.get("sort") == "trending":
            items.sort(key=lambda item: -item.get("trending_score", 0))
        else:
            items.sort(key=lambda item: str(item.get("publishedAt", "")))
        chosen = items[page * limit : (page + 1) * limit]
        return web.json_response([_public(item) for item in chosen])


def _public(item: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in item.items() if key not in PRIVATE_KEYS}
