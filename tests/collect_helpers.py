"""Shared helpers of the collection tests: a fake clock and fixture loaders."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import shared_path


class FakeClock:
    """A clock that only moves when something sleeps on it."""

    def __init__(self, start: float = 1_780_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)


def jetstream_lines() -> list[str]:
    """The real Jetstream v1 events of the shared fixtures (skips when absent)."""
    base = shared_path("fixtures", "bluesky_jetstream")
    lines: list[str] = []
    for name in (
        "internal_corpus_testdata_expected_v1.jsonl",
        "internal_subscribe_testdata_golden_v1.jsonl",
    ):
        lines += [ln for ln in (base / name).read_text(encoding="utf-8").splitlines() if ln.strip()]
    return lines


def v1_to_v2_frame(line: str, seq: int) -> str:
    """A real v1 event re-framed as Jetstream v2 sends it (``xrpc.v1.json``)."""
    from datetime import UTC, datetime

    event = json.loads(line)
    when = datetime.fromtimestamp(event["time_us"] / 1e6, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    kind = event["kind"]
    payload: dict[str, Any] = {
        "$type": f"network.bsky.jetstream.subscribeEvents#{kind}",
        "seq": seq,
        "did": event["did"],
        "time": when,
    }
    if kind == "commit":
        payload.update(event["commit"])
    else:
        payload[kind] = event.get(kind, {})
    return json.dumps({"$type": "message", "payload": payload})


def mastodon_json(name: str) -> Any:
    path: Path = shared_path("fixtures", "mastodon", "extracted", name)
    return json.loads(path.read_text(encoding="utf-8"))


def make_workspace(root: Path, toml: str) -> Path:
    """A workspace folder with this veille.toml."""
    from veille.workspace.workspace import init_workspace

    init_workspace(root, toml)
    return root


def expected_post_uris(frames: list[bytes]) -> set[str]:
    """The post URIs that mapping these frames gives, minus the deleted ones."""
    from veille.model import Post, Tombstone
    from veille.sources.bluesky.jetstream import map_event_json

    posts: set[str] = set()
    deleted: set[str] = set()
    gone: set[str] = set()
    for frame in frames:
        for record in map_event_json(frame):
            if isinstance(record, Post):
                posts.add(record.uri)
            elif isinstance(record, Tombstone) and record.kind == "account":
                gone.add(record.key.split(":", 1)[1])
            elif isinstance(record, Tombstone):
                deleted.add(record.key)
    return {u for u in posts - deleted if u.split("/")[2] not in gone}
