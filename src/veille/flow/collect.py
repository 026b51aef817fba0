"""Running the collectors: which sources, once or in a loop, and their visible state.

- ``collect_once(ws, sources)`` polls each poll source once (``veille collect``);
- ``listen(ws, source)`` streams one live source into the store until stopped or for
  ``max_seconds`` (``veille listen``). The stream is read in a thread; the store receives a
  batch at least every ``flush_seconds`` (so a quiet stream still commits what it has), and
  each batch's cursor is the cursor *after its last item*, so a kill -9 at any moment loses
  nothing committed and a restart re-reads only what was not;
- ``run(ws)`` loops: the poll sources every ``interval`` seconds, the live sources all the
  time (``veille run``).

Source state (per source key, in the store's ``source_state`` table): last success, last
error (redacted), items in total, and in ``rate_limit`` a JSON object with the rate-limit
state of every host (remaining calls, reset, next allowed call), the lag behind the live
tip and the items per minute of the last run. ``states(ws)`` reads it back with the cursor.

Source names on the command line: ``bluesky``, ``mastodon``, ``rss`` (a network: its poll
connector for ``collect``, its stream connector for ``listen``) or a connector id
(``bluesky``, ``bluesky-stream``, ``mastodon-live``, ``mastodon-stream``, ``rss``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from veille.errors import UsageError
from veille.flow.ingest import IngestSummary
from veille.i18n import register, t
from veille.jsonable import dumps
from veille.model import utcnow
from veille.secrets import redact
from veille.sources.base import Connector, RawItem, Reject
from veille.store.read import mastodon_status_uri
from veille.store.source_state import items_total, source_state_rows, upsert_source_state

if TYPE_CHECKING:
    from veille.workspace import Workspace

log = logging.getLogger("veille.collect")

POLL = {"bluesky": "bluesky", "mastodon": "mastodon-live", "rss": "rss"}
STREAM = {"bluesky": "bluesky-stream", "mastodon": "mastodon-stream"}

register(
    {
        "collect.unknown": (
            "source inconnue {source!r} (connues : {known})",
            "unknown source {source!r} (known: {known})",
        ),
        "collect.nothing": (
            "aucune source configurée à collecter (voir [sources] et les comptes dans veille.toml)",
            "no source configured to collect (see [sources] and the accounts in veille.toml)",
        ),
        "collect.not_stream": (
            "{source} n'a pas de flux en direct (sources en direct : bluesky, mastodon)",
            "{source} has no live stream (live sources: bluesky, mastodon)",
        ),
    }
)


# --- building connectors from veille.toml -------------------------------------------------


def cache_dir(ws: Workspace) -> Path:
    path = ws.data_dir / "cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


def connector_for(
    ws: Workspace,
    connector_id: str,
    *,
    since: datetime | None = None,
    max_seconds: float | None = None,
    stop: threading.Event | None = None,
    **extra: Any,
) -> Connector:
    """The connector ``connector_id`` configured from the workspace's ``veille.toml``."""
    from veille.sources import rss
    from veille.sources.bluesky import poller as bluesky_poller
    from veille.sources.bluesky import stream as bluesky_stream
    from veille.sources.mastodon import poller as mastodon_poller
    from veille.sources.mastodon import stream as mastodon_stream

    cfg = ws.config
    src = cfg.sources
    tracked = cfg.tracked_accounts()
    bsky_cache = str(cache_dir(ws) / "bluesky_handles.json")
    if connector_id == "bluesky":
        return bluesky_poller.BlueskyAppView(
            bluesky_poller.AppViewOptions(
                appview_url=src.bluesky.appview_url,
                actors=sorted(tracked.get("bluesky", set())),
                since=since,
                cache_path=bsky_cache,
                **extra,
            )
        )
    if connector_id == "bluesky-stream":
        return bluesky_stream.BlueskyJetstream(
            bluesky_stream.StreamOptions(
                jetstream_url=src.bluesky.jetstream_url,
                appview_url=src.bluesky.appview_url,
                actors=sorted(tracked.get("bluesky", set())),
                mode="network" if src.bluesky.listen_all_posts else "tracked",
                cache_path=bsky_cache,
                max_seconds=max_seconds,
                **extra,
            ),
            stop=stop,
        )
    instances = [
        mastodon_poller.Instance(url=i.url, token_env=i.token_env, streaming=i.streaming)
        for i in src.mastodon.instances
    ]
    if connector_id == "mastodon-live":
        return mastodon_poller.MastodonRest(
            mastodon_poller.MastodonOptions(
                instances=instances,
                accounts=sorted(tracked.get("mastodon", set())),
                hashtags=list(src.mastodon.hashtags),
                since=since,
                **extra,
            )
        )
    if connector_id == "mastodon-stream":
        return mastodon_stream.MastodonStream(
            mastodon_stream.MastodonStreamOptions(
                instances=instances,
                hashtags=list(src.mastodon.hashtags),
                max_seconds=max_seconds,
                **extra,
            ),
            stop=stop,
            resolve_uri=_uri_resolver(ws),
        )
    if connector_id == "rss":
        lang, country = src.rss.news_language, src.rss.news_country
        return rss.RssConnector(
            rss.RssOptions(
                feeds=list(dict.fromkeys([*src.rss.feeds, *sorted(tracked.get("web", set()))])),
                news_queries=list(src.rss.news_queries),
                news_hl=lang,
                news_gl=country,
                news_ceid=f"{country}:{lang}",
                **extra,
            )
        )
    known = ", ".join(sorted({*POLL, *POLL.values(), *STREAM.values()}))
    raise UsageError(t("collect.unknown", source=connector_id, known=known))


