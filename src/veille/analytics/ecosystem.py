"""What the ecosystem graph (``veille.graph``) reads from the store, as registered metrics:

- ``follow_edges``: who follows whom (Bluesky follows, Mastodon following) as edges with the
  columns of ``interaction_edges`` (kind ``follow``, weight ``$w_follow``). A follow is a
  state, not an event: the edges are the follows that exist at the end of the period
  (created, or first observed, before ``$until``, not deleted). Tombstoned accounts and
  self-follows are left out.
- ``graph_accounts``: per account, its handle and display name and its stakeholder class
  (the class the ``stakeholders`` stage gave most of its live posts; ties go to the first
  class in alphabetical order).
- ``account_hashtags`` and ``account_terms``: per account, the hashtags and the words of its
  posts in the period with their counts (community labels).
- ``watch_accounts``: the authors of the posts matching one watch in the period (the seeds
  of the "around a watch" scope).
- ``store_state``: a few counters that change whenever the graph's inputs change (the
  dashboard's layout cache is keyed on them).

The Python side (``veille.graph``) merges, measures and ranks; it holds no SQL.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from veille.analytics.edges import weight_params
from veille.analytics.engine import Engine
from veille.analytics.entities import ENTITY_ACCOUNTS
from veille.analytics.period import Period
from veille.analytics.registry import Metric, run_metric

DEFAULT_FOLLOW_WEIGHT = 0.5

_LIVE_ACCOUNT = (
    "(network || ':' || {col}) NOT IN (SELECT key FROM tombstones WHERE kind = 'account')"
)

FOLLOW_EDGES_SQL = f"""
SELECT network, follower_id AS source, followee_id AS target, 'follow' AS kind,
       CAST(1 AS BIGINT) AS n, CAST($w_follow AS DOUBLE) AS weight,
       coalesce(created_at, observed_at) AS first_at, coalesce(created_at, observed_at) AS last_at
FROM follows
WHERE deleted_at IS NULL AND follower_id <> followee_id
  AND coalesce(created_at, observed_at) < $until
  AND {_LIVE_ACCOUNT.format(col="follower_id")}
  AND {_LIVE_ACCOUNT.format(col="followee_id")}
"""

FOLLOW_EDGES = Metric(
    id="follow_edges",
    sql=FOLLOW_EDGES_SQL,
    description="Who follows whom at the end of a period (Bluesky follows, Mastodon "
    "following), as edges of kind 'follow' with the interaction_edges columns.",
    params={"w_follow": DEFAULT_FOLLOW_WEIGHT},
    order=("network", "source", "target"),
)

GRAPH_ACCOUNTS_SQL = """
WITH handles AS (
    SELECT network, account_id, min(handle) AS handle, min(display_name) AS display_name
    FROM accounts GROUP BY network, account_id
),
labelled AS (
    SELECT p.network, p.author_id AS account_id, e.label, count(*) AS n
    FROM posts p
    JOIN (SELECT uri, arg_max(label, version) AS label FROM enrichments
          WHERE stage = 'stakeholders' GROUP BY uri) e ON e.uri = p.uri
    WHERE p.deleted_at IS NULL AND e.label IS NOT NULL
    GROUP BY p.network, p.author_id, e.label
),
ranked AS (
    SELECT network, account_id, label,
           row_number() OVER (PARTITION BY network, account_id ORDER BY n DESC, label) AS r
    FROM labelled
)
SELECT coalesce(h.network, k.network) AS network,
       coalesce(h.account_id, k.account_id) AS account_id,
       h.handle, h.display_name, k.label AS stakeholder
FROM handles h
FULL OUTER JOIN (SELECT network, account_id, label FROM ranked WHERE r = 1) k
  ON k.network = h.network AND k.account_id = h.account_id
WHERE (coalesce(h.network, k.network) || ':' || coalesce(h.account_id, k.account_id))
      NOT IN (SELECT key FROM tombstones WHERE kind = 'account')
"""

GRAPH_ACCOUNTS = Metric(
    id="graph_accounts",
    sql=GRAPH_ACCOUNTS_SQL,
    description="Handle, display name and stakeholder class (the most frequent class of "
    "its posts) of each account.",
    order=("network", "account_id"),
)

_PERIOD_POSTS = f"""
    SELECT network, author_id, hashtags, text FROM posts
    WHERE deleted_at IS NULL AND created_at >= $since AND created_at < $until
      AND {_LIVE_ACCOUNT.format(col="author_id")}
"""

ACCOUNT_HASHTAGS_SQL = f"""
WITH tags AS (
    SELECT network, author_id, unnest(list_distinct(hashtags)) AS tag
    FROM ({_PERIOD_POSTS}) p WHERE hashtags IS NOT NULL
)
SELECT network, author_id AS account_id, lower(tag) AS term, count(*) AS n
FROM tags WHERE tag IS NOT NULL AND tag <> ''
GROUP BY network, author_id, lower(tag)
"""

ACCOUNT_HASHTAGS = Metric(
    id="account_hashtags",
    sql=ACCOUNT_HASHTAGS_SQL,
    description="Hashtags used by each account in a period (posts counted once per tag).",
    order=("network", "account_id", "term"),
)

ACCOUNT_TERMS_SQL = f"""
WITH words AS (
    SELECT network, author_id,
           unnest(list_distinct(regexp_extract_all(
               lower(regexp_replace(text, '(@|#|https?://|www\\.)\\S*', ' ', 'g')),
               '\\p{{L}}[\\p{{L}}''-]{{3,}}'))) AS term
    FROM ({_PERIOD_POSTS}) p WHERE text IS NOT NULL AND text <> ''
)
SELECT network, author_id AS account_id, term, count(*) AS n
FROM words WHERE term IS NOT NULL
GROUP BY network, author_id, term
"""

ACCOUNT_TERMS = Metric(
    id="account_terms",
    sql=ACCOUNT_TERMS_SQL,
    description="Words of four letters or more in each account's posts in a period, mentions, "
    "hashtags and links left out (posts counted once per word).",
    order=("network", "account_id", "term"),
)

WATCH_ACCOUNTS_SQL = """
SELECT DISTINCT p.network, p.author_id AS account_id
FROM matches m JOIN posts p ON p.uri = m.uri
WHERE m.watch_id = $watch AND p.deleted_at IS NULL
  AND p.created_at >= $since AND p.created_at < $until
  AND (p.network || ':' || p.author_id) NOT IN (SELECT key FROM tombstones WHERE kind = 'account')
