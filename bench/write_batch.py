"""One writer batch on a large store: the time of ``Store.write`` for N new Bluesky posts
(a third of them replies to the one before), a few rounds, against the same on a small
store run by hand beside it. It writes into the workspace given: use a copy.

    python bench/write_batch.py --workspace BIG_WS_COPY --posts 50 --rounds 6
    python bench/write_batch.py --workspace DEMO_WS_COPY --posts 2000 --rounds 6
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workspace", type=Path, required=True)
    ap.add_argument("--posts", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=6)
    args = ap.parse_args()

    from veille.model import Post
    from veille.store.store import prepare
    from veille.workspace import Workspace

    times = []
    with Workspace.open(args.workspace) as ws:
        start = ws.store.scalar("SELECT max(created_at) FROM posts") or datetime.now(UTC)
        for _ in range(args.rounds):
            tag = uuid.uuid4().hex[:8]

            def uri(i: int, tag: str = tag) -> str:
                return f"at://did:plc:bench{i % 300}/app.bsky.feed.post/{tag}{i}"

            posts = [
                Post(
                    uri=uri(i),
                    network="bluesky",
                    post_id=f"{tag}{i}",
                    author_id=f"did:plc:bench{i % 300}",
                    created_at=start + timedelta(seconds=i),
                    collected_at=start + timedelta(seconds=i),
                    text=f"bonjour {i}",
                    reply_to=uri(i - 1) if i % 3 == 0 and i else None,
                )
                for i in range(args.posts)
            ]
            batch = prepare(posts)
            began = time.perf_counter()
            ws.store.write(batch)
            times.append((time.perf_counter() - began) * 1000)
            print(f"{args.posts} posts written in {times[-1]:,.0f} ms", flush=True)
    print(f"median {statistics.median(times):,.0f} ms over {len(times)} batches")


if __name__ == "__main__":
    main()
