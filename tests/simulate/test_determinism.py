"""Same seed and options: the same bytes. Other seed or start: other data. Scale: the post
count follows the option."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest

from veille.errors import UsageError
from veille.simulate import simulate


def digest(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a = simulate(tmp_path / "a", seed=3, posts=1500, weeks=1)
    b = simulate(tmp_path / "b", seed=3, posts=1500, weeks=1)
    da, db = digest(tmp_path / "a"), digest(tmp_path / "b")
    assert len(da) > 30
    assert da == db
    assert a.files == b.files and a.counts == b.counts


def test_rerun_in_the_same_folder_replaces_the_previous_output(tmp_path: Path) -> None:
    simulate(tmp_path / "a", seed=3, posts=1500, weeks=2)
    simulate(tmp_path / "a", seed=3, posts=1500, weeks=1)
    simulate(tmp_path / "b", seed=3, posts=1500, weeks=1)
    assert digest(tmp_path / "a") == digest(tmp_path / "b")


def test_other_seed_or_start_changes_the_data(tmp_path: Path) -> None:
    simulate(tmp_path / "a", seed=3, posts=1500, weeks=1)
    simulate(tmp_path / "b", seed=4, posts=1500, weeks=1)
    s = simulate(tmp_path / "c", seed=3, posts=1500, weeks=1, start=date(2027, 1, 4))
    da, db, dc = digest(tmp_path / "a"), digest(tmp_path / "b"), digest(tmp_path / "c")
    assert da["mastodon/statuses.jsonl"] != db["mastodon/statuses.jsonl"]
    assert "bluesky/jetstream-2027-01-04.jsonl" in dc
    assert "bluesky/jetstream-2026-09-01.jsonl" in da
    assert s.posts > 0


@pytest.mark.parametrize("posts", [800, 12_000])
def test_post_count_follows_the_option(tmp_path: Path, posts: int) -> None:
    summary = simulate(tmp_path / "out", seed=1, posts=posts, weeks=1, progress=True)
    assert abs(summary.posts - posts) / posts < 0.15, summary.posts
    assert summary.networks["bluesky"] > summary.networks["mastodon"] > 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"posts": 10}, "posts"),
        ({"weeks": 0}, "weeks"),
        ({"weeks": 60}, "weeks"),
        ({"jetstream": "v3"}, "jetstream"),
    ],
)
def test_bad_options_are_usage_errors(
    tmp_path: Path, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        simulate(tmp_path / "out", **kwargs)  # type: ignore[arg-type]


def test_out_dir_must_be_a_folder(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(UsageError, match=str(target)):
        simulate(target, posts=500, weeks=1)
