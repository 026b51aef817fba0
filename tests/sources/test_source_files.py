"""The streaming file helpers: compression, lines, JSON values, zips and folders, CSV."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import zipfile
from pathlib import Path

import msgspec
import pytest
import zstandard
from source_helpers import english  # noqa: F401  (autouse: English messages)

from veille.sources.base import MAX_ITEM_BYTES, RawItem, Reject
from veille.sources.io.containers import open_container
from veille.sources.io.csv_rows import iter_csv_rows
from veille.sources.io.json_values import iter_json_values
from veille.sources.io.lines import iter_json_lines, iter_lines
from veille.sources.io.members import iter_json_items, read_jsonl, sniff_delimiter
from veille.sources.io.streams import open_stream

LINES = [json.dumps({"i": i, "t": "é" * (i % 7)}) for i in range(2000)]
BODY = ("\n".join(LINES) + "\n").encode()


def lines_of(stream: io.BufferedIOBase | io.BytesIO) -> list[tuple[int, bytes] | Reject]:
    return list(iter_lines(stream, "test", "f"))


@pytest.mark.parametrize("kind", ["plain", "gz", "zst", "zst-multiframe"])
def test_open_stream_reads_plain_gzip_and_zstd_alike(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"data.{kind}"
    if kind == "plain":
        path.write_bytes(BODY)
    elif kind == "gz":
        path.write_bytes(gzip.compress(BODY))
    elif kind == "zst":
        path.write_bytes(zstandard.ZstdCompressor().compress(BODY))
    else:
        half = len(BODY) // 2
        cctx = zstandard.ZstdCompressor()
        path.write_bytes(cctx.compress(BODY[:half]) + cctx.compress(BODY[half:]))
    with open_stream(path) as stream:
        got = lines_of(stream)
    assert [x for _, x in got] == [line.encode() for line in LINES]  # type: ignore[misc]


@pytest.mark.parametrize("kind", ["gz", "zst"])
def test_truncated_compressed_file_keeps_what_was_read_and_names_the_line(
    tmp_path: Path, kind: str
) -> None:
    body = b"".join(  # incompressible enough to span many zstd blocks
        json.dumps({"i": i, "h": hashlib.sha256(str(i).encode()).hexdigest()}).encode() + b"\n"
        for i in range(40_000)
    )
    data = gzip.compress(body) if kind == "gz" else zstandard.ZstdCompressor().compress(body)
    path = tmp_path / f"cut.{kind}"
    path.write_bytes(data[: len(data) * 2 // 3])
    with open_stream(path) as stream:
        got = lines_of(stream)
    rejects = [x for x in got if isinstance(x, Reject)]
    good = [x for x in got if not isinstance(x, Reject)]
    assert len(rejects) == 1, "a truncated file must be reported, not silently shortened"
    assert "unreadable data after line" in rejects[0].reason
    assert 0 < len(good) < 40_000
    assert rejects[0].origin == f"f:{len(good) + 1}"


def test_lines_numbering_blank_lines_and_crlf() -> None:
    data = b'{"a":1}\r\n\r\n   \n{"b":2}\n{"c":3}'
    got = lines_of(io.BytesIO(data))
    assert got == [(1, b'{"a":1}'), (4, b'{"b":2}'), (5, b'{"c":3}')]


def test_line_over_the_limit_is_rejected_with_its_size_and_reading_goes_on() -> None:
    big = b'{"text": "' + b"x" * (1024 * 1024) + b'"}'
    data = b'{"a":1}\n' + big + b'\n{"b":2}\n'
    got = lines_of(io.BytesIO(data))
    assert got[0] == (1, b'{"a":1}')
    assert got[2] == (3, b'{"b":2}')
    reject = got[1]
    assert isinstance(reject, Reject)
    assert reject.origin == "f:2"
    assert reject.reason == (
        f"line 2: item of {len(big)} bytes exceeds the limit of {MAX_ITEM_BYTES}"
    )
    assert len(reject.item) < 1000


def test_line_exactly_at_the_limit_passes_one_byte_more_does_not() -> None:
    exact = b"x" * 100
    got = list(iter_lines(io.BytesIO(exact + b"\n" + exact + b"y\n"), "t", "f", max_bytes=100))
    assert got[0] == (1, exact)
    assert isinstance(got[1], Reject) and "101 bytes" in got[1].reason


def test_invalid_utf8_names_line_and_byte() -> None:
    data = b'{"a":1}\n{"a":"\xc3\x28"}\n{"b":2}\n'
    got = lines_of(io.BytesIO(data))
    assert got[0] == (1, b'{"a":1}') and got[2] == (3, b'{"b":2}')
    reject = got[1]
    assert isinstance(reject, Reject)
    assert reject.reason == "line 2: invalid UTF-8 at byte 7"
    assert reject.origin == "f:2"


def test_json_lines_reject_malformed_json_and_keep_payload_bytes() -> None:
    data = b'{"a": 1}\n{"a": \n[1, 2]\n"x"\n'
    got = list(iter_json_lines(io.BytesIO(data), "test", "file.jsonl"))
    assert isinstance(got[0], RawItem) and bytes(got[0].payload) == b'{"a": 1}'
    assert got[0].origin == "file.jsonl:1"
    assert isinstance(got[1], Reject) and got[1].origin == "file.jsonl:2"
    assert got[1].reason.startswith("line 2: invalid JSON")
    assert isinstance(got[2], RawItem) and isinstance(got[3], RawItem)


def values_of(data: bytes, **kw: int) -> list[tuple[int, bytes] | Reject]:
    return list(iter_json_values(io.BytesIO(data), "test", "f", **kw))


def test_json_values_stream_a_large_array_across_chunks() -> None:
    elements = [{"i": i, "s": 'x"]}[{' * 50, "n": [i, {"k": None}]} for i in range(30_000)]
    data = json.dumps(elements, indent=1).encode()
    assert len(data) > 3 * (1 << 20)
    got = values_of(data)
    assert len(got) == len(elements)
    decoded = [msgspec.json.decode(v) for _, v in got]  # type: ignore[misc]
    assert decoded == elements
    # line numbers are those of the file
    lines = data.split(b"\n")
    for line, value in got[::997]:  # type: ignore[misc]
        assert lines[line - 1].strip() == b"{" and value.startswith(b"{")
        assert b"\n" not in value  # one line, for the raw log


def test_json_values_jsonl_and_pretty_objects_and_scalars() -> None:
    data = b'{"a":1}\n{\n  "b": [1,\n 2]\n}\n"s" 3 null'
    got = values_of(data)
    assert got == [
        (1, b'{"a":1}'),
        (2, b'{   "b": [1,  2] }'),  # one line, for the raw log
        (6, b'"s"'),
        (6, b"3"),
        (6, b"null"),
    ]


def test_json_values_bad_element_is_reported_and_the_next_ones_read() -> None:
    data = b'[{"a":1},\n{"b":tru},\n{"c":"\xff"},\n{"d":4}]'
    got = values_of(data)
    assert got[0] == (1, b'{"a":1}') and got[-1] == (4, b'{"d":4}')
    assert isinstance(got[1], Reject) and got[1].origin == "f:2" and "invalid JSON" in got[1].reason
    assert isinstance(got[2], Reject) and got[2].reason == "line 3: invalid UTF-8 at byte 7"


def test_json_values_too_big_element_is_skipped_without_holding_it() -> None:
    big = {"t": "y" * (3 << 20)}
    data = json.dumps([{"a": 1}, big, {"c": 3}]).encode()
    got = values_of(data, max_bytes=1 << 20)
    assert got[0] == (1, b'{"a": 1}') and got[2] == (1, b'{"c": 3}')
    assert isinstance(got[1], Reject) and "exceeds the limit of 1048576" in got[1].reason


def test_json_values_unterminated_document() -> None:
    got = values_of(b'[{"a":1},\n{"b": [2,')
    assert got[0] == (1, b'{"a":1}')
    assert isinstance(got[1], Reject) and got[1].origin == "f:2"
    assert "ends in the middle of a value" in got[1].reason


def make_zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def test_container_zip_folder_and_file_alike(tmp_path: Path) -> None:
    files = {"data/a.jsonl": b'{"a":1}\n', "data/sub/b.jsonl": b'{"b":2}\n'}
    zipped = make_zip(tmp_path / "x.zip", files)
    folder = tmp_path / "folder"
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    for path in (zipped, folder):
        container = open_container(path, "t")
        assert not container.problems
        assert sorted(m.name for m in container.members) == sorted(files)
        assert container.find("B.JSONL") is not None
        for member in container.members:
            with member.open() as stream:
                assert stream.read() == files[member.name]
    zip_member = open_container(zipped, "t").find("a.jsonl")
    assert zip_member is not None and zip_member.where == f"{zipped}!data/a.jsonl"
    single = open_container(tmp_path / "x.zip", "t")
    assert len(single.members) == 2
    missing = open_container(tmp_path / "nope", "t")
    assert not missing.members and "no such file" in missing.problems[0].reason


def test_truncated_zip_is_reported_and_salvaged(tmp_path: Path) -> None:
    files = {f"data/{i}.jsonl": ("\n".join(LINES[:300]) + "\n").encode() for i in range(4)}
    zipped = make_zip(tmp_path / "full.zip", files)
    data = zipped.read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(data[: int(len(data) * 0.8)])
    items = list(read_jsonl(cut, "t"))
    rejects = [x for x in items if isinstance(x, Reject)]
    good = [x for x in items if isinstance(x, RawItem)]
    assert rejects[0].origin == str(cut)
    assert "truncated or corrupt zip" in rejects[0].reason and "recovered" in rejects[0].reason
    assert len(good) >= 600, "complete members before the cut must be read"
    assert any("!data/" in r.origin for r in rejects[1:]), "the cut member must be named"
    assert all(x.origin.startswith(f"{cut}!data/") for x in good)


def test_corrupt_zip_member_is_named_and_others_read(tmp_path: Path) -> None:
    files = {"a.jsonl": b'{"a":1}\n' * 50, "b.jsonl": b'{"b":2}\n' * 50}
    zipped = make_zip(tmp_path / "x.zip", files)
    data = bytearray(zipped.read_bytes())
    start = data.index(b"PK\x03\x04") + 30 + len("a.jsonl")
    data[start + 2 : start + 6] = b"\xff\xff\xff\xff"  # break a.jsonl's deflate data
    zipped.write_bytes(bytes(data))
    items = list(read_jsonl(zipped, "t"))
    rejects = [x for x in items if isinstance(x, Reject)]
    assert rejects and all(r.origin.startswith(f"{zipped}!a.jsonl") for r in rejects)
    assert sum(1 for x in items if isinstance(x, RawItem) and b'"b"' in bytes(x.payload)) == 50


def csv_rows(data: bytes, required: list[str], **kw: object) -> list[object]:
    return list(iter_csv_rows(io.BytesIO(data), "t", "f.csv", required, **kw))  # type: ignore[arg-type]


def test_csv_header_after_notes_and_bom() -> None:
    data = (
        b'\xef\xbb\xbfNotes:\n"Some text, with a comma"\n\n'
        b"First Name,Last Name,URL\nJean,Dupont,https://x/in/jd\n"
    )
    got = csv_rows(data, ["First Name", "URL"])
    assert got == [(5, {"First Name": "Jean", "Last Name": "Dupont", "URL": "https://x/in/jd"})]


def test_csv_missing_columns_one_reject_and_no_rows() -> None:
    got = csv_rows(b"Date,Link\n2024-01-01,x\n2024-01-02,y\n", ["Date", "Type", "Link", "Msg"])
    assert len(got) == 1 and isinstance(got[0], Reject)
    assert got[0].origin == "f.csv"
    assert "missing required columns: Type, Msg" in got[0].reason
    assert "Date, Link" in got[0].reason


def test_csv_bad_rows_are_named_by_line() -> None:
    data = (
        b'Date,Text\n2024,"ok"\n2024,"bad"quote\n2024,"\xff"\n'
        b'2024,"multi\nline"\n2024,too,many\n2024\n'
    )
    got = csv_rows(data, ["Date", "Text"])
    assert got[0] == (2, {"Date": "2024", "Text": "ok"})
    assert isinstance(got[1], Reject) and got[1].origin == "f.csv:3"
    assert isinstance(got[2], Reject) and got[2].reason == "line 4: invalid UTF-8 at byte 7"
    assert got[3] == (5, {"Date": "2024", "Text": "multi\nline"})
    assert isinstance(got[4], Reject) and got[4].origin == "f.csv:7"
    assert got[5] == (8, {"Date": "2024", "Text": ""})


def test_csv_empty_file() -> None:
    got = csv_rows(b"", ["A"])
    assert len(got) == 1 and isinstance(got[0], Reject) and "empty CSV" in got[0].reason


def test_sniff_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "fr.csv"
    path.write_text("date;texte;auteur\n2024;Bonjour, monde;moi\n")
    member = open_container(path, "t").members[0]
    assert sniff_delimiter(member) == ";"
    got = list(iter_csv_rows(member.open(), "t", "fr.csv", ["texte"], delimiter=";"))
    assert got == [(2, {"date": "2024", "texte": "Bonjour, monde", "auteur": "moi"})]


def test_json_items_layouts(tmp_path: Path) -> None:
    array = tmp_path / "a.json"
    array.write_text(json.dumps([{"i": 1}, {"i": 2}], indent=2))
    lines = tmp_path / "b.jsonl"
    lines.write_text('{"i": 1}\n{"i": \n{"i": 3}\n')
    pretty = tmp_path / "c.json"
    pretty.write_text(json.dumps({"i": 1}, indent=2) + "\n" + json.dumps({"i": 2}, indent=2))

    def items(path: Path) -> list[object]:
        member = open_container(path, "t").members[0]
        return [
            x if isinstance(x, Reject) else json.loads(x[1]) for x in iter_json_items(member, "t")
        ]

    assert items(array) == [{"i": 1}, {"i": 2}]
    got = items(lines)
    assert got[0] == {"i": 1} and isinstance(got[1], Reject) and got[2] == {"i": 3}
    assert items(pretty) == [{"i": 1}, {"i": 2}]


def test_every_importer_payload_survives_the_raw_log(tmp_path: Path) -> None:
    """The raw log is JSONL: payloads of pretty-printed files must come out one line."""
    from veille.sources.mastodon.statuses import MastodonImporter
    from veille.sources.x.archive import XArchiveImporter
    from veille.store.rawlog import RawLog

    archive = Path(__file__).resolve().parents[1] / "fixtures" / "x_archive" / "archive"
    pretty = tmp_path / "statuses.json"
    pretty.write_text(
        json.dumps([{"uri": "u", "content": "<p>a\\nb</p>", "account": {}}], indent=2).replace(
            "\n", "\r\n"
        )
    )
    items = [
        x
        for imp in (XArchiveImporter([archive]), MastodonImporter([pretty]))
        for x in imp.fetch()
        if isinstance(x, RawItem)
    ]
    assert len(items) > 10
    log = RawLog(tmp_path / "raw")
    log.append(items)
    back = list(log.items())
    assert sorted(bytes(i.payload) for i in back) == sorted(bytes(i.payload) for i in items)
    assert all(json.loads(bytes(i.payload)) for i in back)


def test_members_that_cannot_be_opened_are_rejected_by_name(tmp_path: Path) -> None:
    from typing import BinaryIO

    from veille.sources.io.containers import Member
    from veille.sources.io.members import member_csv_rows, member_json_lines, open_member

    def gone() -> BinaryIO:
        raise FileNotFoundError("vanished")

    lost = Member(name="a.csv", where="dump.zip!a.csv", size=None, opener=gone)
    for entries in (
        [open_member(lost, "csv")],
        list(member_csv_rows(lost, "csv", ["text"])),
        list(member_json_lines(lost, "jsonl")),
    ):
        assert len(entries) == 1 and isinstance(entries[0], Reject)
        assert entries[0].origin == "dump.zip!a.csv"
        assert entries[0].reason == "dump.zip!a.csv: cannot read the file (vanished)"
    path = tmp_path / "rows.csv"
    path.write_bytes(b"text,n\nhello,1\n")
    good = Member(name="rows.csv", where=str(path), size=None, opener=lambda: path.open("rb"))
    assert list(member_csv_rows(good, "csv", ["text"], optional=["n"])) == [
        (2, {"text": "hello", "n": "1"})
    ]
    path.write_bytes(b'{"a": 1}\n')
    (item,) = member_json_lines(good, "jsonl")
    assert isinstance(item, RawItem) and bytes(item.payload) == b'{"a": 1}'
    assert item.origin == f"{path}:1"
