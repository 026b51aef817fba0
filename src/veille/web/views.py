"""The figures behind each page and API endpoint, assembled from the store's read functions
(``veille.store.dashboard``) and the analytics (``veille.analytics``), never from SQL of their
own. A page and its API endpoint call the same function here, so they show the same numbers.
"""

from __future__ import annotations

import difflib
import unicodedata
from datetime import datetime, timedelta
from typing import Any

from veille.errors import UsageError
from veille.store import dashboard
from veille.web.state import ServerState
from veille.workspace.config import Leader, VeilleConfig

DEFAULT_PERIOD = "28d"


class NotFound(Exception):
    """An unknown id, with the closest known ones."""

    def __init__(self, kind: str, ident: str, closest: list[tuple[str, str]]) -> None:
        super().__init__(f"unknown {kind} {ident!r}")
        self.kind = kind
        self.ident = ident
        self.closest = closest


class InvalidParam(Exception):
    """A bad query parameter or form field: a 422 naming it."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def sort_key(value: object) -> str:
    """Alphabetical order as a reader expects it: case and accents ignored (É with E)."""
    text = unicodedata.normalize("NFKD", str(value or ""))
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


def closest(ident: str, choices: dict[str, str]) -> list[tuple[str, str]]:
    """The known (id, label) pairs closest to ``ident``, by id or by label."""
    by_label = {label.lower(): key for key, label in choices.items()}
    keys = difflib.get_close_matches(ident, list(choices), n=3, cutoff=0.5)
    for label in difflib.get_close_matches(ident.lower(), list(by_label), n=3, cutoff=0.5):
        if by_label[label] not in keys:
            keys.append(by_label[label])
    return [(k, choices[k]) for k in keys[:3]]


# --- registry ----------------------------------------------------------------------------


def organisation_names(config: VeilleConfig) -> dict[str, str]:
    return {o.id: o.name for o in config.organisations}


def leader_row(config: VeilleConfig, leader: Leader) -> dict[str, Any]:
    orgs = organisation_names(config)
    org = next((o for o in config.organisations if o.id == leader.organisation), None)
    return {
        "leader": leader.id,
        "name": leader.name,
        "role": leader.role,
        "organisation": leader.organisation,
        "organisation_name": orgs.get(leader.organisation or "", leader.organisation),
        "sector": leader.sector or (org.sector if org else None),
        "country": leader.country or (org.country if org else None),
        "cohorts": list(leader.cohorts),
        "networks": sorted(leader.accounts),
    }


def facets(config: VeilleConfig) -> dict[str, list[str]]:
    """The cohorts, sectors and countries the leaders of the registry declare (the values
    that ``veille rank --cohort/--sector/--country`` accept)."""
    return {
        "cohort": sorted({c for x in config.leaders for c in x.cohorts}),
        "sector": sorted({x.sector for x in config.leaders if x.sector}),
        "country": sorted({x.country for x in config.leaders if x.country}),
    }


def _check_facet(config: VeilleConfig, field: str, value: str | None) -> None:
    if value is None or value == "":
        return
    known = facets(config)[field]
    if value not in known:
        close = difflib.get_close_matches(value, known, n=3)
        hint = f"did you mean {', '.join(close)}?" if close else f"known: {', '.join(known)}"
        raise InvalidParam(field, f"unknown {field} {value!r}; {hint}")


LEADER_SORTS = ("rank", "index", "name", "organisation", "sector", "country")
INDEX_COMPONENTS = (
    "reach",
    "growth",
    "engagement",
    "amplification",
    "conversation",
    "centrality",
    "sentiment",
)


def _value(item: Any) -> Any:
    """A figure, or None where the analytics gave ``{"value": null, "reason": ...}``."""
    return item.get("value") if isinstance(item, dict) else item


def leaders_table(
    state: ServerState,
    *,
    cohort: str | None = None,
    sector: str | None = None,
    country: str | None = None,
    period: str | None = None,
    sort: str = "rank",
    descending: bool = False,
) -> dict[str, Any]:
    """The leaderboard (remembered until the data changes); see ``_leaders_table``."""
    key = ("leaders", cohort, sector, country, period, sort, descending)
    return state.memo(
        key,
        lambda: _leaders_table(
            state,
            cohort=cohort,
            sector=sector,
            country=country,
            period=period,
            sort=sort,
            descending=descending,
        ),
    )


def _leaders_table(
    state: ServerState,
    *,
    cohort: str | None = None,
    sector: str | None = None,
    country: str | None = None,
    period: str | None = None,
    sort: str = "rank",
    descending: bool = False,
) -> dict[str, Any]:
    """The leaderboard: the Leader Index ranking (``veille.analytics.index.rank``, the
    same rows as ``veille rank --format json``) where this version has it, else the
    registry's leaders filtered the same way, with the reason."""
    from veille.analytics.cohort import select_leaders
    from veille.analytics.index import rank

    config = state.config
    for field, value in (("cohort", cohort), ("sector", sector), ("country", country)):
        _check_facet(config, field, value)
    if sort not in LEADER_SORTS and sort not in INDEX_COMPONENTS:
        raise InvalidParam("sort", f"one of {', '.join(LEADER_SORTS + INDEX_COMPONENTS)}")
    chosen = select_leaders(config, cohort=cohort, sector=sector, country=country)
    registry = {x.id: leader_row(config, x) for x in chosen}
    with state.analytics() as ctx:
        default = getattr(getattr(config, "index", None), "period", None) or DEFAULT_PERIOD
        try:
            span = ctx.period(period or default)
        except UsageError as exc:
            raise InvalidParam("period", exc.message) from None
        ranking = rank(ctx, span, cohort=cohort, sector=sector, country=country)
        items = ranking.as_json()
        ranked = [i for i in items if _value(i["rank"]) is not None]
        rows = [{**registry[i["leader"]], **i} for i in ranked] + [
            {**registry[i["leader"]], **i} for i in items if _value(i["rank"]) is None
        ]
        index: dict[str, Any] = {"weights": dict(ranking.weights)}
    numeric: dict[str, Any] = {"index": lambda r: _value(r["index"])}
    for name in INDEX_COMPONENTS:
        numeric[name] = lambda r, name=name: _value(r["components"].get(name))
    if rank is not None and sort in numeric:
        get = numeric[sort]
        known = [r for r in rows if get(r) is not None]
        known.sort(key=get, reverse=descending)
        rows = known + [r for r in rows if get(r) is None]  # no figure: last, either way
    elif rank is not None and sort == "rank":
        if descending:
            rows.reverse()
    else:
        key = sort if sort in ("name", "organisation", "sector", "country") else "name"
        field_of = {"organisation": "organisation_name"}.get(key, key)
        rows.sort(key=lambda r: (r[field_of] is None, sort_key(r[field_of])))
        if descending:
            rows.reverse()
    return {
        "period": {"since": span.since, "until": span.until},
        "filters": {"cohort": cohort, "sector": sector, "country": country},
        "sort": sort,
        "descending": descending,
        "index": index,
        "components": list(index.get("weights") or ()),
        "items": rows,
    }


