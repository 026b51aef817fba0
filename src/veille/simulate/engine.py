"""The simulation engine: a single pass over simulated time that writes every event to disk
as it happens.

Memory stays bounded whatever the number of posts: the engine keeps per-person counters
(compact ``array``\\ s), a ring of recent posts per network (what replies, quotes, reposts
and likes point at), each leader's last posts (for AppView feed snapshots), the Mastodon
statuses of the last few hours (written once their counts have settled a little, like a
poller would see them), the web feeds' items (a few per day), and the planted events'
tallies. Organic activity is drawn one day at a time with numpy (times, authors, kinds),
then merged in time order with scheduled events (leader posts and replies, news articles,
planted episodes, daily AppView snapshots) from a heap."""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
import random
from array import array
from collections import deque
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

import msgspec
import numpy as np

from veille.simulate import texts
from veille.simulate.ids import CidPool, iso_ms, iso_us, snowflake, tid
from veille.simulate.population import (
    BOT,
    BSKY,
    EMPLOYEE,
    INVESTOR,
    JOURNALIST,
    LEADER,
    MASTO,
    MEDIA,
    ORG,
    ORG_INDEX,
    ORGS,
    PEER,
    POLITICIAN,
    PUBLIC,
    TROLL,
    VIEW_INSTANCE,
    Person,
    Population,
    build_population,
    slugify,
)
from veille.simulate.render import (
    LINK,
    MENTION,
    TAG,
    TEXT,
    Feed,
    FeedItem,
    MastoAccountRef,
    Part,
    bsky_text,
    esc_html,
    masto_content,
)
from veille.simulate.texts import elide

DAY = 86_400_000_000
HOUR = 3_600_000_000
MINUTE = 60_000_000

#: The v2 lexicon of Jetstream events (``$type`` prefix of every v2 payload).
V2 = "network.bsky.jetstream.subscribeEvents"

RING = 4096  # recent posts kept per network as targets
RING_MEAN = 600.0  # mean distance back into the ring when picking a target
MASTO_DELAY = 3 * HOUR  # statuses are written as observed this long after creation
SNAPSHOT_HOUR = 6  # AppView snapshots at 06:00 UTC
FEED_WINDOW = 7 * DAY  # getAuthorFeed pages cover the leader's last 7 days
FEED_LIMIT = 25
LIKES_PER_POST = 1.1
FOLLOWS_PER_POST = 0.06
DELETES_PER_POST = 0.006
MAX_URIS = 5000  # per planted event, in the ground truth

#: Hourly activity on local time (0h..23h), before normalisation.
LOCAL_PROFILE = np.array(
    [
        0.25,
        0.12,
        0.06,
        0.04,
        0.04,
        0.08,
        0.3,
        0.7,
        1.0,
        1.05,
        0.95,
        0.9,
        1.0,
        0.95,
        0.85,
        0.85,
        0.9,
        1.0,
        1.05,
        1.1,
        1.1,
        0.95,
        0.7,
        0.45,
    ]
)
TIMEZONES = (ZoneInfo("Europe/Paris"), ZoneInfo("America/New_York"))

# Sentiment mix (positive, neutral; the rest negative) and actions (original, reply,
# repost; the rest quotes) by kind of person.
SENTIMENT: dict[int, tuple[float, float]] = {
    PUBLIC: (0.30, 0.75),
    EMPLOYEE: (0.62, 0.96),
    JOURNALIST: (0.12, 0.90),
    PEER: (0.45, 0.90),
    INVESTOR: (0.30, 0.75),
    POLITICIAN: (0.30, 0.70),
    TROLL: (0.02, 0.10),
    BOT: (0.0, 1.0),
    ORG: (0.6, 1.0),
    MEDIA: (0.1, 0.9),
    LEADER: (0.7, 1.0),
}
ACTIONS: dict[int, tuple[float, float, float]] = {
    PUBLIC: (0.40, 0.70, 0.92),
    EMPLOYEE: (0.35, 0.55, 0.93),
    JOURNALIST: (0.50, 0.75, 0.90),
    PEER: (0.45, 0.70, 0.90),
    INVESTOR: (0.50, 0.75, 0.90),
    POLITICIAN: (0.50, 0.75, 0.90),
    TROLL: (0.50, 0.90, 0.95),
    BOT: (0.85, 0.85, 1.0),
    ORG: (0.60, 0.85, 1.0),
    MEDIA: (0.80, 0.80, 1.0),
}
WEIGHT: dict[int, float] = {
    LEADER: 0.0,
    ORG: 2.0,
    MEDIA: 4.0,
    JOURNALIST: 3.0,
    EMPLOYEE: 1.1,
    PUBLIC: 1.0,
    PEER: 1.2,
    INVESTOR: 1.5,
    POLITICIAN: 1.6,
    TROLL: 0.4,
    BOT: 22.0,
}
FOLLOWERS_MU: dict[int, float] = {
    LEADER: 9.3,
    ORG: 9.8,
    MEDIA: 10.8,
    JOURNALIST: 7.3,
    EMPLOYEE: 5.0,
    PUBLIC: 4.6,
    PEER: 7.0,
    INVESTOR: 6.8,
    POLITICIAN: 7.8,
    TROLL: 4.2,
    BOT: 5.2,
}


class Ref:
    """A post as the engine remembers it (while it is recent): enough to reply to it,
    quote it, repost or like it, count its engagement, and render it again."""

    __slots__ = (
        "author",
        "cid",
        "content",
        "deleted",
        "lang",
        "likes",
        "mentions",
        "net",
        "quote",
        "quotes",
        "reblog",
        "record",
        "replies",
        "reply_acct",
        "reply_sid",
        "reposts",
        "rkey",
        "root_cid",
        "root_uri",
        "tags",
        "uri",
        "us",
    )

    def __init__(self, net: int, author: int, uri: str, cid: str, us: int, lang: str) -> None:
        self.net = net
        self.author = author
        self.uri = uri
        self.cid = cid  # Bluesky CID, or Mastodon status id
        self.us = us
        self.lang = lang
        self.root_uri = uri
        self.root_cid = cid
        self.rkey = ""
        self.likes = 0
        self.reposts = 0
        self.replies = 0
        self.quotes = 0
        self.deleted = False
        self.record: dict[str, Any] | None = None
        self.content = ""
        self.mentions: list[dict[str, str]] = []
        self.tags: list[dict[str, str]] = []
        self.reply_sid: str | None = None
        self.reply_acct: str | None = None
        self.quote: Ref | None = None
        self.reblog: Ref | None = None


class Planted:
    """Tally of one planted episode: what was actually written for it."""

    def __init__(self, eid: str, kind: str, info: dict[str, Any]) -> None:
        self.id = eid
        self.kind = kind
        self.info = info
        self.n_posts = 0
        self.n_reposts = 0
        self.n_negative = 0
        self.authors: dict[str, int] = {}
        self.first_us = 0
        self.last_us = 0
        self.uris: list[str] = []
        self.networks: dict[str, int] = {"bluesky": 0, "mastodon": 0}

    def add(self, ref: Ref, pid: str, negative: bool) -> None:
        self.n_posts += 1
        self.n_negative += negative
        self.authors[pid] = self.authors.get(pid, 0) + 1
        if not self.first_us:
            self.first_us = ref.us
        self.last_us = ref.us
        self.networks["bluesky" if ref.net == BSKY else "mastodon"] += 1
        if len(self.uris) < MAX_URIS:
            self.uris.append(ref.uri)


