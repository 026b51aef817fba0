"""The JSON API under ``/api/v1`` (OpenAPI at ``/openapi.json``). Every endpoint needs an
API token (``Authorization: Bearer vt_...``, ``veille token add``) except under ``--demo``;
lists are paginated with an opaque ``cursor`` (``next_cursor`` in each page). The figures are
those of the pages: both call ``veille.web.views``."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from veille.query.parser import QuerySyntaxError, parse
from veille.store import auth as store_auth
from veille.web import views
from veille.web.pages import FACET, PERIOD
from veille.web.render import state_of
from veille.web.security import token_hash

bearer = HTTPBearer(auto_error=False, description="An API token from `veille token add`.")


def require_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str:
    state = state_of(request)
    if state.demo:
        return "demo"
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            401,
            "an API token is required (Authorization: Bearer ...)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    with state.cursor() as cur:
        token = store_auth.token_by_hash(cur, token_hash(credentials.credentials))
    if token is None:
        raise HTTPException(
            401, "unknown or revoked API token", headers={"WWW-Authenticate": "Bearer"}
        )
    return token.role


class Problem(BaseModel):
    detail: Any
    closest: list[str] | None = None


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "No API token, or an unknown or revoked one."},
    413: {"description": "The request body is too large."},
    422: {"model": Problem, "description": "A parameter is invalid: `detail` names it."},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "Unknown id: `closest` lists the nearest ones."}
}

router = APIRouter(
    prefix="/api/v1", dependencies=[Depends(require_token)], tags=["v1"], responses=ERRORS
)

Limit = Annotated[int, Query(ge=1, le=500, description="Items per page.")]
Cursor = Annotated[
    str | None, Query(max_length=600, description="`next_cursor` of the previous page.")
]


class Page(BaseModel):
    items: list[dict[str, Any]]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page.")


class LeaderPage(Page):
    period: dict[str, datetime]
    filters: dict[str, str | None]
    index: dict[str, Any] = Field(description="The Leader Index settings: its component weights.")


class QueryCheck(BaseModel):
    query: str = Field(max_length=4000)


class QueryCheckResult(BaseModel):
    ok: bool
    column: int | None = None
    position: int | None = None
    reason: str | None = None


def _encode(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


def _decode(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise views.InvalidParam("cursor", "not a cursor of this API") from None


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    text = _decode(cursor)
    if not text.startswith("o:") or not text[2:].isdigit() or len(text) > 12:
        raise views.InvalidParam("cursor", "not a cursor of this list")
    return int(text[2:])


def _slice(items: list[dict[str, Any]], cursor: str | None, limit: int) -> Page:
    start = _offset(cursor)
    end = start + limit
    return Page(
        items=items[start:end], next_cursor=_encode(f"o:{end}") if end < len(items) else None
    )


@router.get("/status", summary="What the workspace holds and what this server does")
def status(request: Request) -> dict[str, Any]:
    state = state_of(request)
    data = views.overview(state)
    return {
        "workspace": state.config.workspace.name,
        "demo": state.demo,
        "read_only": state.read_only,
        "collecting": state.collecting,
        "collection": "running" if state.collecting else "not run by this server",
        "store": data["store"],
        "registry": data["registry"],
    }


@router.get("/leaders", response_model=LeaderPage, summary="The leaderboard")
def leaders(
    request: Request,
    cohort: Annotated[str | None, Query(pattern=FACET, max_length=80)] = None,
    sector: Annotated[str | None, Query(pattern=FACET, max_length=80)] = None,
    country: Annotated[str | None, Query(pattern=FACET, max_length=80)] = None,
    period: Annotated[str | None, Query(pattern=PERIOD, description="e.g. 28d, 12w")] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> LeaderPage:
    table = views.leaders_table(
        state_of(request),
        cohort=cohort or None,
        sector=sector or None,
        country=country or None,
        period=period,
    )
    page = _slice(table["items"], cursor, limit)
    return LeaderPage(
        items=page.items,
        next_cursor=page.next_cursor,
        period=table["period"],
        filters=table["filters"],
        index=table["index"],
    )


@router.get("/leaders/{leader_id}", responses=NOT_FOUND, summary="A leader's profile")
def leader(request: Request, leader_id: Annotated[str, Path(max_length=100)]) -> dict[str, Any]:
    return views.leader_profile(state_of(request), leader_id)


@router.get("/alerts", response_model=Page, summary="The alerts' delivery log, newest first")
def alerts(
    request: Request,
    status: Annotated[str | None, Query(pattern=r"^(|pending|sent|dead)$")] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page:
    return _slice(views.alerts(state_of(request), status or None, limit=5000)["items"],
                  cursor, limit)  # fmt: skip


@router.get("/watches", response_model=Page, summary="The watches and their matched posts")
def watches(request: Request, limit: Limit = 100, cursor: Cursor = None) -> Page:
    return _slice(views.watches(state_of(request)), cursor, limit)


@router.get("/watches/{watch_id}", responses=NOT_FOUND, summary="One watch")
def watch(request: Request, watch_id: str) -> dict[str, Any]:
    return views.find_watch(state_of(request), watch_id)


@router.get(
    "/watches/{watch_id}/posts",
    responses=NOT_FOUND,
    response_model=Page,
    summary="Posts a watch matched",
)
def watch_posts(
    request: Request,
    watch_id: str,
    network: Annotated[str | None, Query(pattern=r"^[a-z0-9_-]{1,30}$")] = None,
    lang: Annotated[str | None, Query(pattern=r"^[a-z]{2,8}$")] = None,
    sentiment: Annotated[str | None, Query(pattern=r"^(positive|negative|neutral)$")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page:
    after = None
    if cursor:
        stamp, sep, uri = _decode(cursor).partition("|")
        try:
            after = (datetime.fromisoformat(stamp), uri) if sep else None
        except ValueError:
            after = None
        if after is None:
            raise views.InvalidParam("cursor", "not a cursor of this list")
    items = views.watch_posts(
        state_of(request),
        watch_id,
        limit=limit,
        after=after,
        network=network,
        lang=lang,
        sentiment=sentiment,
    )
    nxt = None
    if len(items) == limit:
        nxt = _encode(f"{items[-1]['created_at'].isoformat()}|{items[-1]['uri']}")
    return Page(items=items, next_cursor=nxt)


@router.post("/query/check", response_model=QueryCheckResult, summary="Check a watch query")
def query_check(body: QueryCheck) -> QueryCheckResult:
    try:
        parse(body.query)
    except QuerySyntaxError as exc:
        return QueryCheckResult(
            ok=False, column=exc.column, position=exc.position, reason=exc.reason
        )
    return QueryCheckResult(ok=True)


class DraftCheck(BaseModel):
    draft: str = Field(min_length=1, max_length=20000)
    network: str = Field(pattern=r"^[a-z]{1,20}$", description="bluesky, mastodon, x, linkedin")
    leader: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9_-]{0,80}$")


@router.post("/check", responses=NOT_FOUND, summary="The pre-publication check of a draft")
def check(request: Request, body: DraftCheck) -> dict[str, Any]:
    return views.check(state_of(request), body.draft, body.network, body.leader)


@router.get("/sources", summary="Collection status of every source")
def sources(request: Request) -> dict[str, Any]:
    return views.sources(state_of(request))


@router.get(
    "/objectives", responses=NOT_FOUND, summary="Objectives: trend, projection, on or off track"
)
def objectives(
    request: Request,
    leader: Annotated[str | None, Query(pattern=r"^[a-z0-9][a-z0-9_-]{0,80}$")] = None,
) -> dict[str, Any]:
    state = state_of(request)
    if leader is not None:
        views.find_leader(state.config, leader)
    return views.objectives(state, leader)


@router.get("/presence", summary="Cohort presence per network, now and week by week")
def presence(
    request: Request,
    cohort: Annotated[str | None, Query(pattern=FACET, max_length=80)] = None,
    sector: Annotated[str | None, Query(pattern=FACET, max_length=80)] = None,
    country: Annotated[str | None, Query(pattern=FACET, max_length=80)] = None,
    weeks: Annotated[int, Query(ge=1, le=52)] = 8,
) -> dict[str, Any]:
    return views.presence(
        state_of(request),
        cohort=cohort or None,
        sector=sector or None,
        country=country or None,
        weeks=weeks,
    )


@router.get("/signals", responses=NOT_FOUND, summary="Signals and stories")
def signals(
    request: Request,
    watch: Annotated[str | None, Query(pattern=r"^[a-z0-9][a-z0-9_:-]{0,80}$")] = None,
    kind: Annotated[str | None, Query(pattern=r"^[a-z_]{1,20}$")] = None,
) -> dict[str, Any]:
    return views.signals(state_of(request), watch=watch, kind=kind)


@router.get("/graph", responses=NOT_FOUND, summary="The ecosystem graph, laid out")
def graph(
    request: Request,
    leader: Annotated[str | None, Query(pattern=r"^[a-z0-9][a-z0-9_-]{0,80}$")] = None,
    period: Annotated[str, Query(pattern=PERIOD)] = "90d",
    top: Annotated[int, Query(ge=1, le=1000)] = 150,
) -> dict[str, Any]:
    return views.ecosystem(state_of(request), leader=leader, period=period.strip(), top=top)
