from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from veille.sources.base import RawItem
from veille.store.rawlog import RawLog

DAY = datetime(2026, 11, 1, 12, tzinfo=UTC)


def items(n: int, source: str = "test", start: int = 0) -> list[RawItem]:
    return [RawItem.of(source, f"f:{i}", {"i": i, "t": "é"}, DAY) for i in range(start, start + n)]


def test_append_and_read_back_in_order(tmp_path: Path) -> None:
    log = RawLog(tmp_path)
    log.append(items(3))
    log.append(items(2, start=3))
    got = [i.value()["i"] for i in log.items()]
    assert got == [0, 1, 2, 3, 4]
    assert log.segments()[0].path.name == "2026-11-01.jsonl.zst"


def test_payload_bytes_are_kept_exactly(tmp_path: Path) -> None:
    log = RawLog(tmp_path)
    raw = b'{"b":1,  "a":"\\u00e9"}'
    log.append([RawItem.of_json("s", "x", raw, DAY)])
    assert bytes(next(log.items()).payload) == raw


def test_torn_frame_after_crash_is_ignored_then_truncated(tmp_path: Path) -> None:
    log = RawLog(tmp_path)
    log.append(items(2))
    segment = log.segments()[0]
    with open(segment.path, "ab") as handle:  # a crash in the middle of the next frame
        handle.write(b"\x28\xb5\x2f\xfd garbage")
    assert [i.value()["i"] for i in log.items()] == [0, 1]
    log.append(items(1, start=2))
    assert [i.value()["i"] for i in log.items()] == [0, 1, 2]


def test_frame_written_but_not_indexed_is_not_committed(tmp_path: Path) -> None:
    log = RawLog(tmp_path)
    log.append(items(1))
    segment = log.segments()[0]
    index = segment.index_path.read_bytes()
    log.append(items(1, start=1))
    segment.index_path.write_bytes(index)  # crash before the index line was written
    assert [i.value()["i"] for i in log.items()] == [0]


def test_redact_rewrites_only_affected_segments(tmp_path: Path) -> None:
    log = RawLog(tmp_path)
    log.append(items(5, source="a"))
    log.append(items(2, source="b"))
    before_b = log.segments()[1].path.read_bytes()
    removed = log.redact(lambda item: item.source == "a" and item.value()["i"] % 2 == 0)
    assert removed == 3
    assert [i.value()["i"] for i in log.items(log.segments()[:1])] == [1, 3]
    assert log.segments()[1].path.read_bytes() == before_b
    log.append(items(1, source="a", start=9))
    assert [i.value()["i"] for i in log.items(log.segments()[:1])] == [1, 3, 9]


def test_pretty_printed_payload_stays_one_line(tmp_path: Path) -> None:
    log = RawLog(tmp_path)
    log.append([RawItem.of_json("s", "x", b'{\n  "a": [1,\n 2],\r\n "t": "x\\ny"\n}', DAY)])
    got = list(log.items())
    assert len(got) == 1 and got[0].value() == {"a": [1, 2], "t": "x\ny"}
