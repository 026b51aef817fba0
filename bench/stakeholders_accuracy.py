"""Accuracy of the stakeholders stage on the simulator's ground truth.

    /work/venv/bin/python bench/stakeholders_accuracy.py [--posts 20000] [--seed 42]

**The bios are simulated** (``veille.simulate``: templated French and English bios written
to carry the cues of each role, invented organisations): this measures that the rules, the
registry matching and the precedence work end to end, not accuracy on real profiles. No
labelled real profiles are available in ``../shared/data``; ``tests/pipeline`` has 60
hand-written realistic profiles, and this script also prints the class distribution on the
234 real (unlabelled) Twitter profiles of the PHEME Germanwings source tweets when present.

Expected class of each simulated account, from its kind in ``ground_truth.json`` and the
registry the simulator writes: leader -> self; organisation -> self (own), competitor
(competitor), journalist (media); media and journalist -> journalist; employee -> employee
(own employer), competitor (competitor employer), journalist (media employer); peer ->
peer_leader; investor -> investor; politician -> public_sector; bot -> bot; public and troll
-> customer.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import tomllib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from veille.pipeline.stakeholders import CLASSES, StakeholderConfig, StakeholderStage
from veille.simulate import simulate
from veille.workspace.config import VeilleConfig

BY_KIND = {
    "leader": "self",
    "media": "journalist",
    "journalist": "journalist",
    "public": "customer",
    "troll": "customer",
    "peer": "peer_leader",
    "investor": "investor",
    "politician": "public_sector",
    "bot": "bot",
}
BY_ORG_KIND = {"own": "employee", "competitor": "competitor", "media": "journalist"}


def expected_class(account: dict[str, Any], org_kinds: dict[str, str]) -> str:
    kind = account["kind"]
    if kind == "organisation":
        org_kind = org_kinds.get(account["registry_id"], "own")
        return {"competitor": "competitor", "media": "journalist"}.get(org_kind, "self")
    if kind == "employee":
        return BY_ORG_KIND.get(org_kinds.get(account["employer"] or "", ""), "customer")
    return BY_KIND[kind]


def account_rows(accounts: Sequence[dict[str, Any]]) -> pa.RecordBatch:
    rows = []
    for a in accounts:
        if a["bluesky"]:
            network, author_id, handle = "bluesky", a["bluesky"]["did"], a["bluesky"]["handle"]
        else:
            network, author_id, handle = "mastodon", a["mastodon"]["url"], a["mastodon"]["acct"]
        rows.append(
            {
                "network": network,
                "author_id": author_id,
                "handle": handle,
                "display_name": a["name"],
                "bio": a["bio"],
                "url": None,
            }
        )
    return pa.RecordBatch.from_pylist(rows)


def evaluate(folder: Path) -> dict[str, Any]:
    """Classify every simulated account of ``folder`` (a ``veille simulate`` output)."""
    registry = tomllib.loads((folder / "registry.toml").read_text(encoding="utf-8"))
    truth = json.loads((folder / "ground_truth.json").read_text(encoding="utf-8"))
    org_kinds = {o["id"]: o.get("kind", "own") for o in registry.get("organisations", [])}
    stage = StakeholderStage(StakeholderConfig.from_config(VeilleConfig.model_validate(registry)))
    accounts = truth["accounts"]
    out = stage(account_rows(accounts))
    got = out.column("stakeholder").to_pylist()
    reasons = out.column("stakeholder_reason").to_pylist()
    expected = [expected_class(a, org_kinds) for a in accounts]
    confusion = Counter(zip(expected, got, strict=True))
    errors = [
        (e, g, r, a["kind"], a["bio"])
        for e, g, r, a in zip(expected, got, reasons, accounts, strict=True)
        if e != g
    ]
    return {
        "n": len(accounts),
        "accuracy": sum(e == g for e, g in zip(expected, got, strict=True)) / len(accounts),
        "confusion": confusion,
        "errors": errors,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        simulate(Path(tmp), seed=args.seed, posts=args.posts, weeks=2)
        result = evaluate(Path(tmp))
    confusion: Counter[tuple[str, str]] = result["confusion"]
    print(f"simulated accounts: {result['n']} (seed {args.seed}, posts {args.posts})")
    print(f"accuracy: {result['accuracy']:.3f}\n")
    print("| class | support | precision | recall |")
    print("|---|---|---|---|")
    for cls in CLASSES:
        support = sum(v for (e, _), v in confusion.items() if e == cls)
        predicted = sum(v for (_, g), v in confusion.items() if g == cls)
        hit = confusion[(cls, cls)]
        if support or predicted:
            precision = hit / predicted if predicted else 0.0
            recall = hit / support if support else 0.0
            print(f"| {cls} | {support} | {precision:.3f} | {recall:.3f} |")
    errors = result["errors"]
    if errors:
        print(f"\n{len(errors)} errors, first 60 (expected, got, reason, kind, bio):")
        for error in errors[:60]:
            print("  ", error)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
