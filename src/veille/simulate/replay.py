"""A local Jetstream v2 server that replays events: for tests, benchmarks and demos
without the network.

It speaks what the real one speaks (lexicon ``network.bsky.jetstream.subscribeEvents``):
websocket at ``/xrpc/network.bsky.jetstream.subscribeEvents``, subprotocol
``xrpc.v1.json``, frames ``{"$type": "message", "payload": {...}}``, query parameters
``cursor`` (a seq, inclusive, or unix microseconds when >= 1e15), ``dids``, ``collections``,
``kinds``; a seq cursor below ``floor_seq`` is refused before the upgrade with HTTP 400
``{"error": "CursorTooOld"}``, as the real server does. After the last event the connection
stays open and quiet, like a live tip with nothing new.

Misbehaviour on demand, to test the client: ``silent_after`` (the first connection stops
sending after N frames, without closing), ``close_after`` (the first connection is closed
after N frames), ``bad_frames`` (raw frames sent before the event of a given index),
``duplicate_every`` (every Nth event sent twice), ``shuffle_window`` (events sent slightly
out of order), ``rate`` (events per second; ``None`` = as fast as possible).

``vary_events`` turns a few real events into as many as wanted (new record keys, times
spread at a given rate), keeping their shapes.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

PATH = "/xrpc/network.bsky.jetstream.subscribeEvents"
SUBPROTOCOL = "xrpc.v1.json"
PREFIX = "network.bsky.jetstream.subscribeEvents#"


@dataclass
class Event:
    """One event to replay: its seq, time, repo, collection and the frame to send."""

    seq: int
    time_us: int
    did: str
    collection: str | None
    frame: bytes
    kind: str = "commit"


def v1_to_payload(event: dict[str, Any], seq: int) -> dict[str, Any]:
    """A v1 event (``{"did", "time_us", "kind", "commit"}``) as a v2 message payload."""
    kind = str(event.get("kind", "commit"))
    when = datetime.fromtimestamp(int(event["time_us"]) / 1e6, UTC)
    payload: dict[str, Any] = {
        "$type": PREFIX + kind,
        "seq": seq,
        "did": event["did"],
        "time": when.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }
    if kind == "commit":
        payload.update(event.get("commit") or {})
    else:
        payload[kind] = event.get(kind) or {}
    return payload


def make_event(payload: dict[str, Any]) -> Event:
    when = datetime.fromisoformat(str(payload["time"]).replace("Z", "+00:00"))
    frame = json.dumps(
        {"$type": "message", "payload": payload}, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")
    return Event(
        int(payload["seq"]),
        int(when.timestamp() * 1_000_000),
        str(payload["did"]),
        payload.get("collection"),
        frame,
        str(payload.get("$type", "")).rsplit("#", 1)[-1],
    )


def vary_events(
    v1_lines: Sequence[str],
    count: int,
    *,
    start_us: int,
    rate: float,
    first_seq: int = 1,
    collections: Iterable[str] | None = None,
    seed: int = 7,
) -> list[Event]:
    """``count`` events made from real v1 lines: each copy gets a new record key (and
    subject keys stay as they are), times spaced ``1/rate`` s apart from ``start_us``.
    Deletes of copies name the copied record, so they delete something that was sent."""
    wanted = set(collections) if collections else None
    base = [json.loads(line) for line in v1_lines if line.strip()]
    if wanted is not None:
        base = [
            e
            for e in base
            if e.get("kind") == "commit" and (e.get("commit") or {}).get("collection") in wanted
        ]
    if not base:
        raise ValueError("no event to vary")
    rng = random.Random(seed)
    events: list[Event] = []
    step = 1_000_000 / rate
    for i in range(count):
        original = base[i % len(base)]
        event = json.loads(json.dumps(original))
        copy = i // len(base)
        if event.get("kind") == "commit":
            commit = event["commit"]
            commit["rkey"] = f"{commit['rkey']}{copy:x}"
            record = commit.get("record")
            if isinstance(record, dict) and isinstance(record.get("text"), str) and copy:
                record["text"] = record["text"] + f" #{copy} {rng.randrange(10**6)}"
        event["time_us"] = start_us + int(i * step)
        events.append(make_event(v1_to_payload(event, first_seq + i)))
    return events


@dataclass
class ReplayServer:
    events: list[Event]
    floor_seq: int | None = None
    silent_after: int | None = None
    close_after: int | None = None
    bad_frames: dict[int, list[bytes]] = field(default_factory=dict)
    duplicate_every: int | None = None
    shuffle_window: int = 0
    rate: float | None = None
    host: str = "127.0.0.1"

    def __post_init__(self) -> None:
        self.connections: list[dict[str, list[str]]] = []
        self.sent_seqs: list[int] = []
        self.lock = threading.Lock()
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}{PATH}"

    def start(self) -> ReplayServer:
        from websockets.sync.server import serve
        from websockets.typing import Subprotocol

        self._server = serve(
            self._handle,
            self.host,
            0,
            subprotocols=[Subprotocol(SUBPROTOCOL)],
            process_request=self._process_request,
            compression=None,
            max_size=2**24,
        )
        self.port = self._server.socket.getsockname()[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, daemon=True, name="jetstream-replay"
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server = None

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- protocol ------------------------------------------------------------------------------

    def _process_request(self, connection: Any, request: Any) -> Any:
        query = parse_qs(urlsplit(request.path).query)
        if urlsplit(request.path).path != PATH:
            return connection.respond(404, "not found\n")
        cursor = query.get("cursor", [None])[0]
        if cursor is not None and self.floor_seq is not None:
            try:
                number = int(cursor)
            except ValueError:
                return connection.respond(400, '{"error":"InvalidRequest","message":"cursor"}')
            if number < 1_000_000_000_000_000 and number < self.floor_seq:
                return connection.respond(
                    400,
                    json.dumps(
                        {
                            "error": "CursorTooOld",
                            "message": f"cursor {number} below floor {self.floor_seq}",
                        }
                    ),
                )
        return None

    def _select(self, query: dict[str, list[str]]) -> list[Event]:
        cursor = query.get("cursor", [None])[0]
        dids = set(query.get("dids", []))
        collections = set(query.get("collections", []))
        kinds = set(query.get("kinds", []))
        chosen = self.events
        if kinds:
            chosen = [e for e in chosen if e.kind in kinds]
        if cursor is not None:
            number = int(cursor)
            if number >= 1_000_000_000_000_000:
                chosen = [e for e in chosen if e.time_us >= number]
            else:
                chosen = [e for e in chosen if e.seq >= number]
        if dids:
            chosen = [e for e in chosen if e.did in dids]
        if collections:
            chosen = [e for e in chosen if e.collection is None or e.collection in collections]
        return chosen

    def _handle(self, ws: Any) -> None:
        from websockets.exceptions import ConnectionClosed

        query = parse_qs(urlsplit(ws.request.path).query)
        with self.lock:
            self.connections.append(query)
            number = len(self.connections)
        chosen = self._select(query)
        if self.shuffle_window > 1:
            rng = random.Random(number)
            chosen = list(chosen)
            for start in range(0, len(chosen), self.shuffle_window):
                window = chosen[start : start + self.shuffle_window]
                rng.shuffle(window)
                chosen[start : start + self.shuffle_window] = window
        began = time.monotonic()
        try:
            for index, event in enumerate(chosen):
                if number == 1 and self.silent_after is not None and index >= self.silent_after:
                    break
                if number == 1 and self.close_after is not None and index >= self.close_after:
                    ws.close(1011, "going away")
                    return
                for bad in self.bad_frames.get(event.seq, []):
                    ws.send(bad)
                if self.rate:
                    wait = began + index / self.rate - time.monotonic()
                    if wait > 0:
                        time.sleep(wait)
                ws.send(event.frame)
                with self.lock:
                    self.sent_seqs.append(event.seq)
                if self.duplicate_every and index % self.duplicate_every == 0:
                    ws.send(event.frame)
            # the live tip: stay open and quiet until the client leaves
            while True:
                try:
                    ws.recv(timeout=3600)
                except TimeoutError:
                    continue
        except ConnectionClosed:
            return
