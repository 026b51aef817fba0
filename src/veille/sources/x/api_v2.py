"""Twitter API v2 JSONL, as twarc writes it.

A line is either a response page ``{"data": [...], "includes": {"users", "tweets", ...},
"meta": {...}, "__twarc": {"url", "version", "retrieved_at"}}`` (one raw item per line, the
page untouched), or one tweet per line as ``twarc2 flatten`` writes it (the tweet with its
expansions inlined: ``author``, full ``referenced_tweets``...). Pages of users (``twarc2
users``) give accounts; pages of tweet counts are rejected (nothing to import).

Canonical URI of a tweet: ``https://x.com/i/status/{id}``. It does not depend on the
username (which changes) and it is what the X archive importer uses too, so the same tweet
imported both ways is one post.

Mapping of a tweet: ``referenced_tweets`` ``replied_to`` / ``quoted`` / ``retweeted`` give
``reply_to`` / ``quote_of`` / ``repost_of``; ``conversation_id`` (when it is not the tweet
itself) gives ``reply_root``; ``entities.mentions`` give the mentioned user ids (the
username, lowercased, when twarc did not expand the id), ``hashtags`` the tags,
``urls`` the expanded URLs. A retweet keeps no text (``RT @x: ...`` is a truncated copy of
the original, which ``includes.tweets`` carries in full) and no metrics. A long tweet's
``note_tweet.text`` replaces the truncated ``text``; ``&amp;``, ``&lt;``, ``&gt;`` are
unescaped. Languages ``und``, ``zxx`` and Twitter's ``q*`` pseudo-codes are left empty.
``public_metrics`` give a ``PostMetrics`` snapshot at ``__twarc.retrieved_at`` (else when
the line was read); ``includes.users`` (and flattened
``author`` objects) give ``Account`` and ``AccountSnapshot`` (followers, following, tweets).
Referenced tweets present in ``includes.tweets`` are mapped as posts too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from pydantic import Field

from veille.i18n import register, t
from veille.model import Account, AccountSnapshot, Post, PostMetrics, Record
from veille.sources.base import MappingError, RawItem
from veille.sources.io.members import JsonLinesImporter
from veille.sources.values import (
    as_dict,
    as_list,
    decode_json,
    int_or_digits,
    nonempty_str,
    numeric_id,
    time_of,
)

register(
    {
        "tw.not_object": (
            "une ligne twarc doit être un objet JSON, pas {kind}",
            "a twarc line must be a JSON object, not {kind}",
        ),
        "tw.counts": (
            "page de comptages de tweets (start/end/tweet_count) : rien à importer",
            "tweet counts page (start/end/tweet_count): nothing to import",
        ),
        "tw.unknown": (
            "ni une page de l'API v2 (data), ni un tweet, ni un compte",
            "neither an API v2 page (data), nor a tweet, nor a user",
        ),
        "tw.bad_tweet": (
            "tweet {id} invalide : {error}",
            "invalid tweet {id}: {error}",
        ),
    }
)

NETWORK = "x"
#: 500 tweets with their expansions: a page of the full-archive search can pass 10 MB.
MAX_PAGE_BYTES = 64 * 1024 * 1024
_NO_LANG = frozenset({"und", "zxx"})


def tweet_uri(tweet_id: str) -> str:
    """The canonical URI of a tweet (independent of the author's username)."""
    return f"https://x.com/i/status/{tweet_id}"


def unescape_text(text: str) -> str:
    """Tweet text as typed: the API escapes ``&``, ``<`` and ``>`` (and only those)."""
    if "&" not in text:
        return text
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def profile_url(username: str) -> str:
    return f"https://x.com/{username}"


def clean_lang(code: object) -> str | None:
    """A language code, or ``None`` for Twitter's undetermined/pseudo codes."""
    if not isinstance(code, str) or not code or code in _NO_LANG:
        return None
    if len(code) == 3 and code.startswith("q"):
        return None
    return code


def map_user(user: dict[str, Any], observed_at: datetime) -> list[Record]:
    """``Account`` and ``AccountSnapshot`` of an API v2 user object (``[]`` without an id)."""
    user_id = numeric_id(user.get("id"))
    if user_id is None:
        return []
    username = nonempty_str(user.get("username"))
    records: list[Record] = [
        Account(
            network=NETWORK,
            account_id=user_id,
            handle=username,
            display_name=nonempty_str(user.get("name")),
            bio=nonempty_str(user.get("description")),
            url=profile_url(username) if username else None,
            created_at=time_of(user.get("created_at")),
            first_seen=observed_at,
        )
    ]
    metrics = as_dict(user.get("public_metrics"))
    if metrics:
        records.append(
            AccountSnapshot(
                network=NETWORK,
                account_id=user_id,
                observed_at=observed_at,
                followers=int_or_digits(metrics.get("followers_count"), signed=True),
                following=int_or_digits(metrics.get("following_count"), signed=True),
                posts=int_or_digits(metrics.get("tweet_count"), signed=True),
            )
        )
    return records


def map_tweet(
    tweet: dict[str, Any],
    observed_at: datetime,
    *,
    source: str = "twitter-v2",
    users: dict[str, str] | None = None,
) -> list[Record]:
    """``Post`` (and ``PostMetrics``) of an API v2 tweet object. ``users`` maps usernames
    (lowercase) to ids, to resolve mentions that twarc did not expand."""
    tweet_id = numeric_id(tweet.get("id"))
    if tweet_id is None:
        raise MappingError(t("tw.bad_tweet", id=tweet.get("id"), error="no numeric id"))
    author_id = numeric_id(tweet.get("author_id")) or numeric_id(
        as_dict(tweet.get("author")).get("id")
    )
    if author_id is None:
        raise MappingError(t("tw.bad_tweet", id=tweet_id, error="no author_id"))
    created_at = time_of(tweet.get("created_at"))
    if created_at is None:
        raise MappingError(t("tw.bad_tweet", id=tweet_id, error="no readable created_at"))
    reply_to = quote_of = repost_of = None
    for ref in as_list(tweet.get("referenced_tweets")):
        ref = as_dict(ref)
        ref_id = numeric_id(ref.get("id"))
        if ref_id is None:
            continue
        kind = ref.get("type")
        if kind == "replied_to":
            reply_to = tweet_uri(ref_id)
        elif kind == "quoted":
            quote_of = tweet_uri(ref_id)
        elif kind == "retweeted":
            repost_of = tweet_uri(ref_id)
    conversation = numeric_id(tweet.get("conversation_id"))
    reply_root = tweet_uri(conversation) if conversation and conversation != tweet_id else None
    note = as_dict(tweet.get("note_tweet"))
    text = unescape_text(nonempty_str(note.get("text")) or nonempty_str(tweet.get("text")) or "")
    entities = as_dict(note.get("entities")) or as_dict(tweet.get("entities"))
    mentions: list[str] = []
    for mention in as_list(entities.get("mentions")):
        mention = as_dict(mention)
        username = nonempty_str(mention.get("username"))
        who = numeric_id(mention.get("id")) or (
            (users or {}).get(username.lower(), username.lower()) if username else None
        )
        if who and who not in mentions:
            mentions.append(who)
    hashtags: list[str] = []
    for tag in as_list(entities.get("hashtags")):
        name = nonempty_str(as_dict(tag).get("tag"))
        if name and name not in hashtags:
            hashtags.append(name)
    urls: list[str] = []
    for link in as_list(entities.get("urls")):
        link = as_dict(link)
        if "media_key" in link:
            continue  # the tweet's own photo or video
        url = nonempty_str(link.get("unwound_url") or link.get("expanded_url") or link.get("url"))
        if url and url not in urls:
            urls.append(url)
    uri = tweet_uri(tweet_id)
    post = Post(
        uri=uri,
        network=NETWORK,
        post_id=tweet_id,
        author_id=author_id,
        created_at=created_at,
        collected_at=observed_at,
        text=None if repost_of else text,
        lang=clean_lang(tweet.get("lang")),
        reply_to=reply_to,
        reply_root=reply_root,
        quote_of=quote_of,
        repost_of=repost_of,
        mentions=mentions,
        hashtags=hashtags,
        urls=urls,
        source=source,
    )
    records: list[Record] = [post]
    metrics = as_dict(tweet.get("public_metrics"))
    if metrics and not repost_of:
        records.append(
            PostMetrics(
                uri=uri,
                observed_at=observed_at,
                likes=int_or_digits(metrics.get("like_count"), signed=True),
                reposts=int_or_digits(metrics.get("retweet_count"), signed=True),
                replies=int_or_digits(metrics.get("reply_count"), signed=True),
                quotes=int_or_digits(metrics.get("quote_count"), signed=True),
            )
        )
    return records


def _is_tweet(value: dict[str, Any]) -> bool:
    return "id" in value and ("text" in value or "note_tweet" in value)


def _is_user(value: dict[str, Any]) -> bool:
    return "id" in value and "username" in value and "text" not in value


def map_line(value: Any, received_at: datetime, *, source: str = "twitter-v2") -> list[Record]:
    """Records of one twarc JSONL line (a response page or one flattened tweet or user)."""
    if not isinstance(value, dict):
        raise MappingError(t("tw.not_object", kind=type(value).__name__))
    meta = as_dict(value.get("__twarc"))
    observed_at = time_of(meta.get("retrieved_at")) or received_at
    includes = as_dict(value.get("includes"))
    tweets: list[dict[str, Any]] = []  # the page's own tweets: each must map
    context: list[dict[str, Any]] = []  # expanded tweets: skipped when incomplete
    users: list[dict[str, Any]] = []
    if "data" in value:
        data = value["data"]
        items = data if isinstance(data, list) else [data]
        for item in items:
            item = as_dict(item)
            if "tweet_count" in item and "start" in item:
                raise MappingError(t("tw.counts"))
            if _is_tweet(item):
                tweets.append(item)
            elif _is_user(item):
                users.append(item)
    elif _is_tweet(value):
        tweets.append(value)
    elif _is_user(value):
        users.append(value)
    elif "errors" not in value:
        raise MappingError(t("tw.unknown"))
    # flattened tweets carry their expansions inline
    for tweet in tweets:
        author = as_dict(tweet.get("author"))
        if author:
            users.append(author)
        for ref in as_list(tweet.get("referenced_tweets")):
            ref = as_dict(ref)
            if _is_tweet(ref):
                context.append(ref)
                ref_author = as_dict(ref.get("author"))
                if ref_author:
                    users.append(ref_author)
    users.extend(as_dict(u) for u in as_list(includes.get("users")))
    context.extend(as_dict(x) for x in as_list(includes.get("tweets")))
    by_name: dict[str, str] = {}
    records: list[Record] = []
    seen_users: set[str] = set()
    for user in users:
        user_id = numeric_id(user.get("id"))
        if user_id is None or user_id in seen_users:
            continue
        seen_users.add(user_id)
        name = nonempty_str(user.get("username"))
        if name:
            by_name[name.lower()] = user_id
        records.extend(map_user(user, observed_at))
    seen_tweets: set[str] = set()
    for tweet in tweets:
        tweet_id = numeric_id(tweet.get("id"))
        if tweet_id is not None and tweet_id in seen_tweets:
            continue
        records.extend(map_tweet(tweet, observed_at, source=source, users=by_name))
        seen_tweets.add(str(tweet_id))
    for tweet in context:
        tweet_id = numeric_id(tweet.get("id"))
        if tweet_id is None or tweet_id in seen_tweets:
            continue
        seen_tweets.add(tweet_id)
        try:
            records.extend(map_tweet(tweet, observed_at, source=source, users=by_name))
        except MappingError:
            continue  # an expanded tweet without author or date (withheld, deleted)
    return records


class TwitterV2Importer(JsonLinesImporter):
    """Import twarc JSONL (Twitter API v2 responses), plain, .gz, .zst, folders or zips."""

    id: ClassVar[str] = "twitter-v2"
    network: ClassVar[str] = NETWORK
    description: ClassVar[str] = (
        "Twitter API v2 JSONL as twarc writes it (pages or flattened tweets): tweets, "
        "replies, quotes, retweets, metrics, users"
    )

    class Options(JsonLinesImporter.Options):
        max_line_bytes: int = Field(
            default=MAX_PAGE_BYTES,
            gt=0,
            description="A page line longer than this is rejected (a page holds up to 500 "
            "tweets with their expansions).",
        )

    @classmethod
    def to_records(cls, raw: RawItem) -> list[Record]:
        value = decode_json(raw.payload)
        return map_line(value, raw.received_at, source=cls.id)


CONNECTORS = [TwitterV2Importer]
