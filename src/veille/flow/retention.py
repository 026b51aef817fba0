"""Retention: ``retention_days`` in ``veille.toml`` purges raw text older than that.

Posts created before the cutoff lose their text (their rows, metrics and enrichments stay,
so aggregates survive); raw-log segments and rejects files of days before the cutoff are
deleted (a segment holds what was *received* that day, and a post is never received
before it is created, so nothing newer than the cutoff goes with them). A rebuild keeps the
purged rows (``store/schema.py``: ``KEPT_ON_REBUILD``). ``0`` keeps everything."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from veille.model import utcnow
from veille.store.retention import purge_text_before

if TYPE_CHECKING:
    from veille.workspace import Workspace


@dataclass
class RetentionSummary:
    cutoff: datetime | None = None
    posts_purged: int = 0
    files_removed: int = 0


def apply_retention(ws: Workspace, *, now: datetime | None = None) -> RetentionSummary:
    days = ws.config.workspace.retention_days
    if not days:
        return RetentionSummary()
    cutoff = (now or utcnow()) - timedelta(days=days)
    purged = purge_text_before(ws.store.con, cutoff)
    day = cutoff.strftime("%Y-%m-%d")
    removed = 0
    for segment in ws.rawlog.segments():
        if segment.path.name[:10] < day:
            segment.path.unlink(missing_ok=True)
            segment.index_path.unlink(missing_ok=True)
            removed += 1
    if ws.rejects.root.exists():
        for path in ws.rejects.root.glob("*.jsonl"):
            if path.name[:10] < day:
                path.unlink()
                removed += 1
    if purged or removed:
        ws.store.audit(
            "retention",
            f"{days} days",
            f"text of {purged} posts before {cutoff:%Y-%m-%d} purged, "
            f"{removed} raw-log and rejects files removed",
        )
    return RetentionSummary(cutoff, purged, removed)
