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

Connectors are found through the plugin hook only: every registered connector of kind
``poll`` or ``stream`` that reads a ``[sources.<section>]`` of ``veille.toml`` builds itself
from it (``Connector.from_config``) and says whether it is configured (``wanted``), so a
third-party connector is collected like a built-in one. Source names on the command line: a
section (``bluesky``, ``mastodon``, ``rss``: its poll connector for ``collect``, its stream
connector for ``listen``) or a connector id (``bluesky-stream``, ``mastodon-live``...).
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
from veille.sources.base import Connector, RawItem, Reject, SourceContext, SourceFailure
from veille.store.read import post_uri_by_id
from veille.store.source_state import source_state_rows
from veille.store.writes import SourceStateJob

if TYPE_CHECKING:
    from veille.workspace import Workspace

log = logging.getLogger("veille.collect")

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
        "collect.out_of_time": (
            "non collecté : le temps imparti (--max-seconds) était écoulé",
            "not collected: the time limit (--max-seconds) was reached",
        ),
        "collect.not_stream": (
            "{source} n'a pas de flux en direct (sources en direct : {known})",
            "{source} has no live stream (live sources: {known})",
        ),
    }
)


# --- building connectors from veille.toml -------------------------------------------------


def cache_dir(ws: Workspace) -> Path:
    path = ws.data_dir / "cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


def live_connectors(kind: str) -> dict[str, type[Connector]]:
    """The registered connectors of ``kind`` (``poll`` or ``stream``) that read a
    ``[sources.<section>]`` of ``veille.toml``, by id: built-in and third-party alike."""
    from veille.plugins import connectors

    return {
        cid: cls
        for cid, cls in connectors().items()
        if cls.kind == kind and cls.section is not None
    }


def context_for(
    ws: Workspace,
    cls: type[Connector],
    *,
    since: datetime | None = None,
    max_seconds: float | None = None,
    stop: threading.Event | None = None,
    **extra: Any,
) -> SourceContext:
    """What ``cls`` builds itself from: its validated section, the registry's accounts."""
    assert cls.section is not None
    return SourceContext(
        settings=ws.config.source_settings(cls.section, cls.Settings),
        tracked=ws.config.tracked_accounts(),
        cache_dir=cache_dir(ws),
        since=since,
        max_seconds=max_seconds,
        stop=stop,
        extra=extra,
        find_post=_post_finder(ws),
    )


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
    table = {**live_connectors("poll"), **live_connectors("stream")}
    cls = table.get(connector_id)
    if cls is None:
        known = ", ".join(sorted(table))
        raise UsageError(t("collect.unknown", source=connector_id, known=known))
    context = context_for(ws, cls, since=since, max_seconds=max_seconds, stop=stop, **extra)
    return cls.from_config(context)


def _post_finder(ws: Workspace) -> Callable[[str, str], str | None]:
    """For deletes that carry only a local id (Mastodon): the URI of a stored post."""
    lock = threading.Lock()

    def find(network: str, post_id: str) -> str | None:
        with lock:
            con = ws.store.con.cursor()
            try:
                return post_uri_by_id(con, network, post_id)
            finally:
                con.close()

    return find


def configured_sources(ws: Workspace, kind: str) -> list[str]:
    """The connectors of ``kind`` that ``veille.toml`` asks for (enabled, something to
    follow), by id."""
    return [cid for cid, cls in live_connectors(kind).items() if cls.wanted(context_for(ws, cls))]


def configured_poll_sources(ws: Workspace) -> list[str]:
    return configured_sources(ws, "poll")


