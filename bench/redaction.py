"""What one delete costs on a large raw log: a Jetstream import of ``--posts`` posts (the
raw log of the network), then a one-line import holding the delete of one of them, timed
against the same one-line import holding a new post instead (no delete); the big import runs
without the enrichment stages (they are not what is measured). Run on this
checkout or another one (``PYTHONPATH=OTHER/src``) to compare two commits in one run.

Before the raw-log index every segment of the network was read, mapped and checked;
with it, only the segments where the deleted post lies are rewritten.

    python bench/redaction.py --posts 200000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

DID = "did:plc:benchbenchbenchbenchbe"


def post(i: int) -> dict[str, Any]:
    return {
        "did": f"{DID}{i % 50:02d}",
        "time_us": 1_779_719_009_132_431 + i,
        "kind": "commit",
        "commit": {
            "rev": "3r",
            "operation": "create",
            "collection": "app.bsky.feed.post",
            "rkey": f"3k{i:010d}",
            "cid": "bafy",
            "record": {
                "$type": "app.bsky.feed.post",
                "text": f"message {i}: Acme annonce un rachat, les équipes réagissent #{i % 997}",
                "createdAt": "2026-11-20T10:00:00.000Z",
                "langs": ["fr"],
            },
        },
    }


def delete(i: int) -> dict[str, Any]:
    event = post(i)
    return {
        **event,
        "time_us": event["time_us"] + 10**9,
        "commit": {
            "rev": "3s",
            "operation": "delete",
            "collection": "app.bsky.feed.post",
            "rkey": event["commit"]["rkey"],
        },
    }


def import_one(root: Path, path: Path, enrich: bool = True) -> float:
    import inspect

    try:
        from veille.flow.ingest import ingest
    except ImportError:  # a commit from before the layout of issue 8
        from veille.ingest import ingest  # type: ignore[no-redef]
    from veille.plugins import connectors
    from veille.workspace import Workspace

    cls = connectors()["jetstream"]
    with Workspace.open(root) as ws:
        started = time.perf_counter()
        kw = {"enrich": enrich} if "enrich" in inspect.signature(ingest).parameters else {}
        ingest(ws, cls([path], cls.Options()), **kw)  # type: ignore[arg-type]
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--segment-kb",
        type=int,
        default=64,
        help="roll a day's segment over at this size (8 MB in veille; smaller here, so that "
        "a short run has the segment count of a large raw log)",
    )
    args = parser.parse_args()
    import veille

    try:
        from veille.store.rawlog import RawLog
    except ImportError:  # a commit from before the layout of issue 8
        from veille.rawlog import RawLog  # type: ignore[no-redef]

    RawLog.max_segment_bytes = args.segment_kb << 10  # type: ignore[attr-defined]
    from veille.workspace import Workspace
    from veille.workspace.workspace import init_workspace

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        init_workspace(root)
        big = Path(tmp) / "big.jsonl"
        with open(big, "w", encoding="utf-8") as out:
            for i in range(args.posts):
                out.write(json.dumps(post(i)) + "\n")
        import_one(root, big, enrich=False)
        with Workspace.open(root) as ws:
            size = ws.rawlog.count_bytes()
            segments = len(ws.rawlog.segments())
        plain, deleting = [], []
        for r in range(args.repeat):
            one = Path(tmp) / f"new{r}.jsonl"
            one.write_text(json.dumps(post(args.posts + r)) + "\n")
            plain.append(import_one(root, one))
            gone = Path(tmp) / f"delete{r}.jsonl"
            gone.write_text(json.dumps(delete(args.posts // 2 + r * 7919)) + "\n")
            deleting.append(import_one(root, gone))
    print(
        f"code: {Path(veille.__file__).parent}; raw log {size / 1e6:.1f} MB in {segments} "
        f"segments, {args.posts:,} posts"
    )
    print(f"  1-line import, a new post : {statistics.median(plain):6.2f} s (median)")
    print(f"  1-line import, a delete   : {statistics.median(deleting):6.2f} s (median)")


if __name__ == "__main__":
    main()
