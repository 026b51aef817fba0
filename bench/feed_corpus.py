"""The feed importer over feedparser's own test suite, against feedparser itself.

feedparser's source distribution holds about 2,200 feed files under ``tests/``
(``wellformed``, ``illformed``, ``encoding``, ``entities``...). For each file, the same bytes
go (a) through ``veille import rss-file``'s reading and mapping (``RssFileImporter``) and
(b) straight to ``feedparser.parse`` with the options veille uses (sanitiser on, relative
URIs left as written). A file agrees when both say "feed" or both say "not a feed"
(feedparser's ``version`` empty), and when every entry agrees: its title and text are
feedparser's values read by their content type, its link is feedparser's link, and its date
is feedparser's ``published``/``updated`` (or, when the entry has none, veille says the date
is not the entry's own). HTML is turned into text by the same function on both sides, so what
is checked is everything around it: bytes, encodings, fields, content types, links, dates.
Where feedparser (installed without chardet) is unsure of a file's encoding and falls back to
windows-1252, and the file's own ``Expect:`` line names its encoding, the reference is
feedparser given that encoding (the ``illformed/chardet`` files: undeclared EUC-JP,
KOI8-R...), which is what veille's charset detection must find.

    python bench/feed_corpus.py [--dir .cache/feedparser-sdist]

downloads the sdist with ``pip download`` when it is not there yet, and prints the counts.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tarfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "feedparser-sdist"


def fetch_corpus(cache: Path = CACHE, timeout: float = 180.0) -> Path | None:
    """The ``tests`` folder of feedparser's sdist, downloaded (``pip download``, in a
    subprocess) and unpacked under ``cache`` the first time; ``None`` if it cannot be had."""
    found = sorted(cache.glob("feedparser-*/tests"))
    if found:
        return found[-1]
    cache.mkdir(parents=True, exist_ok=True)
    if not sorted(cache.glob("feedparser-*.tar.gz")):
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
        command += ["-q", "-d", str(cache), "feedparser"]
        try:
            subprocess.run(command, check=True, capture_output=True, timeout=timeout)
        except (OSError, subprocess.SubprocessError):
            return None
    archives = sorted(cache.glob("feedparser-*.tar.gz"))
    if not archives:
        return None
    with tarfile.open(archives[-1]) as tar:
        members = [m for m in tar.getmembers() if "/tests/" in m.name and (m.isfile() or m.isdir())]
        tar.extractall(cache, members=members, filter="data")
    found = sorted(cache.glob("feedparser-*/tests"))
    return found[-1] if found else None


@dataclass
class Report:
    files: int = 0
    files_agree: int = 0
    feeds: int = 0
    entries: int = 0
    entries_agree: int = 0
    #: files that declare no encoding, read by feedparser told the one its test expects
    encoding_expected: int = 0
    disagreements: list[str] = field(default_factory=list)


_EXPECTED_ENCODING = re.compile(rb"Expect:.*encoding == '([A-Za-z0-9_.:-]+)'")


def feed_files(tests: Path) -> list[Path]:
    return sorted(p for p in tests.rglob("*") if p.suffix in (".xml", ".rdf", ".rss", ".atom"))


def _when(struct: Any) -> datetime | None:
    if not struct:
        return None
    try:
        y, mo, d, h, mi, se = (int(x) for x in struct[:6])
        return datetime(y, mo, d, h, mi, min(se, 59), tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def _text(detail: Any, fallback: Any = "") -> str:
    from veille.sources.htmltext import html_to_text, plain_text

    if isinstance(detail, dict) and "value" in detail:
        value = str(detail.get("value") or "")
        return (
            html_to_text(value)
            if "html" in str(detail.get("type") or "html")
            else plain_text(value)
        )
    return html_to_text(str(fallback or ""))


def compare_file(path: Path, report: Report) -> None:
    import feedparser

    from veille.model import Post
    from veille.sources.base import MappingError, RawItem
    from veille.sources.rss import RssFileImporter

    report.files += 1
    content = path.read_bytes()
    reference = feedparser.parse(content, sanitize_html=True, resolve_relative_uris=False)
    expected = _EXPECTED_ENCODING.search(content[:600])
    if expected and isinstance(
        reference.get("bozo_exception"), feedparser.CharacterEncodingOverride
    ):
        # feedparser without chardet falls back to windows-1252 blindly; its own test says
        # which encoding the bytes are in: the reference is feedparser told that encoding
        report.encoding_expected += 1
        charset = expected.group(1).decode("ascii")
        reference = feedparser.parse(
            content,
            response_headers={"content-type": f"application/xml; charset={charset}"},
            sanitize_html=True,
            resolve_relative_uris=False,
        )
    is_feed = bool(reference.get("version"))
    items = list(RssFileImporter([path]).fetch())
    posts: list[Post] | None = None
    if items and isinstance(items[0], RawItem):
        try:
            posts = [r for r in RssFileImporter.to_records(items[0]) if isinstance(r, Post)]
        except MappingError:
            posts = None
    if (posts is not None) != is_feed:
        report.disagreements.append(f"{path.name}: feed {is_feed}, veille {posts is not None}")
        return
    if posts is None:
        report.files_agree += 1
        return
    report.feeds += 1
    wanted = []
    for entry in reference.entries:
        title = _text(entry.get("title_detail"), entry.get("title"))
        summary = _text(entry.get("summary_detail"), entry.get("summary"))
        if not summary and entry.get("content"):
            summary = _text(entry["content"][0])
        if not (entry.get("id") or entry.get("link")) and not title and not summary:
            continue  # veille skips entries that say nothing, by design
        text = title if not summary or summary == title else f"{title}\n\n{summary}"
        date = _when(entry.get("published_parsed")) or _when(entry.get("updated_parsed"))
        wanted.append((text.strip() or None, entry.get("link") or None, date))
    report.entries += len(wanted)
    problems: list[str] = []
    if len(wanted) != len(posts):
        problems.append(f"{len(wanted)} entries, {len(posts)} posts")
    for i, (post, (text, link, date)) in enumerate(zip(posts, wanted, strict=False)):
        bad = []
        if post.text != text:
            bad.append(f"text {post.text!r} != {text!r}")
        if post.urls != ([link] if link else []):
            bad.append(f"link {post.urls} != {link}")
        if date is not None and (post.created_at != date or post.dated_by != "entry"):
            bad.append(f"date {post.created_at} != {date}")
        if date is None and post.dated_by == "entry":
            bad.append("dated by an entry date feedparser does not see")
        if bad:
            problems.append(f"entry {i}: " + "; ".join(bad))
        else:
            report.entries_agree += 1
    if problems:
        report.disagreements.append(f"{path.name}: " + " | ".join(problems)[:300])
    else:
        report.files_agree += 1


def compare_corpus(tests: Path) -> Report:
    report = Report()
    for path in feed_files(tests):
        compare_file(path, report)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", type=Path, default=CACHE)
    parser.add_argument("--show", type=int, default=20, help="disagreements to print")
    args = parser.parse_args()
    tests = fetch_corpus(args.dir)
    if tests is None:
        sys.exit("feedparser's sdist could not be downloaded")
    report = compare_corpus(tests)
    print(
        f"files {report.files_agree}/{report.files} agree ({report.feeds} feeds); "
        f"entries {report.entries_agree}/{report.entries} agree; "
        f"{report.encoding_expected} undeclared encodings checked against their test's Expect"
    )
    for line in report.disagreements[: args.show]:
        print("  " + line)


if __name__ == "__main__":
    main()
