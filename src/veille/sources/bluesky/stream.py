"""Bluesky, live: Jetstream for the live stream (``bluesky-stream``, stream), with an AppView
backfill (``veille.sources.bluesky.poller``) when the cursor is older than the replay window.
No login anywhere.

Jetstream v2 (lexicon ``network.bsky.jetstream.subscribeEvents``): the websocket endpoint
``/xrpc/network.bsky.jetstream.subscribeEvents`` with the ``xrpc.v1.json`` subprotocol and
the query parameters ``kinds``, ``collections``, ``dids`` (at most 10000), ``cursor`` (a
``seq``, inclusive, or unix microseconds when >= 1e15) and ``maxMessageSizeBytes``. Every
frame is ``{"$type": "message", "payload": {"$type": "...#commit", "seq": ..., ...}}`` or
``{"$type": "error", "error": ..., "message": ...}``. A URL ending in ``/subscribe`` is a
v1 Jetstream (the default of ``veille.toml``): ``wantedCollections``, ``wantedDids`` and a
``cursor`` in microseconds, with flat ``{"did", "time_us", "kind", "commit"}`` events. Both
are spoken; ``protocol = "auto"`` picks by the URL.

The cursor saved after each committed batch is JSON: ``{"seq", "time_us", "url"}``. On
reconnect, a ``seq`` from the same URL resumes at ``seq + 1``; otherwise the time resumes
two seconds early (v1 events arrive slightly out of order; the store is idempotent on URIs,
so the overlap costs nothing). The cursor only moves forward.

Resilience: no frame for ``silence_seconds`` -> reconnect from the cursor; connection
errors -> exponential backoff with jitter; a malformed frame -> ``Reject`` (quarantined) and
the stream goes on; a cursor older than the replay window (``replay_hours``, about 36 h), or
the server's ``CursorTooOld`` / ``OutdatedCursor`` -> a clear warning and an AppView backfill
of the tracked accounts since the cursor, then the stream resumes from the oldest retained
event. Two modes: ``tracked`` (the ``dids`` filter: the tracked accounts' posts, reposts,
likes, follows and account events) and ``network`` (every post, for keyword listening;
veille indexes them itself and never calls ``searchPosts``).
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeGuard, cast
from urllib.parse import urlencode, urlsplit, urlunsplit

import msgspec
from pydantic import BaseModel, Field

from veille.errors import UsageError
from veille.i18n import register, t
from veille.model import Record, parse_time, utcnow
from veille.secrets import redact
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
from veille.sources.bluesky.poller import (
    AppView,
    AppViewOptions,
    BlueskyAppView,
    HandleCache,
    appview_records,
)
from veille.sources.bluesky.settings import DEFAULT_APPVIEW, DEFAULT_JETSTREAM, BlueskySettings
from veille.sources.http import HttpError, PoliteClient, host_of
from veille.sources.values import is_int

log = logging.getLogger("veille.sources.bluesky")

V2_PATH = "/xrpc/network.bsky.jetstream.subscribeEvents"
V2_SUBPROTOCOL = "xrpc.v1.json"
V2_TYPE_PREFIX = "network.bsky.jetstream.subscribeEvents#"
#: A v2 cursor at or above this is unix microseconds; this value asks for the oldest event.
OLDEST_RETAINED = 1_000_000_000_000_000

POST = "app.bsky.feed.post"
TRACKED_COLLECTIONS = [POST, "app.bsky.feed.repost", "app.bsky.feed.like", "app.bsky.graph.follow"]

register(
    {
        "bsky.cursor_too_old": (
            "Jetstream : le curseur ({when}) est plus vieux que la fenêtre de rejeu (~{hours} h) ; "
            "les événements manquants des comptes suivis sont repris par l'AppView depuis {when}, "
            "les autres sont perdus.",
            "Jetstream: the cursor ({when}) is older than the replay window (~{hours} h); the "
            "tracked accounts' missing events are backfilled from the AppView since {when}, the "
            "others are lost.",
        ),
        "bsky.server_too_old": (
            "Jetstream refuse le curseur ({detail}) : reprise au plus ancien événement conservé, "
            "et rattrapage des comptes suivis par l'AppView.",
            "Jetstream refused the cursor ({detail}): resuming from the oldest retained event, "
            "and backfilling the tracked accounts from the AppView.",
        ),
        "bsky.nothing_to_follow": (
            "aucun compte Bluesky à suivre : ajoutez des comptes bluesky aux dirigeants ou "
            "organisations, ou listen_all_posts = true dans [sources.bluesky]",
            "no Bluesky account to follow: add bluesky accounts to leaders or organisations, "
            "or set listen_all_posts = true in [sources.bluesky]",
        ),
        "bsky.none_resolved": (
            "aucun des {n} comptes Bluesky suivis n'a pu être résolu ({error}) : rien à écouter",
            "none of the {n} tracked Bluesky accounts could be resolved ({error}): nothing to"
            " listen to",
        ),
        "bsky.bad_frame": (
            "trame Jetstream illisible : {error}",
            "unreadable Jetstream frame: {error}",
        ),
    }
)


class _V2Payload(msgspec.Struct):
    type: str | None = msgspec.field(default=None, name="$type")
    seq: int | None = None
    did: str | None = None
    time: str | None = None
    name: str | None = None
    message: str | None = None


class _V2Frame(msgspec.Struct):
    type: str | None = msgspec.field(default=None, name="$type")
    payload: _V2Payload | None = None
    error: str | None = None
    message: str | None = None


class _V1Event(msgspec.Struct):
    did: str | None = None
    time_us: int | None = None
    kind: str | None = None


_V2_DECODER = msgspec.json.Decoder(_V2Frame)
_V1_DECODER = msgspec.json.Decoder(_V1Event)


class FrameError(ValueError):
    pass


#: What reading a frame may raise: bad JSON, nested too deep, not a Jetstream frame.
_FRAME_ERRORS: tuple[type[Exception], ...] = (*DECODE_ERRORS, FrameError)


class StreamOptions(BaseModel):
    jetstream_url: str = DEFAULT_JETSTREAM
    protocol: Literal["auto", "v1", "v2"] = "auto"
    mode: Literal["tracked", "network"] = "tracked"
    actors: list[str] = Field(default_factory=list, description="Tracked handles or DIDs.")
    collections: list[str] | None = Field(
        default=None,
        description="Default: posts only in network mode; posts, reposts, likes "
        "and follows in tracked mode.",
    )
    kinds: list[str] | None = Field(default=None, description="Event kinds (v2).")
    max_message_bytes: int = Field(default=512 * 1024, ge=0)
    silence_seconds: float = Field(default=30.0, gt=0, description="No frame -> reconnect.")
    replay_hours: float = Field(default=36.0, description="Jetstream's replay window.")
    max_seconds: float | None = Field(default=None, description="Stop after this long.")
    max_events: int | None = Field(default=None, description="Stop after this many events.")
    reconnect_base: float = 1.0
    reconnect_max: float = 60.0
    open_timeout: float = 10.0
    backfill: bool = True
    appview_url: str = DEFAULT_APPVIEW
    cache_path: str | None = None


class BlueskyJetstream(Connector):
    """The live stream from Jetstream (v2, or v1 by URL)."""

    id: ClassVar[str] = "bluesky-stream"
    kind = "stream"
    network: ClassVar[str] = "bluesky"
    description: ClassVar[str] = (
        "Bluesky live stream from Jetstream (tracked accounts or all posts)"
    )
    Options = StreamOptions  # type: ignore[assignment]
    section: ClassVar[str | None] = "bluesky"
    Settings = BlueskySettings

    @classmethod
    def wanted(cls, context: SourceContext) -> bool:
        settings = cast(BlueskySettings, context.settings)
        return settings.enabled and bool(
            context.tracked.get("bluesky") or settings.listen_all_posts
        )

    @classmethod
    def from_config(cls, context: SourceContext) -> BlueskyJetstream:
        settings = cast(BlueskySettings, context.settings)
        return cls(
            StreamOptions(
                jetstream_url=settings.jetstream_url,
                appview_url=settings.appview_url,
                actors=sorted(context.tracked.get("bluesky", set())),
                mode="network" if settings.listen_all_posts else "tracked",
                cache_path=str(context.cache_dir / "bluesky_handles.json"),
                max_seconds=context.max_seconds,
                **context.extra,
            ),
            stop=context.stop,
        )

    def __init__(
        self,
        options: BaseModel | None = None,
        *,
        client: PoliteClient | None = None,
        sleep: Callable[[float], None] = time.sleep,
        stop: threading.Event | None = None,
    ) -> None:
        super().__init__(options)
        self.opts = StreamOptions.model_validate(self.options.model_dump())
        self.protocol = self.opts.protocol
        if self.protocol == "auto":
            self.protocol = (
                "v1"
                if urlsplit(self.opts.jetstream_url).path.rstrip("/").endswith("/subscribe")
                else "v2"
            )
        self.client = client
        self.sleep = sleep
        self.stop = stop or threading.Event()
        self.seq: int | None = None
        self.time_us: int | None = None
        self.last_time: str | None = None
        self.frames = 0
        self.events = 0
        self.rejected = 0
        self.reconnects = 0
        self.backfills = 0
        self.connected_url: str | None = None
        self.dids: list[str] = []
        self.last_frame_at: float | None = None
        self.pending_oldest = False
        self._pending_backfill: datetime | None = None

    # -- cursor --------------------------------------------------------------------------

    @property
    def cursor(self) -> str | None:  # type: ignore[override]
        time_us = self._time_us()
        if self.seq is None and time_us is None:
            return None
        return json.dumps(
            {"seq": self.seq, "time_us": time_us, "url": self.opts.jetstream_url}, sort_keys=True
        )

    def _time_us(self) -> int | None:
        if self.last_time is not None:
            when = parse_time(self.last_time)
            if when is not None:
                us = int(when.timestamp() * 1_000_000)
                self.time_us = us if self.time_us is None else max(self.time_us, us)
            self.last_time = None
        return self.time_us

    def load_cursor(self, cursor: str | None) -> None:
        if not cursor:
            return
        try:
            value = json.loads(cursor)
        except ValueError:
            value = cursor
        text = str(value)
        if (
            isinstance(value, int | str)
            and not isinstance(value, bool)
            and text.isascii()
            and text.isdigit()
        ):
            number = int(value)
            if _sane_time_us(number):
                self.time_us = number
                return
            if 0 <= number < OLDEST_RETAINED:
                self.seq = number
                return
        if isinstance(value, dict):
            seq = value.get("seq")
            same_server = value.get("url") in (None, self.opts.jetstream_url)
            if same_server and is_int(seq) and 0 <= seq < OLDEST_RETAINED:
                self.seq = seq
            if _sane_time_us(value.get("time_us")):
                self.time_us = value["time_us"]
            return
        log.warning(
            "bluesky-stream: unreadable saved cursor %r, starting at the live tip",
            excerpt(str(cursor), 80),
        )

    def resume_param(self) -> int | None:
        """The ``cursor`` query parameter for the next connection."""
        if self.protocol == "v2" and self.seq is not None:
            return self.seq + 1
        time_us = self._time_us()
        if time_us is None:
            return None
        return max(OLDEST_RETAINED, time_us - 2_000_000)

    # -- connection ------------------------------------------------------------------------

    def collections(self) -> list[str]:
        if self.opts.collections is not None:
            return self.opts.collections
        return [POST] if self.opts.mode == "network" else list(TRACKED_COLLECTIONS)

    def url(self, cursor_param: int | None) -> str:
        parts = urlsplit(self.opts.jetstream_url)
        path = parts.path
        params: list[tuple[str, str]] = []
        if self.protocol == "v2":
            if not path.endswith(V2_PATH):
                path = path.rstrip("/") + V2_PATH
            kinds = (
                self.opts.kinds
                if self.opts.kinds is not None
                else (["commit"] if self.opts.mode == "network" else [])
            )
            params += [("kinds", k) for k in kinds]
            params += [("collections", c) for c in self.collections()]
            if self.opts.mode == "tracked":
                params += [("dids", d) for d in self.dids]
            if self.opts.max_message_bytes:
                params.append(("maxMessageSizeBytes", str(self.opts.max_message_bytes)))
        else:
            params += [("wantedCollections", c) for c in self.collections()]
            if self.opts.mode == "tracked":
                params += [("wantedDids", d) for d in self.dids]
            if self.opts.max_message_bytes:
                params.append(("maxMessageSizeBytes", str(self.opts.max_message_bytes)))
        if cursor_param is not None:
            params.append(("cursor", str(cursor_param)))
        return urlunsplit((parts.scheme, parts.netloc, path, urlencode(params), ""))

    def _appview(self) -> AppView:
        client = self.client or PoliteClient(min_interval={host_of(self.opts.appview_url): 0.1})
        self.client = client
        cache = HandleCache(Path(self.opts.cache_path) if self.opts.cache_path else None)
        return AppView(self.opts.appview_url, client, cache, BlueskyAppView.id)

    def resolve_dids(self) -> Iterator[Reject]:
        if self.opts.mode != "tracked":
            return
        appview = self._appview()
        dids: list[str] = []
        failed: list[HttpError] = []
        for actor in self.opts.actors:
            try:
                dids.append(appview.resolve(actor))
            except HttpError as exc:
                failed.append(exc)
                yield SourceFailure(
                    source=self.id,
                    origin=actor,
                    reason=t("bsky.unresolved", actor=actor, error=exc.message),
                )
        self.dids = list(dict.fromkeys(dids))[:10000]
        if failed and not self.dids:
            # not "nothing to follow": there were accounts, none could be resolved
            raise HttpError(
                t("bsky.none_resolved", n=len(failed), error=failed[-1].message),
                unreachable=any(e.unreachable for e in failed),
            )

    def backfill(self, since: datetime) -> Iterator[RawItem | Reject]:
        """AppView backfill of the tracked accounts since ``since`` (after a gap)."""
        if not self.opts.backfill or not self.opts.actors:
            return
        self.backfills += 1
        poller = BlueskyAppView(
            AppViewOptions(
                appview_url=self.opts.appview_url,
                actors=self.opts.actors,
                since=since,
                cache_path=self.opts.cache_path,
                snapshot_hours=0.0,
            ),
            client=self.client or self._appview().client,
        )
        for actor in self.opts.actors:
            yield from poller.fetch_actor(actor, since=since)

    def fetch(self, cursor: str | None = None) -> Iterator[RawItem | Reject]:
        from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException
        from websockets.sync.client import connect
        from websockets.typing import Subprotocol

        self.load_cursor(cursor)
        yield from self.resolve_dids()
        if self.opts.mode == "tracked" and not self.dids:
            raise UsageError(t("bsky.nothing_to_follow"))
        deadline = (time.monotonic() + self.opts.max_seconds) if self.opts.max_seconds else None
        time_us = self._time_us()
        if time_us is not None:
            age = utcnow() - datetime.fromtimestamp(time_us / 1e6, UTC)
            if age > timedelta(hours=self.opts.replay_hours):
                since = datetime.fromtimestamp(time_us / 1e6, UTC)
                log.warning(
                    t(
                        "bsky.cursor_too_old",
                        when=since.isoformat(timespec="seconds"),
                        hours=int(self.opts.replay_hours),
                    )
                )
                yield from self.backfill(since)
                self.seq = None
                self.time_us = None
                self.pending_oldest = True
        attempt = 0
        while not self.stop.is_set():
            if deadline is not None and time.monotonic() >= deadline:
                return
            if self.opts.max_events is not None and self.events >= self.opts.max_events:
                return
            param = self.resume_param()
            if param is None and self.pending_oldest:
                param = OLDEST_RETAINED
            url = self.url(param)
            self.connected_url = url
            subprotocols = [Subprotocol(V2_SUBPROTOCOL)] if self.protocol == "v2" else None
            try:
                ws = connect(
                    url,
                    subprotocols=subprotocols,
                    open_timeout=self.opts.open_timeout,
                    max_size=(self.opts.max_message_bytes or 2**24) * 2,
                    additional_headers={"User-Agent": f"veille/{_version()}"},
                    compression="deflate",
                )
            except InvalidStatus as exc:
                body = exc.response.body.decode("utf-8", "replace") if exc.response.body else ""
                if exc.response.status_code == 400 and "CursorTooOld" in body:
                    yield from self._too_old(body)
                    continue
                if exc.response.status_code == 400:
                    raise HttpError(
                        f"Jetstream rejected the subscription (HTTP 400): {redact(body)[:300]}",
                        status=400,
                        url=url,
                        hint="Check [sources.bluesky] jetstream_url and the tracked accounts.",
                    ) from None
                attempt += 1
                reason = f"HTTP {exc.response.status_code}"
                yield self._not_connected(reason)
                self._backoff(attempt, reason, deadline)
                continue
            except (OSError, TimeoutError, WebSocketException) as exc:
                attempt += 1
                reason = f"{type(exc).__name__}: {exc}"
                yield self._not_connected(reason)
                self._backoff(attempt, reason, deadline)
                continue
            self.pending_oldest = False
            try:
                with ws:
                    heard = time.monotonic()
                    while not self.stop.is_set():
                        # short waits, so that a stop request is seen within a second
                        timeout = min(
                            1.0, max(0.0, heard + self.opts.silence_seconds - time.monotonic())
                        )
                        if deadline is not None:
                            left = deadline - time.monotonic()
                            if left <= 0:
                                return
                            timeout = min(timeout, left)
                        try:
                            data = ws.recv(timeout=timeout, decode=False)
                        except TimeoutError:
                            if deadline is not None and time.monotonic() >= deadline:
                                return
                            if time.monotonic() - heard < self.opts.silence_seconds:
                                continue
                            log.warning(
                                "bluesky-stream: no frame for %.0f s, reconnecting from the cursor",
                                self.opts.silence_seconds,
                            )
                            self.reconnects += 1
                            break
                        heard = time.monotonic()
                        self.frames += 1
                        self.last_frame_at = heard
                        frame = data.encode("utf-8") if isinstance(data, str) else bytes(data)
                        result = self._frame(frame)
                        if result is None:
                            if self._pending_backfill is not None:
                                since, self._pending_backfill = self._pending_backfill, None
                                yield from self.backfill(since)
                            continue
                        if isinstance(result, _Reconnect):
                            self.reconnects += 1
                            if result.too_old:
                                yield from self._too_old(result.detail)
                            else:
                                attempt += 1
                                self._backoff(attempt, result.detail, deadline)
                            break
                        attempt = 0
                        if isinstance(result, RawItem):
                            self.events += 1
                        yield result
                        if self.opts.max_events is not None and self.events >= self.opts.max_events:
                            return
            except ConnectionClosed as exc:
                self.reconnects += 1
                attempt += 1
                self._backoff(attempt, f"connection closed ({exc})", deadline, first_free=True)

    def _too_old(self, detail: str) -> Iterator[RawItem | Reject]:
        log.warning(t("bsky.server_too_old", detail=redact(detail)[:200]))
        since = (
            datetime.fromtimestamp(self.time_us / 1e6, UTC)
            if self.time_us
            else utcnow() - timedelta(hours=self.opts.replay_hours)
        )
        yield from self.backfill(since)
        self.seq = None
        self.time_us = None
        self.pending_oldest = True

    def _not_connected(self, reason: str) -> SourceFailure:
        """A connection that could not be made: the source's failure (``veille listen``
        exits 1 when nothing else came), not a reject of data."""
        where = host_of(self.opts.jetstream_url)
        return SourceFailure(
            source=self.id, origin=where, reason=f"{where}: {redact(reason)} (reconnecting)"
        )

    def _backoff(
        self, attempt: int, reason: str, deadline: float | None, first_free: bool = False
    ) -> None:
        if first_free and attempt == 1:
            delay = 0.0
        else:
            cap = min(self.opts.reconnect_max, self.opts.reconnect_base * 2 ** (attempt - 1))
            delay = cap * (0.5 + 0.5 * random.random())
        if deadline is not None:
            delay = min(delay, max(0.0, deadline - time.monotonic()))
        log.warning("bluesky-stream: %s; reconnecting in %.1f s", redact(reason), delay)
        if delay > 0:
            self.stop.wait(delay) if self.sleep is time.sleep else self.sleep(delay)

    def _frame(self, frame: bytes) -> RawItem | Reject | _Reconnect | None:
        """One frame: an event to store, a rejected frame, a reason to reconnect, or
        nothing (an info notice)."""
        origin = f"{host_of(self.opts.jetstream_url)} frame {self.frames}"
        try:
            if self.protocol == "v2":
                parsed = _V2_DECODER.decode(frame)
                kind = parsed.type
                if kind == "error":
                    too_old = parsed.error in ("CursorTooOld", "OutdatedCursor")
                    return _Reconnect(f"error frame {parsed.error}: {parsed.message}", too_old)
                if kind not in ("message", "event") or parsed.payload is None:
                    raise FrameError(f"unknown frame type {kind!r}")
                payload = parsed.payload
                ptype = payload.type or ""
                if ptype == V2_TYPE_PREFIX + "info":
                    if payload.name == "OutdatedCursor":
                        log.warning(t("bsky.server_too_old", detail=payload.message or ""))
                        if self.opts.backfill and self.opts.actors:
                            since = (
                                datetime.fromtimestamp(self.time_us / 1e6, UTC)
                                if self.time_us
                                else utcnow() - timedelta(hours=self.opts.replay_hours)
                            )
                            self._pending_backfill = since
                    return None
                if not ptype.startswith(V2_TYPE_PREFIX):
                    raise FrameError(f"unknown message type {ptype!r}")
                if payload.seq is None or not payload.did or not payload.time:
                    raise FrameError("message without seq, did or time")
                if self.seq is None or payload.seq > self.seq:
                    self.seq = payload.seq
                    self.last_time = payload.time
            else:
                event = _V1_DECODER.decode(frame)
                if not event.did or event.time_us is None or not event.kind:
                    raise FrameError("event without did, time_us or kind")
                if self.time_us is None or event.time_us > self.time_us:
                    self.time_us = event.time_us
        except _FRAME_ERRORS as exc:  # a frame nested 5,000 deep too
            self.rejected += 1
            return Reject(
                source=self.id,
                origin=origin,
                reason=t("bsky.bad_frame", error=decode_problem(exc)[:200]),
                item=excerpt(frame, 2000),
            )
        return RawItem(
            source=self.id, origin=origin, received_at=utcnow(), payload=msgspec.Raw(frame)
        )

    @classmethod
    def to_records(cls, raw: RawItem) -> list[Record]:
        """A Jetstream frame (v2 frame or v1 event, mapped by ``jetstream.map_event_json``)
        or an AppView item of a backfill."""
        if bytes(memoryview(raw.payload)[:16]).startswith(b'{"endpoint":'):
            return appview_records(raw)
        from veille.sources.bluesky.jetstream import map_event_json

        return map_event_json(raw.payload, source=cls.id)


def _sane_time_us(value: object) -> TypeGuard[int]:
    """Unix microseconds between 2001 and 2286: what a Jetstream time cursor can be."""
    return is_int(value) and OLDEST_RETAINED <= value < 10**16


class _Reconnect:
    __slots__ = ("detail", "too_old")

    def __init__(self, detail: str, too_old: bool) -> None:
        self.detail = detail
        self.too_old = too_old


def v2_to_v1(payload: dict[str, Any]) -> dict[str, Any]:
    """A v2 ``subscribeEvents`` message as the v1 event shape that ``map_event`` reads:
    ``{"did", "time_us", "kind", "commit": {...}}`` (or ``identity``/``account``)."""
    ptype = str(payload.get("$type", ""))
    kind = ptype.rsplit("#", 1)[-1] if "#" in ptype else ptype
    when = parse_time(payload.get("time"))
    event: dict[str, Any] = {
        "did": payload.get("did"),
        "time_us": int(when.timestamp() * 1_000_000) if when else None,
        "kind": kind,
    }
    if kind == "commit":
        commit = {
            k: payload[k]
            for k in ("rev", "operation", "collection", "rkey", "record", "cid")
            if k in payload
        }
        event["commit"] = commit
    elif kind in ("identity", "account", "sync"):
        event[kind] = payload.get(kind)
    return event


def _version() -> str:
    from veille import __version__

    return __version__


CONNECTORS: list[type[Connector]] = [BlueskyJetstream]