def find_leader(config: VeilleConfig, leader_id: str) -> Leader:
    for leader in config.leaders:
        if leader.id == leader_id:
            return leader
    raise NotFound("leader", leader_id, closest(leader_id, {x.id: x.name for x in config.leaders}))


def leader_profile(state: ServerState, leader_id: str) -> dict[str, Any]:
    find_leader(state.config, leader_id)
    return state.memo(("profile", leader_id), lambda: _leader_profile(state, leader_id))


def _leader_profile(state: ServerState, leader_id: str) -> dict[str, Any]:
    config = state.config
    leader = find_leader(config, leader_id)
    accounts = sorted(
        (
            row
            for row in state.entity_accounts().to_pylist()
            if row["kind"] == "leader" and row["entity_id"] == leader.id
        ),
        key=lambda row: (row["network"], row["account_id"]),
    )
    known = [(a["network"], a["account_id"]) for a in accounts if a["known"]]
    with state.cursor() as cur:
        profiles = dashboard.account_profiles(cur, known)
        posts = dashboard.author_posts(cur, known, limit=20)
    missing = [a for a in accounts if not a["known"]]
    from veille.analytics.channels import channels
    from veille.analytics.profile import profile as analytics_profile

    with state.analytics() as ctx:
        default = getattr(getattr(config, "index", None), "period", None) or DEFAULT_PERIOD
        span = ctx.period(default)
        channel_view = channels(ctx, leader, span)
        scored = analytics_profile(ctx, leader.id, span)
    return {
        **leader_row(config, leader),
        "period": {"since": span.since, "until": span.until},
        "accounts": profiles,
        "unknown_accounts": [
            {"network": a["network"], "account": a["account_id"]} for a in missing
        ],
        "posts": [post_dict(p) for p in posts],
        "objectives": [o.model_dump() for o in config.objectives if o.leader == leader.id],
        "channels": channel_view,
        "index": scored,
    }


