"""``veille check`` through the real entry point: the reviewers' interface, exit codes and
bad input (one clear line, exit 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

VEILLE = [sys.executable, "-m", "veille"]


def veille(
    *args: str, stdin: bytes | None = None, lang: str = "en", cwd: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*VEILLE, *args],
        input=stdin,
        capture_output=True,
        timeout=300,
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "COLUMNS": "200", "VEILLE_LANG": lang},
    )


def test_json_interface_and_exit_codes(tmp_path: Path) -> None:
    ok = veille("check", "--network", "bluesky", "--format", "json", "Bonjour à tous 👋🏽",
                cwd=tmp_path)  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    out = json.loads(ok.stdout)
    assert set(out) == {"verdict", "rules"} and out["verdict"] in ("pass", "warn")
    assert {r["rule"] for r in out["rules"]} >= {"length", "insults", "shouting", "fit"}
    bad = veille("check", "-n", "x", "--format", "json", "Document confidentiel !!!!",
                 cwd=tmp_path)  # fmt: skip
    assert bad.returncode == 1
    assert json.loads(bad.stdout)["verdict"] == "fail"


def test_stdin_file_and_french(tmp_path: Path) -> None:
    piped = veille("check", "-n", "mastodon", "--format", "json", "-", stdin=b"Off the record",
                   cwd=tmp_path)  # fmt: skip
    assert piped.returncode == 1
    draft = tmp_path / "draft.txt"
    draft.write_text("C'est sous embargo jusqu'à lundi.", encoding="utf-8")
    fr = veille("check", "-n", "linkedin", "--file", str(draft), "--format", "json", lang="fr",
                cwd=tmp_path)  # fmt: skip
    assert fr.returncode == 1
    reasons = {r["rule"]: r["reason"] for r in json.loads(fr.stdout)["rules"]}
    assert (
        "confidentialité" in reasons["confidential"] and "sous embargo" in reasons["confidential"]
    )
    assert reasons["fit"] == "ignorée : pas d'espace de travail"
    table = veille("check", "-n", "bluesky", "Bonjour", cwd=tmp_path)
    assert table.returncode == 0 and b"verdict" in table.stdout


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["-n", "bluesky", ""], None, "empty draft"),
        (["-n", "bluesky", "-"], b"a" * 1_000_000, "too big"),
        (["-n", "facebook", "bonjour"], None, "unknown network 'facebook'"),
        (["-n", "bluesky", "--file", "missing.txt"], None, "no such file"),
        (["-n", "bluesky"], None, "give the draft"),
    ],
)
def test_bad_input_one_line_exit_2(
    tmp_path: Path, args: list[str], stdin: bytes | None, message: str
) -> None:
    result = veille("check", *args, stdin=stdin, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    err = result.stderr.decode()
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) <= 2  # the line, and a hint where there is one


def test_invalid_utf8_names_the_byte(tmp_path: Path) -> None:
    draft = tmp_path / "bad.txt"
    draft.write_bytes("Bonjour\nà tous ".encode() + b"\xff\xfe !")
    result = veille("check", "-n", "bluesky", "--file", str(draft), cwd=tmp_path)
    assert result.returncode == 2
    assert f"{draft}: not UTF-8 (byte 16, line 2)" in result.stderr.decode()


def test_leader_needs_a_workspace_and_unknown_leader_suggests(tmp_path: Path) -> None:
    alone = veille("check", "-n", "bluesky", "--leader", "alice", "Bonjour", cwd=tmp_path)
    assert alone.returncode == 2 and b"--leader needs a workspace" in alone.stderr
    ws = tmp_path / "ws"
    created = veille("init", str(ws))
    assert created.returncode == 0, created.stderr
    config = ws / "veille.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + '\n[[leaders]]\nid = "alice-martin"\nname = "Alice Martin"\n',
        encoding="utf-8",
    )
    wrong = veille("check", "-w", str(ws), "-n", "bluesky", "--leader", "alice-martn", "Bonjour")
    assert wrong.returncode == 2 and b"Did you mean: alice-martin?" in wrong.stderr
    right = veille("check", "-w", str(ws), "-n", "bluesky", "--leader", "alice-martin",
                   "--format", "json", "Bonjour")  # fmt: skip
    assert right.returncode == 0, right.stderr
    rules = {r["rule"]: r for r in json.loads(right.stdout)["rules"]}
    assert rules["fit"]["status"] == "skipped" and "past posts" in rules["fit"]["reason"]
