"""What each leader wrote in a period, and how it was received.

Each post by a leader account is an *original* (a post or a quote), a *reply* (to someone
else), a *thread* post (a reply to the leader's own post) or a *repost*. For each original
post, the latest ``post_metrics`` snapshot gives its interactions (likes + reposts + quotes
+ replies) and amplifications (reposts + quotes); the author's followers at posting time
are the latest snapshot at or before the post, else the nearest one after it. Metrics
snapshots dated more than a day before the period are not read: a post's counts cannot be
observed before it exists (the day covers clock skew), and the period's filter lets the
scan skip the older snapshots.

- engagement rate of a post = interactions / followers at posting time (posts of accounts
  with no follower count, or zero followers, have none); a leader's is the median over the
  period's original posts;
- amplification = amplifications per original post (over posts with a metrics snapshot);
- dialogue ratio = replies / (originals + replies + threads): replies over posts written.

``leader_activity`` gives these per leader and network, and per leader over all networks
(``network = 'all'``); ``leader_posts`` lists the original posts with their figures (top
posts in the profile).
"""

from __future__ import annotations

from veille.analytics.registry import Metric
from veille.analytics.sqlparts import LEADER_ACCOUNTS

_SCORED = f"""
WITH acc AS ({LEADER_ACCOUNTS}),
own AS (
    SELECT a.entity_id, p.network, p.uri, p.author_id, p.created_at, p.text,
           p.reply_to, p.repost_of, par.target_author AS parent_author
    FROM posts p
    JOIN acc a ON a.network = p.network AND a.account_id = p.author_id
    LEFT JOIN post_links par ON par.uri = p.uri AND par.kind = 'reply'
         AND par.created_at >= $since AND par.created_at < $until
    WHERE p.deleted_at IS NULL AND p.created_at >= $since AND p.created_at < $until
),
classified AS (
    SELECT o.entity_id, o.network, o.uri, o.author_id, o.created_at, o.text,
           CASE WHEN o.repost_of IS NOT NULL THEN 'repost'
                WHEN o.reply_to IS NULL THEN 'original'
                WHEN s.account_id IS NOT NULL THEN 'thread'
                ELSE 'reply' END AS kind
    FROM own o
    LEFT JOIN acc s ON s.entity_id = o.entity_id AND s.network = o.network
         AND s.account_id = o.parent_author
),
measured AS (
    SELECT m.uri,
           arg_max(coalesce(m.likes, 0) + coalesce(m.reposts, 0) + coalesce(m.quotes, 0)
                   + coalesce(m.replies, 0), m.observed_at) AS interactions,
           arg_max(coalesce(m.reposts, 0) + coalesce(m.quotes, 0), m.observed_at)
               AS amplifications
    FROM post_metrics m
    JOIN classified c ON c.uri = m.uri
    WHERE c.kind = 'original' AND m.observed_at >= $since - INTERVAL 1 DAY
    GROUP BY m.uri
),
authors AS (
    SELECT DISTINCT network, author_id FROM classified WHERE kind = 'original'
),
snap AS (
    SELECT s.network, s.account_id, s.observed_at, s.followers
    FROM account_snapshots s
    JOIN authors a ON a.network = s.network AND a.author_id = s.account_id
    WHERE s.followers IS NOT NULL
),
bounds AS (
    SELECT network, account_id,
           max(observed_at) FILTER (WHERE observed_at < $since) AS before_at,
           min(observed_at) FILTER (WHERE observed_at >= $until) AS after_at
    FROM snap GROUP BY network, account_id
),
-- the only snapshots that can be a post's latest before it or nearest after it: those of
-- the period, the last one before it and the first one after it (one per account and time)
near AS (
    SELECT s.network, s.account_id, s.observed_at, s.followers
    FROM snap s
    JOIN bounds b ON b.network = s.network AND b.account_id = s.account_id
    WHERE (s.observed_at >= $since AND s.observed_at < $until)
       OR s.observed_at = b.before_at OR s.observed_at = b.after_at
),
audience AS (
    SELECT c.uri,
           coalesce(
               arg_max(s.followers, s.observed_at) FILTER (WHERE s.observed_at <= c.created_at),
               arg_min(s.followers, s.observed_at) FILTER (WHERE s.observed_at > c.created_at)
           ) AS followers
    FROM classified c
    JOIN near s ON s.network = c.network AND s.account_id = c.author_id
    WHERE c.kind = 'original'
    GROUP BY c.uri
),
scored AS (
    SELECT c.entity_id, c.network, c.uri, c.author_id, c.created_at, c.text, c.kind,
           m.interactions, m.amplifications, f.followers,
           CASE WHEN f.followers > 0 AND m.interactions IS NOT NULL
                THEN CAST(m.interactions AS DOUBLE) / f.followers END AS rate
    FROM classified c
    LEFT JOIN measured m ON m.uri = c.uri
    LEFT JOIN audience f ON f.uri = c.uri
)"""

ACTIVITY_SQL = f"""{_SCORED}
SELECT entity_id, coalesce(network, 'all') AS network,
       count(*) FILTER (WHERE kind = 'original') AS originals,
       count(*) FILTER (WHERE kind = 'reply') AS replies,
       count(*) FILTER (WHERE kind = 'thread') AS threads,
       count(*) FILTER (WHERE kind = 'repost') AS reposts,
       count(rate) AS rated,
       median(rate) AS engagement_rate,
       count(amplifications) AS measured,
       sum(amplifications) AS amplifications,
       sum(interactions) AS interactions
FROM scored
GROUP BY GROUPING SETS ((entity_id, network), (entity_id))
"""

POSTS_SQL = f"""{_SCORED}
SELECT entity_id, network, uri, author_id, created_at, text, interactions, amplifications,
       followers, rate
FROM scored
WHERE kind = 'original'
"""

LEADER_ACTIVITY = Metric(
    id="leader_activity",
    sql=ACTIVITY_SQL,
    description="Per leader and network (and 'all'): posts written by kind, median "
    "engagement rate of original posts, amplifications and interactions.",
    inputs=("entity_accounts",),
    order=("entity_id", "network"),
)

LEADER_POSTS = Metric(
    id="leader_posts",
    sql=POSTS_SQL,
    description="Each original post of a leader in a period, with its interactions, "
    "followers at posting time and engagement rate.",
    inputs=("entity_accounts",),
    order=("entity_id", "uri"),
)
