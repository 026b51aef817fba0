"""The simulator writes the wire formats faithfully: Jetstream events, AppView responses,
Mastodon statuses, RSS/Atom feeds and a valid registry."""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from pathlib import Path

import feedparser
import pytest
from sim_helpers import Run, shared_run, ts, validate_jetstream, validate_status
from tests.conftest import shared_path

from veille.simulate import SimulationSummary


@pytest.fixture
def sim() -> Run:
    return shared_run()[1]


@pytest.fixture
def sim_summary() -> SimulationSummary:
    return shared_run()[0]


# ----------------------------------------------------------------------------- Jetstream


def test_every_jetstream_line_validates(sim: Run) -> None:
    assert len(sim.events) > 1000
    for i, event in enumerate(sim.events):
        validate_jetstream(event, f"event {i}")
    kinds = Counter(e["kind"] for e in sim.events)
    collections = Counter(e["commit"]["collection"] for e in sim.events if "commit" in e)
    operations = Counter(e["commit"]["operation"] for e in sim.events if "commit" in e)
    assert kinds["identity"] > 0 and kinds["account"] >= 1
    for collection in (
        "app.bsky.feed.post",
        "app.bsky.feed.repost",
        "app.bsky.feed.like",
        "app.bsky.graph.follow",
        "app.bsky.actor.profile",
    ):
        assert collections[collection] > 0, collection
    assert operations["delete"] > 0


def test_validator_accepts_the_real_jetstream_fixtures() -> None:
    folder = shared_path("fixtures", "bluesky_jetstream")
    n = 0
    for path in sorted(folder.glob("*.jsonl")):
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            validate_jetstream(json.loads(line), f"{path.name}:{i + 1}", strict=False)
            n += 1
    assert n > 100


def test_our_events_have_the_fixture_envelope(sim: Run) -> None:
    folder = shared_path("fixtures", "bluesky_jetstream")
    real = [
        json.loads(line)
        for line in (folder / "internal_corpus_testdata_expected_v1.jsonl").read_text().splitlines()
    ]
    by_collection = {
        e["commit"]["collection"]: e
        for e in real
        if e["kind"] == "commit" and e["commit"]["operation"] == "create"
    }
    ours = {
        e["commit"]["collection"]: e
        for e in sim.events
        if e["kind"] == "commit" and e["commit"]["operation"] == "create"
    }
    for collection in (
        "app.bsky.feed.post",
        "app.bsky.feed.like",
        "app.bsky.feed.repost",
        "app.bsky.graph.follow",
    ):
        if collection not in by_collection:
            continue
        assert list(ours[collection]) == list(by_collection[collection])
        assert list(ours[collection]["commit"]) == list(by_collection[collection]["commit"])


def test_jetstream_is_in_time_order_one_file_per_day(
    sim: Run, sim_summary: SimulationSummary
) -> None:
    times = [e["time_us"] for e in sim.events]
    assert times == sorted(times) and len(set(times)) == len(times)
    for path in sorted((sim.root / "bluesky").glob("jetstream-*.jsonl")):
        day = path.stem.removeprefix("jetstream-")
        first = json.loads(path.open().readline())
        assert (
            ts(f"{day}T00:00:00.000Z")
            <= first["time_us"]
            < ts(f"{day}T00:00:00.000Z") + (86_400_000_000)
        )
    assert len(list((sim.root / "bluesky").glob("jetstream-*.jsonl"))) == 14


def test_references_point_at_earlier_records(sim: Run) -> None:
    created: dict[str, int] = {}
    profiles: set[str] = set()
    known_dids = {a["bluesky"]["did"] for a in sim.truth["accounts"] if a["bluesky"]}
    for event in sim.events:
        if event["kind"] == "identity":
            profiles.add(event["did"])
        commit = event.get("commit")
        if not commit or commit["operation"] != "create":
            continue
        assert event["did"] in known_dids
        assert event["did"] in profiles, "an account acts before its identity event"
        record = commit["record"]
        if commit["collection"] == "app.bsky.feed.post":
            for key in ("reply", "embed"):
                if key in record:
                    ref = record[key]["parent"] if key == "reply" else record[key]["record"]
                    assert ref["uri"] in created, f"{key} to an unknown post"
                    assert created[ref["uri"]] < ts(record["createdAt"])
            created[f"at://{event['did']}/app.bsky.feed.post/{commit['rkey']}"] = ts(
                record["createdAt"]
            )
        elif commit["collection"] in ("app.bsky.feed.like", "app.bsky.feed.repost"):
            assert record["subject"]["uri"] in created
        elif commit["collection"] == "app.bsky.graph.follow":
            assert record["subject"] in known_dids