def post_dict(post: dashboard.PostRow) -> dict[str, Any]:
    return {
        "uri": post.uri,
        "network": post.network,
        "author_id": post.author_id,
        "handle": post.handle,
        "display_name": post.display_name,
        "created_at": post.created_at,
        "text": post.text,
        "lang": post.lang,
        "sentiment": post.sentiment,
        "kind": "repost" if post.repost_of else ("reply" if post.reply_to else "post"),
    }


# --- listening -------------------------------------------------------------------------


def watches(state: ServerState) -> list[dict[str, Any]]:
    return state.memo(("watches",), lambda: _watches(state))


def _watches(state: ServerState) -> list[dict[str, Any]]:
    with state.cursor() as cur:
        counts = dashboard.match_counts(cur)
    return [
        {
            "id": w.id,
            "name": w.name or w.id,
            "query": w.query,
            "alert": w.alert,
            "matches": counts.get(w.id, 0),
        }
        for w in state.config.watches
    ]


def find_watch(state: ServerState, watch_id: str) -> dict[str, Any]:
    for item in watches(state):
        if item["id"] == watch_id:
            return item
    names = {w.id: w.name or w.id for w in state.config.watches}
    raise NotFound("watch", watch_id, closest(watch_id, names))


def watch_listening(state: ServerState, watch_id: str, period: str = "28d") -> dict[str, Any]:
    """What the watch hears over ``period`` (``veille.analytics.listening``, the figures
    of ``veille listening --watch ID``): volume, raw and representative net sentiment with
    their intervals, effective authors, the loud-minority flag, the daily series and the
    stakeholder, language and country groups."""
    from veille.analytics.listening import Scope, listening

    find_watch(state, watch_id)

    def compute() -> dict[str, Any]:
        with state.analytics() as ctx:
            window = ctx.period(period)
            view = listening(ctx, Scope("watch", watch_id), window)
            view["period"] = window.label()
            # the period ends at midnight, exclusive: its last day is the day before
            view["last_day"] = (window.until - timedelta(seconds=1)).date().isoformat()
            return view

    return state.memo(("watch_listening", watch_id, period), compute)


def watch_posts(
    state: ServerState,
    watch_id: str,
    *,
    limit: int = 50,
    after: tuple[datetime, str] | None = None,
    network: str | None = None,
    lang: str | None = None,
    sentiment: str | None = None,
) -> list[dict[str, Any]]:
    find_watch(state, watch_id)
    key = ("watch_posts", watch_id, limit, after, network, lang, sentiment)
    return state.memo(
        key,
        lambda: _watch_posts(state, watch_id, limit, after, network, lang, sentiment),
    )


def _watch_posts(
    state: ServerState,
    watch_id: str,
    limit: int,
    after: tuple[datetime, str] | None,
    network: str | None,
    lang: str | None,
    sentiment: str | None,
) -> list[dict[str, Any]]:
    with state.cursor() as cur:
        rows = dashboard.watch_posts(
            cur,
            watch_id,
            limit=limit,
            after=after,
            network=network,
            lang=lang,
            sentiment=sentiment,
        )
    return [post_dict(p) for p in rows]


# --- workspace -------------------------------------------------------------------------


def overview(state: ServerState) -> dict[str, Any]:
    return state.memo(("overview",), lambda: _overview(state))


def _overview(state: ServerState) -> dict[str, Any]:
    config = state.config
    with state.cursor() as cur:
        counts = dashboard.store_counts(cur)
    return {
        "store": counts,
        "registry": {
            "leaders": len(config.leaders),
            "organisations": len(config.organisations),
            "watches": len(config.watches),
            "objectives": len(config.objectives),
        },
        "signals": latest_signals(state),
        "movers": movers(state),
        "off_track": off_track(state),
        "digest": {"items": digests(state)["items"][:3]},
    }


