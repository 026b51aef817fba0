"""A tiny hand-built workspace where the right digest picks are known (see test_digest)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from veille.model import Account, Post, PostMetrics, Record
from veille.workspace import Workspace
from veille.workspace.workspace import init_workspace

DAY = datetime(2026, 10, 1, 10, tzinfo=UTC)  # 12:00 in Paris, on 2026-10-01

REGISTRY = """
[workspace]
name = "Essai"
language = "fr"
timezone = "Europe/Paris"

[[leaders]]
id = "alice"
name = "Alice Martin"
cohorts = ["tech"]
accounts = { bluesky = ["alice.example"] }

[[leaders]]
id = "bob"
name = "Bob Durand"
cohorts = ["tech"]
accounts = { bluesky = ["bob.example"] }

[[leaders]]
id = "carol"
name = "Carol Petit"
cohorts = ["finance"]
accounts = { bluesky = ["carol.example"] }

[digest]
min_posts = 3
"""

#: 10 baseline posts per author in the 90 days before the day, engagement at 23 h
BASELINE = {
    "did:a": [4, 5, 6, 4, 5, 6, 4, 5, 6, 5],
    "did:b": [1, 2, 1, 2, 1, 2, 1, 2, 1, 2],
    "did:c": [5, 5, 6, 4, 5, 5, 6, 4, 5, 5],
}

XSS = '<script>alert("x")</script> voir javascript:alert(1) & <b>gras</b>'

#: the day's posts: key -> (author, text, engagement at 23 h)
DAY_POSTS = {
    "a1": ("did:a", "Notre nouvelle usine de batteries ouvre à Lyon", 50),
    "a2": ("did:a", "Notre nouvelle usine de batteries ouvre à Lyon aujourd'hui", 45),
    "a3": ("did:a", f"Bilan du salon VivaTech avec nos équipes {XSS}", 30),
    "b1": ("did:b", "Merci aux clients venus au forum cybersécurité de Rennes", 20),
    "c1": ("did:c", "Les taux remontent : ce que cela change pour les PME", 9),
    "c2": ("did:c", "Bonne semaine à toutes et à tous", 2),
}


def uri(author: str, key: str) -> str:
    return f"at://{author}/app.bsky.feed.post/{key}"


def _post(author: str, key: str, when: datetime, text: str, **kw: object) -> Post:
    return Post(
        uri=uri(author, key), network="bluesky", post_id=key, author_id=author,
        created_at=when, collected_at=when, text=text, source="test", **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def _metrics(author: str, key: str, when: datetime, engagement: int) -> list[PostMetrics]:
    """Snapshots at 2 h, 23 h (the closest to 24 h: the one that counts) and 72 h."""
    out = []
    for hours, value in ((2, engagement // 4), (23, engagement), (72, engagement * 10)):
        out.append(
            PostMetrics(
                uri=uri(author, key), observed_at=when + timedelta(hours=hours),
                likes=value, reposts=0, replies=0, quotes=0,
            )
        )  # fmt: skip
    return out


def records() -> list[Record]:
    out: list[Record] = []
    for author, handle in (("did:a", "alice.example"), ("did:b", "bob.example"),
                           ("did:c", "carol.example"), ("did:z", "zed.example")):  # fmt: skip
        out.append(Account(network="bluesky", account_id=author, handle=handle))
    for author, values in BASELINE.items():
        for k, value in enumerate(values, start=1):
            when = DAY - timedelta(days=3 * k)
            key = f"base{k}"
            out.append(_post(author, key, when, f"Un post ordinaire numéro {k} de {author}"))
            out += _metrics(author, key, when, value)
    for key, (author, text, value) in DAY_POSTS.items():
        out.append(_post(author, key, DAY, text))
        out += _metrics(author, key, DAY, value)
    # b1's repliers: x twice, y, bob himself (not counted), w after 24 h (not counted)
    for n, (who, hours) in enumerate(
        (("did:x", 1), ("did:x", 2), ("did:y", 3), ("did:b", 4), ("did:w", 30))
    ):
        out.append(
            _post(who, f"r{n}", DAY + timedelta(hours=hours), "bravo", reply_to=uri("did:b", "b1"))
        )
    # never picked: a deleted post, a reply, a post by an untracked account
    out.append(_post("did:b", "gone", DAY, "supprimé", deleted_at=DAY + timedelta(hours=1)))
    out += _metrics("did:b", "gone", DAY, 900)
    out.append(_post("did:a", "reply", DAY, "une réponse", reply_to=uri("did:z", "z1")))
    out += _metrics("did:a", "reply", DAY, 900)
    out.append(_post("did:z", "z1", DAY, "un inconnu très suivi"))
    out += _metrics("did:z", "z1", DAY, 1000)
    return out


def make_workspace(root: Path, registry: str = REGISTRY) -> Path:
    init_workspace(root, registry)
    with Workspace.open(root) as ws:
        ws.store.write(records())
    return root
