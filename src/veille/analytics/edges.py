"""The interaction edge list of the ecosystem, one SQL query over the store.

Both the Leader Index's centrality (weighted PageRank) and the ecosystem graph run on it,
on DuckDB or on Spark (it is a registered metric, ``interaction_edges``). An edge goes from
the account that acts to the account acted upon, per network:

- reply: the author of a reply -> the author of the post replied to;
- quote: the quoting author -> the quoted author;
- repost: the reposting author -> the reposted author;
- mention: the author -> each mentioned account (mentions hold account ids; an account
  mentioned twice in one post counts once).

The target of a reply, quote or repost is the stored parent's author; where the parent is
not stored, a Bluesky AT-URI still names its author (``at://DID/...``): the writer keeps it
in ``post_links`` (``store/links.py``, one row per link of a live post), read here for the
period only. Deleted posts and
tombstoned accounts count nowhere, and self-interactions are dropped. Weights by kind are
parameters (DESIGN.md defaults: reply 1, quote 1, repost 1, mention 0.5); each row carries
the count of interactions of its kind and the weighted sum.
"""

from __future__ import annotations

from veille.analytics.registry import Metric

DEFAULT_WEIGHTS = {"reply": 1.0, "quote": 1.0, "repost": 1.0, "mention": 0.5}


def interactions_cte(authors: str | None = None) -> str:
    """The CTEs ``live`` (the period's live posts of accounts not forgotten), ``resolved``
    (their replies, quotes and reposts with the target's author, from ``post_links``),
    ``mentioned`` (one row per distinct account a post mentions) and ``interactions``
    (``network, source, kind, created_at, target``: both together). ``authors``: a
    relation ``(network, account_id)`` the acting accounts are restricted to."""

    def only(alias: str) -> str:
        if authors is None:
            return ""
        return (
            f"JOIN {authors} au ON au.network = {alias}.network "
            f"AND au.account_id = {alias}.author_id"
        )

    return f"""live AS (
    SELECT p.network, p.author_id, p.created_at, p.mentions FROM posts p {only("p")}
    WHERE p.deleted_at IS NULL AND p.created_at >= $since AND p.created_at < $until
      AND (p.network || ':' || p.author_id) NOT IN
          (SELECT key FROM tombstones WHERE kind = 'account')
),
resolved AS (
    SELECT k.network, k.author_id AS source, k.kind, k.created_at, k.target_author AS target
    FROM post_links k {only("k")}
    WHERE k.created_at >= $since AND k.created_at < $until
      AND (k.network || ':' || k.author_id) NOT IN
          (SELECT key FROM tombstones WHERE kind = 'account')
),
mentioned AS (
    SELECT network, author_id AS source, 'mention' AS kind, created_at,
           unnest(list_distinct(mentions)) AS target
    FROM live WHERE mentions IS NOT NULL
),
interactions AS (
    SELECT * FROM resolved UNION ALL SELECT * FROM mentioned
)"""


INTERACTIONS_SQL = f"""
WITH {interactions_cte()}
SELECT network, source, target, kind, count(*) AS n,
       count(*) * CASE kind WHEN 'reply' THEN $w_reply WHEN 'quote' THEN $w_quote
                            WHEN 'repost' THEN $w_repost ELSE $w_mention END AS weight,
       min(created_at) AS first_at, max(created_at) AS last_at
FROM interactions
WHERE target IS NOT NULL AND target <> source
  AND (network || ':' || target) NOT IN (SELECT key FROM tombstones WHERE kind = 'account')
GROUP BY network, source, target, kind
"""

INTERACTION_EDGES = Metric(
    id="interaction_edges",
    sql=INTERACTIONS_SQL,
    description="Who interacts with whom (reply, quote, repost, mention) over a period, "
    "with counts and DESIGN.md weights.",
    params={
        "w_reply": DEFAULT_WEIGHTS["reply"],
        "w_quote": DEFAULT_WEIGHTS["quote"],
        "w_repost": DEFAULT_WEIGHTS["repost"],
        "w_mention": DEFAULT_WEIGHTS["mention"],
    },
    order=("network", "source", "target", "kind"),
)


def weight_params(weights: dict[str, float] | None = None) -> dict[str, float]:
    """The SQL parameters for edge weights, DESIGN.md defaults overridden by ``weights``."""
    merged = {**DEFAULT_WEIGHTS, **(weights or {})}
    return {f"w_{kind}": float(value) for kind, value in merged.items()}