def test_facets_cover_the_mention_and_hashtag_text(sim: Run) -> None:
    handles = {
        a["bluesky"]["did"]: {a["bluesky"]["handle"]} for a in sim.truth["accounts"] if a["bluesky"]
    }
    for change in sim.truth["handle_changes"]:
        handles[change["did"]].add(change["new_handle"])
    checked = 0
    for event in sim.events:
        commit = event.get("commit")
        if not commit or commit["collection"] != "app.bsky.feed.post" or "record" not in commit:
            continue
        record = commit["record"]
        raw = record["text"].encode()
        for facet in record.get("facets", []):
            span = raw[facet["index"]["byteStart"] : facet["index"]["byteEnd"]].decode()
            feature = facet["features"][0]
            if feature["$type"].endswith("#tag"):
                assert span == "#" + feature["tag"]
            elif feature["$type"].endswith("#mention"):
                assert span[1:] in handles[feature["did"]]
            else:
                assert span == feature["uri"]
            checked += 1
    assert checked > 100


# ----------------------------------------------------------------------------- AppView


def test_appview_lines_have_the_response_shapes(sim: Run) -> None:
    endpoints = Counter(line["endpoint"] for line in sim.appview)
    assert set(endpoints) == {"app.bsky.actor.getProfile", "app.bsky.feed.getAuthorFeed"}
    observed = [ts(line["observed_at"]) for line in sim.appview]
    assert observed == sorted(observed)
    for line in sim.appview:
        assert set(line) == {"endpoint", "params", "observed_at", "response"}
        response = line["response"]
        if line["endpoint"] == "app.bsky.actor.getProfile":
            assert response["did"] == line["params"]["actor"]
            for key in ("followersCount", "followsCount", "postsCount"):
                assert isinstance(response[key], int) and response[key] >= 0
            assert response["handle"] and "description" in response
        else:
            for item in response["feed"]:
                post = item["post"]
                assert post["author"]["did"] == line["params"]["actor"]
                assert post["record"]["$type"] == "app.bsky.feed.post"
                for key in ("likeCount", "repostCount", "replyCount", "quoteCount"):
                    assert isinstance(post[key], int) and post[key] >= 0


def test_author_feed_counts_match_the_firehose(sim: Run) -> None:
    """likeCount, repostCount, replyCount and quoteCount in each getAuthorFeed response
    equal what the Jetstream events say at the time of observation."""
    events = sim.events
    checked = 0
    for line in sim.appview:
        if line["endpoint"] != "app.bsky.feed.getAuthorFeed" or not line["response"]["feed"]:
            continue
        at = ts(line["observed_at"])
        uris = {item["post"]["uri"]: item["post"] for item in line["response"]["feed"]}
        counts = {uri: Counter() for uri in uris}
        likes: dict[tuple[str, str], str] = {}
        removed: dict[tuple[str, str], str] = {}
        for event in events:
            commit = event.get("commit")
            if not commit:
                continue
            if event["time_us"] > at + 2_000_000:
                break
            key = (event["did"], commit["rkey"])
            if commit["operation"] == "delete":
                if key in likes and event["time_us"] <= at:
                    removed[key] = likes[key]
                if commit["collection"] == "app.bsky.feed.post":
                    uri = f"at://{event['did']}/app.bsky.feed.post/{commit['rkey']}"
                    removed[("post", uri)] = uri
                continue
            record = commit["record"]
            if ts(record["createdAt"]) > at:
                continue
            if commit["collection"] == "app.bsky.feed.like":
                likes[key] = record["subject"]["uri"]
                if record["subject"]["uri"] in counts:
                    counts[record["subject"]["uri"]]["likeCount"] += 1
            elif commit["collection"] == "app.bsky.feed.repost":
                if record["subject"]["uri"] in counts:
                    counts[record["subject"]["uri"]]["repostCount"] += 1
            elif commit["collection"] == "app.bsky.feed.post":
                uri = f"at://{event['did']}/app.bsky.feed.post/{commit['rkey']}"
                parent = record.get("reply", {}).get("parent", {}).get("uri")
                quoted = record.get("embed", {}).get("record", {}).get("uri")
                if parent in counts:
                    counts[parent]["replyCount"] += 1
                    counts[parent][("reply", uri)] = 1
                if quoted in counts:
                    counts[quoted]["quoteCount"] += 1
                    counts[quoted][("quote", uri)] = 1
        for key, subject in removed.items():
            if key[0] == "post":
                for c in counts.values():
                    if c.get(("reply", subject)):
                        c["replyCount"] -= 1
                    if c.get(("quote", subject)):
                        c["quoteCount"] -= 1
            elif subject in counts:
                counts[subject]["likeCount"] -= 1
        for uri, post in uris.items():
            for field in ("likeCount", "repostCount", "replyCount", "quoteCount"):
                assert post[field] == counts[uri][field], (uri, field, line["observed_at"])
            checked += 1
        if checked > 300:
            break
    assert checked > 50


# ----------------------------------------------------------------------------- Mastodon


def test_every_mastodon_line_is_a_status(sim: Run) -> None:
    assert len(sim.statuses) > 500
    for i, status in enumerate(sim.statuses):
        validate_status(status, f"statuses.jsonl:{i + 1}")
    created = [ts(s["created_at"]) for s in sim.statuses]
    assert created == sorted(created)
    assert len({s["id"] for s in sim.statuses}) == len(sim.statuses)
    kinds = Counter(
        "reblog"
        if s["reblog"]
        else "reply"
        if s["in_reply_to_id"]
        else "quote"
        if s.get("quote")
        else "post"
        for s in sim.statuses
    )
    assert all(kinds[k] > 0 for k in ("post", "reply", "reblog", "quote")), kinds


