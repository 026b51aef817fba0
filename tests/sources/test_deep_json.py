"""JSON nested deeper than the decoders recurse (issue 9, item 13): msgspec and ``json``
raise ``RecursionError`` from about 1,000 levels, a 2 KB line. Every decoder of input
rejects such a value with where it was, and the rest goes on: files, Jetstream frames in the
live listener, Mastodon streaming events, AppView and other HTTP JSON answers."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from source_helpers import english  # noqa: F401

from cli_run import veille_cli
from veille.sources.base import MappingError, RawItem, Reject
from veille.sources.bluesky.jetstream import map_event_json
from veille.sources.bluesky.stream import BlueskyJetstream, StreamOptions
from veille.sources.http import HttpError, json_of
from veille.sources.mastodon.poller import Instance
from veille.sources.mastodon.stream import MastodonStream, MastodonStreamOptions, StreamSpec


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


def tweet(i: int) -> str:
    return json.dumps(
        {
            "data": [
                {
                    "id": str(9000 + i),
                    "text": f"post {i}",
                    "author_id": "42",
                    "created_at": "2026-10-01T10:00:00.000Z",
                }
            ]
        }
    )


def test_a_deep_line_is_rejected_and_the_lines_around_it_imported(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    assert veille_cli("init", str(root)).code == 0
    data = tmp_path / "t.jsonl"
    data.write_text(tweet(1) + "\n" + '{"data":' + deep(100_000) + "}\n" + tweet(2) + "\n")
    ran = veille_cli("import", "twitter-v2", str(data), "-w", str(root), "-q", "-f", "json")
    assert ran.code == 0, ran.output
    summary = json.loads(ran.stdout)
    assert summary["new"] == 2 and summary["rejected"] == 1
    rejects = (root / "data" / "rejects").glob("*.jsonl")
    lines = [json.loads(line) for p in rejects for line in p.read_text().splitlines()]
    assert lines[0]["origin"].endswith("t.jsonl:2") and "nested too deeply" in lines[0]["reason"]


def test_a_deep_json_array_file_is_a_reject(tmp_path: Path) -> None:
    from veille.sources.mastodon.statuses import MastodonImporter

    path = tmp_path / "m.json"
    path.write_text("[" + deep(5000) + "]")
    (reject,) = list(MastodonImporter([path]).fetch())
    assert isinstance(reject, Reject) and "nested too deeply" in reject.reason


def test_a_deep_jetstream_frame_is_quarantined() -> None:
    connector = BlueskyJetstream(StreamOptions(protocol="v2"))
    frame = ('{"$type":"message","payload":{"unknown":' + deep(5000) + "}}").encode()
    result = connector._frame(frame)
    assert isinstance(result, Reject) and "nested too deeply" in result.reason
    assert connector.rejected == 1


def test_a_deep_jetstream_capture_line_is_a_mapping_error() -> None:
    with pytest.raises(MappingError, match="nested too deeply"):
        map_event_json(('{"kind":"commit","unknown":' + deep(3000) + "}").encode())
    raw = RawItem.of_json("x", "f:1", deep(3000).encode())
    with pytest.raises(ValueError, match="nested too deeply"):  # msgspec.DecodeError
        raw.value()


def test_a_deep_mastodon_streaming_event_is_a_reject() -> None:
    stream = MastodonStream(MastodonStreamOptions())
    inst = Instance(url="https://m.example")
    result = stream._event(inst, StreamSpec(stream="public"), "k", "update", deep(5000))
    assert isinstance(result, Reject) and "nested too deeply" in result.reason


def test_a_deep_http_json_answer_is_an_http_error() -> None:
    request = httpx.Request("GET", "https://appview.example/xrpc/app.bsky.feed.getAuthorFeed")
    response = httpx.Response(200, content=deep(5000).encode(), request=request)
    with pytest.raises(HttpError):
        json_of(response)
