"""The dashboard's pages: server-rendered HTML (Jinja2), HTMX for the parts that change in
place. Each page takes its figures from ``veille.web.views``, as the API does."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from veille.errors import UsageError
from veille.query.parser import QuerySyntaxError, parse
from veille.store import auth as store_auth
from veille.web import feeds, views
from veille.web.i18n import tr
from veille.web.render import lang_of, render, session_of, state_of
from veille.web.security import CSRF_FIELD, CSRF_HEADER, Session, same
from veille.workspace.watch_edit import save_watch
from veille.workspace.workspace import CONFIG_NAME

router = APIRouter(include_in_schema=False)

PERIOD = r"^\s*[1-9][0-9]{0,3}\s*[hdwm]\s*$"
FACET = r"^[A-Za-z0-9_ .&'\-]{0,80}$"
SLUG = r"^[a-z0-9][a-z0-9_-]{0,80}$"


class LoginRequired(Exception):
    pass


class Forbidden(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def page_session(request: Request) -> Session:
    session = session_of(request)
    if session is None:
        raise LoginRequired
    return session


PageSession = Annotated[Session, Depends(page_session)]


async def check_csrf(request: Request, session: PageSession) -> Session:
    """A change needs the session's CSRF token (form field or HTMX header), an admin or a
    viewer as the action says, and a workspace that is not a read-only demo."""
    state = state_of(request)
    if state.read_only:
        raise Forbidden("error.readonly")
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not same(sent, session.csrf):
        raise Forbidden("error.csrf")
    return session


ChangeSession = Annotated[Session, Depends(check_csrf)]


def require_admin(session: Session) -> None:
    if session.role != "admin":
        raise Forbidden("error.forbidden")


# --- overview and leaders --------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, session: PageSession) -> HTMLResponse:
    state = state_of(request)
    data = views.overview(state)
    by_network = data["store"]["by_network"]
    chart = {
        "data": [{"type": "bar", "x": list(by_network), "y": list(by_network.values())}],
        "layout": {"margin": {"t": 10, "r": 10, "b": 40, "l": 60}, "height": 260},
    }
    return render(
        request,
        "overview.html",
        {"data": data, "figure": chart, "collecting": state.collecting},
    )


def _leader_filters(
    cohort: str | None,
    sector: str | None,
    country: str | None,
    period: str | None,
    sort: str,
    order: str,
) -> dict[str, Any]:
    return {
        "cohort": cohort or None,
        "sector": sector or None,
        "country": country or None,
        "period": (period or "").strip() or None,
        "sort": sort,
        "descending": order == "desc",
    }


LeaderQuery = Annotated[str | None, Query(pattern=FACET, max_length=80)]


@router.get("/leaders", response_class=HTMLResponse)
def leaders(
    request: Request,
    session: PageSession,
    cohort: LeaderQuery = None,
    sector: LeaderQuery = None,
    country: LeaderQuery = None,
    period: Annotated[str | None, Query(pattern=PERIOD)] = None,
    sort: Annotated[str, Query(pattern=r"^[a-z]{1,20}$")] = "rank",
    order: Annotated[str, Query(pattern=r"^(asc|desc)$")] = "asc",
) -> HTMLResponse:
    state = state_of(request)
    filters = _leader_filters(cohort, sector, country, period, sort, order)
    table = views.leaders_table(state, **filters)
    return render(
        request,
        "leaders.html",
        {"table": table, "facets": views.facets(state.config), "period": filters["period"]},
    )


@router.get("/leaders.csv")
def leaders_csv(
    request: Request,
    session: PageSession,
    cohort: LeaderQuery = None,
    sector: LeaderQuery = None,
    country: LeaderQuery = None,
    period: Annotated[str | None, Query(pattern=PERIOD)] = None,
    sort: Annotated[str, Query(pattern=r"^[a-z]{1,20}$")] = "rank",
    order: Annotated[str, Query(pattern=r"^(asc|desc)$")] = "asc",
) -> Response:
    table = views.leaders_table(
        state_of(request), **_leader_filters(cohort, sector, country, period, sort, order)
    )
    out = io.StringIO()
    columns = ["leader", "name", "role", "organisation", "sector", "country", "cohorts"]
    scored = ["rank", "index", "rank_change"] if table["components"] else []
    writer = csv.writer(out)
    writer.writerow(scored + columns + table["components"])
    for row in table["items"]:
        figures = [_plain(row[c]) for c in scored]
        figures += [_plain(row["components"].get(c)) for c in table["components"]]
        writer.writerow(
            figures[: len(scored)]
            + [_csv_cell(";".join(row[c]) if isinstance(row[c], list) else row[c]) for c in columns]
            + figures[len(scored) :]
        )
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="leaders.csv"'},
    )


def _plain(item: Any) -> Any:
    """A figure for the CSV: its value (empty where the analytics gave a reason)."""
    value = item.get("value") if isinstance(item, dict) else item
    return "" if value is None else value


def _csv_cell(value: Any) -> str:
    """A cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@router.get("/leaders/{leader_id}", response_class=HTMLResponse)
