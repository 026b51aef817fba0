"""Bounded loopback load test of ``veille serve``: N concurrent users over the leaderboard,
a leader profile, a watch view and the signals page, for a fixed number of rounds.

    python bench/serve.py --workspace DIR [--users 20] [--rounds 10]
    python bench/serve.py --workspace DIR --collect 45 --seconds 60 [--in-place]

The server runs as a real subprocess, on a copy of DIR unless ``--in-place``:

- by default ``veille serve --demo --demo-dir DIR`` (read-only, no login, so the measure is
  of the pages, not of a login);
- with ``--collect RATE``, ``veille serve --collect`` with a login, while a local Jetstream
  v2 server (``veille.simulate.replay``, the real events of
  ``../shared/fixtures/bluesky_jetstream`` varied) streams RATE posts a second into it: the
  pages are read while the collector writes through the one writer. The users share one
  session (logged in once through the form, with its CSRF token). The posts the collector
  stored during the run are counted after the server stops.

Prints per page the median and p95 latency, requests and errors, as Markdown for
bench/RESULTS.md. Timings stay here, never in tests.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.web.browser import veille_serve


def pages(root: Path) -> dict[str, str]:
    from veille.workspace.config import load_config

    config = load_config(root / "veille.toml")
    leader = config.leaders[0].id
    watch = config.watches[0].id if config.watches else "none"
    return {
        "leaderboard": "/leaders",
        "profile": f"/leaders/{leader}",
        "watch": f"/listening/{watch}",
        "signals": "/signals",
    }


async def user(
    client: httpx.AsyncClient,
    paths: dict[str, str],
    rounds: int,
    times: dict[str, list[float]],
    errors: dict[str, int],
    until: float = 0.0,
) -> None:
    done = 0
    while done < rounds or time.perf_counter() < until:
        done += 1
        for name, path in paths.items():
            start = time.perf_counter()
            try:
                response = await client.get(path)
                ok = response.status_code == 200
                if not ok:
                    print(f"{path}: HTTP {response.status_code}", file=sys.stderr)
            except httpx.HTTPError as exc:
                print(f"{path}: {type(exc).__name__}: {exc}", file=sys.stderr)
                ok = False
            times[name].append(time.perf_counter() - start)
            if not ok:
                errors[name] += 1


async def load(
    base: str,
    paths: dict[str, str],
    users: int,
    rounds: int,
    headers: dict[str, str] | None = None,
    seconds: float = 0.0,
) -> tuple[dict[str, list[float]], dict[str, int], float]:
    times: dict[str, list[float]] = {name: [] for name in paths}
    errors = dict.fromkeys(paths, 0)
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(
        base_url=base, timeout=60, limits=limits, headers=headers or {}
    ) as client:
        for path in paths.values():  # warm-up, not counted
            await client.get(path)
        start = time.perf_counter()
        until = start + seconds
        await asyncio.gather(
            *(user(client, paths, rounds, times, errors, until) for _ in range(users))
        )
        elapsed = time.perf_counter() - start
    return times, errors, elapsed


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


USER, PASSWORD = "bench", "bench-password-1"


def login(base: str) -> dict[str, str]:
    """Log in through the form once; the session cookie as a header (the cookie is
    ``Secure``, which an HTTP client keeps off plain http even on loopback)."""
    with httpx.Client(base_url=base, timeout=60) as client:
        page = client.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        if token is None:
            sys.exit(f"no CSRF token on /login (HTTP {page.status_code})")
        reply = client.post(
            "/login",
            data={"username": USER, "password": PASSWORD, "csrf": token.group(1), "next": "/"},
            headers={"cookie": "; ".join(f"{k}={v}" for k, v in page.cookies.items())},
        )
    cookies = {**page.cookies, **reply.cookies}
    if reply.status_code not in (200, 303) or len(reply.cookies) == 0:
        sys.exit(f"login failed: HTTP {reply.status_code}")
    return {"cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}


def _replay(rate: float, seconds: float, start_us: int, conn: Any) -> None:
    """The Jetstream server's process: ``rate`` posts a second for ``seconds``, dated from
    ``start_us`` on."""
    from veille.simulate.replay import ReplayServer, vary_events

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from jetstream_replay import fixture_lines

    events = vary_events(
        fixture_lines(), int(rate * seconds), start_us=start_us, rate=rate,
        collections=["app.bsky.feed.post"],
    )  # fmt: skip
    server = ReplayServer(events, rate=rate).start()
    conn.send(server.url)
    conn.recv()  # until told to stop
    server.stop()


def prepare_collecting(root: Path, url: str) -> None:
    """A login for the bench and the Jetstream source pointed at the local server."""
    config = root / "veille.toml"
    text = config.read_text(encoding="utf-8")
    if "[sources.bluesky]" in text:
        sys.exit(f"{config} already has [sources.bluesky]: give a copy without it")
    config.write_text(
        text + f'\n[sources.bluesky]\njetstream_url = "{url}"\nlisten_all_posts = true\n',
        encoding="utf-8",
    )
    added = subprocess.run(
        [sys.executable, "-m", "veille", "user", "add", USER, "--role", "viewer",
         "--password-stdin", "-w", str(root)],
        input=PASSWORD + "\n", capture_output=True, text=True, check=False,
    )  # fmt: skip
    if added.returncode != 0:
        sys.exit(f"veille user add failed: {added.stderr}")


def stored_posts(root: Path) -> tuple[int, int]:
    """Posts in the store, and the newest one's time in microseconds."""
    from veille.workspace import Workspace

    with Workspace.open(root) as ws:  # upgrades an older store first
        n, latest = ws.store.con.execute(
            "SELECT count(*), epoch_us(max(created_at)) FROM posts"
        ).fetchall()[0]
    return int(n), int(latest or time.time() * 1_000_000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspace", type=Path, required=True)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--in-place", action="store_true")
    parser.add_argument(
        "--collect", type=float, default=0.0, metavar="RATE",
        help="serve with --collect while a local Jetstream sends RATE posts/s",
    )  # fmt: skip
    parser.add_argument(
        "--seconds", type=float, default=0.0,
        help="keep the users going for at least this long (after --rounds)",
    )  # fmt: skip
    parser.add_argument(
        "--settle", type=float, default=20.0,
        help="with --collect: seconds of streaming before the users start",
    )  # fmt: skip
    parser.add_argument("--refresh", type=float, default=None, help="veille serve --refresh")
    args = parser.parse_args()
    root = args.workspace.resolve()
    tmp = None
    if not args.in_place:
        tmp = Path(tempfile.mkdtemp(prefix="veille-bench-serve-"))
        shutil.copytree(root, tmp / "ws")
        (tmp / "ws" / "data" / "owner.lock").unlink(missing_ok=True)
        root = tmp / "ws"
    replay: Any = None
    try:
        paths = pages(root)
        log = (tmp or Path(tempfile.gettempdir())) / "serve.log"
        serve_args = ["--demo", "--demo-dir", str(root), "--log-level", "warning"]
        headers: dict[str, str] = {}
        before = 0
        if args.collect:
            # the stream continues the store where it ends, so the pages' default period
            # (up to the newest post) stays the store's, with the new posts at its end
            before, latest = stored_posts(root)
            parent, child = mp.Pipe()
            replay = mp.Process(
                target=_replay, args=(args.collect, 3600.0, latest, child), daemon=True
            )
            replay.start()
            url = parent.recv()
            prepare_collecting(root, url)
            serve_args = ["-w", str(root), "--collect", "--interval", "60", "--log-level",
                          "warning"]  # fmt: skip
        if args.refresh is not None:
            serve_args += ["--refresh", str(args.refresh)]
        with veille_serve(serve_args, log) as base:
            if args.collect:
                headers = login(base)
                time.sleep(args.settle)
            times, errors, elapsed = asyncio.run(
                load(base, paths, args.users, args.rounds, headers, args.seconds)
            )
        if args.collect:
            parent.send("stop")
            replay.join(timeout=30)
            added = stored_posts(root)[0] - before
            print(
                f"collector: {added:,} posts stored while the server ran "
                f"(stream at {args.collect:g} posts/s)"
            )
    finally:
        if replay is not None and replay.is_alive():
            replay.kill()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    total = sum(len(v) for v in times.values())
    print(
        f"{args.users} users x {args.rounds} rounds x {len(paths)} pages: {total} requests "
        f"in {elapsed:.1f} s ({total / elapsed:.1f} req/s)\n"
    )
    print("| page | path | requests | errors | median | p95 |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, path in paths.items():
        values = times[name]
        print(
            f"| {name} | `{path}` | {len(values)} | {errors[name]} | "
            f"{statistics.median(values) * 1000:.0f} ms | {p95(values) * 1000:.0f} ms |"
        )


if __name__ == "__main__":
    main()