"""

WATCH_ACCOUNTS = Metric(
    id="watch_accounts",
    sql=WATCH_ACCOUNTS_SQL,
    description="Authors of the posts that matched a watch in a period.",
    order=("network", "account_id"),
)

STORE_STATE_SQL = """
SELECT (SELECT count(*) FROM posts) AS posts,
       (SELECT max(collected_at) FROM posts) AS last_collected,
       (SELECT count(*) FROM posts WHERE deleted_at IS NOT NULL) AS deleted,
       (SELECT count(*) FROM follows) AS follows,
       (SELECT max(observed_at) FROM follows) AS last_follow,
       (SELECT count(*) FROM follows WHERE deleted_at IS NOT NULL) AS unfollowed,
       (SELECT count(*) FROM tombstones) AS tombstones,
       (SELECT count(*) FROM enrichments) AS enrichments,
       (SELECT count(*) FROM accounts) AS accounts
"""

STORE_STATE = Metric(
    id="store_state",
    sql=STORE_STATE_SQL,
    description="Counters that change whenever the graph's inputs change (cache keys).",
)

METRICS = (
    FOLLOW_EDGES,
    GRAPH_ACCOUNTS,
    ACCOUNT_HASHTAGS,
    ACCOUNT_TERMS,
    WATCH_ACCOUNTS,
    STORE_STATE,
)

ENTITIES_SQL = f"SELECT kind, entity_id, network, account_id, known FROM {ENTITY_ACCOUNTS}"


def edge_list(
    engine: Engine,
    period: Period,
    *,
    interactions: bool = True,
    follows: bool = False,
    weights: dict[str, float] | None = None,
) -> pa.Table:
    """The graph's edge list over ``period``: interactions (reply, quote, repost, mention)
    and, when asked, follows, in one table with the ``interaction_edges`` columns.

    ``weights`` overrides the weights by kind (``reply``, ``quote``, ``repost``,
    ``mention``, ``follow``)."""
    chosen = dict(weights or {})
    follow_weight = float(chosen.pop("follow", DEFAULT_FOLLOW_WEIGHT))
    parts: list[pa.Table] = []
    if interactions:
        parts.append(
            _normalise(
                run_metric(engine, "interaction_edges", **period.params(), **weight_params(chosen))
            )
        )
    if follows:
        parts.append(
            _normalise(
                run_metric(engine, "follow_edges", **period.params(), w_follow=follow_weight)
            )
        )
    if not parts:
        return _normalise(pa.table({}))
    return pa.concat_tables(parts)


EDGE_SCHEMA = pa.schema(
    [
        ("network", pa.string()),
        ("source", pa.string()),
        ("target", pa.string()),
        ("kind", pa.string()),
        ("n", pa.int64()),
        ("weight", pa.float64()),
        ("first_at", pa.timestamp("us", tz="UTC")),
        ("last_at", pa.timestamp("us", tz="UTC")),
    ]
)


def _normalise(table: pa.Table) -> pa.Table:
    if table.num_rows == 0:
        return EDGE_SCHEMA.empty_table()
    return pa.table({f.name: table.column(f.name).cast(f.type) for f in EDGE_SCHEMA})


def entities(engine: Engine) -> pa.Table:
    """The registry's accounts (``entity_accounts``, registered by ``build_context``)."""
    return engine.query(ENTITIES_SQL)


def accounts(engine: Engine) -> pa.Table:
    return run_metric(engine, "graph_accounts")


def account_labels(engine: Engine, period: Period, *, terms: bool = True) -> pa.Table:
    """Hashtags (``kind`` 'hashtag') and, when asked, words (``kind`` 'term') per account."""
    tags = run_metric(engine, "account_hashtags", **period.params())
    parts = [tags.append_column("kind", pa.array(["hashtag"] * tags.num_rows, pa.string()))]
    if terms:
        words = run_metric(engine, "account_terms", **period.params())
        parts.append(words.append_column("kind", pa.array(["term"] * words.num_rows, pa.string())))
    schema = pa.schema(
        [
            ("network", pa.string()),
            ("account_id", pa.string()),
            ("term", pa.string()),
            ("n", pa.int64()),
            ("kind", pa.string()),
        ]
    )
    return pa.concat_tables(
        [pa.table({f.name: p.column(f.name).cast(f.type) for f in schema}) for p in parts]
    )


def watch_accounts(engine: Engine, watch_id: str, period: Period) -> pa.Table:
    return run_metric(engine, "watch_accounts", watch=watch_id, **period.params())


def store_state(engine: Engine) -> dict[str, Any]:
    rows = run_metric(engine, "store_state").to_pylist()
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in rows[0].items()}
