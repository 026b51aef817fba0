"""The feed importer over every feed file of feedparser's own test suite (about 2,200 files
of its source distribution), compared with what feedparser parses from the same bytes:
titles, texts, links and dates (``bench/feed_corpus.py`` holds the comparison and prints the
counts quoted in bench/RESULTS.md).

The sdist is fetched with ``pip download`` in a subprocess (tests block sockets, a
subprocess is outside that) into the repository's ignored ``.cache/``, once; the test skips
when it cannot be had (offline machine)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("feed_corpus", ROOT / "bench" / "feed_corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["feed_corpus"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def corpus() -> tuple[ModuleType, Path]:
    bench = _bench()
    tests = bench.fetch_corpus()
    if tests is None:
        pytest.skip("feedparser's sdist could not be downloaded (pip download failed)")
    return bench, tests


def test_every_feedparser_test_feed_agrees(corpus: tuple[ModuleType, Path]) -> None:
    bench, tests = corpus
    files = bench.feed_files(tests)
    assert len(files) > 2000
    report = bench.compare_corpus(tests)
    assert report.disagreements == []
    assert report.files_agree == report.files == len(files)
    assert report.entries_agree == report.entries > 500
    assert report.encoding_expected >= 5  # the undeclared legacy encodings were all met
