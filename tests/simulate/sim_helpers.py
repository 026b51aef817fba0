"""Reading a simulator run back, and strict shape checks of its wire formats.

The checks are written from the formats (Jetstream events as captured in
``../shared/fixtures/bluesky_jetstream``, Mastodon ``Status`` entities as in
``../shared/fixtures/mastodon/extracted``), not from the simulator's code, and are also run
on the real fixtures to make sure they accept real data."""

from __future__ import annotations

import atexit
import functools
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import msgspec

from veille.simulate import SimulationSummary, simulate

#: The small run shared by the tests of this folder: two weeks, so that every planted
#: episode happens, and few enough posts to stay fast.
SEED = 7
POSTS = 6000
WEEKS = 2

DID = re.compile(r"^did:plc:[a-z2-7]{24}$")
TID = re.compile(r"^[2-7a-j][2-7a-z]{12}$")
CID = re.compile(r"^bafyrei[a-z2-7]{52}$")
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
POST_URI = re.compile(r"^at://did:plc:[a-z2-7]{24}/app\.bsky\.feed\.post/[2-7a-z]{13}$")
COLLECTIONS = {
    "app.bsky.feed.post",
    "app.bsky.feed.repost",
    "app.bsky.feed.like",
    "app.bsky.graph.follow",
    "app.bsky.actor.profile",
}
FACET_TYPES = {
    "app.bsky.richtext.facet#mention",
    "app.bsky.richtext.facet#tag",
    "app.bsky.richtext.facet#link",
}


def ts(iso: str) -> int:
    """Microseconds since the epoch of an ISO 8601 UTC timestamp."""
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1_000_000)


def _strong_ref(value: Any, where: str) -> None:
    assert isinstance(value, dict), f"{where}: not an object"
    assert set(value) == {"cid", "uri"}, f"{where}: keys {sorted(value)}"
    assert CID.match(value["cid"]), f"{where}.cid: {value['cid']!r}"
    assert value["uri"].startswith("at://did:"), f"{where}.uri: {value['uri']!r}"


