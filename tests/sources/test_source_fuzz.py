"""Fuzzing the importers: whatever the bytes, readers yield raw items or rejects, and
``to_records`` returns records or raises ``MappingError``; nothing else escapes."""

from __future__ import annotations

import contextlib
import copy
import csv
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from veille.model import Record
from veille.sources.base import Importer, MappingError, RawItem, Reject
from veille.sources.bluesky.appview import BlueskyAppViewImporter, map_response
from veille.sources.bluesky.jetstream import JetstreamImporter
from veille.sources.io.containers import salvage_zip
from veille.sources.io.csv_rows import iter_csv_rows
from veille.sources.io.json_values import iter_json_values
from veille.sources.io.lines import iter_lines
from veille.sources.linkedin import LinkedInImporter
from veille.sources.mastodon.statuses import MastodonImporter
from veille.sources.tabular import CsvImporter, JsonlImporter, TabularOptions
from veille.sources.x.api_v2 import TwitterV2Importer
from veille.sources.x.archive import XArchiveImporter

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent.parent / "shared" / "fixtures"
#: ``VEILLE_FUZZ_EXAMPLES=2000`` for a longer campaign than the default run.
FUZZ = settings(
    max_examples=int(os.environ.get("VEILLE_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=6)
    ),
    max_leaves=30,
)

#: keys the mappers look at, so that random objects reach deep into them
KEYS = [
    "did",
    "time_us",
    "kind",
    "commit",
    "operation",
    "collection",
    "rkey",
    "record",
    "identity",
    "account",
    "handle",
    "active",
    "status",
    "$type",
    "payload",
    "time",
    "data",
    "includes",
    "users",
    "tweets",
    "id",
    "text",
    "author_id",
    "created_at",
    "referenced_tweets",
    "type",
    "entities",
    "mentions",
    "username",
    "public_metrics",
    "note_tweet",
    "conversation_id",
    "endpoint",
    "params",
    "response",
    "observed_at",
    "feed",
    "post",
    "thread",
    "uri",
    "acct",
    "content",
    "reblog",
    "quote",
    "tags",
    "card",
    "in_reply_to_id",
    "subject",
    "createdAt",
    "langs",
    "reply",
    "parent",
    "root",
    "embed",
    "facets",
    "features",
    "options",
    "row",
    "owner",
    "item",
    "file",
    "tweet",
    "follower",
    "app.bsky.feed.post",
    "app.bsky.feed.like",
    "commit",
    "message",
    "mapping",
    "network",
]
keyed_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 2**40)
    | st.text(max_size=20)
    | st.sampled_from(
        [
            "commit",
            "identity",
            "account",
            "create",
            "delete",
            "app.bsky.feed.post",
            "app.bsky.feed.like",
            "app.bsky.graph.follow",
            "message",
            "network.bsky.jetstream.subscribeEvents#commit",
            "2024-01-01T00:00:00Z",
            "did:plc:x",
            "at://did:plc:x/app.bsky.feed.post/1",
            "retweeted",
            "app.bsky.feed.getAuthorFeed",
            "app.bsky.graph.getFollows",
            "tweet",
        ]
    ),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS), children, max_size=7)
    ),
    max_leaves=40,
)

JSONL_IMPORTERS: list[tuple[type[Importer], Any]] = [
    (JetstreamImporter, None),
    (TwitterV2Importer, None),
    (BlueskyAppViewImporter, None),
    (MastodonImporter, None),
    (MastodonImporter, MastodonImporter.Options(instance="mastodon.social")),
    (
        JsonlImporter,
        TabularOptions(
            network="web",
            uri="uri",
            author_id="a.b",
            created_at="created_at",
            hashtags="tags",
            likes="likes",
        ),
    ),
]


def drain(importer: Importer) -> list[Record]:
    """Read everything and map every raw item; only the allowed outcomes may happen."""
    records: list[Record] = []
    for entry in importer.fetch():
        if isinstance(entry, Reject):
            assert entry.origin and entry.reason
            continue
        assert isinstance(entry, RawItem)
        payload = bytes(entry.payload)
        json.loads(payload)  # the raw log (JSONL) can always hold it: valid, one line
        assert b"\n" not in payload and b"\r" not in payload
        with contextlib.suppress(MappingError):
            records.extend(type(importer).to_records(entry))
    return records


