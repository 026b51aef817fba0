"""What a workspace tells the pre-publication check, gathered before the (pure) check runs:
the draft's handles that resolve in the store, the current signals on its hashtags, and the
leader's past posts and audience by hour of week (``veille.analytics.check_sql``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from veille.analytics.check_sql import audience_by_hour, leader_posts, resolve_handles, signal_terms
from veille.analytics.cohort import leader as registry_leader
from veille.analytics.context import AnalyticsContext
from veille.reports.check import (
    CheckContext,
    CheckResult,
    LeaderContext,
    SignalHit,
    check_draft,
    hashtags_of,
    mentions_of,
    validate_draft,
    validate_network,
)

#: A signal is current when detected within this window before the anchor.
SIGNAL_WINDOW = timedelta(days=3)
#: The audience's engagement is counted over this window before the anchor.
AUDIENCE_WINDOW = timedelta(days=90)
PAST_POSTS = 300


def build_check_context(
    ctx: AnalyticsContext, draft: str, leader_id: str | None, now: datetime
) -> CheckContext:
    """The check's context for ``draft`` from an analytics context (entities registered)."""
    config = ctx.config
    engine = ctx.engine
    anchor = min(ctx.anchor, now)
    leader: LeaderContext | None = None
    if leader_id is not None:
        entry = registry_leader(config, leader_id)
        leader = LeaderContext(
            id=entry.id,
            name=entry.name,
            past_posts=tuple(leader_posts(engine, entry.id, anchor, PAST_POSTS)),
            audience_by_hour=tuple(
                audience_by_hour(
                    engine, entry.id, anchor - AUDIENCE_WINDOW, anchor, config.workspace.timezone
                )
            ),
        )
    signals = tuple(
        SignalHit(str(row["term"]), str(row["kind"]), row["score"])
        for row in signal_terms(engine, hashtags_of(draft), anchor - SIGNAL_WINDOW)
    )
    organisations = tuple(name for org in config.organisations for name in (org.name, *org.aliases))
    return CheckContext(
        timezone=config.workspace.timezone,
        resolved_handles=frozenset(resolve_handles(engine, mentions_of(draft))),
        signals=signals,
        leader=leader,
        risk_terms={k: tuple(v) for k, v in config.check.risk_terms.items()},
        organisations=organisations,
        now=now,
    )


def run_check(
    ctx: AnalyticsContext | None,
    draft: str,
    network: str,
    leader_id: str | None = None,
    now: datetime | None = None,
) -> CheckResult:
    """The check in one call, for the command line and ``/api/v1/check``: the context
    from ``ctx`` (none: the rules that need a workspace are skipped), then the pure check.
    Bad input (network, draft, leader) is a ``UsageError`` raised before any query."""
    network = validate_network(network)
    validate_draft(draft)
    if ctx is None:
        return check_draft(draft, network, leader_id, None)
    from datetime import UTC

    context = build_check_context(ctx, draft, leader_id, now or datetime.now(UTC))
    return check_draft(draft, network, leader_id, context)
