"""veille's own importers read every line the simulator writes (both Jetstream shapes), and
what they find agrees with the ground truth."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sim_helpers import Run, shared_run, validate_jetstream

from veille.model import Post, Reaction, Tombstone
from veille.simulate import simulate

jetstream = pytest.importorskip("veille.sources.bluesky.jetstream")
mastodon = pytest.importorskip("veille.sources.mastodon.statuses")
appview = pytest.importorskip("veille.sources.bluesky.appview")


@pytest.fixture
def sim() -> Run:
    return shared_run()[1]


def test_jetstream_importer_maps_every_line(sim: Run) -> None:
    kinds: Counter[str] = Counter()
    tags: Counter[str] = Counter()
    for path in sorted((sim.root / "bluesky").glob("jetstream-*.jsonl")):
        for line in path.read_bytes().splitlines():
            for record in jetstream.map_event_json(line):
                kinds[type(record).__name__] += 1
                if isinstance(record, Post):
                    tags.update(t.lower() for t in record.hashtags)
    assert kinds["Post"] and kinds["Reaction"] and kinds["Follow"] and kinds["Tombstone"]
    assert kinds["Account"] > 0
    conference = next(b for b in sim.truth["bursts"] if b["id"] == "burst-conference")
    assert tags[conference["term"][1:].lower()] == conference["networks"]["bluesky"]


def test_mastodon_importer_maps_every_status(sim: Run) -> None:
    now = datetime(2027, 1, 1, tzinfo=UTC)
    posts = reposts = 0
    for status in sim.statuses:
        records = mastodon.map_entity(status, None, now)
        own = [
            r
            for r in records
            if isinstance(r, Post) and r.uri.startswith(status["uri"].removesuffix("/activity"))
        ]
        assert own, status["uri"]
        posts += 1
        reposts += any(r.repost_of for r in own)
    assert posts == len(sim.statuses) and reposts > 0


def test_appview_importer_maps_every_response(sim: Run) -> None:
    kinds: Counter[str] = Counter()
    for line in sim.appview:
        observed = datetime.fromisoformat(line["observed_at"].replace("Z", "+00:00"))
        for record in appview.map_response(
            line["endpoint"], line["params"], line["response"], observed
        ):
            kinds[type(record).__name__] += 1
    assert kinds["AccountSnapshot"] > 0 and kinds["PostMetrics"] > 0


def test_jetstream_v2_lines(tmp_path: Path) -> None:
    simulate(tmp_path / "v1", seed=11, posts=900, weeks=1)
    simulate(tmp_path / "v2", seed=11, posts=900, weeks=1, jetstream="v2")
    name = "bluesky/jetstream-2026-09-03.jsonl"
    v1 = [json.loads(x) for x in (tmp_path / "v1" / name).read_text().splitlines()]
    v2 = [json.loads(x) for x in (tmp_path / "v2" / name).read_text().splitlines()]
    assert len(v1) == len(v2) > 50
    seqs = []
    for old, new in zip(v1, v2, strict=True):
        kind = new["$type"].rsplit("#", 1)[1]
        assert new["$type"].startswith("network.bsky.jetstream.subscribeEvents#")
        assert new["did"] == old["did"] and kind == old["kind"]
        assert new["time"].endswith("Z") and len(new["time"]) == 27
        seqs.append(new["seq"])
        if kind == "commit":
            body = {
                k: new[k]
                for k in ("rev", "operation", "collection", "rkey", "record", "cid")
                if k in new
            }
            assert body == old["commit"]
            validate_jetstream(
                {"did": new["did"], "time_us": 1, "kind": "commit", "commit": body}, "v2"
            )
        else:
            assert new[kind] == old[kind]
        mapped_old = jetstream.map_event_json(json.dumps(old).encode())
        mapped_new = jetstream.map_event_json(json.dumps(new).encode())
        assert [type(r) for r in mapped_old] == [type(r) for r in mapped_new]
        for a, b in zip(mapped_old, mapped_new, strict=True):
            if isinstance(a, Post | Reaction | Tombstone):
                assert getattr(a, "uri", getattr(a, "key", None)) == getattr(
                    b, "uri", getattr(b, "key", None)
                )
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


def test_watches_parse_and_catch_their_episodes(sim: Run) -> None:
    """The registry's watches are valid queries, and each planted episode is caught by
    the watch written for it (and the troll target's mentions by the mentions watch)."""
    import tomllib

    matcher = pytest.importorskip("veille.query.matcher")
    registry = tomllib.loads((sim.root / "registry.toml").read_text(encoding="utf-8"))
    watches = {w["id"]: w["query"] for w in registry["watches"]}
    ws = matcher.WatchSet(watches, strict=True)
    texts = {p.uri: (p.text, p.lang, "bluesky") for p in sim.posts.values()}
    texts.update({s["uri"]: (s["content"], s["language"], "mastodon") for s in sim.statuses})
    truth = sim.truth

    def hit_rate(uris: list[str], prefix: str) -> float:
        wid = next(w for w in watches if w.startswith(prefix))
        hits = 0
        for uri in uris:
            text, lang, network = texts[uri]
            plain = mastodon.html_to_text(text)[0] if network == "mastodon" else text
            hits += wid in ws.match(matcher.Post(text=plain, network=network, lang=lang))
        return hits / len(uris)

    assert hit_rate(truth["rumours"][0]["post_uris"], "rachat-") >= 0.6
    assert hit_rate(truth["bad_buzz"][0]["post_uris"], "crise-") >= 0.85
    conference = next(b for b in truth["bursts"] if b["id"] == "burst-conference")
    assert hit_rate(conference["post_uris"], "evenement") == 1.0
    launch = next(b for b in truth["bursts"] if b["id"] == "burst-launch")
    assert hit_rate(launch["post_uris"], "lancement") == 1.0
    assert hit_rate(truth["troll_campaigns"][0]["post_uris"], "mentions-") >= 0.6
