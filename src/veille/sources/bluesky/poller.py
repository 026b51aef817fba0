"""Bluesky, polled: the public AppView for per-account backfill (``bluesky``, poll). No login
anywhere (the live stream is ``veille.sources.bluesky.stream``).

AppView (``appview_url``, default ``https://public.api.bsky.app``, about 3000 requests per
5 minutes per IP): ``app.bsky.actor.getProfile`` (follower counts, snapshotted every
``snapshot_hours``), ``app.bsky.feed.getAuthorFeed`` (paged with its cursor until ``since``,
or until the newest post seen on the previous run and at least ``refresh_days`` back, so
that metrics are refreshed), ``app.bsky.feed.getPostThread`` (replies to the tracked
accounts' posts), ``app.bsky.graph.getFollowers``/``getFollows`` (every ``graph_hours``).
Handles are resolved to DIDs with ``com.atproto.identity.resolveHandle`` and cached in a
JSON file of the workspace (``cache_path``). A raw item is one call::

    {"endpoint": "app.bsky.feed.getAuthorFeed", "params": {...}, "observed_at": ISO,
     "response": <the JSON body, byte for byte>}

mapped by ``veille.sources.bluesky.appview.map_response``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar, cast

from pydantic import BaseModel, Field

from veille.i18n import register, t
from veille.model import Record, parse_time, utcnow
from veille.secrets import redact_url
from veille.sources.base import (
    Connector,
    MappingError,
    RawItem,
    Reject,
    SourceContext,
    SourceFailure,
    excerpt,
)
from veille.sources.bluesky.settings import DEFAULT_APPVIEW, BlueskySettings
from veille.sources.http import HttpError, PoliteClient, host_of, json_of
from veille.sources.polling import (
    due,
    load_state,
    newest_iso,
    read_back_to,
    response_payload,
)

log = logging.getLogger("veille.sources.bluesky")


register(
    {
        "bsky.unresolved": (
            "Bluesky : impossible de résoudre le compte {actor} ({error})",
            "Bluesky: cannot resolve the account {actor} ({error})",
        ),
    }
)


# --- handle -> DID cache -----------------------------------------------------------------


class HandleCache:
    """Handle -> DID, persisted as JSON (``{"alice.bsky.social": {"did": ..., "at": ISO}}``)
    so that a restart costs no resolution. Entries older than ``ttl`` are resolved again."""

    def __init__(self, path: Path | None, ttl: timedelta = timedelta(days=7)) -> None:
        self.path = path
        self.ttl = ttl
        self.entries: dict[str, dict[str, str]] = {}
        if path is not None and path.exists():
            try:
                loaded = json.loads(path.read_text(encoding="utf-8"))
                if isinstance(loaded, dict):
                    self.entries = {
                        k: v
                        for k, v in loaded.items()
                        if isinstance(v, dict) and isinstance(v.get("did"), str)
                    }
            except (OSError, ValueError) as exc:
                log.warning("%s: handle cache unreadable, starting afresh (%s)", path, exc)

    def get(self, handle: str) -> str | None:
        entry = self.entries.get(handle.lower())
        if not entry:
            return None
        at = parse_time(entry.get("at"))
        if at is None or utcnow() - at > self.ttl:
            return None
        return entry["did"]

    def put(self, handle: str, did: str) -> None:
        self.entries[handle.lower()] = {"did": did, "at": utcnow().isoformat()}
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.entries, sort_keys=True, indent=0), encoding="utf-8")
            tmp.replace(self.path)


# --- AppView -------------------------------------------------------------------------------


class AppView:
    """The XRPC calls the connectors make, each returning the raw item and the decoded
    response."""

    def __init__(
        self, base_url: str, client: PoliteClient, cache: HandleCache, source: str = "bluesky"
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.client = client
        self.cache = cache
        self.source = source

    def call(self, endpoint: str, params: dict[str, Any]) -> tuple[RawItem, dict[str, Any]]:
        url = f"{self.base_url}/xrpc/{endpoint}"
        response = self.client.get(url, params=params)
        body = json_of(response)
        if not isinstance(body, dict):
            raise HttpError(f"{redact_url(response.url)}: expected a JSON object", url=url)
        observed = utcnow()
        raw = RawItem(
            source=self.source,
            origin=f"{endpoint} {json.dumps(params, sort_keys=True)}",
            received_at=observed,
            payload=response_payload(
                {"endpoint": endpoint, "params": params, "observed_at": observed.isoformat()},
                response.content,
            ),
        )
        return raw, body

    def resolve(self, actor: str) -> str:
        """DID of a handle (or the DID itself)."""
        actor = actor.strip().lstrip("@")
        if actor.startswith("did:"):
            return actor
        cached = self.cache.get(actor)
        if cached:
            return cached
        body = self.client.get_json(
            f"{self.base_url}/xrpc/com.atproto.identity.resolveHandle", params={"handle": actor}
        )
        did = body.get("did") if isinstance(body, dict) else None
        if not isinstance(did, str) or not did.startswith("did:"):
            raise HttpError(t("bsky.unresolved", actor=actor, error="no DID in the answer"))
        self.cache.put(actor, did)
        return did


def _feed_item_time(item: dict[str, Any]) -> datetime | None:
    reason = item.get("reason") or {}
    if isinstance(reason, dict) and reason.get("indexedAt"):
        return parse_time(reason.get("indexedAt"))
    post = item.get("post") or {}
    record = post.get("record") or {}
    return parse_time(post.get("indexedAt")) or parse_time(record.get("createdAt"))


def _is_pin(item: dict[str, Any]) -> bool:
    reason = item.get("reason") or {}
    return isinstance(reason, dict) and str(reason.get("$type", "")).endswith("#reasonPin")


class AppViewOptions(BaseModel):
    appview_url: str = DEFAULT_APPVIEW
    actors: list[str] = Field(default_factory=list, description="Handles or DIDs to follow.")
    since: datetime | None = Field(default=None, description="Backfill posts back to this time.")
    initial_days: float = Field(default=30.0, description="First run without --since: days back.")
    refresh_days: float = Field(default=3.0, description="Always re-read this many days (metrics).")
    max_pages: int = Field(default=20, ge=1, description="getAuthorFeed pages per actor per run.")
    page_size: int = Field(default=100, ge=1, le=100)
    threads: bool = True
    thread_depth: int = Field(default=6, ge=0, le=1000)
    max_threads: int = Field(default=25, ge=0, description="getPostThread calls per actor per run.")
    snapshot_hours: float = Field(default=6.0, description="Profile (follower count) snapshots.")
    graph: bool = False
    graph_hours: float = Field(default=168.0, description="Followers/follows lists every N hours.")
    max_graph_pages: int = Field(default=10, ge=1)
    cache_path: str | None = Field(default=None, description="Handle -> DID cache (JSON).")
    min_interval: float = Field(default=0.1, description="Seconds between calls (3000 / 5 min).")


class BlueskyAppView(Connector):
    """Per-account backfill and refresh from the public AppView."""

    id: ClassVar[str] = "bluesky"
    kind = "poll"
    network: ClassVar[str] = "bluesky"
    description: ClassVar[str] = "Bluesky AppView: profiles, author feeds, threads, follows"
    Options = AppViewOptions  # type: ignore[assignment]
    section: ClassVar[str | None] = "bluesky"
    Settings = BlueskySettings

    @classmethod
    def wanted(cls, context: SourceContext) -> bool:
        return context.settings.enabled and bool(context.tracked.get("bluesky"))

    @classmethod
    def from_config(cls, context: SourceContext) -> BlueskyAppView:
        settings = cast(BlueskySettings, context.settings)
        return cls(
            AppViewOptions(
                appview_url=settings.appview_url,
                actors=sorted(context.tracked.get("bluesky", set())),
                since=context.since,
                cache_path=str(context.cache_dir / "bluesky_handles.json"),
                **context.extra,
            )
        )

    def __init__(
        self,
        options: BaseModel | None = None,
        *,
        client: PoliteClient | None = None,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(options)
        self.opts = AppViewOptions.model_validate(self.options.model_dump())
        host = host_of(self.opts.appview_url)
        self.client = client or PoliteClient(min_interval={host: self.opts.min_interval})
        cache_path = Path(self.opts.cache_path) if self.opts.cache_path else None
        self.appview = AppView(self.opts.appview_url, self.client, HandleCache(cache_path), self.id)
        self.now = now
        self.state: dict[str, dict[str, str]] = {}
        self.cursor: str | None = None

    def _save(self) -> None:
        self.cursor = json.dumps({"actors": self.state}, sort_keys=True)

    def fetch(self, cursor: str | None = None) -> Iterator[RawItem | Reject]:
        self.state = load_state(cursor, log=log, source=self.id, under="actors")
        self._save()
        for actor in self.opts.actors:
            yield from self.fetch_actor(actor)

    def fetch_actor(self, actor: str, since: datetime | None = None) -> Iterator[RawItem | Reject]:
        """Everything due for one actor. ``since`` overrides the options (backfill)."""
        try:
            did = self.appview.resolve(actor)
        except HttpError as exc:
            yield SourceFailure(
                source=self.id,
                origin=actor,
                reason=t("bsky.unresolved", actor=actor, error=exc.message),
            )
            return
        state = dict(self.state.get(did, {}))
        now = self.now()
        try:
            if due(state.get("profile_at"), self.opts.snapshot_hours, now):
                raw, _ = self.appview.call("app.bsky.actor.getProfile", {"actor": did})
                yield raw
                state["profile_at"] = now.isoformat()
            newest = parse_time(state.get("newest"))
            stop_at = read_back_to(
                now,
                since or self.opts.since,
                newest,
                refresh_days=self.opts.refresh_days,
                initial_days=self.opts.initial_days,
            )
            found_newest: datetime | None = None
            thread_uris: list[str] = []
            page_cursor: str | None = None
            for _page in range(self.opts.max_pages):
                params: dict[str, Any] = {
                    "actor": did,
                    "limit": self.opts.page_size,
                    "filter": "posts_with_replies",
                }
                if page_cursor:
                    params["cursor"] = page_cursor
                raw, body = self.appview.call("app.bsky.feed.getAuthorFeed", params)
                yield raw
                items = [i for i in body.get("feed", []) or [] if isinstance(i, dict)]
                oldest: datetime | None = None
                for item in items:
                    if _is_pin(item):
                        continue
                    when = _feed_item_time(item)
                    if when is None:
                        continue
                    found_newest = when if found_newest is None else max(found_newest, when)
                    oldest = when if oldest is None else min(oldest, when)
                    post = item.get("post") or {}
                    author = (post.get("author") or {}).get("did")
                    if (
                        author == did
                        and not item.get("reason")
                        and when >= stop_at
                        and (post.get("replyCount") or 0) > 0
                        and post.get("uri")
                    ):
                        thread_uris.append(str(post["uri"]))
                page_cursor = body.get("cursor")
                if not page_cursor or not items or (oldest is not None and oldest < stop_at):
                    break
            if self.opts.threads:
                for uri in thread_uris[: self.opts.max_threads]:
                    raw, _ = self.appview.call(
                        "app.bsky.feed.getPostThread",
                        {"uri": uri, "depth": self.opts.thread_depth, "parentHeight": 0},
                    )
                    yield raw
            if self.opts.graph and due(state.get("graph_at"), self.opts.graph_hours, now):
                for endpoint in ("app.bsky.graph.getFollowers", "app.bsky.graph.getFollows"):
                    graph_cursor: str | None = None
                    for _page in range(self.opts.max_graph_pages):
                        gparams: dict[str, Any] = {"actor": did, "limit": 100}
                        if graph_cursor:
                            gparams["cursor"] = graph_cursor
                        raw, body = self.appview.call(endpoint, gparams)
                        yield raw
                        graph_cursor = body.get("cursor")
                        if not graph_cursor:
                            break
                state["graph_at"] = now.isoformat()
        except HttpError as exc:
            yield SourceFailure(
                source=self.id,
                origin=f"{actor} ({did})",
                reason=exc.message,
                item=excerpt(exc.body, 500),
            )
            return
        if found_newest is not None:
            state["newest"] = newest_iso(found_newest, state.get("newest"))
        self.state[did] = state
        self._save()

    @classmethod
    def to_records(cls, raw: RawItem) -> list[Record]:
        return appview_records(raw)


def appview_records(raw: RawItem, source: str = "bluesky") -> list[Record]:
    value = raw.value()
    if not isinstance(value, dict) or not isinstance(value.get("endpoint"), str):
        raise MappingError(
            f"{raw.origin}: an AppView item needs 'endpoint', 'params', "
            "'observed_at' and 'response'"
        )
    from veille.sources.bluesky.appview import map_response

    observed = parse_time(value.get("observed_at")) or raw.received_at
    return list(
        map_response(
            value["endpoint"],
            value.get("params") or {},
            value.get("response"),
            observed,
            source=source,
        )
    )


# --- Jetstream ---------------------------------------------------------------------------


CONNECTORS: list[type[Connector]] = [BlueskyAppView]