def leader(request: Request, leader_id: str, session: PageSession) -> HTMLResponse:
    profile = views.leader_profile(state_of(request), leader_id)
    return render(request, "leader.html", {"p": profile})


# --- listening ---------------------------------------------------------------------------


@router.get("/listening", response_class=HTMLResponse)
def listening(request: Request, session: PageSession) -> HTMLResponse:
    return render(request, "listening.html", {"watches": views.watches(state_of(request))})


def _validation(query: str) -> dict[str, Any]:
    if not query.strip():
        return {"ok": False, "empty": True}
    try:
        parse(query)
    except QuerySyntaxError as exc:
        return {
            "ok": False,
            "column": exc.column,
            "reason": exc.reason,
            "before": query[: exc.position],
            "at": query[exc.position : exc.position + 1] or " ",
            "after": query[exc.position + 1 :],
        }
    return {"ok": True}


@router.post("/listening/validate", response_class=HTMLResponse)
def validate_query(
    request: Request,
    session: PageSession,
    query: Annotated[str, Form(max_length=4000)] = "",
) -> HTMLResponse:
    return render(request, "_query_check.html", {"check": _validation(query)})


def _watch_form(
    request: Request,
    *,
    create: bool,
    values: dict[str, Any],
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "watch_form.html",
        {
            "create": create,
            "values": values,
            "error": error,
            "check": _validation(values.get("query", "")) if values.get("query") else None,
        },
        status_code=status_code,
    )


@router.get("/listening/new", response_class=HTMLResponse)
def new_watch(request: Request, session: PageSession) -> HTMLResponse:
    return _watch_form(request, create=True, values={"id": "", "name": "", "query": ""})