class Conversation:
    """What a leader did with the accounts that mentioned or replied to them."""

    def __init__(self) -> None:
        self.first_mention: dict[tuple[int, int], int] = {}
        self.answered: set[tuple[int, int]] = set()
        self.response_minutes: list[float] = []
        self.originals = 0
        self.replies = 0
        self.reposts = 0
        self.scheduled: dict[int, int] = {}


Progress = Callable[[int], None]


class Engine:
    """One simulation run. ``run()`` writes everything under ``out_dir``."""

    def __init__(
        self,
        out_dir: Path,
        *,
        seed: int,
        posts: int,
        weeks: int,
        start: date,
        on_progress: Progress | None = None,
        jetstream: str = "v1",
    ) -> None:
        self.out = out_dir
        self.seed = seed
        self.target_posts = posts
        self.weeks = weeks
        self.days = weeks * 7
        self.start = start
        self.start_us = (
            int(datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp()) * 1_000_000
        )
        self.end_us = self.start_us + self.days * DAY
        self.on_progress = on_progress
        if jetstream not in ("v1", "v2"):
            raise ValueError(f"jetstream must be 'v1' or 'v2', not {jetstream!r}")
        self.v2 = jetstream == "v2"
        self.js_seq = 0
        self.rng = random.Random(seed)
        self.scale = min(25.0, max(0.25, math.sqrt(posts / 20_000)))
        total = min(100_000, max(600, posts // 25))
        n_trolls = min(24, max(4, round(6 * self.scale)))
        n_bots = min(40, max(3, round(5 * self.scale)))
        self.pop: Population = build_population(
            self.rng,
            seed=seed,
            total=total,
            n_trolls=n_trolls,
            n_bots=n_bots,
            start_us=self.start_us,
        )
        self.people: list[Person] = self.pop.people
        self.leaders = self.pop.leaders
        self._init_columns()
        self._init_state()
        self.enc = msgspec.json.Encoder()
        self.cids = CidPool(seed)

    # ------------------------------------------------------------------ setup

    def _init_columns(self) -> None:
        people = self.people
        rng = self.rng
        self.handles = [p.handle if p.networks & BSKY else "" for p in people]
        self.dids = [p.did for p in people]
        self.pnames = [p.name for p in people]
        for p in people:
            if p.networks & MASTO:
                p.m_id = snowflake(p.created_us // 1000, p.idx)
        self.macc: list[MastoAccountRef | None] = [
            MastoAccountRef(p.m_id, p.m_user, p.acct, p.m_url) if p.networks & MASTO else None
            for p in people
        ]
        n = len(people)
        fol_b, fing_b, posts_b, fol_m, fing_m, posts_m = (array("q") for _ in range(6))
        weights = np.zeros(n)
        regions = np.zeros(n, dtype=np.int8)
        for p in people:
            mu = FOLLOWERS_MU[p.kind]
            f = int(math.exp(rng.gauss(mu, 0.9)))
            fol_b.append(f)
            fol_m.append(int(f * rng.uniform(0.1, 0.4)))
            fing_b.append(int(math.exp(rng.gauss(5.4 if p.kind not in (ORG, MEDIA) else 4.0, 0.8))))
            fing_m.append(int(math.exp(rng.gauss(4.5, 0.8))))
            base_posts = int(math.exp(rng.gauss(9.0 if p.kind == BOT else 6.3, 1.1)))
            posts_b.append(base_posts)
            posts_m.append(int(base_posts * rng.uniform(0.2, 0.8)))
            spread = 0.3 if p.kind == BOT else 0.8
            p.weight = WEIGHT[p.kind] * math.exp(rng.gauss(0.0, spread))
            weights[p.idx] = p.weight
            regions[p.idx] = p.region
        self.fol_b, self.fing_b, self.posts_b = fol_b, fing_b, posts_b
        self.fol_m, self.fing_m, self.posts_m = fol_m, fing_m, posts_m
        self.weights = weights
        self.regions = regions
        self.introduced = bytearray(n)
        self.active = bytearray(b"\x01") * n
        self.org_index = ORG_INDEX
        self.p_directed = 0.1
        self.leader_of_person = {spec.person: li for li, spec in enumerate(self.leaders)}
        self.company_orgs = [i for i, o in enumerate(ORGS) if o.kind != "media"]
        self.company_weights = [2.0 if ORGS[i].kind == "own" else 1.0 for i in self.company_orgs]
        self.media_orgs = [i for i, o in enumerate(ORGS) if o.kind == "media"]
        self.orgs_by_sector: dict[str, list[int]] = {s: [] for s in texts.SECTORS}
        for i in self.company_orgs:
            self.orgs_by_sector[ORGS[i].sector].append(i)
        self.journalists_of: dict[int, list[int]] = {i: [] for i in self.media_orgs}
        for idx in self.pop.by_kind[JOURNALIST]:
            self.journalists_of[people[idx].employer].append(idx)
        self.leaders_of_org: dict[int, list[int]] = {}
        for li, spec in enumerate(self.leaders):
            self.leaders_of_org.setdefault(spec.org, []).append(li)
        # Leaders attract attention in proportion to the square root of their audience.
        self.leader_pop = [math.sqrt(self.fol_b[s.person]) for s in self.leaders]
        self.leader_cum = list(itertools.accumulate(self.leader_pop))
        self.company_cum = list(itertools.accumulate(self.company_weights))
        self._m_static: dict[int, dict[str, Any]] = {}
        # Daily hidden growth of the audience of tracked accounts (leaders, organisations).
        self.tracked = [s.person for s in self.leaders] + list(self.pop.org_person)
        self.growth = {idx: rng.uniform(0.0005, 0.004) for idx in self.tracked}

    def _init_state(self) -> None:
        self.heap: list[tuple[int, int, str, tuple[Any, ...]]] = []
        self.hseq = 0
        self.last_us = self.start_us
        self.last_tus = self.start_us
        self.relay_seq = 30_000_000_000
        self.mseq = 0
        self.ring: dict[int, list[Ref | None]] = {BSKY: [None] * RING, MASTO: [None] * RING}
        self.ring_n = {BSKY: 0, MASTO: 0}
        self.lfeed: dict[tuple[int, int], deque[Ref]] = {}
        self.opool: dict[tuple[int, int], deque[Ref]] = {}
        self.deletable: list[tuple[Any, ...]] = []
        self.mbuf: deque[Ref] = deque()
        self.conv = [Conversation() for _ in self.leaders]
        self.events: dict[str, Planted] = {}
        self.feeds: dict[str, Feed] = {}
        self.feed_of_org: dict[int, str] = {}
        self.feed_of_leader: dict[int, str] = {}
        self.article_no = 0
        self.handle_changes: list[dict[str, Any]] = []
        self.deactivations: list[dict[str, Any]] = []
        self.deleted = {"posts": 0, "likes": 0, "follows": 0}
        self.c: dict[str, int] = {
            "bluesky_posts": 0,
            "bluesky_replies": 0,
            "bluesky_quotes": 0,
            "bluesky_reposts": 0,
            "bluesky_likes": 0,
            "bluesky_follows": 0,
            "bluesky_deletes": 0,
            "bluesky_identity": 0,
            "bluesky_account": 0,
            "bluesky_profiles": 0,
            "mastodon_statuses": 0,
            "mastodon_replies": 0,
            "mastodon_quotes": 0,
            "mastodon_reblogs": 0,
            "mastodon_favourites": 0,
            "mastodon_follows": 0,
            "appview_profiles": 0,
            "appview_feeds": 0,
            "web_items": 0,
            "lang_fr": 0,
            "lang_en": 0,
        }
        self.n_posts = 0
        self.n_scheduled_posts = 0
        self.files: dict[str, int] = {}
        self._js: BinaryIO | None = None
        self._js_name = ""
        self._js_until = 0
        self._js_lines = 0
        self._jbuf = bytearray()
        self._mfile: BinaryIO | None = None
        self._afile: BinaryIO | None = None
        self.day = 0

    # ------------------------------------------------------------------ output

    def _open_js(self, tus: int) -> BinaryIO:
        day_index = (tus - self.start_us) // DAY
        start = self.start_us + day_index * DAY
        self._close_js()
        name = f"bluesky/jetstream-{(self.start + timedelta(days=day_index)).isoformat()}.jsonl"
        self._js = (self.out / name).open("ab")
        self._js_name = name
        self._js_until = start + DAY
        return self._js

    def _close_js(self) -> None:
        if self._js is not None:
            self._js.write(self._jbuf)
            self._jbuf.clear()
            self._js.close()
            self.files[self._js_name] = self.files.get(self._js_name, 0) + self._js_lines
            self._js = None
        self._js_lines = 0

    def _js_write(self, tus: int, obj: dict[str, Any]) -> None:
        if tus >= self._js_until or self._js is None:
            self._open_js(tus)
        buf = self._jbuf
        self.enc.encode_into(obj, buf, -1)
        buf.append(10)
        self._js_lines += 1
        if len(buf) > 1 << 20:
            self._js.write(buf)  # type: ignore[union-attr]
            buf.clear()

    def _stamp(self, us: int) -> int:
        """Strictly increasing creation times."""
        if us <= self.last_us:
            us = self.last_us + 1
        self.last_us = us
        return us

    def _witness(self, us: int) -> int:
        """Jetstream's ``time_us``: a little after creation, strictly increasing."""
        tus = us + 30_000 + int(self.rng.random() * 800_000)
        if tus <= self.last_tus:
            tus = self.last_tus + 1
        self.last_tus = tus
        return tus

    def _commit(
        self,
        did: str,
        us: int,
        operation: str,
        collection: str,
        rkey: str,
        record: dict[str, Any] | None = None,
        cid: str | None = None,
    ) -> None:
        # The witness time (inlined _witness: this is the hottest path).
        tus = us + 30_000 + int(self.rng.random() * 800_000)
        if tus <= self.last_tus:
            tus = self.last_tus + 1
        self.last_tus = tus
        rev = tid(tus, int(self.rng.random() * 1024))
        if self.v2:
            self.js_seq += 1
            event: dict[str, Any] = {
                "$type": f"{V2}#commit",
                "seq": self.js_seq,
                "did": did,
                "time": iso_us(tus),
                "rev": rev,
                "operation": operation,
                "collection": collection,
                "rkey": rkey,
            }
            if record is not None:
                event["record"] = record
                event["cid"] = cid
        else:
            commit: dict[str, Any] = {
                "rev": rev,
                "operation": operation,
                "collection": collection,
                "rkey": rkey,
            }
            if record is not None:
                commit["record"] = record
                commit["cid"] = cid
            event = {"did": did, "time_us": tus, "kind": "commit", "commit": commit}
        self._js_write(tus, event)

    def upstream(self, did: str, us: int, kind: str, body: dict[str, Any]) -> None:
        """An identity or account event (the relay's event wrapped by Jetstream)."""
        tus = self._witness(us)
        if self.v2:
            self.js_seq += 1
            event = {
                "$type": f"{V2}#{kind}",
                "seq": self.js_seq,
                "did": did,
                "time": iso_us(tus),
                kind: body,
            }
        else:
            event = {"did": did, "time_us": tus, "kind": kind, kind: body}
        self._js_write(tus, event)

    def _relay_seq(self) -> int:
        self.relay_seq += 1 + self.rng.randrange(50)
        return self.relay_seq

    def _introduce(self, a: int, us: int) -> None:
        """First appearance of a Bluesky account: its handle (identity event) and profile."""
        self.introduced[a] = 1
        p = self.people[a]
        self.upstream(
            p.did,
            us,
            "identity",
            {"did": p.did, "handle": p.handle, "seq": self._relay_seq(), "time": iso_ms(us)},
        )
        self.c["bluesky_identity"] += 1
        record: dict[str, Any] = {
            "$type": "app.bsky.actor.profile",
            "createdAt": iso_ms(p.created_us),
        }
        if p.bio:
            record["description"] = p.bio
        record["displayName"] = p.display_name
        self._commit(
            p.did, us, "update", "app.bsky.actor.profile", "self", record, self.cids.next()
        )
        self.c["bluesky_profiles"] += 1

    def _push(self, us: int, code: str, *payload: Any) -> None:
        self.hseq += 1
        heapq.heappush(self.heap, (us, self.hseq, code, payload))

    # ------------------------------------------------------------------ emission

    def post(
        self,
        us: int,
        a: int,
        net: int,
        parts: list[Part],
        lang: str,
        *,
        reply: Ref | None = None,
        quote: Ref | None = None,
        event: Planted | None = None,
        negative: bool = False,
        keep_record: bool = False,
        deletable: bool = False,
        targetable: bool = True,
    ) -> Ref:
        """Write one post, reply or quote by person ``a`` on ``net``."""
        p = self.people[a]
        us = self._stamp(us)
        if lang == "fr":
            parts = [(TEXT, elide(v)) if k == TEXT else (k, v) for k, v in parts]
        if net == BSKY:
            if not self.introduced[a]:
                self._introduce(a, us)
            text, facets = bsky_text(parts, self.handles, self.dids, self.pnames)
            record: dict[str, Any] = {"$type": "app.bsky.feed.post", "createdAt": iso_ms(us)}
            if quote is not None:
                record["embed"] = {
                    "$type": "app.bsky.embed.record",
                    "record": {"cid": quote.cid, "uri": quote.uri},
                }
            if facets:
                record["facets"] = facets
            record["langs"] = [lang]
            if reply is not None:
                record["reply"] = {
                    "parent": {"cid": reply.cid, "uri": reply.uri},
                    "root": {"cid": reply.root_cid, "uri": reply.root_uri},
                }
            record["text"] = text
            rkey = tid(us, a & 1023)
            uri = f"at://{p.did}/app.bsky.feed.post/{rkey}"
            cid = self.cids.next()
            self._commit(p.did, us, "create", "app.bsky.feed.post", rkey, record, cid)
            ref = Ref(BSKY, a, uri, cid, us, lang)
            ref.rkey = rkey
            if reply is not None:
                ref.root_uri, ref.root_cid = reply.root_uri, reply.root_cid
            if keep_record:
                ref.record = record
            self.posts_b[a] += 1
            key = "bluesky_replies" if reply else "bluesky_quotes" if quote else "bluesky_posts"
            if deletable:
                self._deletable(("post", ref, reply, quote))
        else:
            if (
                reply is not None
                and self.macc[reply.author] is not None
                and not any(k == MENTION and v == reply.author for k, v in parts)
            ):
                parts = [(MENTION, reply.author), (TEXT, " "), *parts]
            content, mentions, tags = masto_content(parts, self.macc, self.pnames, VIEW_INSTANCE)
            sid = snowflake(us // 1000, self.mseq)
            self.mseq += 1
            ref = Ref(MASTO, a, f"{p.m_uri}/statuses/{sid}", sid, us, lang)
            ref.content, ref.mentions, ref.tags = content, mentions, tags
            if reply is not None:
                ref.reply_sid = reply.cid
                ref.reply_acct = self.people[reply.author].m_id
            ref.quote = quote
            self.posts_m[a] += 1
            self.mbuf.append(ref)
            key = (
                "mastodon_replies" if reply else "mastodon_quotes" if quote else "mastodon_statuses"
            )
        self.c[key] += 1
        self.c["lang_fr" if lang == "fr" else "lang_en"] += 1
        self._last_negative = negative
        if reply is not None:
            reply.replies += 1
        if quote is not None:
            quote.quotes += 1
        if targetable:
            ring = self.ring[net]
            ring[self.ring_n[net] % RING] = ref
            self.ring_n[net] += 1
        if event is not None:
            event.add(ref, p.pid, negative)
        self._count_post()
        # Who was addressed: leaders mentioned, or the author of the post replied to.
        leaders = self.leader_of_person
        addressed: set[int] = set()
        for kind, value in parts:
            # A mention only counts where it is one: the person has an account there.
            if (
                kind == MENTION
                and value in leaders
                and value != a
                and self.people[value].networks & net
            ):
                addressed.add(value)
        if reply is not None and reply.author in leaders and reply.author != a:
            addressed.add(reply.author)
        for person in addressed:
            self._on_mention(leaders[person], ref)
        return ref

    def repost(self, us: int, a: int, target: Ref, event: Planted | None = None) -> Ref:
        p = self.people[a]
        us = self._stamp(us)
        if target.net == BSKY:
            if not self.introduced[a]:
                self._introduce(a, us)
            rkey = tid(us, a & 1023)
            uri = f"at://{p.did}/app.bsky.feed.repost/{rkey}"
            record = {
                "$type": "app.bsky.feed.repost",
                "createdAt": iso_ms(us),
                "subject": {"cid": target.cid, "uri": target.uri},
            }
            cid = self.cids.next()
            self._commit(p.did, us, "create", "app.bsky.feed.repost", rkey, record, cid)
            ref = Ref(BSKY, a, uri, cid, us, target.lang)
            self.c["bluesky_reposts"] += 1
        else:
            sid = snowflake(us // 1000, self.mseq)
            self.mseq += 1
            ref = Ref(MASTO, a, f"{p.m_uri}/statuses/{sid}/activity", sid, us, target.lang)
            ref.reblog = target
            self.posts_m[a] += 1
            self.mbuf.append(ref)
            self.c["mastodon_reblogs"] += 1
        target.reposts += 1
        if event is not None:
            event.n_reposts += 1
        self._count_post()
        return ref

    def like(self, us: int, a: int, target: Ref) -> None:
        if target.net == BSKY:
            us = self._stamp(us)
            if not self.introduced[a]:
                self._introduce(a, us)
            p = self.people[a]
            rkey = tid(us, a & 1023)
            record = {
                "$type": "app.bsky.feed.like",
                "createdAt": iso_ms(us),
                "subject": {"cid": target.cid, "uri": target.uri},
            }
            self._commit(p.did, us, "create", "app.bsky.feed.like", rkey, record, self.cids.next())
            self.c["bluesky_likes"] += 1
            if self.rng.random() < 0.05:
                self._deletable(("like", a, rkey, target))
        else:
            self.c["mastodon_favourites"] += 1
        target.likes += 1

    def follow(self, us: int, a: int, b: int, net: int) -> None:
        if net == BSKY:
            us = self._stamp(us)
            if not self.introduced[a]:
                self._introduce(a, us)
            p = self.people[a]
            rkey = tid(us, a & 1023)
            record = {
                "$type": "app.bsky.graph.follow",
                "createdAt": iso_ms(us),
                "subject": self.people[b].did,
            }
            self._commit(
                p.did, us, "create", "app.bsky.graph.follow", rkey, record, self.cids.next()
            )
            self.fol_b[b] += 1
            self.fing_b[a] += 1
            self.c["bluesky_follows"] += 1
            if self.rng.random() < 0.1:
                self._deletable(("follow", a, b, rkey))
        else:
            self.fol_m[b] += 1
            self.fing_m[a] += 1
            self.c["mastodon_follows"] += 1

    def _deletable(self, item: tuple[Any, ...]) -> None:
        if len(self.deletable) < 2048:
            self.deletable.append(item)
        else:
            self.deletable[self.rng.randrange(2048)] = item

    def delete_one(self, us: int) -> None:
        """Delete a recent post, like or follow (Bluesky delete commit)."""
        if not self.deletable:
            return
        i = self.rng.randrange(len(self.deletable))
        item = self.deletable[i]
        self.deletable[i] = self.deletable[-1]
        self.deletable.pop()
        us = self._stamp(us)
        if item[0] == "post":
            _, ref, parent, quoted = item
            if ref.deleted:
                return
            ref.deleted = True
            if parent is not None:
                parent.replies -= 1
            if quoted is not None:
                quoted.quotes -= 1
            self._commit(self.people[ref.author].did, us, "delete", "app.bsky.feed.post", ref.rkey)
            self.posts_b[ref.author] -= 1
            self.deleted["posts"] += 1
        elif item[0] == "like":
            _, a, rkey, target = item
            self._commit(self.people[a].did, us, "delete", "app.bsky.feed.like", rkey)
            target.likes -= 1
            self.deleted["likes"] += 1
        else:
            _, a, b, rkey = item
            self._commit(self.people[a].did, us, "delete", "app.bsky.graph.follow", rkey)
            self.fol_b[b] -= 1
            self.fing_b[a] -= 1
            self.deleted["follows"] += 1
        self.c["bluesky_deletes"] += 1

    def _count_post(self) -> None:
        self.n_posts += 1
        if self.on_progress is not None and self.n_posts % 2000 == 0:
            self.on_progress(self.n_posts)

    # ------------------------------------------------------------------ mastodon output

    def _m_account(self, p: Person, last_us: int) -> dict[str, Any]:
        i = p.idx
        static = self._m_static.get(i)
        if static is None:
            fields: list[dict[str, Any]] = []
            if p.kind in (ORG, MEDIA, LEADER) or (p.kind == EMPLOYEE and p.employer >= 0):
                org = ORGS[p.employer] if p.employer >= 0 else ORGS[self.org_index[p.org_id]]
                fields.append(
                    {
                        "name": "Site",
                        "value": (
                            f'<a href="https://{org.domain}" target="_blank" '
                            f'rel="nofollow noopener me" translate="no"><span class="invisible">'
                            f'https://</span><span class="">{org.domain}</span><span '
                            f'class="invisible"></span></a>'
                        ),
                        "verified_at": None,
                    }
                )
            avatar = f"https://{VIEW_INSTANCE}/avatars/original/missing.png"
            header = f"https://{VIEW_INSTANCE}/headers/original/missing.png"
            static = {
                "id": p.m_id,
                "username": p.m_user,
                "acct": p.acct,
                "display_name": p.display_name,
                "locked": False,
                "bot": p.kind == BOT,
                "discoverable": True,
                "group": False,
                "created_at": iso_ms(p.created_us - p.created_us % DAY),
                "note": f"<p>{esc_html(p.bio)}</p>" if p.bio else "",
                "url": p.m_url,
                "uri": p.m_uri,
                "avatar": avatar,
                "avatar_static": avatar,
                "header": header,
                "header_static": header,
                "followers_count": 0,
                "following_count": 0,
                "statuses_count": 0,
                "last_status_at": "",
                "emojis": [],
                "fields": fields,
            }
            if len(self._m_static) < 20_000:
                self._m_static[i] = static
        account = dict(static)
        account["followers_count"] = self.fol_m[i]
        account["following_count"] = self.fing_m[i]
        account["statuses_count"] = self.posts_m[i]
        account["last_status_at"] = iso_ms(last_us)[:10]
        return account

    def _m_status(self, ref: Ref, depth: int = 0) -> dict[str, Any]:
        p = self.people[ref.author]
        if ref.reblog is not None:
            return {
                "id": ref.cid,
                "created_at": iso_ms(ref.us),
                "in_reply_to_id": None,
                "in_reply_to_account_id": None,
                "sensitive": False,
                "spoiler_text": "",
                "visibility": "public",
                "language": None,
                "uri": ref.uri,
                "url": ref.uri,
                "replies_count": 0,
                "reblogs_count": 0,
                "favourites_count": 0,
                "quotes_count": 0,
                "edited_at": None,
                "content": "",
                "reblog": self._m_status(ref.reblog, depth + 1),
                "account": self._m_account(p, ref.us),
                "media_attachments": [],
                "mentions": [],
                "tags": [],
                "emojis": [],
                "card": None,
                "poll": None,
                "quote": None,
            }
        quote = None
        if ref.quote is not None and depth == 0:
            quote = {"state": "accepted", "quoted_status": self._m_status(ref.quote, 1)}
        return {
            "id": ref.cid,
            "created_at": iso_ms(ref.us),
            "in_reply_to_id": ref.reply_sid,
            "in_reply_to_account_id": ref.reply_acct,
            "sensitive": False,
            "spoiler_text": "",
            "visibility": "public",
            "language": ref.lang,
            "uri": ref.uri,
            "url": f"{p.m_url}/{ref.cid}",
            "replies_count": ref.replies,
            "reblogs_count": ref.reposts,
            "favourites_count": ref.likes,
            "quotes_count": ref.quotes,
            "edited_at": None,
            "content": ref.content,
            "reblog": None,
            "account": self._m_account(p, ref.us),
            "media_attachments": [],
            "mentions": ref.mentions,
            "tags": ref.tags,
            "emojis": [],
            "card": None,
            "poll": None,
            "quote": quote,
        }

    def _flush_masto(self, now_us: int, final: bool = False) -> None:
        buf = self.mbuf
        while buf and (final or buf[0].us + MASTO_DELAY <= now_us):
            ref = buf.popleft()
            assert self._mfile is not None
            self._mfile.write(self.enc.encode(self._m_status(ref)) + b"\n")
            self.files["mastodon/statuses.jsonl"] = self.files.get("mastodon/statuses.jsonl", 0) + 1

    # ------------------------------------------------------------------ appview output

    def _profile_view(self, a: int, us: int) -> dict[str, Any]:
        p = self.people[a]
        return {
            "did": p.did,
            "handle": p.handle,
            "displayName": p.display_name,
            "associated": {"lists": 0, "feedgens": 0, "starterPacks": 0, "labeler": False},
            "labels": [],
            "createdAt": iso_ms(p.created_us),
            "description": p.bio,
            "indexedAt": iso_ms(us),
            "followersCount": self.fol_b[a],
            "followsCount": self.fing_b[a],
            "postsCount": self.posts_b[a],
        }

    def _post_view(self, ref: Ref) -> dict[str, Any]:
        p = self.people[ref.author]
        return {
            "uri": ref.uri,
            "cid": ref.cid,
            "author": {
                "did": p.did,
                "handle": p.handle,
                "displayName": p.display_name,
                "labels": [],
                "createdAt": iso_ms(p.created_us),
            },
            "record": ref.record,
            "replyCount": ref.replies,
            "repostCount": ref.reposts,
            "likeCount": ref.likes,
            "quoteCount": ref.quotes,
            "indexedAt": iso_ms(ref.us + 400_000),
            "labels": [],
        }

    def _appview(
        self, endpoint: str, params: dict[str, Any], us: int, response: dict[str, Any]
    ) -> None:
        line = {
            "endpoint": endpoint,
            "params": params,
            "observed_at": iso_ms(us),
            "response": response,
        }
        assert self._afile is not None
        self._afile.write(self.enc.encode(line) + b"\n")
        self.files["bluesky/appview.jsonl"] = self.files.get("bluesky/appview.jsonl", 0) + 1

    def snapshot(self, us: int) -> None:
        """Daily AppView polling: profiles of tracked accounts, leaders' recent posts."""
        rng = self.rng
        for a in self.tracked:
            p = self.people[a]
            g = self.growth[a]
            self.fol_b[a] += round(self.fol_b[a] * g * rng.uniform(0.5, 1.5))
            self.fol_m[a] += round(self.fol_m[a] * g * rng.uniform(0.5, 1.5))
            if not p.networks & BSKY:
                continue
            us = self._stamp(us)
            self._appview(
                "app.bsky.actor.getProfile", {"actor": p.did}, us, self._profile_view(a, us)
            )
            self.c["appview_profiles"] += 1
        for li, spec in enumerate(self.leaders):
            p = self.people[spec.person]
            if not p.networks & BSKY:
                continue
            feed = [
                r
                for r in self.lfeed.get((li, BSKY), ())
                if not r.deleted and r.us >= us - FEED_WINDOW
            ]
            feed.reverse()
            cursor: str | None = None
            page_no = 0
            while True:
                page = feed[page_no * FEED_LIMIT : (page_no + 1) * FEED_LIMIT]
                params: dict[str, Any] = {
                    "actor": p.did,
                    "limit": FEED_LIMIT,
                    "filter": "posts_no_replies",
                }
                if cursor:
                    params["cursor"] = cursor
                response: dict[str, Any] = {"feed": [{"post": self._post_view(r)} for r in page]}
                more = len(feed) > (page_no + 1) * FEED_LIMIT
                if more:
                    cursor = iso_ms(page[-1].us)
                    response["cursor"] = cursor
                us = self._stamp(us)
                self._appview("app.bsky.feed.getAuthorFeed", params, us, response)
                self.c["appview_feeds"] += 1
                page_no += 1
                if not more:
                    break

    # ------------------------------------------------------------------ choices

    def _net(self, a: int) -> int:
        nets = self.people[a].networks
        if nets == BSKY | MASTO:
            return BSKY if self.rng.random() < 0.62 else MASTO
        return nets

    def _lang(self, p: Person) -> str:
        if p.country in ("BE", "CH", "CA") and self.rng.random() < 0.2:
            return "en" if p.lang == "fr" else "fr"
        return p.lang

    def _sentiment(self, kind: int) -> str:
        pos, neu = SENTIMENT[kind]
        r = self.rng.random()
        return "pos" if r < pos else "neu" if r < neu else "neg"

    def _org_for(self, p: Person) -> int:
        r = self.rng.random()
        if p.employer >= 0 and ORGS[p.employer].kind != "media" and r < 0.6:
            return p.employer
        if r < 0.8 and p.sector:
            return self.rng.choice(self.orgs_by_sector[p.sector])
        return self.company_orgs[
            bisect.bisect(self.company_cum, self.rng.random() * self.company_cum[-1])
        ]

    def _recent(self, net: int, exclude: int = -1) -> Ref | None:
        n = self.ring_n[net]
        if n == 0:
            return None
        ring = self.ring[net]
        span = min(n, RING)
        for _ in range(4):
            back = int(self.rng.expovariate(1.0 / RING_MEAN)) % span
            ref = ring[(n - 1 - back) % RING]
            if ref is not None and not ref.deleted and ref.author != exclude:
                return ref
        return None

    def _leader_target(self, net: int) -> tuple[int, Ref | None]:
        li = bisect.bisect(self.leader_cum, self.rng.random() * self.leader_cum[-1])
        if not self.people[self.leaders[li].person].networks & net:
            return -1, None
        feed = self.lfeed.get((li, net))
        ref = None
        if feed:
            ref = feed[-1 - min(len(feed) - 1, int(self.rng.expovariate(0.6)))]
            if ref.deleted:
                ref = None
        return li, ref

    def _pool_target(self, oi: int, net: int) -> Ref | None:
        pool = self.opool.get((oi, net))
        if not pool:
            return None
        ref = pool[-1 - min(len(pool) - 1, int(self.rng.expovariate(0.4)))]
        return None if ref.deleted else ref

    def _topic(self, sector: str, lang: str) -> str:
        return self.rng.choice(texts.TOPICS[sector][lang])

    def _fill(self, template: str, **values: str) -> str:
        topic = values.get("topic", "")
        return template.format(topic_cap=topic[:1].upper() + topic[1:], **values)

    def _tags(self, parts: list[Part], sector: str, lang: str, p: float = 0.3) -> None:
        r = self.rng.random()
        if r < p:
            parts.append((TEXT, " "))
            parts.append((TAG, self.rng.choice(texts.TAGS[sector][lang])))
            if r < p * 0.25:
                parts.append((TEXT, " "))
                parts.append((TAG, self.rng.choice(texts.TAGS[sector][lang])))

    @staticmethod
    def _inline_tags(text: str) -> list[Part]:
        """Turn ``#word`` tokens of a sentence into hashtag parts."""
        parts: list[Part] = []
        words = text.split(" ")
        buf: list[str] = []
        for i, word in enumerate(words):
            if word.startswith("#") and len(word) > 1:
                if buf:
                    parts.append((TEXT, " ".join(buf) + " "))
                    buf = []
                parts.append((TAG, word[1:]))
                if i < len(words) - 1:
                    parts.append((TEXT, " "))
            else:
                buf.append(word)
        if buf:
            parts.append((TEXT, " ".join(buf)))
        return parts

    # ------------------------------------------------------------------ organic activity

    def organic_post(self, us: int, a: int) -> None:
        p = self.people[a]
        kind = p.kind
        rng = self.rng
        net = self._net(a)
        if kind == BOT:
            self._bot_post(us, a, net)
            return
        if kind == MEDIA and rng.random() < 0.6 and self._media_share(us, a, net):
            return
        r = rng.random()
        if kind in (PUBLIC, EMPLOYEE, PEER, INVESTOR, POLITICIAN, JOURNALIST, TROLL) and (
            r < self.p_directed or (kind == TROLL and r < 0.5)
        ):
            self._directed_post(us, a, net)
            return
        r = rng.random()
        original, reply, repost = ACTIONS[kind]
        if r < original:
            self._original(us, a, net)
        elif r < reply:
            self._respond(us, a, net, texts.REPLY, "reply", deletable=kind == PUBLIC)
        elif r < repost:
            target = None
            if kind in (EMPLOYEE, ORG):
                oi = p.employer if kind == EMPLOYEE else self.org_index[p.org_id]
                if rng.random() < 0.75:
                    target = self._pool_target(oi, net)
            elif rng.random() < 0.25:
                _, target = self._leader_target(net)
            if target is None:
                target = self._recent(net, exclude=a)
            if target is None:
                self._original(us, a, net)
                return
            self.repost(us, a, target)
        else:
            self._respond(us, a, net, texts.QUOTE, "quote")

    def _respond(
        self, us: int, a: int, net: int, pool: Any, how: str, deletable: bool = False
    ) -> None:
        """A reply or quote (``how``) of a recent post, with a text from ``pool``; an
        original post when there is nothing recent to respond to."""
        target = self._recent(net, exclude=a)
        if target is None:
            self._original(us, a, net)
            return
        p = self.people[a]
        lang = self._lang(p)
        sent = self._sentiment(p.kind)
        self.post(
            us,
            a,
            net,
            [(TEXT, self.rng.choice(pool[lang][sent]))],
            lang,
            reply=target if how == "reply" else None,
            quote=target if how == "quote" else None,
            negative=sent == "neg",
            deletable=deletable,
        )

    def _original(self, us: int, a: int, net: int) -> None:
        p = self.people[a]
        rng = self.rng
        kind = p.kind
        lang = self._lang(p)
        sent = self._sentiment(kind)
        oi = self._org_for(p) if kind not in (ORG, MEDIA) else -1
        if kind == ORG:
            oi = self.org_index[p.org_id]
        org = ORGS[oi] if oi >= 0 else ORGS[rng.choice(self.company_orgs)]
        sector = org.sector or p.sector or rng.choice(texts.SECTORS)
        topic = self._topic(sector, lang)
        with_org = True
        if kind in (JOURNALIST, MEDIA):
            template = rng.choice(texts.JOURNALIST[lang])
        elif kind == ORG:
            template = rng.choice(texts.LEADER_POST[lang])
        elif kind == EMPLOYEE and rng.random() < 0.5:
            template = rng.choice(texts.EMPLOYEE[lang])
            sent = "pos"
        elif kind == INVESTOR:
            template = rng.choice(texts.INVESTOR[lang][sent])
        elif kind == POLITICIAN:
            template = rng.choice(texts.POLITICIAN[lang][sent])
        elif kind == TROLL:
            spec = self.leaders[rng.randrange(len(self.leaders))]
            template = rng.choice(texts.TROLL[lang])
            text = template.format(leader=self.people[spec.person].name, org=ORGS[spec.org].name)
            self.post(us, a, net, [(TEXT, text)], lang, negative=True)
            return
        elif rng.random() < 0.55:
            template = rng.choice(texts.ORIGINAL[lang][sent])
        else:
            template = rng.choice(texts.ORIGINAL_TOPIC[lang][sent])
            with_org = False
        name = org.name if not org.aliases or rng.random() < 0.85 else org.aliases[0]
        parts: list[Part] = [(TEXT, self._fill(template, org=name, topic=topic))]
        if with_org and kind != ORG and rng.random() < 0.15:
            official = self.pop.org_person[self.org_index[org.id]]
            if self.people[official].networks & net:
                parts.append((TEXT, " "))
                parts.append((MENTION, official))
        self._tags(parts, sector, lang)
        if rng.random() < 0.04:
            parts.append((TEXT, " "))
            parts.append((LINK, f"https://{org.domain}/{slugify(topic)}"))
        ref = self.post(us, a, net, parts, lang, negative=sent == "neg", deletable=kind == PUBLIC)
        if kind == ORG:
            self.opool.setdefault((oi, net), deque(maxlen=40)).append(ref)

    def _directed_post(self, us: int, a: int, net: int) -> None:
        """A post addressed to a leader: a reply to one of their posts, or a mention."""
        p = self.people[a]
        rng = self.rng
        li, target = self._leader_target(net)
        if li < 0:
            self._original(us, a, net)
            return
        spec = self.leaders[li]
        leader = self.people[spec.person]
        lang = self._lang(p)
        kind = p.kind
        sent = self._sentiment(kind)
        org = ORGS[spec.org]
        if kind == TROLL:
            text = rng.choice(texts.TROLL[lang]).format(leader=leader.name, org=org.name)
        elif target is not None and rng.random() < 0.6:
            self.post(
                us,
                a,
                net,
                [(TEXT, rng.choice(texts.REPLY[lang][sent]))],
                lang,
                reply=target,
                negative=sent == "neg",
            )
            return
        else:
            text = self._fill(
                rng.choice(texts.ORIGINAL[lang][sent]),
                org=org.name,
                topic=self._topic(org.sector, lang),
            )
        if target is not None and kind == TROLL and rng.random() < 0.4:
            self.post(us, a, net, [(TEXT, text)], lang, reply=target, negative=True)
            return
        parts: list[Part] = [(MENTION, spec.person), (TEXT, " " + text)]
        self.post(us, a, net, parts, lang, negative=sent == "neg" or kind == TROLL)

    def _bot_post(self, us: int, a: int, net: int) -> None:
        rng = self.rng
        p = self.people[a]
        if rng.random() < 0.15:
            target = self._recent(net, exclude=a)
            if target is not None:
                self.repost(us, a, target)
                return
        lang = p.lang
        oi = rng.choice(self.company_orgs)
        org = ORGS[oi]
        template = rng.choice(texts.BOT[lang])
        text = template.format(
            ticker=org.ticker,
            sign=rng.choice("+-"),
            pct=f"{rng.uniform(0.1, 4.5):.1f}",
            org=org.name,
            job=rng.choice(texts.JOBS[lang]),
            n=str(rng.randint(3, 60)),
            topic=self._topic(org.sector, lang),
        )
        if lang == "fr":
            text = text.replace(".", ",", 1) if "%" in text and "Cours" in text else text
        self.post(us, a, net, self._inline_tags(text), lang)

    def _media_share(self, us: int, a: int, net: int) -> bool:
        feed_id = self.feed_of_org.get(self.org_index[self.people[a].org_id])
        if feed_id is None or not self.feeds[feed_id].items:
            return False
        items = self.feeds[feed_id].items
        item = items[-1 - min(len(items) - 1, int(self.rng.expovariate(0.3)))]
        self.post(us, a, net, [(TEXT, item.title + " "), (LINK, item.link)], self.people[a].lang)
        return True

    def organic_like(self, us: int, a: int) -> None:
        net = self._net(a)
        r = self.rng.random()
        target: Ref | None = None
        if r < 0.3:
            _, target = self._leader_target(net)
        elif r < 0.4:
            target = self._pool_target(self.rng.choice(self.company_orgs), net)
        if target is None:
            target = self._recent(net, exclude=a)
        if target is not None:
            self.like(us, a, target)

    def organic_follow(self, us: int, a: int) -> None:
        rng = self.rng
        net = self._net(a)
        b = rng.choice(self.tracked) if rng.random() < 0.5 else rng.randrange(len(self.people))
        if b == a or not self.people[b].networks & net or not self.active[b]:
            return
        self.follow(us, a, b, net)

    # ------------------------------------------------------------------ leaders

    def _on_mention(self, li: int, ref: Ref) -> None:
        spec = self.leaders[li]
        st = self.conv[li]
        key = (ref.net, ref.author)
        if key not in st.first_mention:
            st.first_mention[key] = ref.us
        prob = spec.reply_probability
        if self.people[ref.author].kind == TROLL:
            prob *= 0.05
        day = (ref.us - self.start_us) // DAY
        if st.scheduled.get(day, 0) >= 60 or self.rng.random() >= prob:
            return
        st.scheduled[day] = st.scheduled.get(day, 0) + 1
        if spec.style == "converser":
            delay = min(20 * HOUR, int(100 * MINUTE * math.exp(self.rng.gauss(0.0, 0.8))))
        else:
            delay = int(26 * HOUR * math.exp(self.rng.gauss(0.0, 0.5)))
        self._push(ref.us + max(3 * MINUTE, delay), "lreply", li, ref)

    def leader_reply(self, us: int, li: int, target: Ref) -> None:
        if target.deleted:
            return
        spec = self.leaders[li]
        lang = target.lang if target.lang in ("fr", "en") else self.people[spec.person].lang
        text = self.rng.choice(texts.LEADER_REPLY[lang])
        ref = self.post(us, spec.person, target.net, [(TEXT, text)], lang, reply=target)
        st = self.conv[li]
        st.replies += 1
        if ref.us - target.us <= 48 * HOUR:
            st.answered.add((target.net, target.author))
            st.response_minutes.append((ref.us - target.us) / MINUTE)

    def leader_post(
        self,
        us: int,
        li: int,
        event: Planted | None = None,
        text: str | None = None,
        tag: str | None = None,
    ) -> None:
        spec = self.leaders[li]
        p = self.people[spec.person]
        org = ORGS[spec.org]
        rng = self.rng
        lang = self._lang(p)
        if text is None:
            text = self._fill(
                rng.choice(texts.LEADER_POST[lang]),
                org=org.name,
                topic=self._topic(org.sector, lang),
            )
        parts: list[Part] = [(TEXT, text)]
        if tag:
            parts += [(TEXT, " "), (TAG, tag)]
        else:
            self._tags(parts, org.sector, lang, 0.4)
        official = self.pop.org_person[spec.org]
        mention_org = rng.random() < 0.3
        for net in (BSKY, MASTO):
            if not p.networks & net:
                continue
            net_parts = list(parts)
            if mention_org and self.people[official].networks & net:
                net_parts += [(TEXT, " "), (MENTION, official)]
            ref = self.post(
                us, spec.person, net, net_parts, lang, event=event, keep_record=net == BSKY
            )
            self.lfeed.setdefault((li, net), deque(maxlen=60)).append(ref)
            self.opool.setdefault((spec.org, net), deque(maxlen=40)).append(ref)
            self.conv[li].originals += 1
            us += self.rng.randrange(5_000_000, 90_000_000)

    def leader_repost(self, us: int, li: int) -> None:
        spec = self.leaders[li]
        p = self.people[spec.person]
        net = self._net(spec.person)
        target = self._pool_target(spec.org, net)
        if target is None or target.author == p.idx:
            return
        self.repost(us, spec.person, target)
        self.conv[li].reposts += 1

    # ------------------------------------------------------------------ web

    def _make_feeds(self) -> None:
        for oi, org in enumerate(ORGS):
            if org.kind == "media":
                feed = Feed(
                    id=f"news-{org.id}",
                    format="rss",
                    title=org.name,
                    site=f"https://{org.domain}/",
                    self_url=f"https://{org.domain}/rss.xml",
                    lang=org.lang,
                    description=org.tagline_fr if org.lang == "fr" else org.tagline_en,
                    author=org.name,
                    owner=org.id,
                )
            else:
                feed = Feed(
                    id=f"newsroom-{org.id}",
                    format="rss",
                    title=f"{org.name} - Newsroom",
                    site=f"https://{org.domain}/newsroom/",
                    self_url=f"https://{org.domain}/newsroom/rss.xml",
                    lang=org.lang,
                    description=org.tagline_fr if org.lang == "fr" else org.tagline_en,
                    author=org.name,
                    owner=org.id,
                )
            self.feeds[feed.id] = feed
            self.feed_of_org[oi] = feed.id
        for li, spec in enumerate(self.leaders):
            if not spec.blog:
                continue
            p = self.people[spec.person]
            host = f"{spec.id}.blog.example"
            feed = Feed(
                id=f"blog-{spec.id}",
                format="atom",
                title=f"{p.name} - Blog",
                site=f"https://{host}/",
                self_url=f"https://{host}/feed.atom",
                lang=p.lang,
                description=spec.role,
                author=p.name,
                owner=spec.id,
            )
            self.feeds[feed.id] = feed
            self.feed_of_leader[li] = feed.id

    def _add_item(
        self, feed_id: str, us: int, title: str, summary: str, author: str, categories: list[str]
    ) -> FeedItem:
        feed = self.feeds[feed_id]
        if feed.lang == "fr":
            title, summary = texts.elide(title), texts.elide(summary)
        self.article_no += 1
        d = iso_ms(us)[:10]
        slug = slugify(title)[:60]
        if feed.format == "atom":
            host = feed.site.split("/")[2]
            link = f"{feed.site}{d[:4]}/{d[5:7]}/{slug}-{self.article_no}"
            guid = f"tag:{host},{d}:/{slug}-{self.article_no}"
        else:
            link = f"{feed.site}{d.replace('-', '/')}/{slug}-{self.article_no}"
            guid = f"{feed.site.split('/')[2]}:item:{self.article_no}"
        item = FeedItem(
            title=title,
            link=link,
            guid=guid,
            published_us=us,
            summary=summary,
            author=author,
            categories=categories,
        )
        feed.items.append(item)
        self.c["web_items"] += 1
        return item

    def article(
        self,
        us: int,
        oi: int,
        event: Planted | None = None,
        title: str | None = None,
        summary: str | None = None,
        about: int = -1,
    ) -> FeedItem:
        """A news article on a media site, shared by the outlet and often its journalist."""
        rng = self.rng
        media = ORGS[oi]
        lang = media.lang
        subject = ORGS[about if about >= 0 else rng.choice(self.company_orgs)]
        topic = self._topic(subject.sector, lang)
        sent = rng.choice(("pos", "neu", "neu", "neg"))
        if title is None:
            title = self._fill(
                rng.choice(texts.HEADLINE[lang][sent]), org=subject.name, topic=topic
            )
        if summary is None:
            summary = self._fill(
                rng.choice(texts.ARTICLE_LEAD[lang]), org=subject.name, topic=topic
            )
        writers = self.journalists_of.get(oi) or []
        writer = rng.choice(writers) if writers else -1
        author = (
            self.people[writer].name
            if writer >= 0
            else ("La rédaction" if lang == "fr" else "Staff")
        )
        item = self._add_item(
            self.feed_of_org[oi], us, title, summary, author, [subject.sector or "economie"]
        )
        outlet = self.pop.org_person[oi]
        self._push(us + rng.randrange(2, 20) * MINUTE, "share", outlet, item, event)
        if writer >= 0 and rng.random() < 0.5:
            self._push(us + rng.randrange(5, 90) * MINUTE, "share", writer, item, event)
        return item

    def share(self, us: int, a: int, item: FeedItem, event: Planted | None) -> None:
        p = self.people[a]
        lang = p.lang
        lead = ("Mon article : " if lang == "fr" else "My story: ") if p.kind == JOURNALIST else ""
        parts: list[Part] = [(TEXT, f"{lead}{item.title} "), (LINK, item.link)]
        for net in (BSKY, MASTO):
            if p.networks & net and (p.kind != JOURNALIST or net == self._net(a)):
                self.post(us, a, net, parts, lang, event=event)
                us += self.rng.randrange(1_000_000, 30_000_000)

    def blog_post(self, us: int, li: int) -> None:
        spec = self.leaders[li]
        p = self.people[spec.person]
        org = ORGS[spec.org]
        topic = self._topic(org.sector, p.lang)
        title = self._fill(self.rng.choice(texts.BLOG_TITLE[p.lang]), topic=topic)
        summary = self._fill(self.rng.choice(texts.ARTICLE_LEAD[p.lang]), org=org.name, topic=topic)
        item = self._add_item(self.feed_of_leader[li], us, title, summary, p.name, [org.sector])
        self._push(us + 30 * MINUTE, "share", spec.person, item, None)

    def newsroom(
        self,
        us: int,
        oi: int,
        title: str | None = None,
        summary: str = "",
        event: Planted | None = None,
    ) -> FeedItem:
        org = ORGS[oi]
        if title is None:
            topic = self._topic(org.sector, org.lang)
            title = self._fill(
                self.rng.choice(texts.NEWSROOM_TITLE[org.lang]), org=org.name, topic=topic
            )
            summary = self._fill(
                self.rng.choice(texts.ARTICLE_LEAD[org.lang]), org=org.name, topic=topic
            )
        item = self._add_item(
            self.feed_of_org[oi],
            us,
            title,
            summary,
            org.name,
            ["communiqué" if org.lang == "fr" else "press release"],
        )
        self._push(us + 10 * MINUTE, "share", self.pop.org_person[oi], item, event)
        return item