def _uri_resolver(ws: Workspace) -> Callable[[str, str], str | None]:
    """For Mastodon deletes (which carry only a local id): the URI of a stored status."""
    lock = threading.Lock()

    def resolve(instance: str, status_id: str) -> str | None:
        with lock:
            con = ws.store.con.cursor()
            try:
                return mastodon_status_uri(con, status_id)
            finally:
                con.close()

    return resolve


def configured_poll_sources(ws: Workspace) -> list[str]:
    cfg = ws.config
    src = cfg.sources
    tracked = cfg.tracked_accounts()
    found = []
    if src.bluesky.enabled and tracked.get("bluesky"):
        found.append("bluesky")
    if src.mastodon.enabled and (
        tracked.get("mastodon") or (src.mastodon.instances and src.mastodon.hashtags)
    ):
        found.append("mastodon-live")
    if src.rss.enabled and (src.rss.feeds or src.rss.news_queries or tracked.get("web")):
        found.append("rss")
    return found


def resolve_sources(names: list[str] | None, table: dict[str, str]) -> list[str]:
    out = []
    valid = {*table.values()}
    for name in names or []:
        if name in table:
            out.append(table[name])
        elif name in valid:
            out.append(name)
        else:
            known = ", ".join(sorted({*table, *valid}))
            raise UsageError(t("collect.unknown", source=name, known=known))
    return list(dict.fromkeys(out))


# --- state ------------------------------------------------------------------------------------


@dataclass
class RunStats:
    """What one run of one source did (kept in ``source_state``)."""

    key: str
    started: float = field(default_factory=time.monotonic)
    read: int = 0
    new: int = 0
    rejected: int = 0
    error: str | None = None

    def per_minute(self) -> float:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        return round(self.read * 60.0 / elapsed, 1)


def lag_seconds(cursor: str | None, now: datetime | None = None) -> float | None:
    """How far behind the live tip a stream cursor is (from its ``time_us``)."""
    if not cursor:
        return None
    try:
        value = json.loads(cursor)
    except ValueError:
        return None
    time_us = value.get("time_us") if isinstance(value, dict) else None
    if isinstance(time_us, int) and not isinstance(time_us, bool) and 0 < time_us < 10**16:
        when = datetime.fromtimestamp(time_us / 1e6, UTC)
        return round(((now or utcnow()) - when).total_seconds(), 1)
    return None


def save_state(ws: Workspace, stats: RunStats, connector: Connector | None, success: bool) -> None:
    """Upsert the source's row of ``source_state``."""
    now = utcnow()
    client = getattr(connector, "client", None)
    hosts: dict[str, Any] = (
        client.snapshot() if client is not None and hasattr(client, "snapshot") else {}
    )
    next_allowed = max((h.get("next_allowed_at") or "" for h in hosts.values()), default="")
    cursor = ws.store.get_cursor(stats.key)
    detail = {
        "hosts": hosts,
        "lag_seconds": lag_seconds(cursor, now),
        "items_per_minute": stats.per_minute(),
        "last_run": {"read": stats.read, "new": stats.new, "rejected": stats.rejected},
    }
    con = ws.store.con
    total = items_total(con, stats.key) + stats.read
    error = redact(stats.error)[:1000] if stats.error else None
    upsert_source_state(
        con,
        stats.key,
        success_at=now if success else None,
        error=error,
        error_at=now if error else None,
        total=total,
        detail=dumps(detail, indent=None),
        next_allowed_at=next_allowed or None,
        now=now,
    )


