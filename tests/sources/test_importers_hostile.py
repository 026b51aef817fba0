"""No input makes an import exit 1 (issue 9, "Done means"): random bytes, text in random
encodings and CSV in random dialects go to every importer through the real command; the
exit code is 0 (something read) or 2 (nothing could be), and the rejects file stays valid
JSON lines whatever the bytes. Examples are few, to keep the suite fast: the corpus and
per-format tests cover the depth."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli_run import veille_cli

IMPORTERS = [
    "bluesky-appview",
    "csv",
    "jetstream",
    "jsonl",
    "linkedin",
    "mastodon",
    "rss-file",
    "twitter-v2",
    "x-archive",
]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32", "latin-1", "cp1252"]
SUFFIXES = [".json", ".jsonl", ".csv", ".xml", ".js", ".txt", ".zip"]


@st.composite
def csv_bytes(draw: st.DrawFn) -> bytes:
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]))
    escape = draw(st.sampled_from([None, "\\"]))
    header = draw(
        st.sampled_from(
            [
                ["Date", "ShareLink", "ShareCommentary"],
                ["First Name", "Last Name", "Connected On"],
                ["id", "text", "author", "created_at"],
                ["Date", "Link", "Message"],
            ]
        )
    )
    cell = st.text(max_size=30)
    rows = draw(st.lists(st.lists(cell, min_size=1, max_size=len(header) + 1), max_size=6))
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        delimiter=delimiter,
        quoting=quoting,
        escapechar=escape,
        doublequote=escape is None,
    )
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    return buffer.getvalue().encode(encoding, "replace")


@st.composite
def hostile_input(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["bytes", "text", "csv", "json"]))
    if kind == "bytes":
        return draw(st.binary(max_size=600))
    if kind == "csv":
        return draw(csv_bytes())
    if kind == "json":
        value = draw(
            st.recursive(
                st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                lambda inner: (
                    st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=4)
                ),
                max_leaves=12,
            )
        )
        return json.dumps(value).encode()
    text = draw(st.text(max_size=300))
    return text.encode(draw(st.sampled_from(ENCODINGS)), "replace")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile") / "ws"
    assert veille_cli("init", str(root)).code == 0
    return root


def _write(folder: Path, suffix: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"input{suffix}"
    if suffix == ".zip":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("data/tweets.js", data)
            archive.writestr("Shares.csv", data)
    else:
        path.write_bytes(data)
    return path


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    importer=st.sampled_from(IMPORTERS),
    suffix=st.sampled_from(SUFFIXES),
    data=hostile_input(),
)
def test_no_input_makes_an_import_exit_1(
    workspace: Path, importer: str, suffix: str, data: bytes
) -> None:
    path = _write(workspace.parent / "in" / importer, suffix, data)
    options = ["-o", "account=marie-dupont"] if importer == "linkedin" else []
    ran = veille_cli("import", importer, str(path), "-w", str(workspace), "-q", *options)
    assert ran.code in (0, 2), f"{importer} {suffix} {data[:80]!r}: {ran.output}"
    for log in (workspace / "data" / "rejects").glob("*.jsonl"):
        with open(log, encoding="utf-8") as lines:  # valid UTF-8
            for line in lines:
                assert isinstance(json.loads(line), dict)
