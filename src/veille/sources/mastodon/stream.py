"""Mastodon, live: the streaming API (``mastodon-stream``, stream) as server-sent events:
``update`` and ``status.update`` map to posts, ``delete`` to a ``Tombstone``. The streaming
API has no replay: the cursor keeps the newest status id per stream and a reconnection fills
the gap from the REST timeline (``since_id``, ``veille.sources.mastodon.poller``).
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any, ClassVar, cast
from urllib.parse import quote

import httpx
import msgspec
from pydantic import BaseModel, Field

from veille.errors import UsageError
from veille.i18n import t
from veille.model import Record, utcnow
from veille.secrets import redact, redact_url
from veille.sources.base import (
    DECODE_ERRORS,
    Connector,
    RawItem,
    Reject,
    SourceContext,
    SourceFailure,
    decode_problem,
    excerpt,
)
from veille.sources.http import HttpError, PoliteClient, host_of
from veille.sources.mastodon.poller import (
    Instance,
    MastodonOptions,
    MastodonRest,
    _Api,
    _max_id,
    instances_of,
    mastodon_records,
)
from veille.sources.mastodon.settings import MastodonSettings
from veille.sources.polling import (
    response_payload,
)

log = logging.getLogger("veille.sources.mastodon")


#: What reading a streaming event may raise (bad JSON, nested too deep, not a status).
_EVENT_ERRORS: tuple[type[Exception], ...] = (*DECODE_ERRORS, ValueError)


class StreamSpec(BaseModel):
    stream: str = Field(description="public, public:local, hashtag or user")
    tag: str | None = None


class MastodonStreamOptions(BaseModel):
    instances: list[Instance] = Field(default_factory=list)
    hashtags: list[str] = Field(default_factory=list)
    public: bool = Field(default=False, description="Also the whole public stream.")
    user: bool = Field(default=False, description="The token owner's home stream.")
    silence_seconds: float = Field(
        default=90.0,
        description="No byte (Mastodon sends a heartbeat comment every ~10 s) -> reconnect.",
    )
    max_seconds: float | None = None
    max_events: int | None = None
    reconnect_base: float = 1.0
    reconnect_max: float = 60.0
    gap_pages: int = Field(default=5, ge=0, description="REST pages to fill a gap.")
    remember: int = Field(default=100_000, description="Status ids remembered for deletes.")


class MastodonStream(Connector):
    """Server-sent events from one or more instances' streaming API."""

    id: ClassVar[str] = "mastodon-stream"
    kind = "stream"
    network: ClassVar[str] = "mastodon"
    description: ClassVar[str] = "Mastodon streaming API (hashtags, public, user)"
    Options = MastodonStreamOptions  # type: ignore[assignment]
    section: ClassVar[str | None] = "mastodon"
    Settings = MastodonSettings

    @classmethod
    def wanted(cls, context: SourceContext) -> bool:
        settings = cast(MastodonSettings, context.settings)
        return settings.enabled and bool(settings.instances and settings.hashtags)

    @classmethod
    def from_config(cls, context: SourceContext) -> MastodonStream:
        settings = cast(MastodonSettings, context.settings)
        find = context.find_post

        def resolve(instance: str, status_id: str) -> str | None:
            return find("mastodon", status_id) if find is not None else None

        return cls(
            MastodonStreamOptions(
                instances=instances_of(settings),
                hashtags=list(settings.hashtags),
                max_seconds=context.max_seconds,
                **context.extra,
            ),
            stop=context.stop,
            resolve_uri=resolve,
        )

    def __init__(
        self,
        options: BaseModel | None = None,
        *,
        client: PoliteClient | None = None,
        stop: threading.Event | None = None,
        resolve_uri: Callable[[str, str], str | None] | None = None,
    ) -> None:
        super().__init__(options)
        self.opts = MastodonStreamOptions.model_validate(self.options.model_dump())
        self.client = client or PoliteClient(min_interval={"*": 1.0})
        self.stop = stop or threading.Event()
        self.resolve_uri = resolve_uri
        self.state: dict[str, str] = {}
        self.cursor: str | None = None
        self.events = 0
        #: events per stream: each is counted by its own reader thread only
        self._events_of: dict[str, int] = {}
        self.rejected = 0
        self.reconnects = 0
        self.seen: OrderedDict[str, str] = OrderedDict()
        self._last_id: dict[str, str] = {}
        self._bases: dict[str, str] = {}

    def streams(self, inst: Instance) -> list[StreamSpec]:
        found = [StreamSpec(stream="hashtag", tag=tag.lstrip("#")) for tag in self.opts.hashtags]
        if self.opts.public:
            found.append(StreamSpec(stream="public"))
        if self.opts.user:
            found.append(StreamSpec(stream="user"))
        return found

    def fetch(self, cursor: str | None = None) -> Iterator[RawItem | Reject]:
        if cursor:
            try:
                loaded = json.loads(cursor)
                if isinstance(loaded, dict):
                    self.state = {str(k): str(v) for k, v in loaded.items()}
            except ValueError:
                self.state = {}
        self.cursor = json.dumps(self.state, sort_keys=True)
        targets = [
            (inst, spec)
            for inst in self.opts.instances
            if inst.streaming
            for spec in self.streams(inst)
        ]
        if not targets:
            raise UsageError(t("masto.nothing_to_stream"))
        deadline = (time.monotonic() + self.opts.max_seconds) if self.opts.max_seconds else None
        if len(targets) == 1:
            yield from self._follow(*targets[0], deadline)
            return
        # several streams: one reader thread each, merged here (the cursor moves in this thread)
        import queue

        merged: queue.Queue[tuple[str, RawItem | Reject | None, str | None, bool]] = queue.Queue(
            1000
        )
        threads = []
        for inst, spec in targets:
            thread = threading.Thread(
                target=self._pump, args=(inst, spec, deadline, merged), daemon=True
            )
            thread.start()
            threads.append(thread)
        alive = len(threads)
        delivered = 0  # events yielded here (self.events also counts those still queued)
        while alive:
            key, item, last, counted = merged.get()
            if item is None:
                alive -= 1
                continue
            if last is not None:
                self._advance(key, last)
            yield item
            delivered += counted
            if self.opts.max_events is not None and delivered >= self.opts.max_events:
                self.stop.set()
                return

    def _pump(self, inst: Instance, spec: StreamSpec, deadline: float | None, out: Any) -> None:
        key = _stream_key(inst, spec)
        seen = 0
        try:
            for item in self._follow(inst, spec, deadline, advance=False):
                counted = self._events_of.get(key, 0) > seen  # an event, not a gap item
                seen = self._events_of.get(key, 0)
                out.put((key, item, self._last_id.get(key), counted))
        finally:
            out.put((key, None, None, False))

    def _advance(self, key: str, status_id: str) -> None:
        best = _max_id(self.state.get(key), status_id)
        if best and best != self.state.get(key):
            self.state[key] = best
            self.cursor = json.dumps(self.state, sort_keys=True)

    def streaming_base(self, inst: Instance) -> str:
        """Where the instance serves its streaming API: ``streaming_url`` when given, else
        ``configuration.urls.streaming`` of ``/api/v2/instance`` (often another host), else
        the instance itself."""
        if inst.streaming_url:
            return inst.streaming_url
        if inst.base not in self._bases:
            found: str | None = None
            try:
                response = self.client.request(
                    "GET",
                    f"{inst.base}/api/v2/instance",
                    ok_statuses=range(400, 600),
                    headers=_Api(inst, self.client, self.id).headers(),
                )
                if response.status_code == 200:
                    value = response.json()["configuration"]["urls"]["streaming"]
                    found = value if isinstance(value, str) and value else None
            except (HttpError, ValueError, KeyError, TypeError):
                found = None
            self._bases[inst.base] = found or inst.base
        return self._bases[inst.base]

    def stream_url(self, inst: Instance, spec: StreamSpec) -> str:
        base = self.streaming_base(inst).rstrip("/")
        base = base.replace("wss://", "https://").replace("ws://", "http://")
        path = "/api/v1/streaming/" + ("public" if spec.stream == "public" else spec.stream)
        if spec.stream == "hashtag" and spec.tag:
            return f"{base}{path}?tag={quote(spec.tag)}"
        return base + path

    def fill_gap(self, inst: Instance, spec: StreamSpec, key: str) -> Iterator[RawItem | Reject]:
        """After a (re)connection: the statuses missed since the newest seen, by REST."""
        since_id = self.state.get(key)
        if not since_id or not self.opts.gap_pages or spec.stream == "user":
            return
        rest = MastodonRest(
            MastodonOptions(instances=[inst], max_pages=self.opts.gap_pages), client=self.client
        )
        if spec.stream == "hashtag" and spec.tag:
            for item in rest.fetch_tag(inst, spec.tag, since_id=since_id):
                if isinstance(item, RawItem):
                    item = RawItem(
                        source=self.id,
                        origin=item.origin,
                        received_at=item.received_at,
                        payload=item.payload,
                    )
                    self._remember_from(item, key)
                yield item

    def _remember_from(self, item: RawItem, key: str) -> None:
        value = item.value()
        body = value.get("response") if isinstance(value, dict) else None
        for status in body if isinstance(body, list) else [body]:
            if isinstance(status, dict) and status.get("id"):
                self._remember(str(status["id"]), status.get("uri"))
                self._last_id[key] = _max_id(self._last_id.get(key), str(status["id"])) or ""

    def _remember(self, status_id: str, uri: object) -> None:
        if isinstance(uri, str) and uri:
            self.seen[status_id] = uri
            self.seen.move_to_end(status_id)
            while len(self.seen) > self.opts.remember:
                self.seen.popitem(last=False)

    def _follow(
        self, inst: Instance, spec: StreamSpec, deadline: float | None, advance: bool = True
    ) -> Iterator[RawItem | Reject]:
        key = _stream_key(inst, spec)
        api = _Api(inst, self.client, self.id)
        if spec.stream == "user" and not api.token:
            yield Reject(
                source=self.id,
                origin=inst.base,
                reason=t(
                    "masto.token_required",
                    instance=inst.base,
                    what="the user stream",
                    env=inst.env_name(),
                ),
            )
            return
        attempt = 0
        while not self.stop.is_set():
            if deadline is not None and time.monotonic() >= deadline:
                return
            for gap_item in self.fill_gap(inst, spec, key):
                if advance and key in self._last_id:
                    self._advance(key, self._last_id[key])
                yield gap_item
            url = self.stream_url(inst, spec)
            timeout = httpx.Timeout(10.0, read=self.opts.silence_seconds)
            if deadline is not None:
                timeout = httpx.Timeout(
                    10.0, read=max(0.1, min(self.opts.silence_seconds, deadline - time.monotonic()))
                )
            try:
                with self.client.stream(
                    "GET",
                    url,
                    headers={**api.headers(), "Accept": "text/event-stream"},
                    timeout=timeout,
                ) as response:
                    if response.status_code in (401, 403, 422):
                        response.read()
                        yield Reject(
                            source=self.id,
                            origin=redact_url(url),
                            reason=t(
                                "masto.token_required",
                                instance=inst.base,
                                what=f"the {spec.stream} stream",
                                env=inst.env_name(),
                            ),
                        )
                        return
                    if response.status_code != 200:
                        response.read()
                        raise HttpError(
                            f"{redact_url(url)}: HTTP {response.status_code}",
                            status=response.status_code,
                        )
                    attempt = 0
                    for event, data in _sse_events(response.iter_lines()):
                        if self.stop.is_set():
                            return
                        item = self._event(inst, spec, key, event, data)
                        if item is None:
                            if deadline is not None and time.monotonic() >= deadline:
                                return
                            continue
                        if advance and key in self._last_id:
                            self._advance(key, self._last_id[key])
                        yield item
                        if self.opts.max_events is not None and self.events >= self.opts.max_events:
                            return
                        if deadline is not None and time.monotonic() >= deadline:
                            return
            except (httpx.TransportError, HttpError) as exc:
                if deadline is not None and time.monotonic() >= deadline:
                    return
                attempt += 1
                self.reconnects += 1
                reason = exc.message if isinstance(exc, HttpError) else type(exc).__name__
                yield SourceFailure(
                    source=self.id,
                    origin=redact_url(url),
                    reason=f"{redact_url(url)}: {redact(str(reason))} (reconnecting)",
                )
                cap = min(self.opts.reconnect_max, self.opts.reconnect_base * 2 ** (attempt - 1))
                delay = cap * (0.5 + 0.5 * random.random())
                log.warning(
                    "mastodon-stream %s: %s; reconnecting in %.1f s",
                    redact_url(url),
                    redact(str(reason)),
                    delay,
                )
                self.stop.wait(delay)
                continue
            # the server ended the stream: reconnect at once
            self.reconnects += 1

    def _event(
        self, inst: Instance, spec: StreamSpec, key: str, event: str, data: str
    ) -> RawItem | Reject | None:
        origin = f"{host_of(inst.url)} streaming/{spec.stream}"
        observed = utcnow()
        endpoint = f"streaming/{spec.stream}"
        if event in ("update", "status.update"):
            try:
                status = msgspec.json.decode(data)
                if not isinstance(status, dict) or not status.get("id"):
                    raise ValueError("not a status object")
            except _EVENT_ERRORS as exc:  # RecursionError too: nested too deep
                self.rejected += 1
                return Reject(
                    source=self.id,
                    origin=origin,
                    reason=f"unreadable {event} event: {decode_problem(exc)}",
                    item=excerpt(data, 2000),
                )
            status_id = str(status["id"])
            self._remember(status_id, status.get("uri"))
            self._last_id[key] = _max_id(self._last_id.get(key), status_id) or status_id
            payload = response_payload(
                {
                    "instance": inst.base,
                    "endpoint": endpoint,
                    "params": {"tag": spec.tag} if spec.tag else {},
                    "event": event,
                    "observed_at": observed.isoformat(),
                },
                data.encode("utf-8"),
            )
            self.events += 1
            self._events_of[key] = self._events_of.get(key, 0) + 1
            return RawItem(source=self.id, origin=origin, received_at=observed, payload=payload)
        if event == "delete":
            status_id = data.strip().strip('"')
            uri = self.seen.get(status_id)
            if uri is None and self.resolve_uri is not None:
                uri = self.resolve_uri(inst.base, status_id)
            self.events += 1
            self._events_of[key] = self._events_of.get(key, 0) + 1
            return RawItem.of(
                self.id,
                origin,
                {
                    "instance": inst.base,
                    "endpoint": endpoint,
                    "event": "delete",
                    "params": {"tag": spec.tag} if spec.tag else {},
                    "observed_at": observed.isoformat(),
                    "response": status_id,
                    "uri": uri,
                },
                received_at=observed,
            )
        return None  # notifications, filters_changed, announcements...: not collected

    @classmethod
    def to_records(cls, raw: RawItem) -> list[Record]:
        return mastodon_records(raw, cls.id)


def _stream_key(inst: Instance, spec: StreamSpec) -> str:
    return f"{host_of(inst.url)}:{spec.stream}:{(spec.tag or '').lower()}"


def _sse_events(lines: Iterator[str]) -> Iterator[tuple[str, str]]:
    """Server-sent events as ``(event, data)``; comments (heartbeats) give ``("", "")`` so
    that the caller can check its deadline."""
    event = ""
    data: list[str] = []
    for line in lines:
        if line == "":
            if data or event:
                yield event or "message", "\n".join(data)
            event, data = "", []
            continue
        if line.startswith(":"):
            yield "", ""
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "event":
            event = value
        elif name == "data":
            data.append(value)
    if data:
        yield event or "message", "\n".join(data)


CONNECTORS: list[type[Connector]] = [MastodonStream]