def states(ws: Workspace) -> list[dict[str, Any]]:
    """Every source's state, with its cursor and lag, for ``veille status`` and the API."""
    rows = source_state_rows(ws.store.con)
    out = []
    for key, success, error, error_at, total, detail, next_at, cursor in rows:
        extra = json.loads(detail) if detail else {}
        out.append(
            {
                "source": key,
                "last_success": success,
                "last_error": error,
                "last_error_at": error_at,
                "items_total": total,
                "next_allowed_at": next_at,
                "lag_seconds": lag_seconds(cursor) if cursor else extra.get("lag_seconds"),
                "items_per_minute": extra.get("items_per_minute"),
                "rate_limits": extra.get("hosts", {}),
                "cursor": cursor,
            }
        )
    return out


# --- running ----------------------------------------------------------------------------------


ProgressFn = Callable[[str, IngestSummary], None]


def collect_once(
    ws: Workspace,
    sources: list[str] | None = None,
    *,
    since: datetime | None = None,
    on_progress: ProgressFn | None = None,
    connectors: dict[str, Connector] | None = None,
    lock: threading.Lock | None = None,
    stop: threading.Event | None = None,
) -> dict[str, IngestSummary]:
    """Poll each source once. ``connectors`` replaces the configured ones (tests). A
    source that fails is reported in its state and the others go on."""
    chosen = resolve_sources(sources, POLL) if sources else configured_poll_sources(ws)
    if not chosen and not connectors:
        raise UsageError(t("collect.nothing"))
    results: dict[str, IngestSummary] = {}
    for key in chosen or list(connectors or {}):
        if stop is not None and stop.is_set():
            break
        connector = (connectors or {}).get(key) or connector_for(ws, key, since=since)
        try:
            results[key] = stream_into(ws, connector, key, on_progress=on_progress, lock=lock)
        except Exception as exc:
            log.error(
                "%s: %s", key, redact(f"{type(exc).__name__}: {getattr(exc, 'message', exc)}")
            )
            results[key] = IngestSummary(source=key)
    return results


_DONE = object()


def listen(
    ws: Workspace,
    source: str,
    *,
    max_seconds: float | None = None,
    stop: threading.Event | None = None,
    flush_seconds: float = 1.0,
    batch_size: int = 5_000,
    on_progress: ProgressFn | None = None,
    connector: Connector | None = None,
    lock: threading.Lock | None = None,
) -> IngestSummary:
    """Stream ``source`` into the store until ``stop`` is set, ``max_seconds`` pass or the
    stream ends. Commits at least every ``flush_seconds``."""
    stop = stop or threading.Event()
    if connector is None:
        if source not in (*STREAM, *STREAM.values()):
            raise UsageError(t("collect.not_stream", source=source))
        key = resolve_sources([source], STREAM)[0]
        connector = connector_for(ws, key, max_seconds=max_seconds, stop=stop)
    else:
        key = connector.id
        if hasattr(connector, "stop"):
            setattr(connector, "stop", stop)  # noqa: B010
    return stream_into(
        ws,
        connector,
        key,
        stop=stop,
        flush_seconds=flush_seconds,
        batch_size=batch_size,
        on_progress=on_progress,
        lock=lock,
    )


