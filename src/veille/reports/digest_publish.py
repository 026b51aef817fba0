"""The digest as a Bluesky or Mastodon thread, through the publishing client
(``veille.sources.publish``), within each network's length limit, idempotent on retry.

The thread is an opening post (the title and the number of picks) and one post per pick
(rank, leader, an excerpt of the text, the link to the original), each cut on a grapheme
boundary so that it fits: the network's own count (``textlength``) and the publishing
client's stricter code-point check both hold.

Idempotency, three ways: a ledger ``DATE.published.json`` beside the digest records what
was published and a second run publishes nothing; Mastodon gets an ``Idempotency-Key``
derived from the day (a retry after a lost answer is not a second status); Bluesky gets
record keys derived from the day (a PDS refuses a second record under the same key).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

from veille.errors import UsageError
from veille.i18n import register, t
from veille.reports.textlength import NETWORK_LIMITS, graphemes, post_length
from veille.sources.publish import BlueskyPublisher, MastodonPublisher, Published, new_tid
from veille.workspace.config import DigestPublish

register(
    {
        "digest.thread.head": (
            "{title} : les {n} meilleurs posts du jour des dirigeants suivis 🧵",
            "{title}: the day's {n} best posts by the tracked leaders 🧵",
        ),
        "digest.publish.missing": (
            "[digest.publish] : {field} manque pour publier sur {network}",
            "[digest.publish]: {field} is needed to publish on {network}",
        ),
        "digest.publish.no_secret": (
            "la variable d'environnement {env} n'est pas définie",
            "the environment variable {env} is not set",
        ),
    }
)


class ThreadPublisher(Protocol):
    def __call__(self, posts: list[str], key: str, day: date) -> list[Published]: ...


def _fits(text: str, network: str) -> bool:
    # the network's count, and the publishing client's (code points) check
    return post_length(text, network).valid and len(text) <= NETWORK_LIMITS[network]


def fit_post(prefix: str, excerpt: str, suffix: str, network: str) -> str:
    """``prefix + excerpt + suffix`` with the excerpt cut (on a grapheme, with "…") so that
    the whole fits ``network``."""
    whole = f"{prefix}{excerpt}{suffix}"
    if _fits(whole, network):
        return whole
    clusters = graphemes(excerpt)
    low, high = 0, len(clusters)
    while low < high:
        mid = (low + high + 1) // 2
        if _fits(f"{prefix}{''.join(clusters[:mid]).rstrip()}…{suffix}", network):
            low = mid
        else:
            high = mid - 1
    return f"{prefix}{''.join(clusters[:low]).rstrip()}…{suffix}"


def thread_posts(data: dict[str, Any], network: str, title: str) -> list[str]:
    """The thread's texts for a digest (``Digest.as_dict()``)."""
    posts = data["posts"]
    head = fit_post("", t("digest.thread.head", title=title, n=len(posts)), "", network)
    out = [head]
    for index, pick in enumerate(posts, start=1):
        text = " ".join((pick.get("text") or "").split())
        prefix = f"{index}/{len(posts)} {pick['leader_name']} : « "
        link = pick.get("url")
        suffix = f" » {link}" if link else " »"
        out.append(fit_post(prefix, text, suffix, network))
    return out


def day_rkeys(day: date, count: int, salt: int = 0) -> list[str]:
    """Record keys derived from the day: the same digest always gets the same keys."""
    micros = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1_000_000)
    return [new_tid(micros + index, (salt + index) & 0x3FF) for index in range(count)]


def publisher_for(settings: DigestPublish, lang: str) -> ThreadPublisher:
    """A thread publisher for ``[digest.publish]``; secrets come from the environment."""

    def secret(env: str | None, field: str) -> str:
        if not env:
            raise UsageError(t("digest.publish.missing", field=field, network=settings.network))
        value = os.environ.get(env)
        if not value:
            raise UsageError(t("digest.publish.no_secret", env=env))
        return value

    if settings.network == "bluesky":
        if not settings.handle:
            raise UsageError(t("digest.publish.missing", field="handle", network="bluesky"))
        bluesky = BlueskyPublisher(
            settings.handle, secret(settings.password_env, "password_env"), pds_url=settings.pds_url
        )

        def post_bluesky(posts: list[str], key: str, day: date) -> list[Published]:
            salt = sum(key.encode()) & 0x3FF
            return bluesky.publish(posts, langs=(lang,), rkeys=day_rkeys(day, len(posts), salt))

        return post_bluesky
    if not settings.instance_url:
        raise UsageError(t("digest.publish.missing", field="instance_url", network="mastodon"))
    mastodon = MastodonPublisher(settings.instance_url, secret(settings.token_env, "token_env"))

    def post_mastodon(posts: list[str], key: str, day: date) -> list[Published]:
        return mastodon.publish(posts, language=lang, thread_key=key)

    return post_mastodon


def publish_digest(
    data: dict[str, Any],
    network: str,
    ledger: Path,
    title: str,
    publish: ThreadPublisher | Callable[[list[str], str, date], list[Published]],
) -> tuple[list[dict[str, Any]], bool]:
    """Publish the digest's thread on ``network`` unless the ledger says it was.
    Returns the published posts and whether they were published before."""
    done: dict[str, Any] = {}
    if ledger.exists():
        done = json.loads(ledger.read_text("utf-8"))
        if network in done:
            return list(done[network]), True
    if not data.get("posts"):
        return [], False
    posts = thread_posts(data, network, title)
    key = f"digest-{ledger.name.removesuffix('.published.json')}"
    published = publish(posts, key, date.fromisoformat(data["date"]))
    done[network] = [asdict(p) for p in published]
    ledger.write_text(json.dumps(done, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return list(done[network]), False
