"""The leader profile: one screen about one leader over a period (``veille leader ID``).

The Index and its components (ranked among all the registry's leaders, or a cohort), their
history over the last periods, the audience and activity of each network apart,
conversation quality with examples of unanswered mentions, the top posts, and what others
say (volume, raw and representative net sentiment, effective authors, loud minority, by
stakeholder class).
"""

from __future__ import annotations

from typing import Any

from veille.analytics.cohort import leader as find_leader
from veille.analytics.context import AnalyticsContext
from veille.analytics.figures import LeaderFigures, gather
from veille.analytics.index import Ranking, rank
from veille.analytics.period import Period
from veille.analytics.registry import run_metric
from veille.workspace.config import Leader

TOP_POSTS = 5
#: a leader "converses" when they answer at least this share of those who address them
CONVERSES_AT = 0.3


def _style(responsiveness: float | None, dialogue: float | None) -> str:
    if responsiveness is not None:
        return "converses" if responsiveness >= CONVERSES_AT else "broadcasts"
    if dialogue is None:
        return "silent"
    return "converses" if dialogue >= CONVERSES_AT else "broadcasts"


def profile(
    ctx: AnalyticsContext, leader_id: str, period: Period, *, cohort: str | None = None
) -> dict[str, Any]:
    """The profile of ``leader_id`` as a JSON-ready dict."""
    who = find_leader(ctx.config, leader_id)
    settings = ctx.config.index
    gathered: dict[tuple[Any, ...], dict[str, LeaderFigures]] = {}

    def figures_of(
        c: AnalyticsContext, p: Period, leaders: list[Leader]
    ) -> dict[str, LeaderFigures]:
        # the previous period's figures serve the rank change and the first period of
        # history: gathered once (one ranking's queries fewer per profile)
        key = (p.since, p.until, tuple(x.id for x in leaders))
        if key not in gathered:
            gathered[key] = gather(c, p, leaders)
        return gathered[key]

    current: Ranking = rank(ctx, period, cohort=cohort, gatherer=figures_of)
    row = current.row(who.id)
    if row is None:  # the leader is outside the cohort asked for
        current = rank(ctx, period, gatherer=figures_of)
        row = current.row(who.id)
    assert row is not None
    out = row.as_json()
    f = row.figures
    history = [
        {
            "since": period.since.isoformat(),
            "until": period.until.isoformat(),
            "index": out["index"],
            "rank": out["rank"],
            "components": {k: c["value"] for k, c in out["components"].items()},
        }
    ]
    for back in range(1, settings.history):
        past = period.shifted(back)
        old = rank(ctx, past, cohort=cohort, compare=False, gatherer=figures_of).row(who.id)
        assert old is not None
        item = old.as_json()
        history.append(
            {
                "since": past.since.isoformat(),
                "until": past.until.isoformat(),
                "index": item["index"],
                "rank": item["rank"],
                "components": {k: c["value"] for k, c in item["components"].items()},
            }
        )
    params = period.params()
    response = {"response_seconds": int(settings.response_hours * 3600)}
    unanswered = [
        {
            "uri": r["uri"],
            "network": r["network"],
            "author": r["handle"] or r["author_id"],
            "created_at": r["created_at"].isoformat(),
            "text": (r["text"] or "")[:280],
        }
        for r in sorted(
            run_metric(ctx.engine, "leader_unanswered", **params, **response).to_pylist(),
            key=lambda r: (r["created_at"], r["uri"]),
            reverse=True,
        )
        if r["entity_id"] == who.id
    ]
    posts = [
        r
        for r in run_metric(ctx.engine, "leader_posts", **params).to_pylist()
        if r["entity_id"] == who.id and r["interactions"] is not None
    ]
    posts.sort(key=lambda r: (-(r["interactions"] or 0), r["uri"]))
    conversation = f.conversation.as_json()
    conversation["unanswered"] = unanswered
    conversation["style"] = _style(f.conversation.responsiveness, f.conversation.dialogue_ratio)
    conversation["by_network"] = {
        net: {
            "mentioners": int(r["mentioners"]),
            "answered": int(r["answered"]),
            "median_response_minutes": r["median_response_minutes"],
        }
        for net, r in sorted(f.conversation_networks.items())
    }
    total = f.all_activity()
    out.update(
        {
            "role": who.role,
            "period": {"since": period.since.isoformat(), "until": period.until.isoformat()},
            "ranked_among": sum(1 for r in current.rows if r.rank is not None),
            "cohort": cohort,
            "history": history,
            "engagement": {
                "originals": int(total.get("originals") or 0),
                "replies": int(total.get("replies") or 0),
                "reposts": int(total.get("reposts") or 0),
                "interactions": int(total.get("interactions") or 0),
                "median_engagement_rate": out["components"]["engagement"]["value"],
                "amplification": out["components"]["amplification"]["value"],
            },
            "conversation": conversation,
            "top_posts": [
                {
                    "uri": r["uri"],
                    "network": r["network"],
                    "created_at": r["created_at"].isoformat(),
                    "interactions": int(r["interactions"]),
                    "followers": r["followers"],
                    "engagement_rate": r["rate"],
                    "text": (r["text"] or "")[:280],
                }
                for r in posts[:TOP_POSTS]
            ],
            "what_others_say": (
                f.sentiment.as_json()
                if f.sentiment is not None
                else {"posts": 0, "reason": "nobody mentioned, replied to or quoted the leader"}
            ),
        }
    )
    return out
