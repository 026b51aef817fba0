"""The X archive importer on the synthetic fixture archive (folder, zip, damaged zip)."""

from __future__ import annotations

import json
import shutil
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from source_helpers import english, map_all, of_type, read_all  # noqa: F401

from veille.model import Account, Follow, Post, PostMetrics, Tombstone
from veille.sources.base import Reject
from veille.sources.x.archive import XArchiveImporter
from veille.store import Store

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "x_archive" / "archive"
OWNER = "1234567890"


def zip_folder(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return target


def records_of(path: Path, **options: str) -> tuple[list[object], list[Reject]]:
    importer = XArchiveImporter([path], XArchiveImporter.Options(**options))
    items, rejects = read_all(importer)
    records, errors = map_all(XArchiveImporter, items)
    assert not errors
    return records, rejects  # type: ignore[return-value]


def test_folder_archive() -> None:
    records, rejects = records_of(FIXTURE)
    assert not rejects
    posts = {p.post_id: p for p in of_type(records, Post)}  # type: ignore[arg-type]
    assert len(posts) == 6
    assert all(p.author_id == OWNER and p.network == "x" for p in posts.values())
    first = posts["1700000000000000001"]
    assert first.uri == "https://x.com/i/status/1700000000000000001"
    assert first.hashtags == ["IA"] and first.urls == ["https://example.org/rapport-2023"]
    assert (
        first.lang == "fr"
        and first.text == "Notre rapport annuel sur l'#IA https://t.co/abcDEF1234"
    )
    reply = posts["1700000000000000002"]
    assert reply.reply_to == "https://x.com/i/status/1699999999999999999"
    assert reply.mentions == ["222222222"]
    retweet = posts["1700000000000000003"]
    assert retweet.repost_of == "x-archive:retweet-of:@media_exemple" and retweet.text is None
    assert posts["1700000000000000004"].quote_of == "https://x.com/i/status/1690000000000000000"
    assert posts["1700000000000000005"].text == (
        "#Leadership : fière de l'équipe @acme_fr & de nos « valeurs »"
    )
    assert posts["1600000000000000001"].text == "Premier message.\nSur deux lignes."
    metrics = {m.uri: m for m in of_type(records, PostMetrics)}  # type: ignore[arg-type]
    assert metrics[first.uri].likes == 42 and metrics[first.uri].reposts == 7
    assert metrics[first.uri].observed_at.isoformat() == "2024-03-01T10:00:00+00:00"
    assert retweet.uri not in metrics
    (tomb,) = of_type(records, Tombstone)  # type: ignore[arg-type]
    assert tomb.key == "https://x.com/i/status/1700000000000000099"
    follows = {(f.follower_id, f.followee_id) for f in of_type(records, Follow)}  # type: ignore[arg-type]
    assert follows == {
        ("222222222", OWNER),
        ("555555555", OWNER),
        (OWNER, "333333333"),
        (OWNER, "444444444"),
    }
    owner = next(a for a in of_type(records, Account) if a.account_id == OWNER)  # type: ignore[arg-type]
    assert owner.handle == "veille_demo" and owner.display_name == "Veille Démo"
    assert owner.bio == "Directrice de la communication. Avis personnels."


def test_no_private_fields_in_raw_items() -> None:
    items, _ = read_all(XArchiveImporter([FIXTURE]))
    assert all(b"owner@example.invalid" not in bytes(i.payload) for i in items)
    assert all(json.loads(bytes(i.payload))["owner"]["id"] == OWNER for i in items)


def test_zip_gives_the_same_records(tmp_path: Path) -> None:
    zipped = zip_folder(FIXTURE, tmp_path / "twitter-2024.zip")
    folder, _ = records_of(FIXTURE)
    from_zip, rejects = records_of(zipped)
    assert not rejects
    strip = [r for r in folder if not isinstance(r, Account) or r.first_seen]
    assert {getattr(r, "uri", None) for r in from_zip} == {getattr(r, "uri", None) for r in strip}
    items, _ = read_all(XArchiveImporter([zipped]))
    assert any(i.origin == f"{zipped}!data/tweets.js:2" for i in items)


def test_truncated_zip_is_reported_and_salvaged(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    shutil.copytree(FIXTURE, folder)
    tweets = [
        {
            "tweet": {
                "id_str": str(10**17 + i),
                "full_text": f"tweet {i} " + "x" * 50,
                "created_at": "Wed Oct 10 20:19:24 +0000 2018",
                "favorite_count": "1",
                "retweet_count": "0",
            }
        }
        for i in range(3000)
    ]
    (folder / "data" / "tweets-part2.js").write_text(
        "window.YTD.tweets.part2 = " + json.dumps(tweets, indent=2)
    )
    zipped = zip_folder(folder, tmp_path / "full.zip")
    data = zipped.read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(data[: int(len(data) * 0.7)])
    importer = XArchiveImporter([cut])
    items, rejects = read_all(importer)
    assert rejects[0].origin == str(cut) and "truncated or corrupt zip" in rejects[0].reason
    records, errors = map_all(XArchiveImporter, items)
    assert not errors
    posts = of_type(records, Post)
    assert any(p.author_id == OWNER for p in posts), "the owner still comes from account.js"
    named = [r for r in rejects[1:] if "!data/" in r.origin]
    assert named, "the member cut short must be named"


def test_missing_owner_and_options(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    shutil.copytree(FIXTURE, folder)
    (folder / "data" / "account.js").unlink()
    (folder / "data" / "manifest.js").unlink()
    items, rejects = read_all(XArchiveImporter([folder]))
    assert not items and len(rejects) == 1
    assert "owner of the archive is unknown" in rejects[0].reason
    assert "--option account_id" in rejects[0].reason
    records, rejects = records_of(folder, account_id="42", username="someone")
    assert not rejects and all(p.author_id == "42" for p in of_type(records, Post))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        XArchiveImporter.Options(account_id="not-a-number")


def test_manifest_is_enough_for_the_owner(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    shutil.copytree(FIXTURE, folder)
    (folder / "data" / "account.js").unlink()
    records, rejects = records_of(folder)
    assert not rejects and all(p.author_id == OWNER for p in of_type(records, Post))  # type: ignore[arg-type]


def test_bad_elements_and_bad_files(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    shutil.copytree(FIXTURE, folder)
    (folder / "data" / "tweets.js").write_text(
        'window.YTD.tweets.part0 = [\n{"tweet": {"id_str": "1", "full_text": "ok",\n'
        '"created_at": "Wed Oct 10 20:19:24 +0000 2018"}},\n'
        '{"tweet": {"id_str": "2", "full_text": tru}},\n'
        '{"tweet": {"full_text": "no id", "created_at": "Wed Oct 10 20:19:24 +0000 2018"}},\n'
        '{"tweet": {"id_str": "4", "full_text": "ok",\n'
        '"created_at": "Wed Oct 10 20:19:24 +0000 2018"}}\n]'
    )
    (folder / "data" / "following.js").write_text("not javascript at all")
    items, rejects = read_all(XArchiveImporter([folder]))
    assert [r.origin for r in rejects] == [
        f"{folder / 'data' / 'tweets.js'}:4",
        f"{folder / 'data' / 'following.js'}",
    ]
    assert "invalid JSON" in rejects[0].reason and "not an X data file" in rejects[1].reason
    records, errors = map_all(XArchiveImporter, items)
    assert [e[0].origin for e in errors] == [f"{folder / 'data' / 'tweets.js'}:5"]
    assert "no id_str" in str(errors[0][1])
    assert {p.post_id for p in of_type(records, Post)} >= {"1", "4"}


def test_big_tweets_file_is_streamed(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    (folder / "data").mkdir(parents=True)
    shutil.copy(FIXTURE / "data" / "account.js", folder / "data" / "account.js")
    tweet = {
        "tweet": {
            "id_str": "",
            "full_text": "y" * 3000,
            "created_at": "Wed Oct 10 20:19:24 +0000 2018",
            "entities": {"hashtags": [], "user_mentions": [], "urls": []},
        }
    }
    count = 8_000
    with (folder / "data" / "tweets.js").open("w") as out:
        out.write("window.YTD.tweets.part0 = [\n")
        for i in range(count):
            tweet["tweet"]["id_str"] = str(10**17 + i)  # type: ignore[index]
            out.write(("," if i else "") + json.dumps(tweet, indent=2) + "\n")
        out.write("]\n")
    size = (folder / "data" / "tweets.js").stat().st_size
    assert size > 24 * 1024 * 1024
    tracemalloc.start()
    seen = 0
    for entry in XArchiveImporter([folder]).fetch():
        assert not isinstance(entry, Reject)
        seen += 1
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert seen == count + 1  # the tweets and the owner's account
    # a constant ~5 MB of buffers, whatever the size of the file
    assert peak < size / 3, f"peak {peak} bytes for a {size}-byte file: not streamed"


def test_reimport_adds_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    first, _ = records_of(FIXTURE)
    second, _ = records_of(FIXTURE)
    assert store.write(first).posts_new == 6  # type: ignore[arg-type]
    assert store.write(second).posts_new == 0  # type: ignore[arg-type]
    deleted = store.scalar("SELECT count(*) FROM tombstones")
    assert deleted >= 1
