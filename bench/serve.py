"""Bounded loopback load test of ``veille serve``: N concurrent users over the leaderboard,
a leader profile, a watch view and the signals page, for a fixed number of rounds.

    python bench/serve.py --workspace DIR [--users 20] [--rounds 10]

The server runs as a real subprocess (``veille serve --demo --demo-dir DIR``: read-only,
no login, so the measure is of the pages, not of a login), on a copy of DIR unless
``--in-place``. Prints per page the median and p95 latency, requests and errors, as
Markdown for bench/RESULTS.md. Timings stay here, never in tests.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

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
) -> None:
    for _ in range(rounds):
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
    base: str, paths: dict[str, str], users: int, rounds: int
) -> tuple[dict[str, list[float]], dict[str, int], float]:
    times: dict[str, list[float]] = {name: [] for name in paths}
    errors = dict.fromkeys(paths, 0)
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        for path in paths.values():  # warm-up, not counted
            await client.get(path)
        start = time.perf_counter()
        await asyncio.gather(*(user(client, paths, rounds, times, errors) for _ in range(users)))
        elapsed = time.perf_counter() - start
    return times, errors, elapsed


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspace", type=Path, required=True)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--in-place", action="store_true")
    args = parser.parse_args()
    root = args.workspace.resolve()
    tmp = None
    if not args.in_place:
        tmp = Path(tempfile.mkdtemp(prefix="veille-bench-serve-"))
        shutil.copytree(root, tmp / "ws")
        (tmp / "ws" / "data" / "owner.lock").unlink(missing_ok=True)
        root = tmp / "ws"
    try:
        paths = pages(root)
        log = (tmp or Path(tempfile.gettempdir())) / "serve.log"
        with veille_serve(
            ["--demo", "--demo-dir", str(root), "--log-level", "warning"], log
        ) as base:
            times, errors, elapsed = asyncio.run(load(base, paths, args.users, args.rounds))
    finally:
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
