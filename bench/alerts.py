"""What ``veille.alerts.dispatch`` costs a detection pass.

    python bench/alerts.py [--signals 200] [--repeat 5]

Three cases on a fresh workspace and a local HTTP receiver (``http.server`` in a thread,
answering 200 at once): no rule configured (the early return), a first pass in which every
signal alerts (decide, record ``pending``, POST, mark ``sent``), and the same pass again in
which every signal is a duplicate (decide from the log, send nothing). Medians of
``--repeat`` runs, wall time.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from veille.alerts import dispatch
from veille.signals.model import Signal
from veille.workspace import Workspace
from veille.workspace.workspace import init_workspace

T0 = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def signals(n: int) -> list[Signal]:
    return [
        Signal(id=f"b-{i}", kind="burst", term=f"#t{i}", first_seen=T0 - timedelta(minutes=15),
               detected_at=T0, score=5.0, authors=12, posts=30,
               reasons=("12 auteurs distincts en 15 minutes, contre 2 d'habitude.",))
        for i in range(n)
    ]  # fmt: skip


def workspace(root: Path, url: str | None) -> Workspace:
    text = ""
    if url:
        text = (
            f'[alerts.sinks.hook]\ntype = "webhook"\nurl = "{url}"\n'
            '[[alerts.rules]]\nid = "all"\nsinks = ["hook"]\n'
        )
    init_workspace(root, text)
    return Workspace.open(root)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--signals", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    batch = signals(args.signals)
    timings: dict[str, list[float]] = {"no rule": [], "first pass": [], "duplicates": []}
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            with workspace(Path(tmp) / "none", None) as ws:
                start = time.perf_counter()
                dispatch(ws, batch, T0)
                timings["no rule"].append(time.perf_counter() - start)
            with workspace(Path(tmp) / "hook", url) as ws:
                start = time.perf_counter()
                report = dispatch(ws, batch, T0)
                timings["first pass"].append(time.perf_counter() - start)
                assert len(report.sent) == args.signals, report.as_json()
                start = time.perf_counter()
                report = dispatch(ws, batch, T0 + timedelta(minutes=15))
                timings["duplicates"].append(time.perf_counter() - start)
                assert report.duplicates == args.signals and not report.sent
    server.shutdown()
    print(f"{args.signals} signals, medians of {args.repeat}")
    print("| case | per pass | per signal |")
    print("| --- | --- | --- |")
    for case, values in timings.items():
        median = statistics.median(values)
        print(f"| {case} | {median * 1000:.2f} ms | {median / args.signals * 1e6:.1f} µs |")


if __name__ == "__main__":
    main()