def validate_jetstream(event: Any, where: str, *, strict: bool = True) -> None:
    """Assert that ``event`` is a Jetstream event of the kinds veille reads. ``strict``
    also requires the simulator's ID formats (real DIDs may be did:web, real CIDs may use
    other codecs)."""
    assert isinstance(event, dict), f"{where}: not an object"
    assert isinstance(event.get("did"), str), f"{where}: did"
    if strict:
        assert DID.match(event["did"]), f"{where}: did {event['did']!r}"
    assert isinstance(event.get("time_us"), int) and event["time_us"] > 0, f"{where}: time_us"
    kind = event.get("kind")
    assert kind in ("commit", "identity", "account"), f"{where}: kind {kind!r}"
    if kind == "identity":
        ident = event["identity"]
        assert ident["did"] == event["did"], f"{where}: identity.did"
        assert isinstance(ident["seq"], int), f"{where}: identity.seq"
        assert ISO_MS.match(ident["time"]), f"{where}: identity.time"
        if strict:
            assert isinstance(ident.get("handle"), str), f"{where}: identity.handle"
        return
    if kind == "account":
        acc = event["account"]
        assert acc["did"] == event["did"] and isinstance(acc["active"], bool), where
        assert isinstance(acc["seq"], int) and ISO_MS.match(acc["time"]), where
        return
    commit = event["commit"]
    for key in ("rev", "operation", "collection", "rkey"):
        assert isinstance(commit.get(key), str), f"{where}: commit.{key}"
    assert TID.match(commit["rev"]), f"{where}: rev {commit['rev']!r}"
    operation, collection = commit["operation"], commit["collection"]
    assert operation in ("create", "update", "delete"), f"{where}: operation"
    if operation == "delete":
        assert "record" not in commit and "cid" not in commit, f"{where}: delete with record"
        return
    if collection not in COLLECTIONS:
        assert not strict, f"{where}: collection {collection!r}"
        return
    record = commit["record"]
    if strict:
        assert CID.match(commit["cid"]), f"{where}: cid {commit['cid']!r}"
    assert record["$type"] == collection, f"{where}: $type {record['$type']!r}"
    assert ISO_MS.match(record["createdAt"]) or not strict, f"{where}: createdAt"
    if collection == "app.bsky.actor.profile":
        assert commit["rkey"] == "self", f"{where}: profile rkey"
        return
    assert TID.match(commit["rkey"]), f"{where}: rkey {commit['rkey']!r}"
    if collection in ("app.bsky.feed.like", "app.bsky.feed.repost"):
        _strong_ref(record["subject"], f"{where}: subject")
    elif collection == "app.bsky.graph.follow":
        assert isinstance(record["subject"], str) and record["subject"].startswith("did:"), (
            f"{where}: follow subject"
        )
    else:
        text = record["text"]
        assert isinstance(text, str), f"{where}: text"
        if strict:
            assert 0 < len(text) <= 300, f"{where}: text length {len(text)}"
            assert record["langs"] in (["fr"], ["en"]), f"{where}: langs {record['langs']}"
        if "reply" in record:
            _strong_ref(record["reply"]["root"], f"{where}: reply.root")
            _strong_ref(record["reply"]["parent"], f"{where}: reply.parent")
        if "embed" in record and strict:
            assert record["embed"]["$type"] == "app.bsky.embed.record", f"{where}: embed"
            _strong_ref(record["embed"]["record"], f"{where}: embed.record")
        size = len(text.encode())
        for facet in record.get("facets", []):
            index = facet["index"]
            assert 0 <= index["byteStart"] < index["byteEnd"] <= size, f"{where}: facet index"
            for feature in facet["features"]:
                if strict:
                    assert feature["$type"] in FACET_TYPES, f"{where}: facet {feature}"


STATUS_REQUIRED = {
    "id": str,
    "uri": str,
    "created_at": str,
    "account": dict,
    "content": str,
    "mentions": list,
    "tags": list,
    "favourites_count": int,
    "reblogs_count": int,
    "replies_count": int,
    "visibility": str,
    "sensitive": bool,
    "spoiler_text": str,
}
ACCOUNT_REQUIRED = {
    "id": str,
    "username": str,
    "acct": str,
    "url": str,
    "display_name": str,
    "note": str,
    "followers_count": int,
    "following_count": int,
    "statuses_count": int,
    "created_at": str,
    "bot": bool,
}


def validate_status(status: Any, where: str, *, remote: bool = True) -> None:
    """Assert that ``status`` is a Mastodon ``Status`` entity with the fields veille uses.
    ``remote``: accounts are seen from another instance (``acct`` is ``user@instance``)."""
    assert isinstance(status, dict), f"{where}: not an object"
    for key, kind in STATUS_REQUIRED.items():
        assert isinstance(status.get(key), kind), f"{where}: {key} should be {kind.__name__}"
    for key in ("url", "language", "in_reply_to_id", "in_reply_to_account_id", "reblog"):
        assert key in status, f"{where}: missing {key}"
    assert status["id"].isdigit(), f"{where}: id {status['id']!r}"
    assert ISO_MS.match(status["created_at"]), f"{where}: created_at"
    account = status["account"]
    for key, kind in ACCOUNT_REQUIRED.items():
        assert isinstance(account.get(key), kind), f"{where}: account.{key}"
    if remote:
        assert "@" in account["acct"], f"{where}: acct should be user@instance"
    for mention in status["mentions"]:
        assert set(mention) == {"id", "username", "url", "acct"}, f"{where}: mention"
    for tag in status["tags"]:
        assert set(tag) == {"name", "url"} and tag["name"] == tag["name"].lower(), where
    if status["reblog"] is not None:
        assert status["content"] == "" and status["uri"].endswith("/activity"), where
        validate_status(status["reblog"], f"{where}: reblog", remote=remote)
    else:
        assert status["content"].startswith("<p>") and status["content"].endswith("</p>"), (
            f"{where}: content"
        )
        if remote:
            assert status["language"] in ("fr", "en"), f"{where}: language"
    if status["in_reply_to_id"] is not None:
        assert status["in_reply_to_account_id"], f"{where}: in_reply_to_account_id"