def movers(state: ServerState, top: int = 5) -> dict[str, Any]:
    """The leaders whose rank moved most against the previous period (the leaderboard's
    ``rank_change``), largest moves first; a leader without a previous rank is no mover."""
    table = leaders_table(state)
    moved = [
        r for r in table["items"] if isinstance(_value(r.get("rank_change")), int | float)
        and _value(r.get("rank_change"))
    ]  # fmt: skip
    moved.sort(key=lambda r: (-abs(_value(r["rank_change"])), _value(r["rank"])))
    return {"items": moved[:top]}


def off_track(state: ServerState) -> dict[str, Any]:
    items = [o for o in objectives(state)["items"] if o["on_track"] is False]
    return {"items": items}


def sources(state: ServerState) -> dict[str, Any]:
    with state.cursor() as cur:
        return {"sources": dashboard.source_states(cur), "imports": dashboard.import_history(cur)}


def objectives(state: ServerState, leader: str | None = None) -> dict[str, Any]:
    return state.memo(("objectives", leader), lambda: _objectives(state, leader))


def _objectives(state: ServerState, leader: str | None = None) -> dict[str, Any]:
    """Every objective with its weekly series, trend, projection and on/off track
    (``veille.analytics.objectives``), and the five ROI dimensions."""
    from veille.analytics import objectives as analytics_objectives

    config = state.config
    names = {x.id: x.name for x in config.leaders} | organisation_names(config)
    with state.analytics() as ctx:
        evaluated = analytics_objectives.objectives(ctx, leader)
        anchor = ctx.anchor
    items = [
        {**item, "owner": names.get(item["leader"] or item["organisation"] or "")}
        for item in evaluated
    ]
    return {"at": anchor, "items": items, "roi": analytics_objectives.roi(evaluated)}


def presence(
    state: ServerState,
    *,
    cohort: str | None = None,
    sector: str | None = None,
    country: str | None = None,
    weeks: int = 8,
) -> dict[str, Any]:
    key = ("presence", cohort, sector, country, weeks)
    return state.memo(
        key,
        lambda: _presence(state, cohort=cohort, sector=sector, country=country, weeks=weeks),
    )


def _presence(
    state: ServerState,
    *,
    cohort: str | None = None,
    sector: str | None = None,
    country: str | None = None,
    weeks: int = 8,
) -> dict[str, Any]:
    """Which leaders are active, dormant or absent per network now, and week by week
    (``veille.analytics.presence``)."""
    from veille.analytics.cohort import select_leaders
    from veille.analytics.presence import presence_at, weekly_shares

    config = state.config
    for field, value in (("cohort", cohort), ("sector", sector), ("country", country)):
        _check_facet(config, field, value)
    leaders = select_leaders(config, cohort=cohort, sector=sector, country=country)
    with state.analytics() as ctx:
        current = presence_at(ctx, leaders, ctx.anchor) if leaders else []
        weekly = weekly_shares(ctx, leaders, ctx.anchor, weeks) if leaders else []
        anchor = ctx.anchor
    return {
        "at": anchor,
        "filters": {"cohort": cohort, "sector": sector, "country": country},
        "items": [
            {
                "leader": r.leader,
                "name": r.name,
                "network": r.network,
                "status": r.status,
                "last_post": r.last_post,
            }
            for r in current
        ],
        "weekly": weekly,
    }


# --- ecosystem ---------------------------------------------------------------------------


def ecosystem(
    state: ServerState, *, leader: str | None = None, period: str = "90d", top: int = 150
) -> dict[str, Any]:
    """The graph with its layout (``veille.graph.layout.graph_view``), its communities, and
    for a leader who to engage (``veille.graph.engage``)."""
    if leader is not None:
        find_leader(state.config, leader)
    return state.memo(
        ("ecosystem", leader, period, top), lambda: _ecosystem(state, leader, period, top)
    )


def _ecosystem(state: ServerState, leader: str | None, period: str, top: int) -> dict[str, Any]:
    from veille.graph.ecosystem import load
    from veille.graph.engage import engage
    from veille.graph.layout import graph_view

    with state.analytics() as ctx:
        try:
            span = ctx.period(period)
        except UsageError as exc:
            raise InvalidParam("period", exc.message) from None
        view = graph_view(ctx, span, leader=leader, top=top)
        who = None
        if leader is not None:
            who = engage(load(ctx, span), leader, top=15)
    return {"graph": view, "engage": who, "leader": leader, "period": period}


# --- the leader's daily tools ----------------------------------------------------------