@router.post("/listening", response_class=HTMLResponse)
def create_watch(
    request: Request,
    session: ChangeSession,
    watch_id: Annotated[str, Form(alias="id", max_length=80)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    query: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    return _save(request, session, watch_id.strip(), name.strip(), query, create=True)


@router.get("/listening/{watch_id}/edit", response_class=HTMLResponse)
def edit_watch(request: Request, watch_id: str, session: PageSession) -> HTMLResponse:
    item = views.find_watch(state_of(request), watch_id)
    return _watch_form(request, create=False, values=item)


@router.post("/listening/{watch_id}", response_class=HTMLResponse)
def update_watch(
    request: Request,
    watch_id: str,
    session: ChangeSession,
    name: Annotated[str, Form(max_length=200)] = "",
    query: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    views.find_watch(state_of(request), watch_id)
    return _save(request, session, watch_id, name.strip(), query, create=False)


def _save(
    request: Request, session: Session, watch_id: str, name: str, query: str, *, create: bool
) -> Response:
    require_admin(session)
    state = state_of(request)
    values = {"id": watch_id, "name": name, "query": query}
    try:
        save_watch(state.root / CONFIG_NAME, watch_id, query, name=name or None, create=create)
    except QuerySyntaxError:
        return _watch_form(request, create=create, values=values, status_code=422)
    except UsageError as exc:
        return _watch_form(
            request, create=create, values=values, error=exc.message, status_code=422
        )
    state.reload_config()
    state.workspace.store.audit(
        "watch.create" if create else "watch.update", watch_id, query, actor=session.user
    )
    return RedirectResponse(f"/listening/{watch_id}?saved=1", status_code=303)


@router.get("/listening/{watch_id}", response_class=HTMLResponse)
def watch(
    request: Request,
    watch_id: str,
    session: PageSession,
    network: Annotated[str | None, Query(pattern=r"^[a-z0-9_-]{0,30}$")] = None,
    lang: Annotated[str | None, Query(alias="post_lang", pattern=r"^[a-z]{0,8}$")] = None,
    sentiment: Annotated[str | None, Query(pattern=r"^(|positive|negative|neutral)$")] = None,
    before: Annotated[str | None, Query(max_length=400)] = None,
    saved: Annotated[int, Query(ge=0, le=1)] = 0,
) -> HTMLResponse:
    state = state_of(request)
    item = views.find_watch(state, watch_id)
    after = _decode_before(before)
    posts = views.watch_posts(
        state,
        watch_id,
        limit=50,
        after=after,
        network=network or None,
        lang=lang or None,
        sentiment=sentiment or None,
    )
    more = None
    if len(posts) == 50:
        last = posts[-1]
        more = f"{last['created_at'].isoformat()}|{last['uri']}"
    heard = views.watch_listening(state, watch_id)
    return render(
        request,
        "watch.html",
        {
            "watch": item,
            "heard": heard,
            "figure": _listening_figure(heard, lang_of(request)),
            "posts": posts,
            "more": more,
            "saved": bool(saved),
            "filters": {
                "network": network or "",
                "post_lang": lang or "",
                "sentiment": sentiment or "",
            },
            "networks": sorted(views.overview(state)["store"]["by_network"]),
        },
    )


def _decode_before(value: str | None) -> tuple[datetime, str] | None:
    if not value:
        return None
    stamp, _, uri = value.partition("|")
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        raise views.InvalidParam("before", "not a position in the list") from None
    return moment, uri


# --- the other pages -------------------------------------------------------------------


@router.get("/signals", response_class=HTMLResponse)
def signals(
    request: Request,
    session: PageSession,
    watch: Annotated[str | None, Query(pattern=r"^[a-z0-9][a-z0-9_:-]{0,80}$|^$")] = None,
    kind: Annotated[str | None, Query(pattern=r"^[a-z_]{0,20}$")] = None,
) -> HTMLResponse:
    data = views.signals(state_of(request), watch=watch or None, kind=kind or None)
    return render(request, "signals.html", {"data": data})


@router.get("/signals/{signal_id}", response_class=HTMLResponse)
def story(request: Request, signal_id: str, session: PageSession) -> HTMLResponse:
    item = views.story(state_of(request), signal_id)
    with state_of(request).cursor() as cur:
        from veille.store.dashboard import posts_by_uri

        posts = [views.post_dict(p) for p in posts_by_uri(cur, item["uris"][:30])]
    return render(request, "story.html", {"s": item, "posts": posts})


@router.get("/ecosystem", response_class=HTMLResponse)
def ecosystem(
    request: Request,
    session: PageSession,
    leader: Annotated[str | None, Query(pattern=r"^[a-z0-9][a-z0-9_-]{0,80}$|^$")] = None,
    period: Annotated[str, Query(pattern=PERIOD)] = "90d",
) -> HTMLResponse:
    state = state_of(request)
    data = views.ecosystem(state, leader=leader or None, period=period.strip())
    leaders = sorted(((x.id, x.name) for x in state.config.leaders), key=lambda p: p[1])
    return render(request, "ecosystem.html", {"data": data, "leaders": leaders})


@router.get("/presence", response_class=HTMLResponse)
def presence(
    request: Request,
    session: PageSession,
    cohort: LeaderQuery = None,
    sector: LeaderQuery = None,
    country: LeaderQuery = None,
) -> HTMLResponse:
    state = state_of(request)
    data = views.presence(
        state, cohort=cohort or None, sector=sector or None, country=country or None
    )
    networks = sorted({w["network"] for w in data["weekly"]})
    weeks = sorted({w["week_end"] for w in data["weekly"]})
    share = {(w["network"], w["week_end"]): w["active_share"] for w in data["weekly"]}
    figure = {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": net,
                "x": weeks,
                "y": [share.get((net, wk)) for wk in weeks],
            }
            for net in networks
        ],
        "layout": {
            "margin": {"t": 10, "r": 10, "b": 40, "l": 50},
            "height": 280,
            "yaxis": {"tickformat": ".0%", "range": [0, 1]},
        },
    }
    return render(
        request,
        "presence.html",
        {"data": data, "figure": figure, "facets": views.facets(state.config)},
    )


@router.get("/digest", response_class=HTMLResponse)
def digest(request: Request, session: PageSession) -> HTMLResponse:
    return render(request, "digest.html", {"data": views.digests(state_of(request))})


@router.get("/check", response_class=HTMLResponse)
def check(request: Request, session: PageSession) -> HTMLResponse:
    from veille.reports.check import NETWORKS

    state = state_of(request)
    leaders = sorted(((x.id, x.name) for x in state.config.leaders), key=lambda p: p[1])
    return render(request, "check.html", {"networks": NETWORKS, "leaders": leaders})


@router.post("/check", response_class=HTMLResponse)
async def check_post(request: Request, session: PageSession) -> HTMLResponse:
    """Checking changes nothing: a read-only demo may do it too (the CSRF token is still
    required of a signed-in session)."""
    form = await request.form()
    state = state_of(request)
    if not state.demo:
        sent = request.headers.get(CSRF_HEADER) or form.get(CSRF_FIELD)
        if not same(sent if isinstance(sent, str) else None, session.csrf):
            raise Forbidden("error.csrf")
    values = {k: form.get(k) for k in ("draft", "network", "leader")}
    draft, network, leader = (v if isinstance(v, str) else "" for v in values.values())
    try:
        result = await run_in_threadpool(views.check, state, draft, network, leader or None)
    except views.InvalidParam as exc:
        if not request.headers.get("hx-request"):
            raise
        lang = lang_of(request)
        message = tr(lang, "error.invalid", field=exc.field, reason=exc.reason)
        return render(request, "_check_result.html", {"error": message})
    return render(request, "_check_result.html", {"result": result})


def _listening_figure(heard: dict[str, Any], lang: str) -> dict[str, Any] | None:
    """Posts and distinct authors per day, as a Plotly figure (None without data)."""
    series = heard.get("series") or []
    if not series:
        return None
    # every day of the period, the quiet ones at zero: a line must not bridge a silence
    by_day = {p["bucket"][:10]: p for p in series}
    first = date.fromisoformat(str(heard["since"])[:10])
    last = date.fromisoformat(str(heard["until"])[:10])
    days = [first + timedelta(days=i) for i in range((last - first).days)] or [first]
    x = [d.isoformat() for d in days]
    return {
        "data": [
            {"type": "bar", "name": tr(lang, "col.posts"), "x": x,
             "y": [by_day.get(d, {}).get("posts", 0) for d in x]},
            {"type": "scatter", "mode": "lines+markers", "name": tr(lang, "heard.authors"),
             "x": x, "y": [by_day.get(d, {}).get("authors", 0) for d in x]},
        ],
        "layout": {
            "margin": {"t": 10, "r": 10, "b": 40, "l": 50},
            "height": 260,
            "legend": {"orientation": "h"},
        },
    }  # fmt: skip


@router.get("/objectives", response_class=HTMLResponse)
def objectives(request: Request, session: PageSession) -> HTMLResponse:
    data = views.objectives(state_of(request))
    figures = {
        item["objective"]: {
            "data": [
                {
                    "type": "scatter",
                    "mode": "lines+markers",
                    "name": item["metric"],
                    "x": [p["week_end"] for p in item["series"]],
                    "y": [p["value"] for p in item["series"]],
                },
                {
                    "type": "scatter",
                    "mode": "lines",
                    "name": "target",
                    "x": [item["series"][0]["week_end"], item["by"]] if item["series"] else [],
                    "y": [item["target"], item["target"]] if item["series"] else [],
                    "line": {"dash": "dot"},
                },
            ],
            "layout": {
                "margin": {"t": 10, "r": 10, "b": 40, "l": 60},
                "height": 240,
                "showlegend": False,
            },
        }
        for item in data["items"]
        if item["series"]
    }
    return render(request, "objectives.html", {"data": data, "figures": figures})


@router.get("/sources", response_class=HTMLResponse)
def sources(request: Request, session: PageSession) -> HTMLResponse:
    state = state_of(request)
    return render(
        request, "sources.html", {"data": views.sources(state), "collecting": state.collecting}
    )


@router.get("/settings", response_class=HTMLResponse)
def settings(request: Request, session: PageSession) -> HTMLResponse:
    state = state_of(request)
    users: list[store_auth.User] = []
    tokens: list[store_auth.ApiToken] = []
    if session.role == "admin":
        with state.cursor() as cur:
            users = store_auth.list_users(cur)
            tokens = store_auth.list_tokens(cur)
    return render(
        request,
        "settings.html",
        {
            "users": users,
            "tokens": tokens,
            "root": str(state.root),
            "config": state.config.workspace,
        },
    )


@router.get("/digest.atom")
def digest_atom(request: Request, session: PageSession) -> Response:
    state = state_of(request)
    body = feeds.digest_atom(state, str(request.base_url).rstrip("/"))
    return Response(body, media_type="application/atom+xml; charset=utf-8")
