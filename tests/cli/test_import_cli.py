"""``veille import`` through the real entry point: the reviewers' interface."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import shared_path

VEILLE = [sys.executable, "-m", "veille"]


def veille(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*VEILLE, *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "COLUMNS": "150"},
    )


def tweet_line(i: int) -> str:
    return json.dumps(
        {
            "data": [
                {
                    "id": str(5000 + i),
                    "text": f"Bonjour {i} #veille",
                    "author_id": "42",
                    "created_at": "2026-10-01T10:00:00.000Z",
                }
            ],
            "includes": {"users": [{"id": "42", "username": "ceo", "name": "CEO"}]},
        }
    )


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    assert veille("init", str(root)).returncode == 0
    return root


def test_twice_adds_no_post_real_fixtures(ws: Path) -> None:
    files = sorted(str(p) for p in shared_path("fixtures", "twitter_v2").glob("*.jsonl"))
    first = veille("import", "twitter-v2", "--workspace", str(ws), *files, "-q", "-f", "json")
    assert first.returncode == 0, first.stderr
    one = json.loads(first.stdout)
    assert one["new"] > 0
    second = veille("import", "twitter-v2", "--workspace", str(ws), *files, "-q", "-f", "json")
    two = json.loads(second.stdout)
    assert two["new"] == 0 and two["duplicates"] >= one["new"]
    status = json.loads(veille("status", "--workspace", str(ws), "--format", "json").stdout)
    assert status["posts"]["total"] == one["new"]
    assert status["posts"]["by_network"] == {"x": one["new"]}


def test_malformed_lines_are_reported_with_line_numbers(ws: Path, tmp_path: Path) -> None:
    lines = [
        tweet_line(0),
        "{not json",
        tweet_line(1),
        b"\xff\xfe".decode("latin-1"),
        tweet_line(2),
        json.dumps({"data": [{"id": "9", "text": "x" * 1_100_000}]}),
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        "\n".join(lines).replace("ÿþ", "\udcff\udcfe").encode("utf-8", "surrogateescape") + b"\n"
    )
    done = veille("import", "twitter-v2", "-w", str(ws), str(path), "-q", "-f", "json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["new"] == 3 and summary["rejected"] == 3
    assert f"{path}:2" in done.stderr and f"{path}:4" in done.stderr and f"{path}:6" in done.stderr
    rejects = [json.loads(x) for x in Path(summary["rejects_file"]).read_text().splitlines()]
    assert sorted(r["origin"] for r in rejects) == sorted(f"{path}:{n}" for n in (2, 4, 6))
    assert all(r["reason"] for r in rejects)


def test_missing_file_exits_2_with_one_line(ws: Path) -> None:
    done = veille("import", "twitter-v2", "-w", str(ws), "/no/such/file.jsonl")
    assert done.returncode == 2
    assert "/no/such/file.jsonl" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_unknown_format_exits_2(ws: Path, tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(tweet_line(0))
    done = veille("import", "facebook", "-w", str(ws), str(path))
    assert done.returncode == 2 and "unknown format 'facebook'" in done.stderr


def test_wrong_format_exits_2(ws: Path, tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("a,b\n1,2\n3,4\n")
    done = veille("import", "twitter-v2", "-w", str(ws), str(path), "-q")
    assert done.returncode == 2 and "could be read as twitter-v2" in done.stderr
