"""Conversation quality: does a leader converse or broadcast (DESIGN.md)?

Over a period, the *mentioners* of a leader are the distinct accounts (network, account)
that mentioned one of the leader's accounts or replied to one of their posts; a mentioner
is *answered* when the leader replied to one of those posts within ``$response_seconds``
(48 h by default; the answer may fall after the period's end). Responsiveness = answered /
mentioners; the median response time is over the answered posts (first answer of each);
the dialogue ratio (replies over posts written on the networks; feed items are not
conversation) comes from ``leader_activity``.

The answers are found in ``post_links`` (``store/links.py``: the replies of live posts),
from the period's start to its end plus the response window (and a second: the window is
counted in whole seconds), so that the look-up reads only that span of the store.

Conversation quality, the Index component, is ``share * responsiveness + (1 - share) *
dialogue ratio`` (``[index] responsiveness_share``, 0.5 by default); with nobody to answer
it is the dialogue ratio alone, and with no post written it is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from veille.analytics.registry import Metric
from veille.analytics.sqlparts import ADDRESSED, LEADER_ENTITY_ACCOUNTS, seconds

RESPONSE_SECONDS = 48 * 3600

_ANSWERED = f"""
WITH acc AS ({LEADER_ENTITY_ACCOUNTS}),
{ADDRESSED},
asked AS (
    SELECT DISTINCT entity_id, network, uri, author_id, created_at FROM addressed
    WHERE kind = 'leader' AND way IN ('mention', 'reply')
),
replies AS (
    SELECT uri, network, author_id, created_at, target_uri FROM post_links
    WHERE kind = 'reply' AND created_at >= $since
      AND created_at < $until + INTERVAL 1 SECOND * ($response_seconds + 1)
),
answers AS (
    SELECT d.entity_id, d.uri, min(r.created_at) AS answered_at
    FROM asked d
    JOIN replies r ON r.target_uri = d.uri AND r.network = d.network
    JOIN acc a ON a.kind = 'leader' AND a.entity_id = d.entity_id AND a.network = r.network
         AND a.account_id = r.author_id
    WHERE r.created_at >= d.created_at
      AND {seconds("r.created_at")} - {seconds("d.created_at")} <= $response_seconds
    GROUP BY d.entity_id, d.uri
),
joined AS (
    SELECT d.entity_id, d.network, d.uri, d.author_id, d.created_at,
           d.network || ':' || d.author_id AS who, an.answered_at,
           CAST({seconds("an.answered_at")} - {seconds("d.created_at")} AS DOUBLE) / 60
               AS minutes
    FROM asked d LEFT JOIN answers an ON an.entity_id = d.entity_id AND an.uri = d.uri
)"""

CONVERSATION_SQL = f"""{_ANSWERED}
SELECT entity_id, coalesce(network, 'all') AS network,
       count(DISTINCT who) AS mentioners,
       count(DISTINCT CASE WHEN answered_at IS NOT NULL THEN who END) AS answered,
       count(*) AS asked_posts,
       count(answered_at) AS answered_posts,
       median(minutes) AS median_response_minutes
FROM joined
GROUP BY GROUPING SETS ((entity_id, network), (entity_id))
"""

UNANSWERED_SQL = f"""{_ANSWERED},
ranked AS (
    SELECT j.entity_id, j.network, j.uri, j.author_id, j.created_at,
           row_number() OVER (PARTITION BY j.entity_id ORDER BY j.created_at DESC, j.uri)
               AS n
    FROM joined j
    WHERE j.answered_at IS NULL
)
SELECT r.entity_id, r.network, r.uri, r.author_id, ac.handle, r.created_at, p.text
FROM ranked r
JOIN posts p ON p.uri = r.uri AND p.created_at >= $since AND p.created_at < $until
LEFT JOIN accounts ac ON ac.network = r.network AND ac.account_id = r.author_id
WHERE r.n <= $limit
"""

LEADER_CONVERSATION = Metric(
    id="leader_conversation",
    sql=CONVERSATION_SQL,
    description="Per leader and network (and 'all'): distinct accounts that mentioned or "
    "replied to the leader, how many got an answer within the response window, and the "
    "median response time in minutes.",
    params={"response_seconds": RESPONSE_SECONDS},
    inputs=("entity_accounts",),
    order=("entity_id", "network"),
)

LEADER_UNANSWERED = Metric(
    id="leader_unanswered",
    sql=UNANSWERED_SQL,
    description="The latest mentions of and replies to each leader left without an answer "
    "within the response window (examples for the profile).",
    params={"response_seconds": RESPONSE_SECONDS, "limit": 5},
    inputs=("entity_accounts",),
    order=("entity_id", "uri"),
)


@dataclass
class Conversation:
    mentioners: int = 0
    answered: int = 0
    median_response_minutes: float | None = None
    originals: int = 0
    replies: int = 0
    threads: int = 0

    @property
    def posts_written(self) -> int:
        return self.originals + self.replies + self.threads

    @property
    def responsiveness(self) -> float | None:
        return self.answered / self.mentioners if self.mentioners else None

    @property
    def dialogue_ratio(self) -> float | None:
        return self.replies / self.posts_written if self.posts_written else None

    def quality(self, share: float) -> tuple[float | None, str | None]:
        """The Index component and, when it is missing or partial, why."""
        dialogue, responsive = self.dialogue_ratio, self.responsiveness
        if dialogue is None:
            return None, "no post written in the period"
        if responsive is None:
            return dialogue, None
        return share * responsive + (1 - share) * dialogue, None

    def as_json(self) -> dict[str, Any]:
        return {
            "responsiveness": _figure(self.responsiveness, "nobody mentioned or replied"),
            "dialogue_ratio": _figure(self.dialogue_ratio, "no post written in the period"),
            "median_response_minutes": _figure(
                None
                if self.median_response_minutes is None
                else round(self.median_response_minutes, 1),
                "no answer within the response window",
            ),
            "mentioners": self.mentioners,
            "answered_within_48h": self.answered,
            "posts_written": self.posts_written,
            "replies_written": self.replies,
        }


def _figure(value: float | None, reason: str) -> Any:
    if value is None:
        return {"value": None, "reason": reason}
    return round(value, 4) if isinstance(value, float) else value