def resolve_sources(names: list[str] | None, kind: str) -> list[str]:
    """Source names of the command line as connector ids: a connector id, or the name of a
    ``[sources.<section>]`` read by one connector of ``kind``."""
    table = live_connectors(kind)
    by_section: dict[str, list[str]] = {}
    for cid, cls in table.items():
        by_section.setdefault(str(cls.section), []).append(cid)
    out = []
    for name in names or []:
        if name in table:
            out.append(name)
        elif len(by_section.get(name, [])) == 1:
            out.append(by_section[name][0])
        else:
            known = ", ".join(sorted({*table, *by_section}))
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
    error = redact(stats.error)[:1000] if stats.error else None
    ws.store.writer.run(
        SourceStateJob(
            stats.key, success, stats.read, error, dumps(detail, indent=None), next_allowed or None
        )
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
    enrich: bool = True,
    max_seconds: float | None = None,
) -> dict[str, IngestSummary]:
    """Poll each source once, all within ``max_seconds`` if given. ``connectors``
    replaces the configured ones (tests). A source that fails is reported in its state and
    its summary (``error``, ``failures``: what could not be fetched and why) and the others
    go on."""
    chosen = resolve_sources(sources, "poll") if sources else configured_sources(ws, "poll")
    if not chosen and not connectors:
        raise UsageError(t("collect.nothing"))
    end = None if max_seconds is None else time.monotonic() + max_seconds
    results: dict[str, IngestSummary] = {}
    for key in chosen or list(connectors or {}):
        if stop is not None and stop.is_set():
            break
        left = None if end is None else end - time.monotonic()
        if left is not None and left <= 0:
            results[key] = IngestSummary(source=key, error=t("collect.out_of_time"))
            continue
        try:
            connector = (connectors or {}).get(key) or connector_for(
                ws, key, since=since, max_seconds=left
            )
            results[key] = stream_into(
                ws,
                connector,
                key,
                on_progress=on_progress,
                lock=lock,
                enrich=enrich,
                max_seconds=left,
            )
        except Exception as exc:
            message = redact(f"{type(exc).__name__}: {getattr(exc, 'message', exc)}")
            log.error("%s: %s", key, message)
            results[key] = IngestSummary(source=key, error=message)
            if on_progress is not None:
                on_progress(key, results[key])
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
    enrich: bool = True,
    tick: Callable[[], object] | None = None,
    tick_every: float = 60.0,
) -> IngestSummary:
    """Stream ``source`` into the store until ``stop`` is set, ``max_seconds`` pass or the
    stream ends. Commits at least every ``flush_seconds``, each post with its enrichments
    and matches (unless ``enrich`` is false). ``tick`` (the signals' detection pass) runs
    after a commit at most every ``tick_every`` seconds, and once at the end."""
    stop = stop or threading.Event()
    if connector is None:
        streams = live_connectors("stream")
        sections = {str(cls.section) for cls in streams.values()}
        if source not in {*streams, *sections}:
            known = ", ".join(sorted(sections | set(streams)))
            raise UsageError(t("collect.not_stream", source=source, known=known))
        key = resolve_sources([source], "stream")[0]
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
        enrich=enrich,
        tick=tick,
        tick_every=tick_every,
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
    enrich: bool = True,
    tick: Callable[[], object] | None = None,
    tick_every: float = 60.0,
    max_seconds: float | None = None,
) -> IngestSummary:
    """Drain ``connector.fetch`` (read in a thread) into the store in batches of at most
    ``batch_size`` items or ``flush_seconds``, each committed with the cursor after its last
    item.

    The steps are ingest's, with its own parts (``rawlog.append`` with fsync, then
    ``map_items``, then the stages on the batch's posts, then the workspace's one writer
    committing records, enrichments and cursor together), plus
    two things a long-running stream needs: a commit at least every ``flush_seconds`` however
    quiet the source, and raw-log redaction for new tombstones at most every
    ``redact_every`` seconds (and at the end) instead of after every batch, which would
    rescan the raw log each second. ``lock`` serialises the workspace writes of several
    sources (held while a batch is appended and queued, never while waiting for the
    network).

    What the connector could not fetch (``SourceFailure``: a host unreachable, an HTTP
    error) is counted in the summary's ``failed`` and reported with its cause in the
    source's state, never as rejects of data. ``max_seconds`` bounds the run: the
    connector's HTTP client starts no call past it, and what arrived is committed."""
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

    end_at = None if max_seconds is None else time.monotonic() + max_seconds
    limit_to = getattr(getattr(connector, "client", None), "limit_to", None)
    if max_seconds is not None and callable(limit_to):
        limit_to(max_seconds)
    reader = threading.Thread(target=produce, name=f"veille-{key}", daemon=True)
    reader.start()
    total = IngestSummary(source=key)
    timed_out = False

    def failed(item: SourceFailure) -> None:
        total.failed += 1
        if len(total.failures) < 20:
            total.failures.append(item)
        # the first ones say why; the rest usually repeat it (a network down)
        log.log(logging.WARNING if total.failed <= 3 else logging.DEBUG, "%s: %s", key, item.reason)
        if on_progress is not None:
            on_progress(key, total)

    if on_progress is not None:
        on_progress(key, total)
    stats = RunStats(key)
    guard = lock if lock is not None else contextlib.nullcontext()
    last_redaction = time.monotonic()
    last_state = time.monotonic()
    last_tick = time.monotonic()
    read_at_state = 0
    committed_cursor = start_cursor
    committer = BatchCommitter(
        ws,
        cls,
        total,
        on_progress=(lambda s: on_progress(key, s)) if on_progress else None,
        enrich=enrich,
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
            late = end_at is not None and time.monotonic() >= end_at
            if late:  # what was fetched is committed; nothing more is asked for
                timed_out = True
                reader_stop.set()
            try:
                got = items.get_nowait() if late else items.get(timeout=0.5)
            except queue.Empty:
                if late:
                    break
                continue
            if got is _DONE:
                break
            batch: list[RawItem] = []
            bad: list[Reject] = []
            cursor = committed_cursor
            deadline = time.monotonic() + flush_seconds
            while True:
                item, cursor = got
                if isinstance(item, SourceFailure):
                    failed(item)  # not an item read, nor a reject of data
                elif isinstance(item, Reject):
                    total.read += 1
                    bad.append(item)
                else:
                    total.read += 1
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
            if tick is not None and now - last_tick >= tick_every:
                committer.drain(block=True)
                with guard:
                    tick()
                last_tick = time.monotonic()
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
        if not failure and not timed_out and reader_finished(reader):
            final = getattr(connector, "cursor", None)
            if final is not None and final != committed_cursor:
                with guard:
                    ws.store.set_cursor(key, str(final))
        redact_now()
        if tick is not None:
            with guard:
                tick()
    except BaseException:
        stop.set()
        raise
    finally:
        reader_stop.set()
        stop.set()
        committer.close()
        reader.join(timeout=0.5 if timed_out else 5)
    if failure:
        stats.error = f"{type(failure[0]).__name__}: {getattr(failure[0], 'message', failure[0])}"
        total.error = redact(stats.error)
    elif total.failed:
        stats.error = total.failure_text()
    elif total.rejected and total.reject_samples:
        stats.error = total.reject_samples[0].reason
    if timed_out:
        log.info("%s: time limit reached, stopped after %d items", key, total.read)
    stats.read = total.read - read_at_state
    stats.new, stats.rejected = total.posts_new, total.rejected
    with guard:
        save_state(ws, stats, connector, success=not failure and not total.unreachable)
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
    tick: Callable[[], object] | None = None,
) -> None:
    """The schedule: poll sources every ``interval`` seconds, live sources continuously
    (one thread each), until ``stop`` or ``max_seconds``. ``tick`` (the signals' detection
    pass) runs after each poll cycle's enrichment and, in the live threads, as they
    commit."""
    stop = stop or threading.Event()
    lock = threading.Lock()
    live = configured_sources(ws, "stream")
    threads = []
    for key in live:

        def loop(key: str = key) -> None:
            while not stop.is_set():
                try:
                    listen(ws, key, stop=stop, on_progress=on_progress, lock=lock, tick=tick)
                except Exception as exc:
                    log.error("%s stopped: %s; restarting in 30 s", key, redact(str(exc)))
                    stop.wait(30)

        thread = threading.Thread(target=loop, name=f"veille-run-{key}", daemon=True)
        thread.start()
        threads.append(thread)
    end = (time.monotonic() + max_seconds) if max_seconds else None
    try:
        while not stop.is_set() and (end is None or time.monotonic() < end):
            started = time.monotonic()
            polls = configured_sources(ws, "poll")
            if polls:
                left = None if end is None else max(0.0, end - started)
                collect_once(
                    ws, polls, on_progress=on_progress, lock=lock, stop=stop, max_seconds=left
                )
            if enrich is not None:
                with lock:
                    enrich()
            if tick is not None:
                with lock:
                    tick()
            wait = max(0.0, interval - (time.monotonic() - started))
            if end is not None:
                left = end - time.monotonic()
                if left <= 0:
                    break
                wait = min(wait, left)
            stop.wait(max(wait, 0.0))
    finally:
        stop.set()
        # the live sources see ``stop`` within a second; the wait for all is bounded
        join_by = time.monotonic() + 10
        for thread in threads:
            thread.join(timeout=max(0.1, join_by - time.monotonic()))