def stream_into(
    ws: Workspace,
    connector: Connector,
    key: str,
    *,
    stop: threading.Event | None = None,
    flush_seconds: float = 1.0,
    batch_size: int = 5_000,
    on_progress: ProgressFn | None = None,
    state_every: float = 10.0,
    redact_every: float = 300.0,
    lock: threading.Lock | None = None,
) -> IngestSummary:
    """Drain ``connector.fetch`` (read in a thread) into the store in batches of at most
    ``batch_size`` items or ``flush_seconds``, each committed with the cursor after its last
    item.

    The steps are ingest's, with its own parts (``rawlog.append`` with fsync, then
    ``map_items``, then the one ``Writer`` committing records and cursor together), plus
    two things a long-running stream needs: a commit at least every ``flush_seconds`` however
    quiet the source, and raw-log redaction for new tombstones at most every
    ``redact_every`` seconds (and at the end) instead of after every batch, which would
    rescan the raw log each second. ``lock`` serialises the workspace writes of several
    sources (held while a batch is appended and queued, never while waiting for the
    network)."""
    from veille.flow.ingest import BatchCommitter

    stop = stop or threading.Event()
    cls = type(connector)
    items: queue.Queue[Any] = queue.Queue(maxsize=max(batch_size * 2, 1000))
    failure: list[BaseException] = []
    start_cursor = ws.store.get_cursor(key)
    reader_stop = threading.Event()

    def produce() -> None:
        try:
            for item in connector.fetch(start_cursor):
                while not reader_stop.is_set():
                    try:
                        items.put((item, getattr(connector, "cursor", None)), timeout=0.5)
                        break
                    except queue.Full:
                        continue
                if reader_stop.is_set():
                    break
        except BaseException as exc:  # reported by the consumer
            failure.append(exc)
        finally:
            items.put(_DONE)

    reader = threading.Thread(target=produce, name=f"veille-{key}", daemon=True)
    reader.start()
    total = IngestSummary(source=key)
    stats = RunStats(key)
    guard = lock if lock is not None else contextlib.nullcontext()
    last_redaction = time.monotonic()
    last_state = time.monotonic()
    read_at_state = 0
    committed_cursor = start_cursor
    committer = BatchCommitter(
        ws, cls, total, on_progress=(lambda s: on_progress(key, s)) if on_progress else None
    )

    def redact_now() -> None:
        nonlocal last_redaction
        committer.drain(block=True)
        if committer.to_redact:
            with guard:
                committer.redact()
        last_redaction = time.monotonic()

    try:
        finished = False
        while not finished:
            try:
                got = items.get(timeout=0.5)
            except queue.Empty:
                continue
            if got is _DONE:
                break
            batch: list[RawItem] = []
            bad: list[Reject] = []
            cursor = committed_cursor
            deadline = time.monotonic() + flush_seconds
            while True:
                item, cursor = got
                total.read += 1
                if isinstance(item, Reject):
                    bad.append(item)
                else:
                    batch.append(item)
                if len(batch) + len(bad) >= batch_size:
                    break
                try:
                    got = items.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if got is _DONE:
                    finished = True
                    break
            with guard:
                committer.commit(batch, bad, {key: str(cursor)} if cursor is not None else {})
            committed_cursor = cursor
            now = time.monotonic()
            if committer.to_redact and now - last_redaction >= redact_every:
                redact_now()
            if now - last_state >= state_every:
                committer.drain(block=True)
                stats.read = total.read - read_at_state
                stats.new, stats.rejected = total.posts_new, total.rejected
                with guard:
                    save_state(ws, stats, connector, success=True)
                read_at_state = total.read
                stats = RunStats(key)
                last_state = time.monotonic()
        committer.close()
        # the connector may move its cursor after its last item (an unchanged feed, an
        # account done): once it has finished, everything it yielded is committed
        if not failure and reader_finished(reader):
            final = getattr(connector, "cursor", None)
            if final is not None and final != committed_cursor:
                with guard:
                    ws.store.set_cursor(key, str(final))
        redact_now()
    except BaseException:
        stop.set()
        raise
    finally:
        reader_stop.set()
        stop.set()
        committer.close()
        reader.join(timeout=5)
    if failure:
        stats.error = f"{type(failure[0]).__name__}: {getattr(failure[0], 'message', failure[0])}"
    elif total.rejected and total.reject_samples:
        stats.error = total.reject_samples[0].reason
    stats.read = total.read - read_at_state
    stats.new, stats.rejected = total.posts_new, total.rejected
    with guard:
        save_state(ws, stats, connector, success=not failure or total.read > 0)
    if failure:
        raise failure[0]
    return total


def reader_finished(reader: threading.Thread) -> bool:
    reader.join(timeout=5)
    return not reader.is_alive()


def run(
    ws: Workspace,
    *,
    interval: float = 900.0,
    max_seconds: float | None = None,
    stop: threading.Event | None = None,
    on_progress: ProgressFn | None = None,
    enrich: Callable[[], object] | None = None,
) -> None:
    """The schedule: poll sources every ``interval`` seconds, live sources continuously
    (one thread each), until ``stop`` or ``max_seconds``."""
    stop = stop or threading.Event()
    cfg = ws.config.sources
    tracked = ws.config.tracked_accounts()
    lock = threading.Lock()
    live = []
    if cfg.bluesky.enabled and (tracked.get("bluesky") or cfg.bluesky.listen_all_posts):
        live.append("bluesky-stream")
    if cfg.mastodon.enabled and cfg.mastodon.instances and cfg.mastodon.hashtags:
        live.append("mastodon-stream")
    threads = []
    for key in live:

        def loop(key: str = key) -> None:
            while not stop.is_set():
                try:
                    listen(ws, key, stop=stop, on_progress=on_progress, lock=lock)
                except Exception as exc:
                    log.error("%s stopped: %s; restarting in 30 s", key, redact(str(exc)))
                    stop.wait(30)

        thread = threading.Thread(target=loop, name=f"veille-run-{key}", daemon=True)
        thread.start()
        threads.append(thread)
    end = (time.monotonic() + max_seconds) if max_seconds else None
    try:
        while not stop.is_set():
            started = time.monotonic()
            polls = configured_poll_sources(ws)
            if polls:
                collect_once(ws, polls, on_progress=on_progress, lock=lock, stop=stop)
            if enrich is not None:
                with lock:
                    enrich()
            wait = max(0.0, interval - (time.monotonic() - started))
            if end is not None:
                left = end - time.monotonic()
                if left <= 0:
                    break
                wait = min(wait, left)
            stop.wait(max(wait, 0.0))
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
