"""Every figure of every leader over one period, from the registered metrics: what the
ranking, the profile and "why a rank" are made of.

One call runs each metric once for all leaders (audience, activity, conversation, what
others say, centrality) and combines the rows in Python: no figure is computed twice in two
ways. Missing figures carry their reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from veille.analytics.audience import Audience, audiences
from veille.analytics.centrality import leader_centrality
from veille.analytics.context import AnalyticsContext
from veille.analytics.conversation import Conversation
from veille.analytics.period import Period
from veille.analytics.registry import run_metric
from veille.analytics.sentiment import SentimentSummary, entity_summaries
from veille.workspace.config import IndexSection, Leader

ACCOUNTS_SQL = """SELECT entity_id, network, account_id, known FROM entity_accounts
WHERE kind = 'leader'"""


@dataclass
class LeaderFigures:
    """One leader's raw figures over one period."""

    leader: Leader
    accounts: dict[str, list[str]] = field(default_factory=dict)  # network -> known ids
    unknown: dict[str, list[str]] = field(default_factory=dict)  # network -> not in store
    audience: Audience = field(default_factory=Audience)
    activity: dict[str, dict[str, Any]] = field(default_factory=dict)  # network|'all' -> row
    conversation: Conversation = field(default_factory=Conversation)
    conversation_networks: dict[str, dict[str, Any]] = field(default_factory=dict)
    sentiment: SentimentSummary | None = None
    centrality: float | None = None

    @property
    def posts_written(self) -> int:
        return self.conversation.posts_written

    def all_activity(self) -> dict[str, Any]:
        return self.activity.get("all", {})


def gather(
    ctx: AnalyticsContext, period: Period, leaders: list[Leader]
) -> dict[str, LeaderFigures]:
    """The figures of ``leaders`` over ``period`` (one run of each metric)."""
    settings: IndexSection = ctx.config.index
    engine = ctx.engine
    params = period.params()
    out = {x.id: LeaderFigures(x) for x in leaders}
    for row in engine.query(ACCOUNTS_SQL).to_pylist():
        item = out.get(row["entity_id"])
        if item is None:
            continue
        target = item.accounts if row["known"] else item.unknown
        target.setdefault(row["network"], []).append(row["account_id"])
    for leader_id, audience in audiences(
        run_metric(engine, "leader_audience", **params).to_pylist()
    ).items():
        if leader_id in out:
            out[leader_id].audience = audience
    for row in run_metric(engine, "leader_activity", **params).to_pylist():
        item = out.get(row["entity_id"])
        if item is not None:
            item.activity[row["network"]] = row
    response = {"response_seconds": int(settings.response_hours * 3600)}
    for row in run_metric(engine, "leader_conversation", **params, **response).to_pylist():
        item = out.get(row["entity_id"])
        if item is None:
            continue
        if row["network"] == "all":
            item.conversation.mentioners = int(row["mentioners"])
            item.conversation.answered = int(row["answered"])
            item.conversation.median_response_minutes = row["median_response_minutes"]
        else:
            item.conversation_networks[row["network"]] = row
    for item in out.values():  # feeds (web) have no replies: posts written on networks
        social = [r for net, r in item.activity.items() if net not in ("all", "web")]
        item.conversation.originals = sum(int(r["originals"] or 0) for r in social)
        item.conversation.replies = sum(int(r["replies"] or 0) for r in social)
        item.conversation.threads = sum(int(r["threads"] or 0) for r in social)
    population = int(run_metric(engine, "active_authors", **params).column("authors")[0].as_py())
    summaries = entity_summaries(
        run_metric(engine, "entity_mentions", **params).to_pylist(),
        kind="leader",
        cap=settings.sentiment_cap,
        population=population,
        min_posts=settings.min_sentiment_posts,
        top_share=settings.loud_top_share,
        negative_share=settings.loud_negative_share,
    )
    for leader_id, summary in summaries.items():
        if leader_id in out:
            out[leader_id].sentiment = summary
    for leader_id, score in leader_centrality(engine, period, settings.edge_weights).items():
        if leader_id in out:
            out[leader_id].centrality = score
    return out
