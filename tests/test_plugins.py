"""A third-party package adds a network without touching the core: a plugin declared by
an entry point (group ``veille``) registers a connector, and ``veille import`` uses it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PLUGIN = '''
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from veille.model import Post, Record, parse_time
from veille.plugins import hookimpl
from veille.sources.base import Importer, RawItem, Reject


class ForumImporter(Importer):
    """Lines of 'id|author|date|text' from an imaginary forum."""

    id: ClassVar[str] = "forum"
    network: ClassVar[str] = "web"
    description: ClassVar[str] = "pipe-separated forum dump"

    def read(self, path: Path) -> Iterator[RawItem | Reject]:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                parts = line.rstrip("\\n").split("|")
                if len(parts) != 4:
                    yield Reject(source=self.id, origin=f"{path}:{number}",
                                 reason="expected 4 fields", item=line)
                    continue
                yield RawItem.of(self.id, f"{path}:{number}", parts)

    @classmethod
    def to_records(cls, raw: RawItem) -> list[Record]:
        post_id, author, date, text = raw.value()
        when = parse_time(date)
        assert when is not None
        return [Post(uri=f"forum://{post_id}", network="web", post_id=post_id,
                     author_id=author, created_at=when, collected_at=when, text=text,
                     source=cls.id)]


@hookimpl
def veille_connectors() -> list[type[Importer]]:
    return [ForumImporter]
'''


def test_entry_point_plugin_adds_an_import_format(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "veille_forum-1.0.dist-info").mkdir(parents=True)
    (site / "veille_forum.py").write_text(PLUGIN, encoding="utf-8")
    info = site / "veille_forum-1.0.dist-info"
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: veille-forum\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[veille]\nforum = veille_forum\n")
    data = tmp_path / "dump.txt"
    data.write_text(
        "1|alice|2026-10-01T10:00:00Z|Bonjour le forum\nbroken line\n"
        "2|bob|2026-10-02T10:00:00Z|Salut\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(site), "VEILLE_LANG": "en"}

    def veille(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "veille", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )

    ws = tmp_path / "ws"
    assert veille("init", str(ws)).returncode == 0
    done = veille("import", "forum", str(data), "-w", str(ws), "-q", "-f", "json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert (summary["new"], summary["rejected"]) == (2, 1)
    assert f"{data}:2" in done.stderr
    status = json.loads(veille("status", "-w", str(ws), "-f", "json").stdout)
    assert status["posts"]["by_source"] == {"forum": 2}