def check(state: ServerState, draft: str, network: str, leader: str | None) -> dict[str, Any]:
    """The pre-publication check of a draft (``veille.reports.check``), as ``veille check``
    runs it in a workspace."""
    from datetime import UTC

    from veille.reports.check import validate_draft, validate_network
    from veille.reports.check_context import run_check

    try:
        network = validate_network(network)
        draft = validate_draft(draft)
    except UsageError as exc:
        field = "network" if "network" in exc.message.lower() else "draft"
        raise InvalidParam(field, exc.message) from None
    if leader:
        find_leader(state.config, leader)
    with state.analytics() as ctx:
        result = run_check(ctx, draft, network, leader or None, datetime.now(UTC))
    return result.as_dict()


def digests(state: ServerState) -> dict[str, Any]:
    """The picks of the stored daily digests (``veille digest`` writes them)."""
    from veille.reports.digest import digest_entries

    return {"items": digest_entries(state)}


# --- signals -----------------------------------------------------------------------------


def signals(
    state: ServerState, *, watch: str | None = None, kind: str | None = None
) -> dict[str, Any]:
    """Signals and stories (``veille.signals.workspace.workspace_signals``) where this
    version has them."""
    if watch is not None:
        find_watch(state, watch)
    return state.memo(("signals", watch, kind), lambda: _signals(state, watch, kind))


def _signals(state: ServerState, watch: str | None, kind: str | None) -> dict[str, Any]:
    from veille.signals.workspace import workspace_signals

    with state.analytics() as ctx:
        items = workspace_signals(ctx, watch=watch, kind=kind)
    return {
        "items": [
            {**s.as_json(), "reading": getattr(s, "reading", {}), "uris": getattr(s, "uris", [])}
            for s in items
        ],
    }


def latest_signals(state: ServerState, top: int = 5) -> dict[str, Any]:
    """The ``top`` signals detected last, for the overview."""
    data = signals(state)
    items = sorted(data["items"], key=lambda s: (s["detected_at"], s["id"]), reverse=True)
    return {"items": items[:top], "total": len(data["items"])}


def story(state: ServerState, signal_id: str) -> dict[str, Any]:
    data = signals(state)
    for item in data["items"]:
        if item["id"] == signal_id:
            found: dict[str, Any] = item
            return found
    raise NotFound(
        "story",
        signal_id,
        closest(signal_id, {i["id"]: i["term"] or i["id"] for i in data["items"]}),
    )


# --- alerts ------------------------------------------------------------------------------

ALERT_STATUSES: tuple[str, ...] = ("pending", "sent", "dead")


def alerts(state: ServerState, status: str | None = None, limit: int = 200) -> dict[str, Any]:
    """The alerts' delivery log (``alerts_sent``), newest first, each with its episode's
    acknowledgement, and the count per status."""
    from veille.store.alerts import acks, alert_rows, status_counts

    with state.cursor() as cur:
        rows = alert_rows(cur, statuses=(status,) if status else (), limit=limit)
        acked = acks(cur, sorted({r.episode for r in rows}))
        counts = status_counts(cur)
    items = []
    for r in rows:
        ack = acked.get(r.episode)
        items.append(
            {
                "id": r.id,
                "signal_id": r.signal_id,
                "episode": r.episode,
                "kind": r.kind,
                "rule": r.rule,
                "sink": r.sink,
                "level": r.level,
                "score": r.score,
                "authors": r.authors,
                "status": r.status,
                "attempts": r.attempts,
                "created_at": r.created_at,
                "sent_at": r.sent_at,
                "detail": r.detail,
                "ack": None
                if ack is None
                else {"by": ack.by_user, "at": ack.acked_at, "note": ack.note},
            }
        )
    return {
        "items": items,
        "counts": {s: counts.get(s, 0) for s in ALERT_STATUSES},
        "status": status or "",
    }


def acknowledge(
    state: ServerState, episode: str, user: str, note: str | None, *, withdraw: bool = False
) -> None:
    """Acknowledge an episode's alerts (or withdraw it), through the workspace's writer,
    with an audit line. An episode that no alert names is a 404."""
    from veille.model import utcnow
    from veille.store.alerts import AckJob, episode_history

    with state.cursor() as cur:
        if not episode_history(cur, [episode]):
            raise NotFound("alert", episode, [])
    store = state.workspace.store
    store.writer.run(AckJob(episode, user, utcnow(), note or None, withdraw=withdraw))
    store.audit("alert.unack" if withdraw else "alert.ack", episode, note or "", actor=user)
