"""``Signal`` to and from the rows of the store's ``signals`` table (``store/signals.py``
holds the SQL; this module only converts)."""

from __future__ import annotations

import json
from typing import Any

from veille.jsonable import dumps
from veille.signals.model import KINDS, Kind, Signal


def signal_row(s: Signal) -> dict[str, Any]:
    """The row of ``s`` (its posts, ``detail["uris"]``, go to ``signal_posts`` instead)."""
    detail = {k: v for k, v in s.detail.items() if k != "uris"}
    return {
        "id": s.id,
        "kind": s.kind,
        "term": s.term,
        "bucket_start": s.first_seen,
        "score": float(s.score),
        "detail": dumps(detail, indent=None) if detail else None,
        "detected_at": s.detected_at,
        "first_seen": s.first_seen,
        "authors": int(s.authors),
        "posts": int(s.posts),
        "reasons": json.dumps(list(s.reasons), ensure_ascii=False),
        "watches": list(s.watches),
        "leaders": list(s.leaders),
        "organisations": list(s.organisations),
        "story_id": s.story_id,
        "updated_at": s.updated_at,
    }


def row_signal(r: dict[str, Any]) -> Signal:
    kind: Kind = r["kind"] if r["kind"] in KINDS else "burst"
    return Signal(
        id=r["id"],
        kind=kind,
        term=r["term"],
        first_seen=r["first_seen"] or r["bucket_start"] or r["detected_at"],
        detected_at=r["detected_at"],
        score=float(r["score"] or 0.0),
        authors=int(r["authors"] or 0),
        posts=int(r["posts"] or 0),
        reasons=tuple(json.loads(r["reasons"])) if r["reasons"] else (),
        watches=tuple(r["watches"] or ()),
        leaders=tuple(r["leaders"] or ()),
        organisations=tuple(r["organisations"] or ()),
        story_id=r["story_id"],
        updated_at=r["updated_at"],
        detail=json.loads(r["detail"]) if r["detail"] else {},
    )
