"""A tiny store whose every leader figure is computed by hand in the tests.

Leaders: alice (bluesky did:a and mastodon alice@m.example), bob (bluesky did:b), carol
(registry account never collected: absent), dan (bluesky did:d: one post, too inactive).
Others: did:x, did:y, did:z (bluesky), zoe@m.example (mastodon), did:g (forgotten).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from veille.model import Account, AccountSnapshot, Post, PostMetrics, Tombstone
from veille.store import Store
from veille.workspace.config import VeilleConfig, parse_config

T0 = datetime(2026, 10, 1, tzinfo=UTC)
SINCE = T0
UNTIL = T0 + timedelta(days=7)

REGISTRY = """
[[organisations]]
id = "acme"
name = "Acme"

[[leaders]]
id = "alice"
name = "Alice Martin"
organisation = "acme"
sector = "tech"
country = "FR"
cohorts = ["ceo"]
accounts = { bluesky = ["did:a"], mastodon = ["alice@m.example"] }

[[leaders]]
id = "bob"
name = "Bob Durand"
sector = "tech"
country = "FR"
cohorts = ["ceo"]
accounts = { bluesky = ["did:b"] }

[[leaders]]
id = "carol"
name = "Carol Petit"
sector = "finance"
country = "BE"
accounts = { bluesky = ["carol.example"] }

[[leaders]]
id = "dan"
name = "Dan Leroy"
sector = "finance"
country = "FR"
accounts = { bluesky = ["did:d"] }
"""


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def bsky(author: str, n: int) -> str:
    return f"at://{author}/app.bsky.feed.post/{n}"


def post(uri: str, author: str, hours: float, network: str = "bluesky", **kw: object) -> Post:
    return Post(
        uri=uri,
        network=network,
        post_id=uri.rsplit("/", 1)[-1],
        author_id=author,
        created_at=at(hours),
        collected_at=at(hours),
        text=str(kw.pop("text", "x")),
        source="test",
        **kw,  # type: ignore[arg-type]
    )


def config() -> VeilleConfig:
    return parse_config(REGISTRY, Path("veille.toml"))


def snap(account: str, hours: float, followers: int, network: str = "bluesky") -> AccountSnapshot:
    return AccountSnapshot(
        network=network, account_id=account, observed_at=at(hours), followers=followers
    )


def metrics(
    uri: str, hours: float, likes: int, reposts: int, replies: int, quotes: int
) -> PostMetrics:
    return PostMetrics(
        uri=uri, observed_at=at(hours), likes=likes, reposts=reposts, replies=replies, quotes=quotes
    )


def build(path: Path) -> Store:
    s = Store(path)
    a1, a2, a3 = bsky("did:a", 1), bsky("did:a", 2), bsky("did:a", 3)
    m1 = "https://m.example/users/alice/statuses/1"
    s.write(
        [
            Account(network="bluesky", account_id="did:a", handle="alice.example"),
            Account(network="mastodon", account_id="alice@m.example", handle="alice@m.example"),
            Account(network="bluesky", account_id="did:b", handle="bob.example"),
            Account(network="bluesky", account_id="did:d", handle="dan.example"),
            Account(network="bluesky", account_id="did:x", handle="x.example"),
            Account(network="bluesky", account_id="did:y", handle="y.example"),
            Account(network="mastodon", account_id="zoe@m.example", handle="zoe@m.example"),
            # alice on bluesky: 100 before the period, 120 on day 3, 150 after the period
            snap("did:a", -24, 100),
            snap("did:a", 72, 120),
            snap("did:a", 24 * 9, 150),
            # alice on mastodon: observed only after the period (an import's day)
            snap("alice@m.example", 24 * 30, 40, "mastodon"),
            # bob: one count inside the period, one before
            snap("did:b", -1, 0),
            snap("did:b", 100, 50),
            # alice's originals: a1 (day 0, followers 100), a2 (day 4, followers 120)
            post(a1, "did:a", 1),
            post(a2, "did:a", 96),
            post(m1, "alice@m.example", 10, "mastodon"),
            # a3: alice answers x's mention (x1) 2 h later
            post(a3, "did:a", 5, reply_to=bsky("did:x", 1)),
            # a thread post (reply to herself): a post written, not a reply
            post(bsky("did:a", 4), "did:a", 2, reply_to=a1),
            # a deleted original of alice: counts nowhere
            post(bsky("did:a", 5), "did:a", 3, deleted_at=at(4)),
            # x mentions alice at hour 3 (answered at 5: 120 minutes), y replies to a1 at
            # hour 6 and is answered 50 h later (too late), zoe mentions alice on mastodon
            post(bsky("did:x", 1), "did:x", 3, mentions=["did:a"]),
            post(bsky("did:y", 1), "did:y", 6, reply_to=a1),
            post(bsky("did:a", 6), "did:a", 56, reply_to=bsky("did:y", 1)),
            post(
                "https://m.example/users/zoe/statuses/9",
                "zoe@m.example",
                20,
                "mastodon",
                mentions=["alice@m.example"],
            ),
            # x quotes a2 (about alice, not a mention for conversation), reposts a1
            post(bsky("did:x", 2), "did:x", 97, quote_of=a2),
            post(bsky("did:x", 3), "did:x", 98, repost_of=a1, text=""),
            # the forgotten account g mentions alice: counts nowhere
            post(bsky("did:g", 1), "did:g", 7, mentions=["did:a"]),
            # bob: three originals, nobody talks to him
            post(bsky("did:b", 1), "did:b", 10),
            post(bsky("did:b", 2), "did:b", 110),
            post(bsky("did:b", 3), "did:b", 120),
            # dan: one post (fewer than min_posts = 3)
            post(bsky("did:d", 1), "did:d", 10),
            # metrics: a1 seen twice (the latest counts), a2 once, b1 and b3
            metrics(a1, 2, 1, 0, 0, 0),
            metrics(a1, 48, 4, 2, 3, 1),  # 10 interactions, 3 amplifications
            metrics(a2, 100, 6, 0, 0, 0),  # 6 interactions
            metrics(bsky("did:b", 1), 20, 5, 1, 0, 0),  # followers 0 at posting: no rate
            metrics(bsky("did:b", 3), 130, 10, 0, 0, 0),  # followers 50 (day 4 count)
        ]
    )
    s.write(
        [
            Tombstone(
                key="bluesky:did:g",
                kind="account",
                network="bluesky",
                deleted_at=at(8),
                reason="forget",
            )
        ]
    )
    return s
