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

Edited tweets: every version lists the ids of all versions, oldest first
(``edit_history_tweet_ids``). The versions are one post, keyed by the original tweet's URI
(X's own URL for it shows the latest version); within a line the latest version is the one
mapped, with ``post_id`` its own id. A page whose objects are neither tweets nor users (a
lists page, spaces...) is rejected with what it holds, instead of importing nothing silently.
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
        "tw.not_tweets": (
            "page de {n} objet(s) qui ne sont ni des tweets ni des comptes (clés : {keys}) :"
            " rien à importer",
            "page of {n} object(s) that are neither tweets nor users (keys: {keys}):"
            " nothing to import",
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
    # every version of an edited tweet is one post, keyed by the original tweet (its URL on X
    # shows the latest version); ``post_id`` is the id of the version mapped
    history = edit_history(tweet)
    uri = tweet_uri(history[0] if history else tweet_id)
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
        edit_history=history if len(history) > 1 else [],
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


def edit_history(tweet: dict[str, Any]) -> list[str]:
    """The ids of every version of a tweet, oldest first (``edit_history_tweet_ids``); the
    tweet's own id alone when it was never edited."""
    history = [
        i for i in (numeric_id(x) for x in as_list(tweet.get("edit_history_tweet_ids"))) if i
    ]
    own = numeric_id(tweet.get("id"))
    if own and own not in history:
        history.append(own)
    return history


def latest_versions(tweets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One object per edited tweet, the latest version (the one furthest in its edit
    history), in the order of first appearance; unedited tweets as they are."""
    best: dict[str, tuple[int, dict[str, Any]]] = {}
    order: list[str] = []
    for tweet in tweets:
        history = edit_history(tweet)
        if not history:
            order.append(str(id(tweet)))
            best[str(id(tweet))] = (0, tweet)
            continue
        original = history[0]
        own = numeric_id(tweet.get("id"))
        rank = history.index(own) if own in history else -1
        if original not in best:
            order.append(original)
            best[original] = (rank, tweet)
        elif rank > best[original][0]:
            best[original] = (rank, tweet)
    return [best[k][1] for k in order]


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
        others: list[Any] = []
        for item in items:
            if isinstance(item, dict) and "tweet_count" in item and "start" in item:
                raise MappingError(t("tw.counts"))
            if isinstance(item, dict) and _is_tweet(item):
                tweets.append(item)
            elif isinstance(item, dict) and _is_user(item):
                users.append(item)
            else:
                others.append(item)
        if others and not tweets and not users:  # a lists, spaces or media page...
            keys = sorted({str(k) for o in others if isinstance(o, dict) for k in o})
            kind = ", ".join(keys[:10]) or type(others[0]).__name__
            raise MappingError(t("tw.not_tweets", n=len(others), keys=kind))
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
    tweets = latest_versions(tweets)
    context = latest_versions(context)
    for tweet in tweets:
        records.extend(map_tweet(tweet, observed_at, source=source, users=by_name))
        seen_tweets.update(edit_history(tweet))
    for tweet in context:
        tweet_id = numeric_id(tweet.get("id"))
        if tweet_id is None or tweet_id in seen_tweets:
            continue
        seen_tweets.update(edit_history(tweet))
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