# ----------------------------------------------------------------------------- a run, loaded


@dataclass
class BskyPost:
    uri: str
    did: str
    created: int
    text: str
    lang: str
    parent: str | None
    quote: str | None
    mentions: list[str]
    tags: list[str]


@dataclass
class Run:
    root: Path
    truth: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)
    posts: dict[str, BskyPost] = field(default_factory=dict)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    appview: list[dict[str, Any]] = field(default_factory=list)

    def person_of(self) -> dict[str, str]:
        """Bluesky DID or Mastodon account id -> person id."""
        out: dict[str, str] = {}
        for acc in self.truth["accounts"]:
            if acc["bluesky"]:
                out[acc["bluesky"]["did"]] = acc["person"]
            if acc["mastodon"]:
                out[acc["mastodon"]["id"]] = acc["person"]
        return out

    def texts(self) -> list[tuple[str, int, str, str]]:
        """(network, created µs, author key, plain text) of every post with text."""
        out = [("bluesky", p.created, p.did, p.text) for p in self.posts.values()]
        for s in self.statuses:
            if s["reblog"] is None:
                plain = re.sub(r"<[^>]+>", "", s["content"]).replace("&#39;", "'")
                plain = plain.replace("&amp;", "&").replace("&quot;", '"')
                out.append(("mastodon", ts(s["created_at"]), s["account"]["id"], plain))
        return out


def load_run(root: Path) -> Run:
    decoder = msgspec.json.Decoder()
    run = Run(root=root, truth=decoder.decode((root / "ground_truth.json").read_bytes()))
    for path in sorted((root / "bluesky").glob("jetstream-*.jsonl")):
        with path.open("rb") as fh:
            for line in fh:
                event = decoder.decode(line)
                run.events.append(event)
                commit = event.get("commit")
                if (
                    commit
                    and commit["operation"] == "create"
                    and commit["collection"] == "app.bsky.feed.post"
                ):
                    rec = commit["record"]
                    uri = f"at://{event['did']}/app.bsky.feed.post/{commit['rkey']}"
                    mentions, tags = [], []
                    for facet in rec.get("facets", []):
                        for feature in facet["features"]:
                            if feature["$type"].endswith("#mention"):
                                mentions.append(feature["did"])
                            elif feature["$type"].endswith("#tag"):
                                tags.append(feature["tag"])
                    run.posts[uri] = BskyPost(
                        uri=uri,
                        did=event["did"],
                        created=ts(rec["createdAt"]),
                        text=rec["text"],
                        lang=rec["langs"][0],
                        parent=rec["reply"]["parent"]["uri"] if "reply" in rec else None,
                        quote=rec["embed"]["record"]["uri"] if "embed" in rec else None,
                        mentions=mentions,
                        tags=tags,
                    )
    with (root / "mastodon" / "statuses.jsonl").open("rb") as fh:
        run.statuses = [decoder.decode(line) for line in fh]
    with (root / "bluesky" / "appview.jsonl").open("rb") as fh:
        run.appview = [decoder.decode(line) for line in fh]
    return run


@functools.cache
def shared_run() -> tuple[SimulationSummary, Run]:
    """Simulate once per test session (every module of this folder reads the same run)."""
    tmp = Path(tempfile.mkdtemp(prefix="veille-sim-test-"))
    atexit.register(shutil.rmtree, tmp, True)
    summary = simulate(tmp / "out", seed=SEED, posts=POSTS, weeks=WEEKS)
    return summary, load_run(tmp / "out")