def with_file(name: str, data: bytes, run: Callable[[Path], None]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        run(path)


@FUZZ
@given(data=st.binary(max_size=3000), which=st.integers(0, len(JSONL_IMPORTERS) - 1))
def test_random_bytes_never_crash_jsonl_importers(data: bytes, which: int) -> None:
    cls, options = JSONL_IMPORTERS[which]
    with_file("input.jsonl", data, lambda p: drain(cls([p], options)))


@FUZZ
@given(
    values=st.lists(json_values | keyed_values, min_size=1, max_size=6),
    which=st.integers(0, len(JSONL_IMPORTERS) - 1),
)
def test_random_json_lines_only_mapping_errors(values: list[Any], which: int) -> None:
    cls, options = JSONL_IMPORTERS[which]
    body = "".join(json.dumps(v) + "\n" for v in values).encode()
    with_file("input.jsonl", body, lambda p: drain(cls([p], options)))


@FUZZ
@given(
    value=keyed_values,
    endpoint=st.sampled_from(
        [
            "app.bsky.actor.getProfile",
            "app.bsky.feed.getAuthorFeed",
            "app.bsky.feed.getPostThread",
            "app.bsky.graph.getFollowers",
            "app.bsky.graph.getFollows",
            "app.bsky.feed.getPosts",
        ]
    ),
)
def test_random_appview_bodies(value: Any, endpoint: str) -> None:
    from datetime import UTC, datetime

    with contextlib.suppress(MappingError):
        map_response(endpoint, {}, value, datetime(2026, 1, 1, tzinfo=UTC))


def real_lines() -> list[tuple[type[Importer], dict[str, Any]]]:
    found: list[tuple[type[Importer], dict[str, Any]]] = []
    for path in sorted((SHARED / "bluesky_jetstream").glob("*.jsonl"))[:2]:
        found += [(JetstreamImporter, json.loads(x)) for x in path.read_text().splitlines()[:40]]
    for name in ("two_tweets.jsonl", "mentions_tweet.jsonl", "geo_tweets.jsonl"):
        path = SHARED / "twitter_v2" / name
        if path.exists():
            found += [(TwitterV2Importer, json.loads(x)) for x in path.read_text().splitlines()]
    mastodon = SHARED / "mastodon" / "extracted"
    for path in sorted(mastodon.glob("*status*.json"))[:6] if mastodon.exists() else []:
        found.append((MastodonImporter, json.loads(path.read_text())))
    return found


REAL = real_lines()


def mutate(value: Any, path: list[int], replacement: Any, delete: bool) -> Any:
    """Replace (or delete) the node that ``path`` leads to (indices modulo the children)."""
    if not path or not isinstance(value, dict | list) or not value:
        return replacement
    if isinstance(value, dict):
        key = sorted(value)[path[0] % len(value)]
        if delete and len(path) == 1:
            del value[key]
            return value
        value[key] = mutate(value[key], path[1:], replacement, delete)
        return value
    index = path[0] % len(value)
    value[index] = mutate(value[index], path[1:], replacement, delete)
    return value


@FUZZ
@given(
    which=st.integers(0, 10**6),
    path=st.lists(st.integers(0, 50), min_size=1, max_size=8),
    replacement=json_values | keyed_values,
    delete=st.booleans(),
)
def test_mutated_real_items_only_mapping_errors(
    which: int, path: list[int], replacement: Any, delete: bool
) -> None:
    if not REAL:
        return
    cls, original = REAL[which % len(REAL)]
    value = mutate(copy.deepcopy(original), path, replacement, delete)
    raw = RawItem.of(cls.id, "fuzz:1", value)
    try:
        records = cls.to_records(raw)
    except MappingError:
        return
    assert isinstance(records, list)


@FUZZ
@given(data=st.binary(max_size=4000))
def test_random_archive_and_export_files(data: bytes) -> None:
    account = (ROOT / "fixtures" / "x_archive" / "archive" / "data" / "account.js").read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "archive" / "data"
        folder.mkdir(parents=True)
        (folder / "account.js").write_bytes(account)
        (folder / "tweets.js").write_bytes(b"window.YTD.tweets.part0 = " + data)
        (folder / "follower.js").write_bytes(data)
        drain(XArchiveImporter([folder.parent]))
        export = Path(tmp) / "export"
        export.mkdir()
        (export / "Shares.csv").write_bytes(data)
        (export / "Connections.csv").write_bytes(b"First Name,Last Name,URL,Connected On\n" + data)
        drain(LinkedInImporter([export], LinkedInImporter.Options(account="marie-dupont")))
        (Path(tmp) / "p.csv").write_bytes(b"uri,author_id,created_at,text\n" + data)
        drain(CsvImporter([Path(tmp) / "p.csv"], TabularOptions(network="web")))
        zipped = Path(tmp) / "fake.zip"
        zipped.write_bytes(b"PK\x03\x04" + data)
        drain(XArchiveImporter([zipped]))


@FUZZ
@given(cut=st.floats(0.0, 1.0), seed=st.integers(0, 1000))
def test_truncated_zips_never_crash(cut: float, seed: int) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(3):
            archive.writestr(
                f"data/tweets-part{i}.js",
                "window.YTD.tweets.part0 = "
                + json.dumps(
                    [
                        {
                            "tweet": {
                                "id_str": str(seed + k),
                                "full_text": "x",
                                "created_at": "2024-01-01T00:00:00Z",
                            }
                        }
                        for k in range(50)
                    ]
                ),
            )
        archive.writestr(
            "data/account.js", 'window.YTD.account.part0 = [{"account": {"accountId": "1"}}]'
        )
    data = buffer.getvalue()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cut.zip"
        path.write_bytes(data[: int(len(data) * cut)])
        for member in salvage_zip(path):
            try:
                with member.open() as stream:
                    stream.read()
            except (EOFError, OSError, ValueError):
                pass
        drain(XArchiveImporter([path]))


@FUZZ
@given(
    values=st.lists(json_values, max_size=20),
    indent=st.sampled_from([None, 0, 2]),
    as_array=st.booleans(),
)
def test_json_values_round_trip(values: list[Any], indent: int | None, as_array: bool) -> None:
    if as_array:
        data = json.dumps(values, indent=indent).encode()
    else:
        data = "\n".join(json.dumps(v, indent=indent) for v in values).encode()
    # a top-level array is unwrapped into its elements; a sequence of values is kept as is
    got = list(iter_json_values(io.BytesIO(data), "t", "f", unwrap_arrays=as_array))
    assert all(isinstance(x, tuple) for x in got)
    assert [json.loads(x[1]) for x in got] == values  # type: ignore[index]


@FUZZ
@given(data=st.binary(max_size=5000))
def test_json_values_random_bytes(data: bytes) -> None:
    for entry in iter_json_values(io.BytesIO(data), "t", "f", max_bytes=500):
        if isinstance(entry, tuple):
            json.loads(entry[1])
            assert len(entry[1]) <= 500


@FUZZ
@given(
    lines=st.lists(
        st.text(
            alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\n"),
            max_size=40,
        ),
        max_size=30,
    )
)
def test_iter_lines_matches_the_lines(lines: list[str]) -> None:
    data = "\n".join(lines).encode()
    got = list(iter_lines(io.BytesIO(data), "t", "f", max_bytes=100))
    expected = [
        (n, line.encode())
        for n, line in enumerate(lines, 1)
        if line.encode() and not line.encode().isspace()
    ]
    kept = [x for x in got if isinstance(x, tuple)]
    rejected = [x for x in got if isinstance(x, Reject)]
    assert kept == [(n, b) for n, b in expected if len(b) <= 100]
    assert len(rejected) == sum(1 for _, b in expected if len(b) > 100)


@FUZZ
@given(
    rows=st.lists(
        st.lists(
            st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=15),
            min_size=3,
            max_size=3,
        ),
        max_size=15,
    )
)
def test_csv_round_trip(rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["A", "B", "C"])
    writer.writerows(rows)
    data = buffer.getvalue().encode()
    got = list(iter_csv_rows(io.BytesIO(data), "t", "f.csv", ["A", "B", "C"]))
    kept = [x[1] for x in got if isinstance(x, tuple)]
    expected = [dict(zip("ABC", r, strict=True)) for r in rows if any(c.strip() for c in r)]
    assert not [x for x in got if isinstance(x, Reject)]
    assert kept == expected


@FUZZ
@given(data=st.binary(max_size=3000))
def test_csv_random_bytes(data: bytes) -> None:
    for entry in iter_csv_rows(io.BytesIO(b"A,B\n" + data), "t", "f.csv", ["A", "B"]):
        assert isinstance(entry, tuple | Reject)
