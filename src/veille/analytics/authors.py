"""The stakeholder class of every known account, as a table the metrics can join.

The enrichment classes the author of each post with text (``enrichments``, stage
``stakeholders``). An account that only reposts or likes has no such post, yet it is often
the one that matters (an employee who reposts the company). So the same registered stage,
a pure function of the account's handle, name, bio and URL, is run here over the
``accounts`` table, and its result handed to the engine as ``author_classes``:

    network, account_id, stakeholder, reason, employer (the organisation id a reason
    names, e.g. "bio contains 'chez Acme' (own organisation acme)", else null)
"""

from __future__ import annotations

import re

import pyarrow as pa

from veille.analytics.context import AnalyticsContext
from veille.pipeline.base import INPUT_SCHEMA

AUTHOR_CLASSES = "author_classes"
ACCOUNTS_SQL = """
SELECT network, account_id, handle, display_name, bio, url FROM accounts
WHERE (network || ':' || account_id) NOT IN (SELECT key FROM tombstones WHERE kind = 'account')
"""
_EMPLOYER = re.compile(r"\((?:own organisation|competitor|media) ([a-z0-9_-]+)\)")


def register_author_classes(ctx: AnalyticsContext) -> pa.Table:
    """Classify every account with the registered stakeholder stage and register the
    result as ``author_classes`` (once per context)."""
    if ctx.cache.get(AUTHOR_CLASSES) is not None:
        return ctx.cache[AUTHOR_CLASSES]
    from veille.plugins import stages

    stage = next((s for s in stages(ctx.config) if s.name == "stakeholders"), None)
    accounts = ctx.engine.query(ACCOUNTS_SQL)
    n = accounts.num_rows
    if stage is None or n == 0:
        classes: list[str | None] = [None] * n
        reasons: list[str | None] = [None] * n
    else:
        batch = pa.RecordBatch.from_arrays(
            [
                pa.array([f"account:{i}" for i in range(n)], pa.string()),
                accounts.column("network").combine_chunks(),
                accounts.column("account_id").combine_chunks(),
                pa.nulls(n, pa.string()),
                pa.nulls(n, pa.string()),
                accounts.column("handle").combine_chunks(),
                accounts.column("display_name").combine_chunks(),
                accounts.column("bio").combine_chunks(),
                accounts.column("url").combine_chunks(),
                pa.array([[]] * n, pa.list_(pa.string())),
                pa.array([[]] * n, pa.list_(pa.string())),
                pa.array([[]] * n, pa.list_(pa.string())),
            ],
            schema=INPUT_SCHEMA,
        )
        out = stage(batch)
        classes = out.column(stage.label_column).to_pylist()
        reasons = (
            out.column("stakeholder_reason").to_pylist()
            if "stakeholder_reason" in out.schema.names
            else [None] * n
        )
    employers = [(m.group(1) if (m := _EMPLOYER.search(r or "")) else None) for r in reasons]
    table = pa.table(
        {
            "network": accounts.column("network"),
            "account_id": accounts.column("account_id"),
            "stakeholder": pa.array(classes, pa.string()),
            "reason": pa.array(reasons, pa.string()),
            "employer": pa.array(employers, pa.string()),
        }
    )
    ctx.engine.register(AUTHOR_CLASSES, table)
    ctx.cache[AUTHOR_CLASSES] = table
    return table