def test_mastodon_replies_point_at_earlier_statuses(sim: Run) -> None:
    seen: dict[str, str] = {}
    for status in sim.statuses:
        if status["in_reply_to_id"] is not None:
            assert status["in_reply_to_id"] in seen
            assert seen[status["in_reply_to_id"]] == status["in_reply_to_account_id"]
            # Mastodon mentions the author replied to.
            assert status["in_reply_to_account_id"] in {m["id"] for m in status["mentions"]}
        seen[status["id"]] = status["account"]["id"]


def test_status_validator_accepts_the_real_api_fixtures() -> None:
    folder = shared_path("fixtures", "mastodon", "extracted")
    n = 0
    for path in sorted(folder.glob("*statuses*.json")) + sorted(folder.glob("*timelines*.json")):
        value = json.loads(path.read_text())
        for status in value if isinstance(value, list) else [value]:
            if "content" in status and status.get("created_at"):
                validate_status(status, path.name, remote=False)
                n += 1
    assert n >= 3


def test_mastodon_keys_are_real_api_keys(sim: Run) -> None:
    folder = shared_path("fixtures", "mastodon", "extracted")
    real = json.loads(
        (folder / "test_status__01__GET_v1_statuses_117020583223442465.json").read_text()
    )
    status_keys, account_keys = set(real), set(real["account"])
    for status in sim.statuses[:200]:
        assert set(status) <= status_keys, set(status) - status_keys
        assert set(status["account"]) <= account_keys, set(status["account"]) - account_keys


# ----------------------------------------------------------------------------- web feeds


def test_feeds_parse_with_feedparser(sim: Run) -> None:
    files = sorted((sim.root / "web").glob("*.xml"))
    listed = {f["file"]: f for f in sim.truth["feeds"]}
    assert len(files) == len(listed) >= 27
    guids: set[str] = set()
    formats = Counter()
    for path in files:
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, (path.name, parsed.get("bozo_exception"))
        meta = listed[f"web/{path.name}"]
        formats[parsed.version[:3]] += 1
        assert len(parsed.entries) == meta["items"]
        assert any(
            link.get("rel") == "self" and link["href"] == meta["url"]
            for link in parsed.feed.get("links", [])
        )
        for entry in parsed.entries:
            assert entry.title and entry.link.startswith("https://")
            assert entry.published_parsed is not None
            assert entry.id not in guids
            guids.add(entry.id)
    assert formats["rss"] > 0 and formats["ato"] > 0


# ----------------------------------------------------------------------------- registry


def test_registry_is_a_valid_workspace_file(sim: Run) -> None:
    text = (sim.root / "registry.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    sectors = {o.get("sector") for o in data["organisations"]}
    assert {"tech", "finance", "energie", "luxe", "sante"} <= sectors
    assert {o["country"] for o in data["organisations"]} == {"FR", "BE", "CH", "CA", "US", "GB"}
    assert len(data["leaders"]) >= 20 and len(data["objectives"]) == 2
    queries = " ".join(w["query"] for w in data["watches"])
    for token in ('"', " AND ", " OR ", "NOT ", "(", "#", "@", "*"):
        assert token in queries, token
    dids = {a["bluesky"]["did"] for a in sim.truth["accounts"] if a["bluesky"]}
    for leader in data["leaders"]:
        assert set(leader["accounts"]["bluesky"]) <= dids
    from veille.workspace.config import parse_config

    config = parse_config(text, Path("registry.toml"))
    assert len(config.leaders) == len(data["leaders"])


def test_summary_counts_match_the_files(sim: Run, sim_summary: SimulationSummary) -> None:
    jet = sum(v for k, v in sim_summary.files.items() if k.startswith("bluesky/jetstream-"))
    assert jet == len(sim.events)
    assert sim_summary.files["mastodon/statuses.jsonl"] == len(sim.statuses)
    assert sim_summary.files["bluesky/appview.jsonl"] == len(sim.appview)
    bluesky_posts = sum(
        1
        for e in sim.events
        if e.get("commit", {}).get("operation") == "create"
        and e["commit"]["collection"] in ("app.bsky.feed.post", "app.bsky.feed.repost")
    )
    assert sim_summary.networks["bluesky"] == bluesky_posts
    assert sim_summary.networks["mastodon"] == len(sim.statuses)
    assert sim_summary.posts == bluesky_posts + len(sim.statuses)
    assert abs(sim_summary.posts - 6000) / 6000 < 0.1
    assert all(p.exists() for p in sim_summary.paths)


@pytest.mark.parametrize("name", ["registry.toml", "ground_truth.json"])
def test_top_level_files_exist(sim: Run, name: str) -> None:
    assert (sim.root / name).stat().st_size > 1000
